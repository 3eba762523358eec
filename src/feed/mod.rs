//! The feeds: RSS 2.0 (`rss.rs`, with the `atom` and `content`
//! namespaces), Atom 1.0 (`atom.rs`) and JSON Feed 1.1 (`json.rs`), each
//! built as data (never from a template, so it is always well-formed) from
//! the same entries: the same items, ids, dates and content.
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
//! - Atom and JSON Feed carry the same entries: the id is the archive URL,
//!   `published` and `updated` (`date_published`) the issue's date, the
//!   summary the same plain text (Atom `type="text"`, JSON `summary`), the
//!   content the same HTML (Atom `type="html"`, JSON `content_html`).
//!   Atom requires an author and an `updated` date: without
//!   `newsletter.from` the author is the newsletter's title, and an empty
//!   feed is dated at the CFP's opening.

mod atom;
mod json;
mod rss;

use chrono::{DateTime, FixedOffset};

use crate::render::IssueContext;
use crate::render::context::NewsletterContext;

pub use self::rss::{channel, to_xml};
pub use atom::atom;
pub use json::json_feed;

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

/// What every feed format shares: the newsletter, its author and the
/// entries (newest first, already cut to `feed.max_items`).
pub struct Source<'a> {
    /// `newsletter.*`
    pub newsletter: &'a NewsletterContext,
    /// From `newsletter.from`.
    pub author: Option<&'a Author>,
    /// The items.
    pub entries: &'a [Entry<'a>],
    /// The feed file's own absolute URL (its `self` link).
    pub self_url: String,
    /// The date of an empty feed (Atom needs one): never the clock.
    pub empty_date: DateTime<FixedOffset>,
}

/// `s` on one line, without what XML forbids.
fn one_line_text(s: &str) -> String {
    xml_text(s).split_whitespace().collect::<Vec<_>>().join(" ")
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
mod tests;
