#!/usr/bin/env bash
# Checks deadline.ics with a real parser (not part of `cargo test`): on a
# copy of the shipped project, `feed` writes public/deadline.ics; Python's
# `icalendar` package (from PyPI, in a virtualenv under target/) parses it
# and checks the fields; then the deadline is extended by two weeks and
# the same event must come back with a higher SEQUENCE. Also checks that a
# rerun leaves the file byte-identical, and in three zones (America/
# New_York with a VTIMEZONE, AoE, UTC).
#
#   bench/check-calendar.sh
#
# Exits non-zero on the first failed check.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

VENV=$ROOT/target/calendar-check-venv
if [ ! -x "$VENV/bin/python" ]; then
  need python3 python3
  python3 -m venv "$VENV" 2>/dev/null || { need /usr/lib/python3/dist-packages/venv python3-venv; python3 -m venv "$VENV"; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'icalendar>=6,<7'
fi
(cd "$ROOT" && cargo build --quiet)
BIN=$ROOT/target/debug/newsletter
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

check() { # check ZONE CLOSES_LOCAL SEQUENCE
  "$VENV/bin/python" - "$TMP/p/public/deadline.ics" "$1" "$2" "$3" <<'PY'
import sys
from datetime import timedelta
import icalendar

path, zone, closes, sequence = sys.argv[1:]
raw = open(path, "rb").read()
assert b"\n" not in raw.replace(b"\r\n", b""), "bare LF"
for line in raw.split(b"\r\n"):
    assert len(line) <= 75, f"unfolded line of {len(line)} octets: {line!r}"
cal = icalendar.Calendar.from_ical(raw)
assert cal["VERSION"] == "2.0" and cal["PRODID"], "VCALENDAR header"
events = cal.walk("VEVENT")
assert len(events) == 1, f"{len(events)} events"
e = events[0]
assert str(e["UID"]) == "cfp-deadline-djangocon-us-2024@2024.djangocon.us", e["UID"]
assert int(e["SEQUENCE"]) == int(sequence), (e["SEQUENCE"], sequence)
start = e.decoded("DTSTART")
assert start.strftime("%Y-%m-%dT%H:%M:%S") == closes, start
if zone == "UTC":
    assert start.utcoffset() == timedelta(0), start
    assert not cal.walk("VTIMEZONE"), "UTC needs no VTIMEZONE"
else:
    tzid = e["DTSTART"].params["TZID"]
    assert [str(t["TZID"]) for t in cal.walk("VTIMEZONE")] == [tzid], tzid
    # The VTIMEZONE alone (not the zone database) gives the offset.
    tz = cal.walk("VTIMEZONE")[0].to_tz()
    expect = {"America/New_York": -4, "AoE": -12}[zone]
    local = start.replace(tzinfo=None)
    assert tz.utcoffset(local) == timedelta(hours=expect), tz.utcoffset(local)
# DTSTAMP is the CFP's opening (2024-03-04 09:00 local) in UTC: no clock.
stamp = {"America/New_York": "14:00", "AoE": "21:00", "UTC": "09:00"}[zone]
assert e.decoded("DTSTAMP").isoformat() == f"2024-03-04T{stamp}:00+00:00", e.decoded("DTSTAMP")
assert str(e["URL"]) == "https://pretalx.com/djangocon-us-2024/cfp", e["URL"]
assert "DjangoCon US 2024" in str(e["SUMMARY"]), e["SUMMARY"]
assert "https://pretalx.com/djangocon-us-2024/cfp" in str(e["DESCRIPTION"]), e["DESCRIPTION"]
alarms = e.walk("VALARM")
assert len(alarms) == 1 and alarms[0].decoded("TRIGGER") == timedelta(days=-1), alarms
assert str(alarms[0]["ACTION"]) == "DISPLAY"
print(f"ok (icalendar {icalendar.__version__}): {zone}, DTSTART {start.isoformat()}, SEQUENCE {sequence}")
PY
}

for zone in America/New_York AoE UTC; do
  rm -rf "$TMP/p"
  mkdir -p "$TMP/p/content"
  cp "$ROOT/config.toml" "$TMP/p/"
  cp "$ROOT/content/topics.md" "$ROOT/content/tips.md" "$TMP/p/content/"
  cp -r "$ROOT/content/notes" "$TMP/p/content/"
  sed -i "s|^timezone = \"America/New_York\"|timezone = \"$zone\"|" "$TMP/p/config.toml"
  (cd "$TMP/p" && "$BIN" feed --now 2024-04-01 >/dev/null)
  check "$zone" 2024-05-17T23:59:00 0
  before=$(sha256sum "$TMP/p/public/deadline.ics")
  (cd "$TMP/p" && "$BIN" feed --now 2024-04-01 >/dev/null)
  [ "$before" = "$(sha256sum "$TMP/p/public/deadline.ics")" ] || { echo "rerun changed deadline.ics" >&2; exit 1; }
  sed -i 's|^closes = 2024-05-17T23:59:00|closes = 2024-05-31T23:59:00|' "$TMP/p/config.toml"
  (cd "$TMP/p" && "$BIN" feed --now 2024-04-01 >/dev/null)
  check "$zone" 2024-05-31T23:59:00 1
done
echo "deadline.ics: every check passed"
