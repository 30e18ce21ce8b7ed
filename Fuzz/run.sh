#!/usr/bin/env bash
# Builds the gateway's fuzz targets with libFuzzer and AddressSanitizer (debug, so the bounds
# checks of unsafe buffers stay on too) and runs them.
#
#   Fuzz/run.sh [TARGET|all] [SECONDS]     # default: all, 60 s each
#   Fuzz/run.sh list                       # the targets
#
# Each target first replays its committed seeds (Corpus/TARGET) and past crash inputs
# (Regressions/TARGET), then fuzzes for SECONDS with a working corpus in work/TARGET (not
# committed). A crash leaves its input in artifacts/ and makes the script exit non-zero.
set -euo pipefail
cd "$(dirname "$0")"

TARGETS=(FuzzRequestHead FuzzUpstreamResponse FuzzChunkedBody FuzzUpstreamDifferential FuzzRequestDifferential FuzzJWT FuzzIPAddress FuzzRESP FuzzHTTP2Fields FuzzHTTP2ReadAligner)
what=${1:-all}
seconds=${2:-60}

if [[ "$what" == list ]]; then printf '%s\n' "${TARGETS[@]}"; exit 0; fi
if [[ "$what" == all ]]; then selected=("${TARGETS[@]}"); else selected=("$what"); fi
for target in "${selected[@]}"; do
    [[ " ${TARGETS[*]} " == *" $target "* ]] || { echo "unknown target: $target (see: $0 list)" >&2; exit 2; }
done

export SWIFT_BACKTRACE=enable=no
# SwiftPM passes each --sanitize as its own -sanitize= flag, and swiftc keeps only the last of
# them (in an order that changes between runs): Swift code then got coverage without
# AddressSanitizer, or the reverse. The combined flag, given last, gives both.
flags=(--sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address)
# The build's own status decides (the filter below only trims its output), so a failed build
# never runs the binaries of an earlier one. After a source file is deleted, a local Fuzz/.build
# may need `rm Fuzz/.build/*/debug/description.json` (SwiftPM: "missing inputs").
mkdir -p artifacts
built=0
swift build "${flags[@]}" > artifacts/build.log 2>&1 || built=$?
grep -a -v -e '^\[' -e 'ld.gold: warning' artifacts/build.log || true
if ((built != 0)); then echo "fuzz build failed (artifacts/build.log)" >&2; exit 1; fi
bin=$(swift build "${flags[@]}" --show-bin-path)
for target in "${selected[@]}"; do
    [[ -x "$bin/$target" ]] || { echo "build failed: $bin/$target missing" >&2; exit 1; }
done
# Both instrumentations must be in the gateway's own code, or fuzzing proves little.
probe=$(find "$bin" -path '*GatewayCore.build/ByteWriter.swift.o' | head -1)
sections=$(objdump -h "$probe")
symbols=$(nm "$probe")
if [[ "$sections" != *__sancov_cntrs* || "$symbols" != *__asan* ]]; then
    echo "GatewayCore is not built with both coverage and AddressSanitizer ($probe)" >&2
    exit 1
fi

max_len() {
    case "$1" in
        FuzzChunkedBody) echo 512 ;;
        FuzzIPAddress) echo 512 ;;
        FuzzRESP) echo 2048 ;;
        FuzzHTTP2Fields) echo 1024 ;;
        FuzzJWT) echo 4096 ;;
        *) echo 20000 ;;
    esac
}

status=0
for target in "${selected[@]}"; do
    mkdir -p "work/$target" "artifacts" "Corpus/$target" "Regressions/$target"
    echo "== $target: replaying seeds and regressions"
    inputs=(Corpus/"$target"/* Regressions/"$target"/*)
    existing=()
    for f in "${inputs[@]}"; do [[ -f "$f" ]] && existing+=("$f"); done
    if ((${#existing[@]})); then
        "$bin/$target" -runs=1 "${existing[@]}" > "artifacts/$target-replay.log" 2>&1 || {
            tail -30 "artifacts/$target-replay.log"; status=1; continue; }
    fi
    echo "== $target: fuzzing for ${seconds}s"
    if ! "$bin/$target" "work/$target" "Corpus/$target" -max_total_time="$seconds" -max_len="$(max_len "$target")" \
        -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="artifacts/$target-" \
        > "artifacts/$target.log" 2>&1; then
        tail -40 "artifacts/$target.log"
        status=1
        continue
    fi
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|cov: ' "artifacts/$target.log" | tail -3
done
exit $status
