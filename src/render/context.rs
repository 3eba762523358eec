//! The data templates see. Everything here is non-personal (the same for
//! every subscriber); the personal part is [`SubscriberContext`].
//!
//! The reference table of these fields is in README.md (Templates).

use serde::{Deserialize, Serialize};

use super::markdown;
pub use super::reminder::RecapEntry;
use crate::config::Config;
use crate::schedule::{IssueKind, Plan, PlannedIssue};
use crate::topics::{Topic, TopicList};
use crate::words::{Block, Words, blocks};

/// The non-personal context of one issue: frozen into the state when the
/// issue is first sent, so later edits never change a published issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueContext {
    /// `newsletter`
    pub newsletter: NewsletterContext,
    /// `cfp`
    pub cfp: CfpContext,
    /// `issue`
    pub issue: IssueInfo,
    /// `notes`: the topic list's notes (paragraphs not followed by a list).
    pub notes: Vec<NoteContext>,
    /// `tip`: the proposal-writing tip this issue features (`[content]
    /// tips`), if any. Absent from issues frozen before tips existed.
    #[serde(default)]
    pub tip: Option<TipContext>,
}

/// `newsletter.*`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewsletterContext {
    /// Its name.
    pub title: String,
    /// One sentence about it.
    pub description: String,
    /// Public base URL ("" when not configured).
    pub base_url: String,
    /// BCP 47 language tag.
    pub language: String,
    /// The archive's index page (absolute; "" without base_url).
    pub archive_url: String,
    /// The RSS feed (absolute; "" without base_url).
    pub feed_url: String,
    /// The CFP deadline as an iCalendar file, `deadline.ics` beside the
    /// feed (absolute; "" without base_url).
    #[serde(default)]
    pub calendar_url: String,
    /// The subscribe form of `newsletter serve` (absolute; "" without
    /// `[serve]` or base_url).
    #[serde(default)]
    pub subscribe_url: String,
}

/// `cfp.*`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CfpContext {
    /// The CFP's name.
    pub name: String,
    /// Opening, RFC 3339.
    pub opens: String,
    /// Closing, RFC 3339.
    pub closes: String,
    /// Closing for people: "Friday, May 17, 2024 at 23:59 EDT".
    pub closes_text: String,
    /// The zone's name as configured.
    pub timezone: String,
    /// Where to submit ("" when not configured).
    pub submit_url: String,
    /// Calendar days from this issue's send date to the closing date.
    pub days_left: i64,
}

/// `issue.*`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueInfo {
    /// 1-based.
    pub number: u32,
    /// `weekly` or `last_call`.
    pub kind: String,
    /// Send time, RFC 3339.
    pub send_at: String,
    /// Send date for people: "Monday, March 4, 2024".
    pub send_date: String,
    /// The featured categories.
    pub categories: Vec<CategoryContext>,
    /// Absolute URL of its archive page ("" without base_url).
    pub url: String,
    /// Its archive page relative to the archive root: `issues/3-api/`.
    pub path: String,
    /// The issue before, if any.
    pub previous: Option<Neighbour>,
    /// The issue after, if any (the "next week" teaser).
    pub next: Option<Neighbour>,
    /// Whether this is the final issue of the CFP.
    pub is_last: bool,
    // --- season (issue 13): the countdown and the reminder's recap ---
    /// The countdown as of the send time: "closes in 7 days", "closes in
    /// 24 hours" (under two days), "closes today at 23:59 AoE".
    #[serde(default)]
    pub countdown: String,
    /// Whole hours from the send time to the close.
    #[serde(default)]
    pub hours_left: i64,
    /// A reminder's one-line recap of the season's themes (empty for
    /// other kinds).
    #[serde(default)]
    pub recap: Vec<RecapEntry>,
}

/// A neighbouring issue, for teasers and navigation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Neighbour {
    /// Its number.
    pub number: u32,
    /// Its category names.
    pub categories: Vec<String>,
    /// `weekly` or `last_call`.
    pub kind: String,
    /// Its send date for people.
    pub send_date: String,
}

/// A featured category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryContext {
    /// As in the topic list.
    pub name: String,
    /// URL-safe, unique.
    pub slug: String,
    /// Its topics.
    pub topics: Vec<TopicContext>,
    /// The committee's note on it (`content/notes/<slug>.md`), if any.
    #[serde(default)]
    pub note: Option<ProseContext>,
}

/// Markdown of several blocks (a category's note), rendered both ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProseContext {
    /// HTML blocks (`<p>`, `<ul>`, ...), escaped and link-checked like a
    /// topic (the only other value templates mark `safe`).
    pub html: String,
    /// Plain text, paragraphs apart by a blank line.
    pub text: String,
    /// The plain text of each paragraph (a list item is one, starting
    /// `* `), for wrapping one by one.
    pub paragraphs: Vec<String>,
}

/// `tip.*`: the featured tip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TipContext {
    /// Its 1-based place in the tips file.
    pub number: usize,
    /// How many tips the file holds.
    pub count: usize,
    /// HTML fragment (inline, like a topic's).
    pub html: String,
    /// Plain text, links as `text <url>`.
    pub text: String,
    /// Its Markdown as written: what a later issue's rotation looks for in
    /// the tips file.
    pub markdown: String,
}

