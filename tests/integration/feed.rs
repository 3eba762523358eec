//! `newsletter feed`: the RSS feed parsed back by real parsers (the rss
//! crate, feed-rs, and the strict XML parser roxmltree) and the static
//! archive checked file by file, on copies of the shipped project.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::project::{Project, edit, run, text, tree};

const BASE: &str = "https://2024.djangocon.us/newsletter";

/// Runs `feed --now WHEN` and expects success.
fn feed(dir: &Path, when: &str) -> String {
    let o = run(dir, &["feed", "--now", when]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
}

fn feed_xml(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("public/feed.xml")).unwrap()
}

/// The plan as JSON: number -> (send_at, categories).
fn plan(dir: &Path) -> BTreeMap<u64, (String, Vec<String>)> {
    let o = run(dir, &["plan", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let cats = i["categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect();
            (
                i["number"].as_u64().unwrap(),
                (i["send_at"].as_str().unwrap().to_string(), cats),
            )
        })
        .collect()
}

/// The subject of issue `n` as `preview` reports it.
fn subject(dir: &Path, n: u32) -> String {
    let o = run(
        dir,
        &["preview", "--issue", &n.to_string(), "--format", "text"],
    );
    text(&o.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap()
        .to_string()
}

fn item_numbers(channel: &rss::Channel) -> Vec<u32> {
    channel
        .items()
        .iter()
        .map(|i| {
            let link = i.link().unwrap();
            let rest = link.strip_prefix(&format!("{BASE}/issues/")).unwrap();
            rest.split('-').next().unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn the_feed_holds_exactly_the_issues_sent_by_now_with_every_field() {
    let dir = Project::new().shipped_subscribers().build();
    let said = feed(dir.path(), "2024-03-20");
    assert!(said.contains("3 items"), "{said}");
    let xml = feed_xml(dir.path());
    // Well-formed XML for a strict parser, with both namespaces declared.
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let rss_el = doc.root_element();
    assert_eq!(rss_el.tag_name().name(), "rss");
    assert_eq!(rss_el.attribute("version"), Some("2.0"));
    let ns: Vec<&str> = rss_el.namespaces().map(|n| n.uri()).collect();
    assert!(ns.contains(&"http://www.w3.org/2005/Atom"), "{ns:?}");
    assert!(
        ns.contains(&"http://purl.org/rss/1.0/modules/content/"),
        "{ns:?}"
    );
    let self_link = doc
        .descendants()
        .find(|n| n.has_tag_name(("http://www.w3.org/2005/Atom", "link")))
        .unwrap();
    assert_eq!(self_link.attribute("rel"), Some("self"));
    assert_eq!(
        self_link.attribute("href"),
        Some(&*format!("{BASE}/feed.xml"))
    );

    let channel = rss::Channel::read_from(xml.as_bytes()).unwrap();
    assert_eq!(channel.title(), "DjangoCon US 2024 CFP Weekly");
    assert_eq!(channel.link(), format!("{BASE}/"));
    assert!(channel.description().contains("DjangoCon US 2024"));
    assert_eq!(channel.language(), Some("en"));
    assert!(channel.generator().unwrap().starts_with("newsletter "));
    assert_eq!(item_numbers(&channel), [3, 2, 1], "newest first");
    let plan = plan(dir.path());
    for item in channel.items() {
        let n = item_numbers(&rss::Channel {
            items: vec![item.clone()],
            ..Default::default()
        })[0];
        let (send_at, cats) = &plan[&u64::from(n)];
        assert_eq!(item.title(), Some(&*subject(dir.path(), n)));
        let guid = item.guid().unwrap();
        assert!(guid.is_permalink());
        assert_eq!(Some(guid.value()), item.link());
        let date = chrono::DateTime::parse_from_rfc2822(item.pub_date().unwrap()).unwrap();
        assert_eq!(date, chrono::DateTime::parse_from_rfc3339(send_at).unwrap());
        let item_cats: Vec<&str> = item.categories().iter().map(|c| c.name()).collect();
        assert_eq!(
            item_cats,
            cats.iter().map(String::as_str).collect::<Vec<_>>()
        );
        let desc = item.description().unwrap();
        assert!(desc.starts_with(&cats[0]) && !desc.contains('<'), "{desc}");
        let content = item.content().unwrap();
        assert!(content.contains(&format!(">{}</h2>", cats[0])), "{content}");
        assert!(content.contains("https://pretalx.com/djangocon-us-2024/cfp"));
    }
    // lastBuildDate is the newest item's date, not the clock.
    assert_eq!(
        channel.last_build_date(),
        channel.items()[0].pub_date(),
        "lastBuildDate"
    );

    // feed-rs, the parser behind many Rust feed readers, agrees.
    let parsed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    assert_eq!(parsed.entries.len(), 3);
    assert_eq!(
        parsed.entries[0].id,
        format!("{BASE}/issues/3-novel-uses-for-django/")
    );
    assert!(parsed.entries[0].content.is_some());
    assert!(parsed.entries[0].published.is_some());
}

#[test]
fn an_issue_joins_the_feed_at_its_send_time_not_before() {
    let dir = Project::new().shipped_subscribers().build();
    // Issue 4 goes out Monday 2024-03-25 09:00 New York time (13:00 UTC).
    feed(dir.path(), "2024-03-25T12:59:59Z");
    let channel = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
    assert_eq!(item_numbers(&channel), [3, 2, 1]);
    feed(dir.path(), "2024-03-25T13:00:00Z");
    let channel = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
    assert_eq!(item_numbers(&channel), [4, 3, 2, 1]);
}

#[test]
fn before_the_first_issue_the_feed_is_a_valid_empty_channel() {
    let dir = Project::new().shipped_subscribers().build();
    feed(dir.path(), "2024-03-01");
    let xml = feed_xml(dir.path());
    roxmltree::Document::parse(&xml).unwrap();
    let channel = rss::Channel::read_from(xml.as_bytes()).unwrap();
    assert!(channel.items().is_empty());
    assert_eq!(channel.last_build_date(), None);
    assert_eq!(
        feed_rs::parser::parse(xml.as_bytes())
            .unwrap()
            .entries
            .len(),
        0
    );
    let index = std::fs::read_to_string(dir.path().join("public/index.html")).unwrap();
    assert!(index.contains("No issue has gone out yet"), "{index}");
}

#[test]
fn the_same_inputs_give_byte_identical_files_and_a_rerun_rewrites_nothing() {
    let a = Project::new().shipped_subscribers().build();
    let b = Project::new().shipped_subscribers().build();
    feed(a.path(), "2024-03-20");
    feed(b.path(), "2024-03-20");
    let public = |d: &Path| tree(&d.join("public"));
    assert_eq!(public(a.path()), public(b.path()));
    let again = feed(a.path(), "2024-03-20");
    assert!(
        again.contains("unchanged") && again.contains("0 written"),
        "{again}"
    );
    assert_eq!(public(a.path()), public(b.path()));
}

#[test]
fn published_issues_never_change_when_the_files_do() {
    let dir = Project::new().shipped_subscribers().build();
    feed(dir.path(), "2024-03-20");
    let before = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
    let page = dir.path().join("public/issues/1-performance/index.html");
    let page_before = std::fs::read(&page).unwrap();
    edit(dir.path(), "content/topics.md", "Performance", "Speed");
    edit(dir.path(), "content/topics.md", "\nAPI\n", "\nWeb APIs\n");
    feed(dir.path(), "2024-03-27");
    let after = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
    assert_eq!(item_numbers(&after), [4, 3, 2, 1]);
    // The published ones are identical, item for item.
    assert_eq!(&after.items()[1..], before.items());
    assert_eq!(std::fs::read(&page).unwrap(), page_before);
    // The newly published one follows the edited files and the history: a
    // renamed category is a new one, never featured, so it comes next.
    assert_eq!(after.items()[0].categories()[0].name(), "Speed");
}

#[test]
fn max_items_limits_the_feed_but_not_the_archive() {
    let dir = Project::new().shipped_subscribers().build();
    edit(dir.path(), "config.toml", "max_items = 20", "max_items = 2");
    feed(dir.path(), "2024-03-20");
    let channel = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
    assert_eq!(item_numbers(&channel), [3, 2]);
    let index = std::fs::read_to_string(dir.path().join("public/index.html")).unwrap();
    assert_eq!(index.matches("<li><a href=\"issues/").count(), 3, "{index}");
}

/// Every `href="..."` in an HTML page.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

#[test]
fn the_archive_has_a_page_per_item_link_and_its_relative_links_resolve_on_disk() {
    let dir = Project::new().shipped_subscribers().build();
    feed(dir.path(), "2024-03-20");
    let public = dir.path().join("public");
    let channel = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
    let mut pages = vec![public.join("index.html")];
    for item in channel.items() {
        let rel = item
            .link()
            .unwrap()
            .strip_prefix(&format!("{BASE}/"))
            .unwrap();
        let page = public.join(rel).join("index.html");
        assert!(page.is_file(), "{} is missing", page.display());
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(html.contains(&format!(
            "<link rel=\"canonical\" href=\"{}\">",
            item.link().unwrap()
        )));
        assert!(html.contains(item.categories()[0].name()));
        pages.push(page);
    }
    let index = std::fs::read_to_string(&pages[0]).unwrap();
    // Newest first, with dates and categories.
    let pos = |s: &str| {
        index
            .find(s)
            .unwrap_or_else(|| panic!("{s} not in {index}"))
    };
    assert!(
        pos("#3: Novel Uses") < pos("#2: Alternative")
            && pos("#2: Alternative") < pos("#1: Performance")
    );
    assert!(index.contains("Monday, March 4, 2024"));
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\""));
        assert!(html.contains("<link rel=\"alternate\" type=\"application/rss+xml\""));
        for href in hrefs(&html) {
            if href.starts_with("https://") || href.starts_with('#') {
                continue;
            }
            let target: PathBuf = page.parent().unwrap().join(&href);
            assert!(
                target.is_file(),
                "{}: link {href} leads nowhere",
                page.display()
            );
        }
    }
}

#[test]
fn an_earlier_now_never_takes_back_a_frozen_issue_and_keeps_other_files() {
    let dir = Project::new().shipped_subscribers().build();
    feed(dir.path(), "2024-03-20");
    // Everything but the index, whose countdown is counted on the day.
    let public = || {
        let mut t = tree(&dir.path().join("public"));
        t.remove(Path::new("index.html")).unwrap();
        t
    };
    let before = public();
    let mine = dir.path().join("public/robots.txt");
    std::fs::write(&mine, "User-agent: *\n").unwrap();
    // Issues 1-3 are frozen: a week earlier, and before the first issue,
    // the feed and the archive still hold all three, byte for byte.
    for when in ["2024-03-12", "2024-03-01"] {
        let said = feed(dir.path(), when);
        assert!(
            said.contains("0 removed") && said.contains("3 items"),
            "{said}"
        );
        let channel = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
        assert_eq!(item_numbers(&channel), [3, 2, 1]);
        let mut now = public();
        assert!(now.remove(Path::new("robots.txt")).is_some());
        let changed: Vec<_> = before
            .iter()
            .filter(|(p, b)| now.get(*p) != Some(b))
            .collect();
        assert!(
            changed.is_empty() && now.len() == before.len(),
            "{when}: {:?}",
            changed.iter().map(|c| c.0).collect::<Vec<_>>()
        );
    }
}

#[test]
fn an_issue_sent_early_stays_published_at_an_earlier_now() {
    let dir = Project::new().shipped_subscribers().build();
    let o = run(
        dir.path(),
        &["send", "--issue", "3", "--force", "--now", "2024-03-13"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let page = dir
        .path()
        .join("public/issues/3-novel-uses-for-django/index.html");
    let html = std::fs::read(&page).unwrap();
    feed(dir.path(), "2024-03-05");
    let channel = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
    assert_eq!(item_numbers(&channel), [3, 2, 1]);
    assert_eq!(std::fs::read(&page).unwrap(), html);
}

#[test]
fn a_template_error_keeps_the_old_feed_and_names_the_file_line_and_column() {
    let dir = Project::new().shipped_subscribers().build();
    feed(dir.path(), "2024-03-20");
    let before = tree(&dir.path().join("public"));
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/feed_item.html"),
        "<p>{{ issue.number }}</p>\n<p>{{ issue.nope }}</p>\n",
    )
    .unwrap();
    let o = run(dir.path(), &["feed", "--now", "2024-03-27"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("templates/feed_item.html:2:"), "{err}");
    assert_eq!(tree(&dir.path().join("public")), before);
}

#[test]
fn feed_needs_a_base_url() {
    let dir = Project::new().shipped_subscribers().build();
    edit(
        dir.path(),
        "config.toml",
        "base_url = \"https://2024.djangocon.us/newsletter\"",
        "",
    );
    let o = run(dir.path(), &["feed", "--now", "2024-03-20"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("config.toml") && err.contains("base_url"),
        "{err}"
    );
    assert!(!dir.path().join("public").exists());
    assert!(!dir.path().join("state").exists());
}

#[test]
fn send_updates_the_feed_and_archive_with_its_issue() {
    let dir = Project::new().shipped_subscribers().build();
    let o = run(dir.path(), &["send", "--now", "2024-03-12"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let channel = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
    assert_eq!(item_numbers(&channel), [2, 1]);
    // Sent early with --force: it is published from that moment.
    let o = run(
        dir.path(),
        &["send", "--issue", "3", "--force", "--now", "2024-03-13"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let channel = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
    assert_eq!(item_numbers(&channel), [3, 2, 1]);
    let date =
        chrono::DateTime::parse_from_rfc2822(channel.items()[0].pub_date().unwrap()).unwrap();
    assert!(date < chrono::DateTime::parse_from_rfc3339("2024-03-18T00:00:00Z").unwrap());
}

#[test]
fn the_feed_is_pinned_by_a_snapshot() {
    let dir = Project::new().shipped_subscribers().build();
    feed(dir.path(), "2024-03-20");
    insta::assert_snapshot!("feed_2024_03_20", feed_xml(dir.path()));
    let index = std::fs::read_to_string(dir.path().join("public/index.html")).unwrap();
    insta::assert_snapshot!("archive_index_2024_03_20", index);
    let page = std::fs::read_to_string(
        dir.path()
            .join("public/issues/2-alternative-django-use-cases/index.html"),
    )
    .unwrap();
    insta::assert_snapshot!("archive_issue2_2024_03_20", page);
}

/// `s` as an HTML reader shows it: the five escapes decoded (the only
/// references the feed writes). A `<` left in `s` is markup, not text.
fn html_text(s: &str) -> String {
    assert!(!s.contains('<'), "markup in a description: {s}");
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Every item's `<description>` as XML gives it (CDATA or not), by link.
fn descriptions(xml: &str) -> BTreeMap<String, String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("item"))
        .map(|item| {
            let child = |name: &str| {
                item.children()
                    .find(|c| c.has_tag_name(name))
                    .map(|c| c.text().unwrap_or("").to_string())
                    .unwrap()
            };
            (child("link"), child("description"))
        })
        .collect()
}

#[test]
fn a_description_is_html_that_shows_exactly_the_text_links_and_markup_included() {
    let dir = Project::new().shipped_subscribers().build();
    edit(
        dir.path(),
        "content/topics.md",
        "* Django profiling\n",
        "* Django profiling\n* Watch <script>alert(\"x\")</script> & 'friends' <img src=x onerror=alert(1)>\n",
    );
    edit(
        dir.path(),
        "config.toml",
        "description = \"One topic idea a week",
        "description = \"<b>Talks</b> & <https://djangocon.us> -- one topic idea a week",
    );
    feed(dir.path(), "2024-05-01");
    let xml = feed_xml(dir.path());
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let channel_description = doc
        .descendants()
        .find(|n| n.has_tag_name("channel"))
        .and_then(|c| c.children().find(|n| n.has_tag_name("description")))
        .and_then(|d| d.text())
        .unwrap();
    assert!(
        html_text(channel_description)
            .starts_with("<b>Talks</b> & <https://djangocon.us> -- one topic idea a week"),
        "{channel_description}"
    );
    let all = descriptions(&xml);
    let shown = |slug: &str| {
        let (_, d) = all
            .iter()
            .find(|(link, _)| link.contains(slug))
            .unwrap_or_else(|| panic!("no item {slug} in {all:?}"));
        html_text(d)
    };
    assert_eq!(
        shown("1-performance"),
        "Performance: Django profiling · Watch <script>alert(\"x\")</script> & 'friends' <img src=x onerror=alert(1)> · Database optimization at scale"
    );
    assert!(
        shown("python-packaging").contains(
            "including uv package manager <https://github.com/astral-sh/uv> · Adventures"
        ),
        "{all:?}"
    );
    // Every other item too: plain text, escaped, nothing lost.
    for d in all.values() {
        html_text(d);
    }
    // feed-rs (Rust feed readers) reads the same text.
    let parsed = feed_rs::parser::parse(xml.as_bytes()).unwrap();
    for entry in &parsed.entries {
        let summary = entry.summary.as_ref().unwrap();
        assert_eq!(
            html_text(&summary.content),
            html_text(&all[&entry.links[0].href])
        );
    }
}

#[test]
fn the_channel_and_every_item_name_the_author_from_newsletter_from() {
    let dir = Project::new().shipped_subscribers().build();
    feed(dir.path(), "2024-03-20");
    let channel = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
    let author = "program@djangocon.us (DjangoCon US Program Committee)";
    assert_eq!(channel.managing_editor(), Some(author));
    assert_eq!(channel.items().len(), 3);
    for item in channel.items() {
        assert_eq!(item.author(), Some(author));
    }
    // A bare address is an author too; no `from` means no author at all.
    edit(
        dir.path(),
        "config.toml",
        "from = \"DjangoCon US Program Committee <program@djangocon.us>\"",
        "from = \"cfp@example.org\"",
    );
    feed(dir.path(), "2024-03-27");
    let channel = rss::Channel::read_from(feed_xml(dir.path()).as_bytes()).unwrap();
    assert_eq!(channel.managing_editor(), Some("cfp@example.org"));
    assert_eq!(channel.items()[0].author(), Some("cfp@example.org"));
}
