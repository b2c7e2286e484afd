#!/bin/sh
# bench_rlnc.sh — HORC recovery (RLNC over GF(256)) throughput beside memcpy; see bench_rlnc.c.
# BENCH_RLNC_KB sets the slice size (default 256 KB, 32 slices = 8 MB of source data).
: "${HOLO_BENCH:?HOLO_BENCH not set (run via make bench)}"
exec "$HOLO_BENCH/bench_rlnc" "${BENCH_RLNC_KB:-256}"
