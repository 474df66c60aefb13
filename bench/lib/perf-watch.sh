#!/bin/bash
# Bench-only: watches a running `node dist/bench/run.js` (its pid, $1) for the
# service processes it starts ("main.js start"); once one listens (start-up
# done), records its CPU ticks so far and attaches `perf record -F 499` to it
# (every thread) until it exits, then notes its CPU ticks at the end.
# Output in $2: PID.perf.data, cpu.log (start-up and total ticks, user+system,
# in CLK_TCK units), watch.log. Read with bench/lib/perf-buckets.sh.
#
#   node dist/bench/run.js & bash bench/lib/perf-watch.sh $! OUT_DIR
set -u
B=$1 OUT=$2 seen=" "
mkdir -p "$OUT"
ticks() { cut -d')' -f2 "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'; }
follow() {
  local p=$1 at_start last=""
  until ss -ltnp 2>/dev/null | grep -q "pid=$p,"; do [ -e "/proc/$p" ] || return; sleep 0.1; done
  at_start=$(ticks "$p")
  echo "$(date +%T) service pid $p listening, start-up ticks $at_start" >> "$OUT/watch.log"
  perf record -F 499 -p "$p" -o "$OUT/$p.perf.data" > /dev/null 2>&1 &
  while [ -e "/proc/$p/stat" ]; do t=$(ticks "$p"); [ -n "$t" ] && last=$t; sleep 0.2; done
  echo "$p start-up $at_start total $last" >> "$OUT/cpu.log"
}
while kill -0 "$B" 2>/dev/null; do
  for p in $(pgrep -P "$B"); do
    case "$seen" in *" $p "*) continue ;; esac
    seen="$seen$p "
    if tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q "main.js start"; then follow "$p" & fi
  done
  sleep 0.1
done
wait
