#!/usr/bin/env bash
# Live mode, before and after (issue 15, BENCHMARKS.md run 7): Veneer binaries built from
# different commits, each in turn as L (live mode, var/bench/live.toml, port 4896) in front of
# the same slapd A (4890), every round measuring A directly and then through L with
# `veneer bench`, and reading both processes' CPU time from /proc around each measurement.
# Prints ops/s, L/A, and CPU per operation of Veneer and of slapd (direct and through L).
#
#   bash Tests/Scripts/bench.sh --skip-build --live --serve --idle 0 &   # A, B, C, L; wait for it
#   git checkout <before> && swift build -c release --product veneer && cp .build/release/veneer /tmp/veneer-before
#   git checkout <after>  && swift build -c release --product veneer && cp .build/release/veneer /tmp/veneer-after
#   bash Tests/Scripts/live-ab.sh "before after" "search-uid bind phonebook" "8 64" 2
#
# Never part of the test command; it reports and never fails on a figure.
set -euo pipefail
binaries=$1 workloads=$2 connections=$3 rounds=${4:-2} duration=${5:-4}
root=$(cd "$(dirname "$0")/../.." && pwd)
state=$root/var/bench
slapd_pid=$(cat "$state/small-slapd.pid" 2>/dev/null || pgrep -f "small-slapd.conf" | head -1)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime
measure() {  # url workload connections veneer-pid -> "ops/s veneer-ticks slapd-ticks"
    local v0 s0 line v1 s1
    v0=$(ticks "$4"); s0=$(ticks "$slapd_pid")
    line=$(/tmp/veneer-"${binaries%% *}" bench --url "$1" --base dc=example,dc=com --workload "$2" -c "$3" --users 10000 \
        --warmup 1 --duration "$duration" --filter-file "$state/small-filters.txt" --json)
    v1=$(ticks "$4"); s1=$(ticks "$slapd_pid")
    printf '%s %s %s\n' "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ops_per_s"])' "$line")" $((v1 - v0)) $((s1 - s0))
}
for round in $(seq 1 "$rounds"); do
    for binary in $binaries; do
        pkill -f "$state/live.toml" || true
        sleep 1
        (cd "$state" && "/tmp/veneer-$binary" serve --config "$state/live.toml" >"$state/live-$binary.log" 2>&1 &)
        sleep 3
        pid=$(pgrep -f "$state/live.toml")
        for workload in $workloads; do
            for conns in $connections; do
                read -r a_ops _ a_slapd <<<"$(measure ldap://127.0.0.1:4890 "$workload" "$conns" "$pid")"
                read -r l_ops l_veneer l_slapd <<<"$(measure ldap://127.0.0.1:4896 "$workload" "$conns" "$pid")"
                # CPU ticks cover the warm-up too: per operation over (warm-up + duration) at the measured rate.
                python3 - "$binary" "$workload" "$conns" "$a_ops" "$l_ops" "$l_veneer" "$l_slapd" "$a_slapd" "$duration" <<'PY'
import os, sys
binary, workload, conns, a, l, lv, ls, as_, d = sys.argv[1:]
a, l, hz, span = float(a), float(l), os.sysconf("SC_CLK_TCK"), float(d) + 1
per = lambda ticks, rate: int(ticks) / hz / (rate * span) * 1e6
print(f"{binary:10} {workload:10} c={conns:3} A {a:7.0f}  L {l:7.0f}  L/A {l / a:.2f}  Veneer {per(lv, l):7.1f} us/op  "
      f"slapd through L {per(ls, l):6.1f}, direct {per(as_, a):6.1f} us/op")
PY
            done
        done
    done
done
pkill -f "$state/live.toml" || true
