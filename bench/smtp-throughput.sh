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
# Target (issue #5): newsletter / smtp-source >= 0.8 at every concurrency
# (median of the runs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CONCURRENCY=${CONCURRENCY:-"1 4 16"}
RUNS=${RUNS:-3}
COUNT=${COUNT:-20000}

installed_postfix=0
if ! command -v smtp-sink >/dev/null 2>&1 && [ ! -x /usr/sbin/smtp-sink ]; then
  echo "installing Debian's postfix (for smtp-sink and smtp-source)" >&2
  # Only the two test programs are used; the mail daemon is not wanted.
  debconf-set-selections <<<"postfix postfix/main_mailer_type select No configuration" 2>/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null; }
  installed_postfix=1
fi
PATH=$PATH:/usr/sbin
if [ "$installed_postfix" = 1 ] && postfix status >/dev/null 2>&1; then
  postfix stop >/dev/null 2>&1 || true
fi

build_release
machine
TMP=$(mktemp -d)
SINK_PID=
cleanup() {
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

PORT=$(free_port)
# smtp-sink must drop root privileges when started as root.
user_opt=()
[ "$(id -u)" = 0 ] && user_opt=(-u nobody)
smtp-sink "${user_opt[@]}" -h sink.test "127.0.0.1:$PORT" 1024 &
SINK_PID=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

P=$TMP/project
make_project "$P" "$COUNT"
set_key "$P/config.toml" delivery transport '"smtp"'
set_key "$P/config.toml" smtp host '"127.0.0.1"'
set_key "$P/config.toml" smtp port "$PORT"
set_key "$P/config.toml" smtp security '"none"'
del_key "$P/config.toml" smtp username

# The real size of one message (what goes after DATA), for smtp-source -l.
(cd "$P" && "$BIN" --now "$NOW" preview --format eml --to reader1@example.com >"$TMP/one.eml" 2>/dev/null)
SIZE=$(wc -c <"$TMP/one.eml")
HEAD=$(awk '/^\r?$/ { print NR; exit }' "$TMP/one.eml")
echo "messages: $COUNT; one message is $SIZE bytes on the wire ($HEAD header lines); smtp-source -l $SIZE"
echo "smtp-sink on 127.0.0.1:$PORT"

newsletter_run() { # concurrency -> seconds
  rm -rf "$P/state"
  set_key "$P/config.toml" delivery concurrency "$1"
  local t0 t1
  t0=$(now_s)
  (cd "$P" && "$BIN" --now "$NOW" send >"$TMP/out" 2>"$TMP/err") ||
    { echo "newsletter send failed:" >&2; cat "$TMP/out" "$TMP/err" >&2; exit 1; }
  t1=$(now_s)
  grep -q "sent $COUNT, failed 0, pending 0" "$TMP/out" ||
    { echo "newsletter did not send $COUNT:" >&2; cat "$TMP/out" >&2; exit 1; }
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

source_run() { # concurrency -> seconds
  local t0 t1
  t0=$(now_s)
  smtp-source -d -s "$1" -m "$COUNT" -l "$SIZE" -f program@djangocon.us -t reader@example.com \
    "127.0.0.1:$PORT" >"$TMP/src.out" 2>&1 ||
    { echo "smtp-source failed:" >&2; cat "$TMP/src.out" >&2; exit 1; }
  t1=$(now_s)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

printf '\n%-11s %-4s %-13s %10s %12s\n' concurrency run sender seconds messages/s
summary=()
for c in $CONCURRENCY; do
  : >"$TMP/n" && : >"$TMP/s"
  for r in $(seq 1 "$RUNS"); do
    t=$(newsletter_run "$c")
    printf '%-11s %-4s %-13s %10s %12.0f\n' "$c" "$r" newsletter "$t" "$(div "$COUNT" "$t")"
    div "$COUNT" "$t" >>"$TMP/n" && echo >>"$TMP/n"
    t=$(source_run "$c")
    printf '%-11s %-4s %-13s %10s %12.0f\n' "$c" "$r" smtp-source "$t" "$(div "$COUNT" "$t")"
    div "$COUNT" "$t" >>"$TMP/s" && echo >>"$TMP/s"
  done
  n=$(median <"$TMP/n")
  s=$(median <"$TMP/s")
  summary+=("$(printf '%-11s %16.0f %17.0f %8s' "$c" "$n" "$s" "$(div "$n" "$s")")")
done
printf '\nmedians (%s runs each, %s messages of %s bytes)\n' "$RUNS" "$COUNT" "$SIZE"
printf '%-11s %16s %17s %8s\n' concurrency "newsletter msg/s" "smtp-source msg/s" ratio
printf '%s\n' "${summary[@]}"
