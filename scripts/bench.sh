#!/usr/bin/env bash
# The benchmarks in one command: builds the release binary, then runs the shared harness
# (../shared/bench, one core each) against it and nginx.
#
#   scripts/bench.sh [h1|h2|all] [--repeat N]
#
# h1: run.sh, HTTP/1.1 scenarios a/b/c beside nginx and the Go reference (about 8 minutes).
# h2: h2.sh, HTTP/2 over TLS with h2load, a = 64 connections x 10 streams, b = 1 x 100,
#     c = 64 KiB bodies, beside nginx as an h2 TLS proxy with the same TLS settings.
# The machine must be quiet: no build or test beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
shift || true
repeat=(--repeat 3)
if [[ ${1:-} == --repeat ]]; then repeat=(--repeat "$2"); fi
bench=../shared/bench
swift build -c release --static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked --product aegis-gateway
binary="$PWD/.build/release/aegis-gateway"
copy=$(mktemp /tmp/aegis-bench-XXXXXX)
cp "$binary" "$copy"
trap 'rm -f "$copy"' EXIT
if [[ $which == h1 || $which == all ]]; then
    "$bench/run.sh" "${repeat[@]}" nginx goref "cmd:exec $copy"
fi
if [[ $which == h2 || $which == all ]]; then
    "$bench/h2.sh" "${repeat[@]}" nginx "cmd:exec $copy"
fi
