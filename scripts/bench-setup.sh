# Sourced by the scripts/bench-*.sh: the release binary (or $1), a temporary folder cleaned up on
# exit with every process started, and an nginx origin on CPU 1 serving the harness's upstream
# config (any path: a small JSON; /approvals/big.bin: a file of the size asked for).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
binary=${1:-}
if [[ -z $binary ]]; then
    swift build -c release --static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked --product aegis-gateway
    binary="$PWD/.build/release/aegis-gateway"
fi
lib=../shared/bench/lib
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
secret="bench-secret-0123456789abcdef0123456789abcdef"
jwt=$(python3 "$lib/mint_jwt.py" "$secret" aegis-gateway bench-user user)

# start_origin PORT BYTES: the nginx origin, its big.bin BYTES long.
start_origin() {
    mkdir -p "$tmp/www/approvals" "$tmp/up"
    head -c "$2" /dev/urandom >"$tmp/www/approvals/big.bin"
    local user_line=""
    [[ $(id -u) -eq 0 ]] && user_line="user root;"
    sed -e "s|@USER_LINE@|$user_line|" -e "s|@DIR@|$tmp/up|g" -e "s|@PORT@|$1|" -e "s|@WWW@|$tmp/www|" \
        "$lib/upstream-nginx.conf.in" >"$tmp/up/nginx.conf"
    taskset -c 1 nginx -p "$tmp/up" -c "$tmp/up/nginx.conf" -e "$tmp/up/error.log" &
    pids+=($!)
}

# await_url URL: until it answers (10 s at most).
await_url() {
    for _ in $(seq 1 100); do curl -sk -o /dev/null "$1" && return 0; sleep 0.1; done
    echo "no answer from $1" >&2
    return 1
}

# cpu_ns PID: the CPU time in nanoseconds PID's live threads have used (the scheduler's count,
# finer than /proc/PID/stat's clock ticks of 10 ms; the gateway's threads live as long as it).
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ sum += $1 } END { printf "%.0f\n", sum }'; }