/// A topic, rendered both ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicContext {
    /// HTML fragment (the only value templates mark `safe`).
    pub html: String,
    /// Plain text, links as `text <url>`.
    pub text: String,
    /// Sub-topics.
    pub children: Vec<TopicContext>,
}

/// A note from the topic list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteContext {
    /// HTML fragment.
    pub html: String,
    /// Plain text.
    pub text: String,
    /// Whether it sat inside an HTML comment.
    pub hidden: bool,
}

/// `subscriber.*`: present only when rendering for one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriberContext {
    /// The address.
    pub email: String,
    /// The name, "" when unknown.
    pub name: String,
    /// Other CSV columns by header name.
    pub fields: std::collections::BTreeMap<String, String>,
    /// Personal unsubscribe URL ("" when none is configured).
    pub unsubscribe_url: String,
}

impl SubscriberContext {
    /// The stand-in used by `check` and `preview` without `--to`.
    pub fn sample() -> Self {
        SubscriberContext {
            email: "ada@example.org".into(),
            name: "Ada Lovelace".into(),
            fields: std::collections::BTreeMap::new(),
            unsubscribe_url: String::new(),
        }
    }
}

impl NewsletterContext {
    /// `newsletter.*` from the configuration.
    pub fn from_config(config: &Config) -> Self {
        NewsletterContext {
            title: config.newsletter.title.clone(),
            description: config.newsletter.description.clone(),
            base_url: config.newsletter.base_url.clone().unwrap_or_default(),
            language: config.newsletter.language.clone(),
            archive_url: absolute(config, ""),
            feed_url: absolute(config, &feed_file_name(config)),
            calendar_url: absolute(config, &calendar_file_name(config)),
            subscribe_url: match config.serve {
                Some(_) => absolute(config, "subscribe"),
                None => String::new(),
            },
        }
    }
}

impl CfpContext {
    /// `cfp.*` from the configuration, with `days_left` as given.
    pub fn from_config(config: &Config, days_left: i64) -> Self {
        let cfp = &config.cfp;
        CfpContext {
            name: cfp.name.clone(),
            opens: cfp.opens_at().to_rfc3339(),
            closes: cfp.closes_at().to_rfc3339(),
            closes_text: super::strings::Strings::shipped()
                .long_date_time(&config.newsletter.language, &cfp.closes_at()),
            timezone: cfp.timezone.name.clone(),
            submit_url: cfp.submit_url.clone().unwrap_or_default(),
            days_left,
        }
    }
}

/// `rel` made absolute under `base_url` ("" when no base URL is set).
fn absolute(config: &Config, rel: &str) -> String {
    match config.newsletter.base_url.as_deref() {
        Some(base) if !base.is_empty() => format!("{base}/{rel}"),
        _ => String::new(),
    }
}

/// A date for people: "Monday, March 4, 2024".
pub fn long_date<Z: chrono::TimeZone>(t: &chrono::DateTime<Z>) -> String
where
    Z::Offset: std::fmt::Display,
{
    t.format("%A, %B %-d, %Y").to_string()
}

/// A date for people in `language` (English when it has no shipped
/// table): "lundi 4 mars 2024".
pub fn long_date_in<Z: chrono::TimeZone>(language: &str, t: &chrono::DateTime<Z>) -> String
where
    Z::Offset: std::fmt::Display,
{
    super::strings::Strings::shipped().long_date(language, t)
}

/// The archive path of an issue: `issues/<number>-<first slug>/`.
pub fn issue_path(number: u32, kind: IssueKind, first_slug: Option<&str>) -> String {
    match (kind, first_slug) {
        (IssueKind::LastCall, _) => format!("issues/{number}-last-call/"),
        (IssueKind::Reminder, _) => format!("issues/{number}-reminder/"),
        (_, Some(slug)) => format!("issues/{number}-{slug}/"),
        (_, None) => format!("issues/{number}/"),
    }
}

fn topic(t: &Topic, allow_html: bool) -> TopicContext {
    TopicContext {
        html: markdown::to_html(&t.markdown, allow_html),
        text: markdown::to_text(&t.markdown, allow_html),
        children: t.children.iter().map(|c| topic(c, allow_html)).collect(),
    }
}

