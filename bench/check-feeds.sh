#!/usr/bin/env bash
# The three feeds (RSS, Atom, JSON Feed) as feedparser sees them (not part
# of `cargo test`, which checks the same with feed-rs): builds a project from
# the shipped files with a hostile topic and a category note, publishes the
# feeds, and checks with bench/check_feeds.py that feedparser reads RSS and
# Atom without complaint, each in its format (feedparser 6.0, the released
# version, reads no JSON Feed: that file is read as JSON and its content
# sanitized by feedparser's sanitizer), and finds the same entries in all
# three: ids, titles, dates, summaries and content; that the Atom file
# keeps RFC 4287's required elements, and the JSON Feed JSON Feed 1.1's.
# Exits non-zero on any difference.
#
# The W3C feed validator's code is not on PyPI (no `feedvalidator`
# package), so it is not run here; `jsonfeedvalidator` on PyPI knows only
# JSON Feed 1.0, so check_feeds.py checks 1.1's rules itself.
#
#   bench/check-feeds.sh                  # as of 2024-05-01 (9 issues out)
#   NOW=2024-05-20 bench/check-feeds.sh   # every issue, last call included
set -euo pipefail
cd "$(dirname "$0")/.."
NOW=${NOW:-2024-05-01}
if ! python3 -c 'import feedparser' 2>/dev/null; then
  echo "installing feedparser from PyPI" >&2
  python3 -m pip install --quiet feedparser
fi
cargo build --quiet
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cp config.toml "$DIR/"
cp -r content "$DIR/"
python3 - "$DIR/content" <<'PY'
import sys, pathlib
content = pathlib.Path(sys.argv[1])
topics = content / "topics.md"
text = topics.read_text(encoding="utf-8")
hostile = "* Watch <script>alert(\"x\")</script> & 'friends' <img src=x onerror=alert(1)>\n"
topics.write_text(text.replace("* Django profiling\n", "* Django profiling\n" + hostile, 1), encoding="utf-8")
(content / "notes" / "api.md").write_text(
    "Tell us what *broke*. <b>Raw</b> & [a link](https://example.org/?a=1&b=2).\n", encoding="utf-8")
PY
(cd "$DIR" && NEWSLETTER_UNSUBSCRIBE_SECRET=k "$OLDPWD/target/debug/newsletter" feed --now "$NOW")
python3 bench/check_feeds.py "$DIR/public"
