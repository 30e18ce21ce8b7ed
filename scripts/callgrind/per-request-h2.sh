#!/usr/bin/env bash
# Instructions per proxied GET over HTTP/2 + TLS, by callgrind (steadier than the timings of
# ../shared/bench/h2.sh, but repeats differ by up to ~+-6k: how many streams one read brings
# varies under valgrind, so compare two or three runs): (I(2400) - I(400)) / 2000 with h2load
# on one connection x 100 streams (scenario b's shape), a Python upstream, the full pipeline
# (valid JWT, limiter, CORS, access log, metrics). The handshake and start-up are in both runs and cancel out.
# Needs valgrind, h2load (nghttp2-client), openssl and python3.
#
#   scripts/callgrind/per-request-h2.sh .build/release/aegis-gateway
#
# The callgrind outputs stay in $OUT (default /tmp/aegis-callgrind-h2) for callgrind_annotate.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "$1")
out=${OUT:-/tmp/aegis-callgrind-h2}
mkdir -p "$out"
strip --strip-debug -o "$out/gw.stripped" "$bin"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$out/key.pem" -out "$out/cert.pem" -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
export JWT_SECRET=cg-secret API_GATEWAY_PORT=18510 METRICS_PORT=18511 API_GATEWAY_HOST=127.0.0.1
export TLS_CERT_FILE="$out/cert.pem" TLS_KEY_FILE="$out/key.pem"
export RATE_LIMIT_PER_MINUTE=6000000000 RATE_LIMIT_BURST=100000000
for v in ORCHESTRATION_URL MEMORY_URL KNOWLEDGE_GRAPH_URL APPROVAL_URL INGESTION_URL COMPLIANCE_URL FLARING_URL AUTH_URL; do
    export "$v=http://127.0.0.1:18590"
done
token=$("$bin" token --user-id u1 --roles user)
total() {
    local n=$1
    python3 "$here/upstream.py" 18590 & local up=$!
    taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$out/out.$n" "$out/gw.stripped" > "$out/gw.$n.log" 2>&1 &
    local gw=$!
    for _ in $(seq 1 100); do curl -sk -o /dev/null https://127.0.0.1:18510/health && break; sleep 0.5; done
    local report
    report=$(h2load -n "$n" -c 1 -m 100 -H "authorization: Bearer $token" https://127.0.0.1:18510/api/v1/conversations)
    grep -q "$n succeeded" <<<"$report" || { echo "h2load: not every request succeeded" >&2; echo "$report" >&2; exit 1; }
    kill -INT $gw; wait $gw || true; kill $up
    callgrind_annotate "$out/out.$n" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
small=$(total 400)
large=$(total 2400)
echo "instructions per proxied GET over HTTP/2: $(( (large - small) / 2000 ))"
