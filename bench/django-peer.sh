#!/usr/bin/env bash
# Against the peer a Django organizer would use: the same messages (the
# shipped issue's HTML and text, a personal To and List-Unsubscribe) sent
# through Django's mail API (EmailMultiAlternatives over one connection, as
# send_mass_mail does; bench/django_peer.py) and through `newsletter send`
# at concurrency 1, 4 (the shipped default) and 16, to one local
# smtp-sink, alternating.
#
#   bench/django-peer.sh                  # 20000 messages, 3 runs each
#   RUNS=1 COUNT=2000 bench/django-peer.sh
#
# Django renders no template per recipient here (the body is the same for
# everybody), so it does less work per message than newsletter, which
# renders both parts for each subscriber.
#
# Target (issue #5): newsletter sends at least 10 times Django's rate.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
COUNT=${COUNT:-20000}
CONCURRENCY=${CONCURRENCY:-"1 4 16"}
VENV=${VENV:-$ROOT/target/django-venv}

need_postfix_tools
build_release
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import django' 2>/dev/null; then
  echo "creating $VENV with Django from PyPI" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check Django
fi
machine
echo "django $("$VENV/bin/python" -c 'import django; print(django.get_version())'), $("$VENV/bin/python" --version)"
sink_project "$COUNT"

# The body Django sends: the shipped issue as rendered for one subscriber.
(cd "$P" && "$BIN" --now "$NOW" preview --format html --to reader1@example.com --out "$TMP/body.html" 2>"$TMP/subject")
(cd "$P" && "$BIN" --now "$NOW" preview --format text --to reader1@example.com --out "$TMP/body.txt" 2>/dev/null)
SUBJECT=$(sed -n 's/^Subject: //p' "$TMP/subject")
echo "messages: $COUNT; subject: $SUBJECT"

django() { # [--build] -> messages/s
  "$VENV/bin/python" "$ROOT/bench/django_peer.py" --port "$SINK_PORT" --subscribers "$P/content/subscribers.csv" \
    --html "$TMP/body.html" --text "$TMP/body.txt" --subject "$SUBJECT" "$@" >"$TMP/django.out"
  cat "$TMP/django.out" >&2
  sed -n 's/.* = \([0-9]*\) messages\/s.*/\1/p' "$TMP/django.out"
}

printf '\n%-4s %-16s %12s\n' run sender messages/s
: >"$TMP/django"
for c in $CONCURRENCY; do : >"$TMP/n$c"; done
for r in $(seq 1 "$RUNS"); do
  d=$(django 2>/dev/null)
  printf '%-4s %-16s %12s\n' "$r" django "$d"
  echo "$d" >>"$TMP/django"
  for c in $CONCURRENCY; do
    t=$(newsletter_send "$P" "$c" "$COUNT")
    n=$(div "$COUNT" "$t")
    printf '%-4s %-16s %12.0f\n' "$r" "newsletter c=$c" "$n"
    echo "$n" >>"$TMP/n$c"
  done
done
build=$(django --build 2>/dev/null)
echo "django, building only (no sending): $build messages/s ($(cat "$TMP/django.out"))"

dj=$(median <"$TMP/django")
printf '\nmedians (%s runs each, %s messages)\n' "$RUNS" "$COUNT"
printf '%-16s %12s %18s\n' sender messages/s "ratio to django"
printf '%-16s %12.0f %18s\n' django "$dj" 1
for c in $CONCURRENCY; do
  n=$(median <"$TMP/n$c")
  printf '%-16s %12.0f %18s\n' "newsletter c=$c" "$n" "$(div "$n" "$dj")"
done
