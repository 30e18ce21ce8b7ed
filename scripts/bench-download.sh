#!/usr/bin/env bash
# SPEC §17: one 64 MiB download over one HTTP/2 stream is no slower than over HTTP/1.1.
# Both over TLS through the release gateway (one core), from an nginx upstream on the other core;
# curl downloads the file five times each way and prints the median seconds and MiB/s.
#
#   scripts/bench-download.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-}
if [[ -z $binary ]]; then
    swift build -c release --static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked --product aegis-gateway
    binary="$PWD/.build/release/aegis-gateway"
fi
lib=../shared/bench/lib
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
mkdir -p "$tmp/www/approvals" "$tmp/up"
head -c $((64 << 20)) /dev/urandom >"$tmp/www/approvals/big.bin"
user_line=""
[[ $(id -u) -eq 0 ]] && user_line="user root;"
sed -e "s|@USER_LINE@|$user_line|" -e "s|@DIR@|$tmp/up|g" -e "s|@PORT@|18081|" -e "s|@WWW@|$tmp/www|" \
    "$lib/upstream-nginx.conf.in" >"$tmp/up/nginx.conf"
taskset -c 1 nginx -p "$tmp/up" -c "$tmp/up/nginx.conf" -e "$tmp/up/error.log" &
pids+=($!)
secret="bench-secret-0123456789abcdef0123456789abcdef"
jwt=$(python3 "$lib/mint_jwt.py" "$secret" aegis-gateway bench-user user)
u=http://127.0.0.1:18081
env API_GATEWAY_PORT=18444 API_GATEWAY_HOST=127.0.0.1 TLS_CERT_FILE="$tmp/cert.pem" TLS_KEY_FILE="$tmp/key.pem" \
    JWT_SECRET="$secret" METRICS_PORT=0 LOG_LEVEL=warning APPROVAL_URL=$u \
    taskset -c 0 "$binary" >"$tmp/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sk -o /dev/null https://127.0.0.1:18444/health && break; sleep 0.1; done
for version in --http1.1 --http2; do
    times=()
    for _ in 1 2 3 4 5; do
        times+=("$(curl -sfk "$version" -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $jwt" \
            https://127.0.0.1:18444/api/v1/approvals/big.bin)")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
    echo "$version: median $median s ($(echo "64 / $median" | bc -l | cut -c1-6) MiB/s) of ${times[*]}"
done
