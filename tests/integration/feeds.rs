//! Atom and JSON Feed beside RSS, and the organizer's own words (category
//! notes and rotating tips), run as processes on copies of the shipped
//! project. Every feed is parsed back with feed-rs, which reads all three.

use std::path::Path;

use crate::support::project::{Project, edit, run, text};

/// Runs `args` and expects success; returns stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
}

fn parse(dir: &Path, rel: &str) -> feed_rs::model::Feed {
    let bytes = std::fs::read(dir.join(rel)).unwrap();
    feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// What a reader shows of an entry: id, title, date, summary, content.
type Shown = (String, String, i64, String, String);

fn shown(feed: &feed_rs::model::Feed) -> Vec<Shown> {
    feed.entries
        .iter()
        .map(|e| {
            (
                e.id.clone(),
                e.title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default(),
                e.published.map(|d| d.timestamp()).unwrap_or_default(),
                e.summary
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default(),
                e.content
                    .as_ref()
                    .and_then(|c| c.body.clone())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn atom_and_json_feed_carry_the_same_items_as_rss() {
    let dir = Project::new().build();
    let said = ok(dir.path(), &["feed", "--now", "2024-03-20"]);
    assert!(
        said.starts_with("feed: ")
            && said.contains("public/feed.xml (3 items, written); atom: ")
            && said.contains("public/atom.xml (written); json feed: ")
            && said.contains("public/feed.json (written); archive: "),
        "{said}"
    );
    let rss = parse(dir.path(), "public/feed.xml");
    let atom = parse(dir.path(), "public/atom.xml");
    let json = parse(dir.path(), "public/feed.json");
    assert_eq!(atom.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(json.feed_type, feed_rs::model::FeedType::JSON);
    let want = shown(&rss);
    assert_eq!(want.len(), 3);
    assert_eq!(
        want[0].0,
        "https://2024.djangocon.us/newsletter/issues/3-novel-uses-for-django/"
    );
    // RSS's summary is escaped HTML; readers show the same text.
    let want: Vec<Shown> = want
        .into_iter()
        .map(|(id, t, d, s, c)| (id, t, d, unescape(&s), c))
        .collect();
    assert_eq!(shown(&atom), want);
    assert_eq!(shown(&json), want);
    for f in [&atom, &json] {
        assert_eq!(
            f.authors.first().and_then(|a| a.name.as_deref()),
            Some("DjangoCon US Program Committee")
        );
        assert_eq!(
            f.title.as_ref().unwrap().content,
            "DjangoCon US 2024 CFP Weekly"
        );
    }
    // The Atom file is well-formed XML for a strict parser too.
    let atom_xml = std::fs::read_to_string(dir.path().join("public/atom.xml")).unwrap();
    roxmltree::Document::parse(&atom_xml).unwrap();
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn reruns_write_nothing_and_every_page_links_each_feed() {
    let dir = Project::new().build();
    ok(dir.path(), &["feed", "--now", "2024-03-20"]);
    let read = |rel: &str| std::fs::read(dir.path().join(rel)).unwrap();
    let before = [read("public/atom.xml"), read("public/feed.json")];
    let said = ok(dir.path(), &["feed", "--now", "2024-03-20"]);
    assert!(
        said.contains("atom.xml (unchanged)") && said.contains("feed.json (unchanged)"),
        "{said}"
    );
    assert_eq!([read("public/atom.xml"), read("public/feed.json")], before);
    let page = String::from_utf8(read(
        "public/issues/2-alternative-django-use-cases/index.html",
    ))
    .unwrap();
    assert!(page.contains(
        r#"<link rel="alternate" type="application/atom+xml" title="DjangoCon US 2024 CFP Weekly (Atom)" href="../../atom.xml">"#
    ));
    assert!(
        page.contains(r#"type="application/feed+json""#)
            && page.contains(r#"href="../../feed.json""#)
    );
}

#[test]
fn a_feed_turned_off_is_neither_written_nor_linked() {
    let dir = Project::new().build();
    edit(
        dir.path(),
        "config.toml",
        "atom_path = \"public/atom.xml\"",
        "atom_path = false",
    );
    let said = ok(dir.path(), &["feed", "--now", "2024-03-20"]);
    assert!(!said.contains("atom"), "{said}");
    assert!(!dir.path().join("public/atom.xml").exists());
    assert!(dir.path().join("public/feed.json").exists());
    let index = std::fs::read_to_string(dir.path().join("public/index.html")).unwrap();
    assert!(!index.contains("atom+xml") && index.contains("feed+json"));
    // `true` or an empty path is refused, pointing at the value.
    edit(
        dir.path(),
        "config.toml",
        "atom_path = false",
        "atom_path = \"\"",
    );
    let o = run(dir.path(), &["feed", "--now", "2024-03-20"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("config.toml:") && err.contains("feed.atom_path must be a file path or false"),
        "{err}"
    );
}

#[test]
fn notes_show_above_their_category_escaped_and_stray_ones_are_warned_about() {
    let dir = Project::new().build();
    std::fs::write(
        dir.path().join("content/notes/api.md"),
        "We want *real* stories. <script>alert(1)</script> See [the guide](https://example.org/guide).\n\n- first point\n- second point\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("content/notes/apis.md"), "typo").unwrap();
    let o = run(dir.path(), &["preview", "--issue", "4", "--format", "html"]);
    let html = text(&o.stdout);
    assert!(
        html.contains("<p>We want <em>real</em> stories. &lt;script&gt;alert(1)&lt;/script&gt; See <a href=\"https://example.org/guide\">the guide</a>.</p>\n<ul>\n<li>first point</li>"),
        "{html}"
    );
    let note_at = html.find("We want").unwrap();
    assert!(html.find(">API</h2>").unwrap() < note_at);
    assert!(note_at < html.find("Django Ninja").unwrap());
    let o = run(dir.path(), &["preview", "--issue", "4", "--format", "text"]);
    let txt = text(&o.stdout);
    assert!(
        txt.contains("We want real stories. <script>alert(1)</script> See the guide\n<https://example.org/guide>.\n\n* first point\n\n* second point"),
        "{txt}"
    );
    // Another issue shows no note.
    let o = run(dir.path(), &["preview", "--issue", "2", "--format", "text"]);
    assert!(!text(&o.stdout).contains("We want"));
    let o = run(dir.path(), &["check"]);
    let err = text(&o.stderr);
    assert!(
        err.contains("apis.md: no category has the slug `apis`, so this note is never shown"),
        "{err}"
    );
    let plan: serde_json::Value =
        serde_json::from_str(&ok(dir.path(), &["plan", "--json"])).unwrap();
    assert_eq!(plan["issues"][3]["notes"], serde_json::json!(["api"]));
    assert_eq!(
        plan["issues"][0]["notes"],
        serde_json::json!(["performance"])
    );
    assert_eq!(plan["issues"][1]["notes"], serde_json::json!([]));
}

/// Issue number -> tip number, from `plan --json`.
fn tips(dir: &Path) -> Vec<(u64, u64)> {
    let plan: serde_json::Value = serde_json::from_str(&ok(dir, &["plan", "--json"])).unwrap();
    plan["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["number"].as_u64().unwrap(),
                i["tip"]["number"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn tips_rotate_and_a_published_issue_keeps_its_tip() {
    let dir = Project::new().build();
    let first = tips(dir.path());
    assert_eq!(first.len(), 12);
    assert!(
        first.iter().all(|&(n, t)| t == (n - 1) % 10 + 1),
        "{first:?}"
    );
    // Issues 1 and 2 are published with tips 1 and 2.
    ok(dir.path(), &["feed", "--now", "2024-03-12"]);
    let tip2 = "Small and deep beats big and shallow.";
    // A new tip at the top of the list: the published issues keep theirs,
    // and issue 3 takes the tip after issue 2's (found by its text).
    edit(
        dir.path(),
        "content/tips.md",
        "- **Lead with",
        "- **A brand-new first tip.**\n- **Lead with",
    );
    let now = tips(dir.path());
    assert_eq!(&now[..3], &[(1, 1), (2, 2), (3, 4)], "{now:?}");
    let o = run(dir.path(), &["preview", "--issue", "2", "--format", "text"]);
    assert!(text(&o.stdout).contains(&format!("Proposal tip: {tip2}")));
    let o = run(dir.path(), &["preview", "--issue", "3", "--format", "text"]);
    let txt = text(&o.stdout);
    assert!(
        txt.contains("Proposal tip: Your first time counts"),
        "{txt}"
    );
    // The feed keeps the frozen tips.
    ok(dir.path(), &["feed", "--now", "2024-03-12"]);
    let json = std::fs::read_to_string(dir.path().join("public/feed.json")).unwrap();
    assert!(json.contains(tip2) && !json.contains("brand-new"));
}

#[test]
fn a_missing_or_empty_tips_file_is_bad_input_naming_it() {
    let dir = Project::new().build();
    std::fs::remove_file(dir.path().join("content/tips.md")).unwrap();
    let o = run(dir.path(), &["plan"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("tips.md"), "{}", text(&o.stderr));
    std::fs::write(dir.path().join("content/tips.md"), "# Tips\n\nNone yet.\n").unwrap();
    let o = run(dir.path(), &["plan"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("tips.md: the tips file holds no tips"),
        "{}",
        text(&o.stderr)
    );
    // Without the key, no tips at all.
    edit(
        dir.path(),
        "config.toml",
        "tips = \"content/tips.md\"\n",
        "",
    );
    let plan: serde_json::Value =
        serde_json::from_str(&ok(dir.path(), &["plan", "--json"])).unwrap();
    assert!(plan["issues"][0]["tip"].is_null());
}
