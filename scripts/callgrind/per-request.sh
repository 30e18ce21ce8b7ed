#!/usr/bin/env bash
# Instructions per proxied GET of a release binary, by callgrind (deterministic, unlike timings):
# (I(2400) - I(400)) / 2000 over 4 keep-alive connections, a Python upstream, the full pipeline
# (valid JWT, limiter, CORS, access log, metrics). Needs valgrind and python3.
#
#   scripts/callgrind/per-request.sh .build/release/aegis-gateway
#
# The callgrind outputs stay in $OUT (default /tmp/aegis-callgrind) for callgrind_annotate.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "$1")
out=${OUT:-/tmp/aegis-callgrind}
mkdir -p "$out"
strip --strip-debug -o "$out/gw.stripped" "$bin"
export JWT_SECRET=cg-secret API_GATEWAY_PORT=18500 METRICS_PORT=18501 API_GATEWAY_HOST=127.0.0.1
export RATE_LIMIT_PER_MINUTE=6000000000 RATE_LIMIT_BURST=100000000
for v in ORCHESTRATION_URL MEMORY_URL KNOWLEDGE_GRAPH_URL APPROVAL_URL INGESTION_URL COMPLIANCE_URL FLARING_URL AUTH_URL; do
    export "$v=http://127.0.0.1:18580"
done
token=$("$bin" token --user-id u1 --roles user)
total() {
    local n=$1
    python3 "$here/upstream.py" 18580 & local up=$!
    taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$out/out.$n" "$out/gw.stripped" > "$out/gw.$n.log" 2>&1 &
    local gw=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null localhost:18500/health && break; sleep 0.5; done
    python3 "$here/client.py" 18500 "$n" "$token"
    kill -INT $gw; wait $gw || true; kill $up
    callgrind_annotate "$out/out.$n" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
small=$(total 400)
large=$(total 2400)
echo "instructions per proxied GET: $(( (large - small) / 2000 ))"
