"""Checks a newsletter feed with feedparser (see bench/check-feed.sh).

Every entry's summary must be HTML without markup whose text is exactly
the description's: `html.unescape(summary)` equals the text, so a reader
showing the summary shows the text, `<https://...>` and `<script>` as
written. The channel and every entry must name the author (an address and
a name, from `email (Name)`).
"""

import html
import re
import sys

import feedparser

EXPECTED = {
    "1-performance": "Performance: Django profiling · Watch <script>alert(\"x\")</script>"
    " & 'friends' <img src=x onerror=alert(1)> · Database optimization at scale",
}
CONTAINS = {
    "python-packaging": "uv package manager <https://github.com/astral-sh/uv> · Adventures",
}
AUTHOR = ("program@djangocon.us", "DjangoCon US Program Committee")


def main(path):
    feed = feedparser.parse(path)
    problems = []
    if feed.bozo:
        problems.append(f"not well-formed: {feed.bozo_exception}")
    subtitle = feed.feed.get("subtitle", "")
    want = "<b>Talks</b> & more: one topic idea a week"
    if re.search(r"<[a-zA-Z/!]", subtitle) or not html.unescape(subtitle).startswith(want):
        problems.append(f"channel description shows {html.unescape(subtitle)!r}")
    detail = feed.feed.get("author_detail", {})
    if (detail.get("email"), detail.get("name")) != AUTHOR:
        problems.append(f"channel author: {detail!r}")
    if not feed.entries:
        problems.append("no entries")
    for entry in feed.entries:
        summary = entry.get("summary", "")
        text = html.unescape(summary)
        if re.search(r"<[a-zA-Z/!]", summary):
            problems.append(f"{entry.link}: markup in the summary: {summary!r}")
        for slug, want in EXPECTED.items():
            if slug in entry.link and text != want:
                problems.append(f"{entry.link}: shows {text!r}, wanted {want!r}")
        for slug, want in CONTAINS.items():
            if slug in entry.link and want not in text:
                problems.append(f"{entry.link}: {want!r} missing from {text!r}")
        detail = entry.get("author_detail", {})
        if (detail.get("email"), detail.get("name")) != AUTHOR:
            problems.append(f"{entry.link}: author {detail!r}")
    for p in problems:
        print("FAIL", p)
    print(f"{len(feed.entries)} entries checked with feedparser {feedparser.__version__}: "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
