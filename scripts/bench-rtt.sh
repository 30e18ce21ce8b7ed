#!/usr/bin/env bash
# SPEC §17: one 64 MiB transfer over one HTTP/2 stream is no slower than over HTTP/1.1 where the
# windows, not the gateway's CPU, would limit it: a path with a round trip (DELAY_MS each way,
# default 10) and a bandwidth (at most INFLIGHT bytes in flight each way, default 4 MiB), made by
# scripts/delay-relay.py in front of the release gateway (CPU 0; TLS). curl (CPU 1) downloads
# the file from an nginx origin and uploads one as large to scripts/upload-sink.py, RUNS times
# each way (default 3), alternating HTTP/1.1 and HTTP/2; prints each transfer's seconds.
#
#   scripts/bench-rtt.sh [BINARY]
source "$(dirname "$0")/bench-setup.sh"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
start_origin 18081 $((64 << 20))
taskset -c 1 python3 scripts/upload-sink.py 18082 &
pids+=($!)
env API_GATEWAY_PORT=18444 API_GATEWAY_HOST=127.0.0.1 TLS_CERT_FILE="$tmp/cert.pem" TLS_KEY_FILE="$tmp/key.pem" \
    JWT_SECRET="$secret" METRICS_PORT=0 LOG_LEVEL=warning APPROVAL_URL=http://127.0.0.1:18081 \
    INGESTION_URL=http://127.0.0.1:18082 RATE_LIMIT_PER_MINUTE=6000000000 RATE_LIMIT_BURST=100000000 \
    taskset -c 0 "$binary" >"$tmp/gateway.log" 2>&1 &
pids+=($!)
taskset -c 1 python3 scripts/delay-relay.py 18445 18444 "${DELAY_MS:-10}" "${INFLIGHT:-4194304}" >/dev/null &
pids+=($!)
await_url https://127.0.0.1:18444/health
await_url https://127.0.0.1:18445/health
head -c $((64 << 20)) /dev/urandom >"$tmp/upload.bin"
echo "# 64 MiB over a path of $((2 * ${DELAY_MS:-10})) ms round trip, ${INFLIGHT:-4194304} bytes in flight each way"
for _ in $(seq 1 "${RUNS:-3}"); do
    for version in --http1.1 --http2; do
        down=$(taskset -c 1 curl -sk "$version" -o /dev/null -w '%{http_code} %{size_download} %{time_total}' \
            -H "Authorization: Bearer $jwt" https://127.0.0.1:18445/api/v1/approvals/big.bin)
        up=$(taskset -c 1 curl -sk "$version" -o /dev/null -w '%{http_code} %{size_upload} %{time_total}' \
            -H "Authorization: Bearer $jwt" --data-binary @"$tmp/upload.bin" https://127.0.0.1:18445/api/v1/ingest/csv)
        for result in "$down" "$up"; do
            if [[ $result != "200 $((64 << 20)) "* ]]; then
                echo "$version: failed transfer: $result" >&2
                exit 1
            fi
        done
        echo "$version download ${down##* } s, upload ${up##* } s"
    done
done
