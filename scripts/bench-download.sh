#!/usr/bin/env bash
# SPEC §17: one 64 MiB download over one HTTP/2 stream against HTTP/1.1, here where the proxy's CPU
# is the limit (scripts/bench-rtt.sh measures it where the path is). Both over TLS through the
# release gateway (CPU 0), from an nginx upstream on CPU 1; curl (CPU 1) downloads the file RUNS
# times each way (default 15), alternating, and prints each way's median seconds, MiB/s and the
# gateway's CPU time per download. Then h2load (CPU 1; `--h1` for HTTP/1.1), whose decryption
# costs less than curl's, downloads it RUNS times on one connection each way, three rounds, from
# the gateway and from nginx as an h2 TLS proxy (CPU 0, the reference): seconds and CPU per
# download. curl shares CPU 1 with the upstream and is near its limit there; with h2load the
# proxy's CPU is the limit.
#
#   scripts/bench-download.sh [BINARY]
source "$(dirname "$0")/bench-setup.sh"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
start_origin 18081 $((64 << 20))
u=http://127.0.0.1:18081
env API_GATEWAY_PORT=18444 API_GATEWAY_HOST=127.0.0.1 TLS_CERT_FILE="$tmp/cert.pem" TLS_KEY_FILE="$tmp/key.pem" \
    JWT_SECRET="$secret" METRICS_PORT=0 LOG_LEVEL=warning APPROVAL_URL=$u RATE_LIMIT_PER_MINUTE=6000000000 \
    RATE_LIMIT_BURST=100000000 \
    taskset -c 0 "$binary" >"$tmp/gateway.log" 2>&1 &
pids+=($!)
await_url https://127.0.0.1:18444/health
runs=${RUNS:-15}
gateway=${pids[-1]}
declare -A times cpu
for _ in $(seq 1 "$runs"); do
    for version in --http1.1 --http2; do
        before=$(cpu_ns "$gateway")
        result=$(taskset -c 1 curl -sk "$version" -o /dev/null -w '%{http_code} %{size_download} %{time_total}' \
            -H "Authorization: Bearer $jwt" https://127.0.0.1:18444/api/v1/approvals/big.bin || true)
        cpu[$version]=$(( ${cpu[$version]:-0} + $(cpu_ns "$gateway") - before ))
        if [[ $result != "200 $((64 << 20)) "* ]]; then
            echo "$version: failed download: ${result:-no answer}" >&2
            exit 1
        fi
        times[$version]+="${result##* } "
    done
done
for version in --http1.1 --http2; do
    median=$(printf '%s\n' ${times[$version]} | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    per=$(echo "${cpu[$version]} / 1000000 / $runs" | bc -l | cut -c1-5)
    echo "$version: median $median s ($(echo "64 / $median" | bc -l | cut -c1-6) MiB/s), gateway CPU $per ms per download; all: ${times[$version]}"
done
command -v h2load >/dev/null || exit 0
mkdir -p "$tmp/px"
user_line=""
[[ $(id -u) -eq 0 ]] && user_line="user root;"
cat >"$tmp/px/nginx.conf" <<EOF
$user_line
worker_processes 1; daemon off; pid $tmp/px/nginx.pid; error_log $tmp/px/error.log warn;
events { worker_connections 1024; }
http {
  access_log off; keepalive_timeout 75s; keepalive_requests 1000000;
  client_body_temp_path $tmp/px/cb; proxy_temp_path $tmp/px/p; fastcgi_temp_path $tmp/px/f;
  uwsgi_temp_path $tmp/px/u; scgi_temp_path $tmp/px/s;
  upstream origin { server 127.0.0.1:18081; keepalive 16; }
  server {
    listen 127.0.0.1:18445 ssl http2;
    ssl_certificate $tmp/cert.pem; ssl_certificate_key $tmp/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache off; ssl_session_tickets off;
    location /api/v1/approvals/ { proxy_pass http://origin/approvals/; proxy_http_version 1.1;
      proxy_set_header Connection ""; proxy_buffers 8 64k; proxy_max_temp_file_size 0; }
  }
}
EOF
taskset -c 0 nginx -p "$tmp/px" -c "$tmp/px/nginx.conf" -e "$tmp/px/error.log" &
pids+=($!)
await_url https://127.0.0.1:18445/api/v1/approvals/
nginx_worker=$(pgrep -P "$(cat "$tmp/px/nginx.pid")" | head -1)
for round in 1 2 3; do
    for target in "gateway 18444 $gateway" "nginx 18445 $nginx_worker"; do
        read -r name port pid <<<"$target"
        for version in --h1 --h2; do
            before=$(cpu_ns "$pid")
            took=$(taskset -c 1 h2load ${version/--h2/} -n "$runs" -c 1 -m 1 -H "Authorization: Bearer $jwt" \
                "https://127.0.0.1:$port/api/v1/approvals/big.bin" |
                awk '/^finished in/ { sub(",", "", $3); print $3 } /^status codes/ { print $3 }' | paste -sd' ')
            if [[ $took != *" $runs" ]]; then
                echo "h2load $name $version: failed: $took" >&2
                exit 1
            fi
            per=$(echo "($(cpu_ns "$pid") - $before) / 1000000 / $runs" | bc -l | cut -c1-5)
            echo "h2load $name $version round $round: ${took%% *} for $runs downloads, CPU $per ms per download"
        done
    done
done
