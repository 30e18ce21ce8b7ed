#!/usr/bin/env bash
# Memory an HTTP/2 client can make the gateway hold with 1-byte DATA frames (h2c, release build):
# the gateway's peak resident memory (VmHWM) before and after each case, a gateway of its own each.
#   held:       8 streams × 1,040,000 frames to an upstream that never reads (bounded by the
#               windows: each stream holds what its upstream has not taken)
#   misaligned: one stream × 8,000,000 frames to an upstream that reads, every write 5 bytes out
#               of step with the frames (swift-nio-http2's decoder grew by all it read; see
#               HTTP2ReadAligner)
#
#   scripts/h2-memory-probe.sh [BINARY]
source "$(dirname "$0")/bench-setup.sh"
python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 18083)); s.listen(64)
kept = []
while True:
    kept.append(s.accept()[0])
' &
pids+=($!)
python3 scripts/upload-sink.py 18084 &
pids+=($!)
probe() {  # NAME UPSTREAM_PORT FRAMES STREAMS SHIFT
    env API_GATEWAY_PORT=18446 API_GATEWAY_HOST=127.0.0.1 JWT_SECRET="$secret" METRICS_PORT=0 LOG_LEVEL=warning \
        INGESTION_URL="http://127.0.0.1:$2" RATE_LIMIT_PER_MINUTE=6000000000 RATE_LIMIT_BURST=100000000 \
        "$binary" >"$tmp/gateway.log" 2>&1 &
    local gateway=$!
    await_url http://127.0.0.1:18446/health
    local before
    before=$(awk '/VmHWM/ { print $2 }' /proc/$gateway/status)
    python3 scripts/h2-tiny-frames.py 18446 "$jwt" "$3" "$4" "$5" | tail -1
    echo "$1: peak resident memory $((before / 1024)) MiB before, $(( $(awk '/VmHWM/ { print $2 }' /proc/$gateway/status) / 1024 )) MiB after"
    kill "$gateway"
    wait "$gateway" 2>/dev/null || true
}
probe held 18083 1040000 8 0
probe misaligned 18084 8000000 1 5
