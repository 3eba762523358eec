#!/usr/bin/env bash
# Runs every benchmark of BENCHMARKS.md, one after the other, and keeps
# each one's output in target/bench-results/<UTC date-time>/.
#
#   bench/run-all.sh            # the full set: about 10 minutes on 2 cores
#   QUICK=1 bench/run-all.sh    # smaller counts and 1 run each, a smoke test
#
# Needs root (or sudo-less apt) the first time, to install postfix
# (smtp-sink, smtp-source), hyperfine and time from Debian's packages, and
# network access to PyPI for Django (bench/django-peer.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=target/bench-results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
if [ -n "${QUICK:-}" ]; then
  export RUNS=1 COUNT=2000 SIZES="20000"
fi

run() { # run NAME COMMAND...
  local name=$1
  shift
  echo "== $name: $*" | tee "$OUT/$name.txt"
  "$@" 2>&1 | tee -a "$OUT/$name.txt"
}

run cold bench/cold.sh
run dry-run bench/dry-run.sh
run smtp-throughput bench/smtp-throughput.sh
run django-peer bench/django-peer.sh
run compose cargo bench --bench compose
echo "results in $OUT"