/// A note's Markdown rendered both ways.
fn prose(md: &str, allow_html: bool) -> ProseContext {
    let mut html = String::new();
    let mut paragraphs = Vec::new();
    for block in blocks(md) {
        match block {
            Block::Paragraph(src) => {
                html.push_str(&format!("<p>{}</p>\n", markdown::to_html(&src, allow_html)));
                paragraphs.push(markdown::to_text(&src, allow_html));
            }
            Block::List(src, items) => {
                // The list as Markdown renders it (ordered or not, nested
                // items kept); the text gives each item a line of its own.
                html.push_str(&format!("{}\n", markdown::to_html(&src, allow_html)));
                for item in items {
                    paragraphs.push(format!("* {}", markdown::to_text(&item, allow_html)));
                }
            }
            Block::Other(src) => {
                let h = markdown::to_html(&src, allow_html);
                let is_block = ["<h", "<blockquote", "<pre", "<ol", "<ul", "<hr", "<table"]
                    .iter()
                    .any(|t| h.starts_with(t));
                if is_block {
                    html.push_str(&format!("{h}\n"));
                } else {
                    html.push_str(&format!("<p>{h}</p>\n"));
                }
                paragraphs.push(markdown::to_text(&src, allow_html));
            }
        }
    }
    paragraphs.retain(|p| !p.is_empty());
    ProseContext {
        html: html.trim_end().to_string(),
        text: paragraphs.join("\n\n"),
        paragraphs,
    }
}

impl IssueContext {
    /// The context of `issue` from the current files, without the
    /// organizer's notes and tips ([`IssueContext::build_with`] adds them).
    pub fn build(
        config: &Config,
        topics: &TopicList,
        plan: &Plan,
        issue: &PlannedIssue,
    ) -> IssueContext {
        Self::build_with(config, topics, &Words::default(), plan, issue)
    }

    /// The context of `issue` from the current files and the organizer's
    /// `words`: each category's note and the issue's tip.
    pub fn build_with(
        config: &Config,
        topics: &TopicList,
        words: &Words,
        plan: &Plan,
        issue: &PlannedIssue,
    ) -> IssueContext {
        let abs = |rel: &str| absolute(config, rel);
        let allow_html = config.content.allow_html;
        let cats: Vec<CategoryContext> = issue
            .categories
            .iter()
            .filter_map(|&i| topics.categories.get(i))
            .map(|c| CategoryContext {
                name: c.name.clone(),
                slug: c.slug.clone(),
                topics: c.topics.iter().map(|t| topic(t, allow_html)).collect(),
                note: words.note(&c.slug).map(|md| prose(md, allow_html)),
            })
            .collect();
        let path = issue_path(
            issue.number,
            issue.kind,
            cats.first().map(|c| c.slug.as_str()),
        );
        let neighbour = |n: &PlannedIssue| Neighbour {
            number: n.number,
            categories: n
                .categories
                .iter()
                .filter_map(|&i| topics.categories.get(i))
                .map(|c| c.name.clone())
                .collect(),
            kind: n.kind.as_str().into(),
            send_date: long_date_in(&config.newsletter.language, &n.send_at),
        };
        let pos = plan.issues.iter().position(|i| i.number == issue.number);
        let previous = pos
            .and_then(|p| p.checked_sub(1))
            .and_then(|p| plan.issues.get(p))
            .map(neighbour);
        let next = pos.and_then(|p| plan.issues.get(p + 1)).map(neighbour);
        IssueContext {
            newsletter: NewsletterContext::from_config(config),
            cfp: CfpContext::from_config(config, issue.days_left),
            issue: IssueInfo {
                number: issue.number,
                kind: issue.kind.as_str().into(),
                send_at: issue.send_at.to_rfc3339(),
                send_date: long_date_in(&config.newsletter.language, &issue.send_at),
                categories: cats,
                url: abs(&path),
                path,
                previous,
                next: next.clone(),
                is_last: next.is_none(),
                countdown: super::reminder::countdown(config, &issue.send_at),
                hours_left: super::reminder::hours_left(&issue.send_at, &config.cfp.closes_at()),
                recap: super::reminder::recap(topics, plan, issue, abs),
            },
            notes: topics
                .notes
                .iter()
                .map(|n| NoteContext {
                    html: markdown::to_html(&n.markdown, allow_html),
                    text: markdown::to_text(&n.markdown, allow_html),
                    hidden: n.hidden,
                })
                .collect(),
            tip: words.tip(issue.number).map(|t| TipContext {
                number: t.number,
                count: t.count,
                html: markdown::to_html(t.markdown, allow_html),
                text: markdown::to_text(t.markdown, allow_html),
                markdown: t.markdown.to_string(),
            }),
        }
    }
}

/// The calendar's file name relative to the archive root (or its URL
/// path): `deadline.ics` beside the feed.
pub fn calendar_file_name(config: &Config) -> String {
    let feed = feed_file_name(config);
    match feed.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/deadline.ics"),
        None => "deadline.ics".into(),
    }
}

/// The feed's file name relative to the archive root when the feed lives
/// inside it (the default), else just its file name.
pub fn feed_file_name(config: &Config) -> String {
    public_name(config, &config.feed.path)
}

/// A published file's name relative to the archive root when it lives
/// inside it, else just its file name (`feed.xml` when it has none).
pub fn public_name(config: &Config, path: &std::path::Path) -> String {
    path.strip_prefix(&config.feed.archive_dir)
        .ok()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .or_else(|| path.file_name().map(|f| f.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "feed.xml".into())
}

/// The absolute URL of a published file ("" without base_url).
pub fn public_url(config: &Config, path: &std::path::Path) -> String {
    absolute(config, &public_name(config, path))
}
