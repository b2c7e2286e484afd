#!/bin/sh
# run.sh — `make bench`: run every bench/bench_*.sh in order. Each prints a table of figures with
# its baselines beside it. Needs HOLO_BIN, HOLO_TOOLS and HOLO_BENCH (set by the Makefile).
cd "$(dirname "$0")/.." || exit 1
status=0
for b in bench/bench_*.sh; do
    [ -f "$b" ] || continue
    echo "== $(basename "$b" .sh)"
    sh "$b" || { echo "$b failed" >&2; status=1; }
    echo
done
exit $status
