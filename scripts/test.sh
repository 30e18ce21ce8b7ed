#!/usr/bin/env bash
# The one test command: installs what the tests need and is missing (Debian's redis-server for the
# shared rate-limit tests, chromium for the browser test), builds, and runs the whole suite. Arguments go to
# `swift test` (say, --filter RESP).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v redis-server >/dev/null || need+=(redis-server)  # the shared rate-limit tests
command -v chromium >/dev/null || need+=(chromium)          # the browser test of HTTP/2 streams
if [[ ${#need[@]} -gt 0 ]]; then
    echo "installing ${need[*]} (Debian packages) for the tests" >&2
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
swift build
if [[ $# -gt 0 ]]; then
    exec swift test "$@"
fi
# The one-minute shared-limit accuracy test loads both cores with eight gateways: it runs alone,
# after the rest, so neither disturbs the other's timing.
swift test --skip SharedRateLimitAccuracyTests
swift test --skip-build --filter SharedRateLimitAccuracyTests
