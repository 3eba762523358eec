#!/usr/bin/env bash
# Composition without the network: `newsletter send --dry-run` (renders and
# composes every message, sends and writes nothing) over 100,000 and
# 200,000 and 1,000,000 generated subscribers, timed with /usr/bin/time -v for the wall
# time and the peak resident memory.
#
#   bench/dry-run.sh                 # 200000 and 1000000, 1 run each
#   SIZES="200000" RUNS=3 bench/dry-run.sh
#
# Targets: at least 40,000 messages/s at 200,000 subscribers, peak RSS
# unchanged or lower (issue #9); peak RSS under 64 MiB at 1,000,000
# subscribers (issue #5).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SIZES=${SIZES:-"200000 1000000"}
RUNS=${RUNS:-1}

need /usr/bin/time time
build_release
machine
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

printf '%-12s %-4s %8s %8s %12s %16s %14s\n' subscribers run "wall s" "CPU s" "messages/s" "msg/CPU-second" "peak RSS MiB"
for n in $SIZES; do
  make_project "$TMP/p$n" "$n"
  for r in $(seq 1 "$RUNS"); do
    (cd "$TMP/p$n" && /usr/bin/time -v -o "$TMP/time" "$BIN" --now "$NOW" send --dry-run >"$TMP/out" 2>"$TMP/err") ||
      { cat "$TMP/err" "$TMP/time" >&2; exit 1; }
    count=$(sed -n 's/^recipients: \([0-9]*\).*/\1/p' "$TMP/out")
    [ "$count" = "$n" ] || { echo "expected $n recipients, got '$count'" >&2; cat "$TMP/out" >&2; exit 1; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$TMP/time")
    cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$TMP/time")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$TMP/time")
    printf '%-12s %-4s %8s %8s %12.0f %16.0f %14s\n' "$n" "$r" "$wall" "$cpu" "$(div "$n" "$wall")" "$(div "$n" "$cpu")" "$rss"
  done
  grep '^composed' "$TMP/out"
  rm -rf "$TMP/p$n"
done
