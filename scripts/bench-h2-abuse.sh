#!/usr/bin/env bash
# SPEC §17: HTTP/2 abusers get GOAWAY and a close "without slowing others". A well-behaved client
# (wrk, 16 keep-alive connections of small authorised GETs) measures its p99 on a quiet gateway,
# then again while four abusers (rapid reset, CONTINUATION, PING and SETTINGS floods; each
# reconnecting in a loop) hit the same port over h2c. Gateway on CPU 0; upstream, wrk and the
# abusers on CPU 1.
#
#   scripts/bench-h2-abuse.sh [BINARY]
source "$(dirname "$0")/bench-setup.sh"
start_origin 18082 65536
u=http://127.0.0.1:18082
env API_GATEWAY_PORT=18445 API_GATEWAY_HOST=127.0.0.1 JWT_SECRET="$secret" METRICS_PORT=0 LOG_LEVEL=warning \
    ORCHESTRATION_URL=$u RATE_LIMIT_PER_MINUTE=6000000000 RATE_LIMIT_BURST=100000000 \
    taskset -c 0 "$binary" >"$tmp/gateway.log" 2>&1 &
pids+=($!)
await_url http://127.0.0.1:18445/health
measure() {
    taskset -c 1 wrk -t1 -c16 -d10s --latency -H "Authorization: Bearer $jwt" \
        http://127.0.0.1:18445/api/v1/conversations | awk '/ 99%/ {print $2} /Requests\/sec/ {print $2}' | paste -sd' '
}
echo "quiet:      p99, req/s = $(measure)"
abusers=()
for kind in reset continuation ping settings; do
    taskset -c 1 python3 scripts/h2-abuser.py 18445 "$kind" 12 >"$tmp/abuser-$kind.log" &
    abusers+=($!)
done
sleep 1
echo "under abuse: p99, req/s = $(measure)"
for p in "${abusers[@]}"; do wait "$p" || true; done
cat "$tmp"/abuser-*.log
