"""Checks the three feeds of a newsletter with feedparser (see
bench/check-feeds.sh).

RSS and Atom must parse without a bozo flag as their own format (rss20,
atom10); released feedparser reads no JSON Feed, so that file is read with
`json` and its content passed through feedparser's sanitizer. All three must hold the same entries in the same order: the
same id, link, title, publication date, summary text and content HTML.
The Atom file must keep RFC 4287's required elements (checked with the
standard library's strict XML parser); the JSON Feed file JSON Feed 1.1's
(version, title, items with an id and content, RFC 3339 dates).
"""

import html
import json
import sys
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import feedparser

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(feed):
    out = []
    for e in feed.entries:
        content = e.get("content", [{}])[0].get("value", "")
        out.append({
            "id": e.get("id"),
            "link": e.get("link"),
            "title": e.get("title"),
            "published": tuple(e.get("published_parsed") or ()),
            "summary": html.unescape(e.get("summary", "")),
            "content": content,
        })
    return out


def json_entries(path):
    """JSON Feed items as feedparser shows entries: released feedparser
    (6.0) reads no JSON Feed, so the file is read with `json`, the dates
    parsed as feedparser parses them and the content sanitized with
    feedparser's own sanitizer."""
    from feedparser.datetimes import _parse_date
    from feedparser.sanitizer import _sanitize_html

    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return [{
        "id": item.get("id"),
        "link": item.get("url"),
        "title": item.get("title"),
        "published": tuple(_parse_date(item.get("date_published", "")) or ()),
        "summary": item.get("summary", ""),
        "content": _sanitize_html(item.get("content_html", ""), "utf-8", "text/html"),
    } for item in doc.get("items", [])]


def atom_rules(path, problems):
    root = ET.parse(path).getroot()
    for name in ("id", "title", "updated"):
        if root.find(ATOM + name) is None:
            problems.append(f"atom: the feed has no <{name}>")
    if root.find(ATOM + "author") is None:
        problems.append("atom: the feed has no <author>")
    for entry in root.findall(ATOM + "entry"):
        for name in ("id", "title", "updated"):
            if entry.find(ATOM + name) is None:
                problems.append(f"atom: an entry has no <{name}>")
        if not entry.findtext(ATOM + "id", "").startswith("https://"):
            problems.append("atom: an entry's id is not an absolute URL")


def json_rules(path, problems):
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"json: version {doc.get('version')!r}")
    for key in ("title", "home_page_url", "feed_url"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            problems.append(f"json: no {key}")
    for item in doc.get("items", []):
        if not isinstance(item.get("id"), str):
            problems.append("json: an item's id is not a string")
        if not (item.get("content_html") or item.get("content_text")):
            problems.append(f"json: {item.get('id')}: no content")
        try:
            datetime.fromisoformat(item["date_published"])
        except (KeyError, ValueError):
            problems.append(f"json: {item.get('id')}: date_published is not RFC 3339")
        for a in item.get("authors", []):
            if not a.get("name"):
                problems.append(f"json: {item.get('id')}: an author without a name")


def main(folder):
    folder = Path(folder)
    problems = []
    feeds = {}
    for name, want in (("feed.xml", "rss20"), ("atom.xml", "atom10")):
        feed = feedparser.parse(str(folder / name))
        if feed.bozo:
            problems.append(f"{name}: {feed.bozo_exception}")
        if feed.version != want:
            problems.append(f"{name}: read as {feed.version!r}, wanted {want!r}")
        feeds[name] = entries(feed)
    feeds["feed.json"] = json_entries(folder / "feed.json")
    rss = feeds["feed.xml"]
    if not rss:
        problems.append("feed.xml: no entries")
    for name in ("atom.xml", "feed.json"):
        other = feeds[name]
        if len(other) != len(rss):
            problems.append(f"{name}: {len(other)} entries, RSS has {len(rss)}")
        for a, b in zip(rss, other):
            for key in a:
                if a[key] != b[key]:
                    problems.append(f"{name}: {a['id']}: {key} differs: {b[key]!r} vs RSS {a[key]!r}")
    if not any("Tell us what" in e["content"] for e in rss):
        problems.append("the API note is in no entry's content")
    if any("<script" in e["content"] for e in rss):
        problems.append("a <script> element reached the content")
    atom_rules(folder / "atom.xml", problems)
    json_rules(folder / "feed.json", problems)
    for p in problems:
        print("FAIL", p)
    print(f"{len(rss)} entries in each of 3 feeds checked with feedparser "
          f"{feedparser.__version__}: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
