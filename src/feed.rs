//! The RSS feed: RSS 2.0 with the `atom` and `content` namespaces, built as
//! data with the `rss` crate (never from a template, so it is always
//! well-formed XML).
//!
//! Choices, all for a byte-identical file from the same inputs:
//! - `lastBuildDate` and `pubDate` come from the issues (their send time),
//!   never from the clock; an empty channel has neither.
//! - An item's `guid` is its archive URL (`isPermaLink="true"`). Published
//!   issues come from their frozen record, so the URL never changes.
//! - Every text is stripped of the characters XML 1.0 forbids (the `rss`
//!   crate writes them raw).
//! - Descriptions (the channel's and each item's plain-text summary) are
//!   written as escaped HTML: every reader treats a description as HTML,
//!   so `<https://...>` or a `<script>` in a topic arrives as the text it
//!   is, never as markup.
//! - The channel's `managingEditor` and each item's `author` come from
//!   `newsletter.from`, as RSS wants them: `email (Name)`.

use chrono::{DateTime, FixedOffset};
use rss::extension::atom::{AtomExtension, Link};
use rss::{Category, Channel, ChannelBuilder, Guid, Item, ItemBuilder};

use crate::error::{Error, Result};
use crate::render::IssueContext;
use crate::render::context::NewsletterContext;

/// The namespace of `content:encoded`.
const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
/// The namespace of `atom:link`.
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
/// At most this many characters in an item's plain-text description.
const DESCRIPTION_CHARS: usize = 280;

/// A published issue, as the feed and the archive show it.
#[derive(Debug, Clone)]
pub struct PublishedIssue {
    /// Its context: the frozen one once sent.
    pub context: IssueContext,
    /// The subject line (the item title).
    pub subject: String,
    /// When it went out (or is due): the item's `pubDate`.
    pub date: DateTime<FixedOffset>,
}

/// One feed item: a published issue and its rendered `feed_item.html`.
pub struct Entry<'a> {
    /// The issue.
    pub issue: &'a PublishedIssue,
    /// The full HTML body (`content:encoded`).
    pub html: String,
}

/// Who writes the newsletter: `newsletter.from`, as the feed names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The display name, if `from` has one.
    pub name: Option<String>,
    /// The address.
    pub email: String,
}

impl Author {
    /// The author of a `From` mailbox (`Name <address>` or `address`);
    /// `None` when it does not parse (config validation rejects that).
    pub fn from_mailbox(from: &str) -> Option<Author> {
        let mailbox: lettre::message::Mailbox = from.parse().ok()?;
        Some(Author {
            name: mailbox
                .name
                .map(|n| one_line_text(&n))
                .filter(|n| !n.is_empty()),
            email: mailbox.email.to_string(),
        })
    }

    /// RSS's form, which needs an address: `email (Name)`.
    pub fn rss(&self) -> String {
        match &self.name {
            Some(name) => format!("{} ({})", self.email, name.replace(['(', ')'], "")),
            None => self.email.clone(),
        }
    }
}

