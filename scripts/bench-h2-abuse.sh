#!/usr/bin/env bash
# SPEC §17: HTTP/2 abusers get GOAWAY and a close "without slowing others". A well-behaved client
# (wrk, 16 keep-alive connections of small authorised GETs) measures its p99 on a quiet gateway,
# then again while four abusers (rapid reset, CONTINUATION, PING and SETTINGS floods; each
# reconnecting in a loop, each from its own address: 127.0.0.10-13) hit the same port over h2c.
# Gateway on CPU 0; upstream, wrk and the abusers on CPU 1, the abusers at nice 19: the question
# is what they cost the gateway (its CPU share is printed too), not what four Python loops take
# from wrk on a shared core. ABUSE_BAN_SECONDS (default 10) is given to the gateway as
# HTTP2_ABUSE_BAN_SECONDS (0: abusers are cut, never refused).
#
#   scripts/bench-h2-abuse.sh [BINARY]
source "$(dirname "$0")/bench-setup.sh"
start_origin 18082 65536
u=http://127.0.0.1:18082
env API_GATEWAY_PORT=18445 API_GATEWAY_HOST=127.0.0.1 JWT_SECRET="$secret" METRICS_PORT=0 LOG_LEVEL=warning \
    ORCHESTRATION_URL=$u HTTP2_ABUSE_BAN_SECONDS="${ABUSE_BAN_SECONDS:-10}" RATE_LIMIT_PER_MINUTE=6000000000 RATE_LIMIT_BURST=100000000 \
    taskset -c 0 "$binary" >"$tmp/gateway.log" 2>&1 &
gateway=$!
pids+=($gateway)
await_url http://127.0.0.1:18445/health
measure() {
    local before after
    before=$(cpu_ns "$gateway")
    taskset -c 1 wrk -t1 -c16 -d10s --latency -H "Authorization: Bearer $jwt" \
        http://127.0.0.1:18445/api/v1/conversations | awk '/ 99%/ {print $2} /Requests\/sec/ {print $2}' | paste -sd' '
    after=$(cpu_ns "$gateway")
    echo "gateway CPU $(( (after - before) / 100000000 ))%"
}
echo "quiet:      p99, req/s = $(measure | paste -sd' ')"
abusers=()
octet=10
for kind in reset continuation ping settings; do
    taskset -c 1 nice -n 19 python3 scripts/h2-abuser.py 18445 "$kind" 12 "127.0.0.$octet" >"$tmp/abuser-$kind.log" &
    octet=$((octet + 1))
    abusers+=($!)
done
sleep 1
echo "under abuse: p99, req/s = $(measure | paste -sd' ')"
for p in "${abusers[@]}"; do wait "$p" || true; done
cat "$tmp"/abuser-*.log
