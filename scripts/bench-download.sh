#!/usr/bin/env bash
# SPEC §17: one 64 MiB download over one HTTP/2 stream is no slower than over HTTP/1.1.
# Both over TLS through the release gateway (CPU 0), from an nginx upstream on CPU 1; curl (CPU 1)
# downloads the file RUNS times each way (default 15), alternating, and prints each way's median
# seconds, MiB/s and the gateway's CPU time per download. Then h2load (CPU 1; `--h1` for
# HTTP/1.1), whose decryption costs less than curl's, downloads it RUNS times on one connection
# each way, three rounds: seconds and gateway CPU per download. curl shares CPU 1 with the
# upstream and is near its limit there; with h2load the gateway's CPU is the limit.
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
if command -v h2load >/dev/null; then
    for round in 1 2 3; do
        for version in --h1 --h2; do
            before=$(cpu_ns "$gateway")
            took=$(taskset -c 1 h2load ${version/--h2/} -n "$runs" -c 1 -m 1 -H "Authorization: Bearer $jwt" \
                https://127.0.0.1:18444/api/v1/approvals/big.bin | awk '/^finished in/ { sub(",", "", $3); print $3 } /^status codes/ { print $3 }' | paste -sd' ')
            if [[ $took != *" $runs" ]]; then
                echo "h2load $version: failed: $took" >&2
                exit 1
            fi
            per=$(echo "($(cpu_ns "$gateway") - $before) / 1000000 / $runs" | bc -l | cut -c1-5)
            echo "h2load $version round $round: ${took%% *} for $runs downloads, gateway CPU $per ms per download"
        done
    done
fi
