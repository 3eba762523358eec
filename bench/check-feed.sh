#!/usr/bin/env bash
# The feed as feedparser (Python's feed library, behind rss2email and many
# readers) sees it (not part of `cargo test`, which checks the same with
# feed-rs and roxmltree): builds a project from the shipped files with a
# hostile topic (`<script>`, `<img onerror>`, `&`, quotes) and channel
# description, publishes the feed, and checks with bench/check_feed.py that
# every summary and the channel's description show exactly their text
# (links like `<https://...>` included, no markup), and
# that the channel and every item name the author from newsletter.from.
# Exits non-zero on any difference.
#
#   bench/check-feed.sh                  # as of 2024-05-01 (9 issues out)
#   NOW=2024-05-20 bench/check-feed.sh   # every issue, last call included
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
mkdir -p "$DIR/content"
cp config.toml "$DIR/"
cp content/topics.md content/tips.md "$DIR/content/"
cp -r content/notes "$DIR/content/"
python3 - "$DIR/content/topics.md" "$DIR/config.toml" <<'PY'
import sys
topics, config = sys.argv[1:]
text = open(topics, encoding="utf-8").read()
hostile = "* Watch <script>alert(\"x\")</script> & 'friends' <img src=x onerror=alert(1)>\n"
text = text.replace("* Django profiling\n", "* Django profiling\n" + hostile, 1)
open(topics, "w", encoding="utf-8").write(text)
text = open(config, encoding="utf-8").read()
text = text.replace('description = "One topic', 'description = "<b>Talks</b> & more: one topic', 1)
open(config, "w", encoding="utf-8").write(text)
PY
(cd "$DIR" && NEWSLETTER_UNSUBSCRIBE_SECRET=k "$OLDPWD/target/debug/newsletter" feed --now "$NOW")
python3 bench/check_feed.py "$DIR/public/feed.xml"
