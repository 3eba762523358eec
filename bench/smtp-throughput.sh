#!/usr/bin/env bash
# SMTP throughput against the practical limit: `newsletter send` over SMTP
# to a local `smtp-sink` (Postfix's test server, which accepts and discards
# everything) versus Postfix's `smtp-source` sending the same number of
# messages of the same size to the same sink, alternating the two.
#
#   bench/smtp-throughput.sh                        # concurrency 1 4 16, 3 runs each
#   CONCURRENCY="4" RUNS=5 COUNT=5000 bench/smtp-throughput.sh
#
# `smtp-source -d` keeps each session's connection open between messages,
# as our sender does (without -d it reconnects for every message: see
# PITFALLS.md). Each newsletter run starts from a fresh state database
# (otherwise the second run has nobody left to send to) and records every
# delivery as usual (WAL journal, synchronous=NORMAL).
#
# Target (issues #5 and #9): newsletter / smtp-source >= 0.8 at every
# concurrency, concurrency 4 above all (median of the runs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CONCURRENCY=${CONCURRENCY:-"1 4 16"}
RUNS=${RUNS:-3}
COUNT=${COUNT:-20000}

need_postfix_tools
build_release
machine
sink_project "$COUNT"

# The real size of one message (what goes after DATA), for smtp-source -l.
(cd "$P" && "$BIN" --now "$NOW" preview --format eml --to reader1@example.com >"$TMP/one.eml" 2>/dev/null)
SIZE=$(wc -c <"$TMP/one.eml")
HEAD=$(awk '/^\r?$/ { print NR; exit }' "$TMP/one.eml")
echo "messages: $COUNT; one message is $SIZE bytes on the wire ($HEAD header lines); smtp-source -l $SIZE"
echo "smtp-sink on 127.0.0.1:$SINK_PORT"

source_run() { # concurrency -> seconds
  local t0 t1
  t0=$(now_s)
  smtp-source -d -s "$1" -m "$COUNT" -l "$SIZE" -f program@djangocon.us -t reader@example.com \
    "127.0.0.1:$SINK_PORT" >"$TMP/src.out" 2>&1 ||
    { echo "smtp-source failed:" >&2; cat "$TMP/src.out" >&2; exit 1; }
  t1=$(now_s)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

printf '\n%-11s %-4s %-13s %10s %12s\n' concurrency run sender seconds messages/s
summary=()
for c in $CONCURRENCY; do
  : >"$TMP/n" && : >"$TMP/s" && : >"$TMP/r"
  for r in $(seq 1 "$RUNS"); do
    tn=$(newsletter_send "$P" "$c" "$COUNT")
    printf '%-11s %-4s %-13s %10s %12.0f\n' "$c" "$r" newsletter "$tn" "$(div "$COUNT" "$tn")"
    ts=$(source_run "$c")
    printf '%-11s %-4s %-13s %10s %12.0f\n' "$c" "$r" smtp-source "$ts" "$(div "$COUNT" "$ts")"
    echo "$(div "$COUNT" "$tn")" >>"$TMP/n"
    echo "$(div "$COUNT" "$ts")" >>"$TMP/s"
    # The ratio of this pair of neighbouring runs (same machine load).
    echo "$(div "$ts" "$tn")" >>"$TMP/r"
  done
  n=$(median <"$TMP/n")
  s=$(median <"$TMP/s")
  best_n=$(sort -g "$TMP/n" | tail -1)
  best_s=$(sort -g "$TMP/s" | tail -1)
  summary+=("$(printf '%-11s %16.0f %17.0f %14s %14s %12s' "$c" "$n" "$s" "$(div "$n" "$s")" "$(median <"$TMP/r")" "$(div "$best_n" "$best_s")")")
done
printf '\nmedians (%s runs each, %s messages of %s bytes); target: ratio >= 0.8\n' "$RUNS" "$COUNT" "$SIZE"
printf '%-11s %16s %17s %14s %14s %12s\n' concurrency "newsletter msg/s" "smtp-source msg/s" "ratio medians" "median pairs" "best/best"
printf '%s\n' "${summary[@]}"
