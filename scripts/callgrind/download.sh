#!/usr/bin/env bash
# Instructions per 16 KiB of a 64 MiB download through the gateway over TLS, by callgrind, for
# HTTP/1.1 and HTTP/2 (the SPEC §17 download of scripts/bench-download.sh): (I(3) - I(1)) / 2 /
# 4096 with curl fetching the file 1 and 3 times, so start-up and the handshake cancel out.
# Needs valgrind, curl, nginx (the origin, from ../shared/bench) and openssl.
#
#   scripts/callgrind/download.sh .build/release/aegis-gateway
#
# The callgrind outputs stay in $OUT/{http1.1,http2}/out.{1,3} (default /tmp/aegis-callgrind-download).
source "$(dirname "$0")/../bench-setup.sh"
out=${OUT:-/tmp/aegis-callgrind-download}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
start_origin 18081 $((64 << 20))
strip --strip-debug -o "$tmp/gw" "$binary"
# total VERSION N: the gateway's instructions while curl downloads the file N times.
total() {
    local dir="$out/${1#--}"
    mkdir -p "$dir"
    env API_GATEWAY_PORT=18444 API_GATEWAY_HOST=127.0.0.1 TLS_CERT_FILE="$tmp/cert.pem" TLS_KEY_FILE="$tmp/key.pem" \
        JWT_SECRET="$secret" METRICS_PORT=0 LOG_LEVEL=warning APPROVAL_URL=http://127.0.0.1:18081 \
        RATE_LIMIT_PER_MINUTE=6000000000 RATE_LIMIT_BURST=100000000 \
        taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$dir/out.$2" "$tmp/gw" >"$dir/gw.$2.log" 2>&1 &
    local gw=$!
    for _ in $(seq 1 200); do curl -sk -o /dev/null https://127.0.0.1:18444/health && break; sleep 0.2; done
    for _ in $(seq 1 "$2"); do
        result=$(taskset -c 1 curl -sk "$1" -o /dev/null -w '%{http_code} %{size_download}' \
            -H "Authorization: Bearer $jwt" https://127.0.0.1:18444/api/v1/approvals/big.bin || true)
        [[ $result == "200 $((64 << 20))" ]] || { echo "$1: failed download: ${result:-no answer}" >&2; exit 1; }
    done
    kill -INT $gw; wait $gw || true
    callgrind_annotate "$dir/out.$2" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
for version in --http1.1 --http2; do
    one=$(total "$version" 1)
    three=$(total "$version" 3)
    echo "$version: $(( (three - one) / 2 / 4096 )) instructions per 16 KiB"
done
