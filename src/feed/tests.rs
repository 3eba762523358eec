//! Escaping, authors, descriptions, and the Atom and JSON Feed documents
//! of small inputs.

use super::*;
use crate::render::context::NewsletterContext;

#[test]
fn xml_text_drops_what_xml_forbids_and_keeps_the_rest() {
    assert_eq!(xml_text("a\u{0}b\u{1b}c\td\ne\u{fffe}é"), "abc\td\neé");
}

#[test]
fn html_escaping_leaves_no_markup_and_keeps_the_text() {
    assert_eq!(
        escape_html("a <https://x.org/?a=1&b=2> \"q\" 'r' <script>"),
        "a &lt;https://x.org/?a=1&amp;b=2&gt; &quot;q&quot; &#39;r&#39; &lt;script&gt;"
    );
    assert_eq!(escape_html("plain · text"), "plain · text");
}

#[test]
fn the_author_is_the_from_mailbox_in_rss_form() {
    let a = Author::from_mailbox("DjangoCon US Program Committee <program@djangocon.us>").unwrap();
    assert_eq!(
        a.rss(),
        "program@djangocon.us (DjangoCon US Program Committee)"
    );
    let bare = Author::from_mailbox("cfp@example.org").unwrap();
    assert_eq!(bare.rss(), "cfp@example.org");
    let quoted = Author::from_mailbox("\"Org (CFP)\" <cfp@example.org>").unwrap();
    assert_eq!(quoted.rss(), "cfp@example.org (Org CFP)");
    assert_eq!(Author::from_mailbox("not an address"), None);
}

#[test]
fn descriptions_are_cut_after_a_word() {
    let s = "alpha beta gamma delta";
    assert_eq!(truncate_words(s, 100), s);
    assert_eq!(truncate_words(s, 14), "alpha beta…");
    assert!(truncate_words(&"x".repeat(50), 10).chars().count() <= 10);
}

fn newsletter() -> NewsletterContext {
    NewsletterContext {
        title: "CFP \u{1b}Weekly".into(),
        description: String::new(),
        base_url: "https://example.org/n".into(),
        language: "en".into(),
        archive_url: "https://example.org/n/".into(),
        feed_url: "https://example.org/n/feed.xml".into(),
        calendar_url: String::new(),
        subscribe_url: String::new(),
    }
}

fn empty_source<'a>(n: &'a NewsletterContext, author: Option<&'a Author>) -> Source<'a> {
    Source {
        newsletter: n,
        author,
        entries: &[],
        self_url: "https://example.org/n/atom.xml".into(),
        empty_date: DateTime::parse_from_rfc3339("2024-03-04T09:00:00-05:00").unwrap(),
    }
}

#[test]
fn an_empty_atom_feed_is_dated_from_the_inputs_and_names_an_author() {
    let n = newsletter();
    let xml = String::from_utf8(atom(&empty_source(&n, None)).unwrap()).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    let child = |name: &str| {
        root.children()
            .find(|c| c.has_tag_name(name))
            .and_then(|c| c.text().map(String::from))
    };
    assert_eq!(
        child("updated").as_deref(),
        Some("2024-03-04T09:00:00-05:00")
    );
    assert_eq!(child("id").as_deref(), Some("https://example.org/n/"));
    // No `from`: the newsletter's title (without what XML forbids) is the author.
    let author = root.children().find(|c| c.has_tag_name("author")).unwrap();
    let name = author.children().find(|c| c.has_tag_name("name")).unwrap();
    assert_eq!(name.text(), Some("CFP Weekly"));
    assert!(xml.ends_with("</feed>\n"));
}

#[test]
fn a_json_feed_names_its_own_url_and_the_author_by_mailto() {
    let n = newsletter();
    let a = Author::from_mailbox("Program Committee <cfp@example.org>").unwrap();
    let bytes = json_feed(&empty_source(&n, Some(&a))).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(v["feed_url"], "https://example.org/n/atom.xml");
    assert_eq!(v["home_page_url"], "https://example.org/n/");
    assert_eq!(v["authors"][0]["name"], "Program Committee");
    assert_eq!(v["authors"][0]["url"], "mailto:cfp@example.org");
    assert_eq!(v["items"], serde_json::json!([]));
    // An empty description is left out rather than written empty.
    assert!(v.get("description").is_none());
    let bare = json_feed(&empty_source(&n, None)).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bare).unwrap();
    assert!(v.get("authors").is_none());
}