/// `s` on one line, without what XML forbids.
fn one_line_text(s: &str) -> String {
    xml_text(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The channel for `entries` (newest first), at most `max_items` of them,
/// with `author` (from `newsletter.from`) as its managing editor and each
/// item's author.
pub fn channel(
    newsletter: &NewsletterContext,
    author: Option<&Author>,
    entries: &[Entry<'_>],
    max_items: Option<usize>,
) -> Channel {
    let limit = max_items.unwrap_or(usize::MAX);
    let author = author.map(Author::rss);
    let items: Vec<Item> = entries
        .iter()
        .take(limit)
        .map(|e| item(e, author.clone()))
        .collect();
    let mut namespaces = std::collections::BTreeMap::new();
    namespaces.insert("atom".to_string(), ATOM_NS.to_string());
    namespaces.insert("content".to_string(), CONTENT_NS.to_string());
    let self_link = Link {
        href: xml_text(&newsletter.feed_url),
        rel: "self".into(),
        mime_type: Some("application/rss+xml".into()),
        ..Link::default()
    };
    ChannelBuilder::default()
        .title(xml_text(&newsletter.title))
        .link(xml_text(&newsletter.archive_url))
        .description(escape_html(&xml_text(&newsletter.description)))
        .language(Some(xml_text(&newsletter.language)))
        .managing_editor(author)
        .generator(Some(format!("newsletter {}", env!("CARGO_PKG_VERSION"))))
        .docs(Some("https://www.rssboard.org/rss-specification".into()))
        .last_build_date(entries.first().map(|e| e.issue.date.to_rfc2822()))
        .namespaces(namespaces)
        .atom_ext(Some(AtomExtension {
            links: vec![self_link],
        }))
        .items(items)
        .build()
}

fn item(entry: &Entry<'_>, author: Option<String>) -> Item {
    let issue = &entry.issue.context.issue;
    let guid = Guid {
        value: xml_text(&issue.url),
        permalink: true,
    };
    ItemBuilder::default()
        .title(Some(xml_text(&entry.issue.subject)))
        .link(Some(xml_text(&issue.url)))
        .guid(Some(guid))
        .pub_date(Some(entry.issue.date.to_rfc2822()))
        .author(author)
        .categories(
            issue
                .categories
                .iter()
                .map(|c| Category {
                    name: xml_text(&c.name),
                    domain: None,
                })
                .collect::<Vec<_>>(),
        )
        .description(Some(escape_html(&xml_text(&description(
            &entry.issue.context,
        )))))
        .content(Some(xml_text(&entry.html)))
        .build()
}

/// The feed as XML bytes, with a final newline.
pub fn to_xml(channel: &Channel) -> Result<Vec<u8>> {
    let mut out = channel
        .pretty_write_to(Vec::new(), b' ', 2)
        .map_err(|e| Error::failed("cannot write the RSS feed").with_source(e))?;
    out.push(b'\n');
    Ok(out)
}

/// A short plain-text summary of an issue: its categories and the first
/// topics, cut at a word boundary.
pub fn description(ctx: &IssueContext) -> String {
    let names: Vec<&str> = ctx
        .issue
        .categories
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let full = if ctx.issue.kind == "last_call" {
        format!(
            "Last call: the {} Call for Proposals closes {}. Every topic area in one issue: {}.",
            ctx.cfp.name,
            ctx.cfp.closes_text,
            names.join(", ")
        )
    } else if ctx.issue.kind == "reminder" {
        // A reminder (issue 13): the countdown, then the week's categories if any.
        format!(
            "Reminder: the {} Call for Proposals {} ({}). {}",
            ctx.cfp.name,
            ctx.issue.countdown,
            ctx.cfp.closes_text,
            names.join(", ")
        )
    } else {
        let topics: Vec<&str> = ctx
            .issue
            .categories
            .iter()
            .flat_map(|c| c.topics.iter().map(|t| t.text.as_str()))
            .collect();
        format!("{}: {}", names.join(", "), topics.join(" · "))
    };
    truncate_words(&crate::render::one_line(&full), DESCRIPTION_CHARS)
}

/// At most `max` characters, cut after a whole word, with `…` when cut.
fn truncate_words(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    let end = cut.rfind(' ').filter(|&i| i > 0).unwrap_or(cut.len());
    format!(
        "{}…",
        cut[..end].trim_end_matches([',', ';', ':', '·', ' '])
    )
}

/// `text` as HTML that shows exactly `text`: `&`, `<`, `>`, `"` and `'`
/// escaped.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` without the characters XML 1.0 forbids (controls other than tab,
/// CR and LF; U+FFFE and U+FFFF).
pub fn xml_text(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}')
                && c != '\u{fffe}'
                && c != '\u{ffff}'
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let a =
            Author::from_mailbox("DjangoCon US Program Committee <program@djangocon.us>").unwrap();
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
}
