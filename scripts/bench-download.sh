#!/usr/bin/env bash
# SPEC §17: one 64 MiB download over one HTTP/2 stream is no slower than over HTTP/1.1.
# Both over TLS through the release gateway (one core), from an nginx upstream on the other core;
# curl downloads the file five times each way and prints the median seconds and MiB/s.
#
#   scripts/bench-download.sh [BINARY]
source "$(dirname "$0")/bench-setup.sh"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
start_origin 18081 $((64 << 20))
u=http://127.0.0.1:18081
env API_GATEWAY_PORT=18444 API_GATEWAY_HOST=127.0.0.1 TLS_CERT_FILE="$tmp/cert.pem" TLS_KEY_FILE="$tmp/key.pem" \
    JWT_SECRET="$secret" METRICS_PORT=0 LOG_LEVEL=warning APPROVAL_URL=$u \
    taskset -c 0 "$binary" >"$tmp/gateway.log" 2>&1 &
pids+=($!)
await_url https://127.0.0.1:18444/health
for version in --http1.1 --http2; do
    times=()
    for _ in 1 2 3 4 5; do
        times+=("$(curl -sfk "$version" -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $jwt" \
            https://127.0.0.1:18444/api/v1/approvals/big.bin)")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
    echo "$version: median $median s ($(echo "64 / $median" | bc -l | cut -c1-6) MiB/s) of ${times[*]}"
done
