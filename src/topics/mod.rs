//! The topic inspiration list: Markdown in, categories out.
//!
//! Parsed on pulldown-cmark's event stream with source offsets, so every
//! message points at `file:line:col`. The accepted format:
//!
//! ```text
//! list      := [title [published]] block*
//! title     := the first level-1 heading
//! published := a paragraph directly under the title starting "Published",
//!              e.g. "Published March 3, 2024" (date parsed if it can be)
//! block     := category | note | comment | section-heading
//! category  := heading(level >= 2) list?          -- no list: a warning
//!            | one-line paragraph list            -- the line names it
//! list      := items with `*`, `-`, `+` or `1.`; an item's inline Markdown
//!              (links, emphasis, code) is one topic; nested items are its
//!              children
//! note      := any other paragraph (kept for templates)
//! comment   := <!-- block* -->  -- parsed the same way; what it holds is hidden
//! ```
//!
//! A heading directly followed by a one-line paragraph and a list is a
//! section heading: the paragraph names the category, the heading is
//! ignored. Category names have their whitespace (including U+00A0
//! no-break spaces) collapsed to single spaces. Windows line endings, a
//! byte-order mark, trailing spaces and blank lines between items are fine.
//!
//! Errors: no categories; a category listed twice (both lines named); a
//! list with no category before it. A category without topics is a warning.

use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::error::{Diagnostic, Result};

/// A parsed topic list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicList {
    /// The first level-1 heading.
    pub title: Option<String>,
    /// The "Published ..." line under the title.
    pub published: Option<PublicationLine>,
    /// Categories in file order, hidden ones included.
    pub categories: Vec<Category>,
    /// Paragraphs that are not followed by a list.
    pub notes: Vec<Note>,
    /// Non-fatal findings.
    #[serde(skip)]
    pub warnings: Vec<Diagnostic>,
}

/// The publication line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicationLine {
    /// As written, without "Published".
    pub text: String,
    /// The date, if the text parses as one.
    pub date: Option<NaiveDate>,
}

/// A themed category of topics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    /// Its name, whitespace collapsed.
    pub name: String,
    /// Unique, URL-safe.
    pub slug: String,
    /// Found inside an HTML comment.
    pub hidden: bool,
    /// 1-based line of its name.
    pub line: usize,
    /// Its topics.
    pub topics: Vec<Topic>,
}

/// One topic: a list item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    /// The item's own inline Markdown, trimmed.
    pub markdown: String,
    /// Nested items.
    pub children: Vec<Topic>,
}

/// A paragraph that is not a category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    /// Its Markdown, trimmed.
    pub markdown: String,
    /// Found inside an HTML comment.
    pub hidden: bool,
    /// 1-based line.
    pub line: usize,
}

#[derive(Debug)]
enum Kind {
    Heading(HeadingLevel, String),
    Paragraph(String, bool),
    List(Vec<Topic>),
}

#[derive(Debug)]
struct Block {
    kind: Kind,
    offset: usize,
    /// 0 outside comments, else a number per comment.
    scope: usize,
}

impl TopicList {
    /// Parses the text of a topic list.
    pub fn parse(src: &str) -> Result<TopicList, Diagnostic> {
        let body = src.strip_prefix('\u{feff}').unwrap_or(src);
        let shift = src.len() - body.len();
        let mut blocks = Vec::new();
        let mut scopes = 0;
        collect_blocks(src, shift..src.len(), 0, &mut scopes, &mut blocks, 0);
        interpret(src, &blocks)
    }

    /// Reads and parses the file; errors name it.
    pub fn from_file(path: &Path) -> crate::Result<TopicList> {
        let src = crate::error::read_text(path).map_err(|e| {
            use std::io::ErrorKind as K;
            match e.io_kind() {
                Some(K::NotFound | K::IsADirectory | K::NotADirectory) => e.with_help(
                    "`topics` under [content] in config.toml names the topic list, a Markdown file; create it or correct the path",
                ),
                _ => e,
            }
        })?;
        TopicList::parse(&src).map_err(|d| d.into_error(path))
    }

    /// The index of the category with this name (compared normalized).
    pub fn find(&self, name: &str) -> Option<usize> {
        let wanted = normalize_name(name);
        self.categories
            .iter()
            .position(|c| normalize_name(&c.name) == wanted)
    }
}

/// Whitespace collapsed to single spaces, trimmed, lowercased.
pub fn normalize_name(name: &str) -> String {
    collapse(name).to_lowercase()
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A URL-safe slug: ASCII letters and digits, other runs become `-`.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let s = out.trim_matches('-');
    if s.is_empty() {
        "category".into()
    } else {
        s.to_string()
    }
}

fn fold_accent(c: char) -> Vec<char> {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => return vec!['s', 's'],
        'æ' | 'Æ' => return vec!['a', 'e'],
        other => other,
    };
    vec![plain]
}

/// Collects the top-level blocks of `src[range]`, descending into HTML
/// comments (each gets a new scope number).
fn collect_blocks(
    src: &str,
    range: Range<usize>,
    scope: usize,
    scopes: &mut usize,
    out: &mut Vec<Block>,
    depth: usize,
) {
    let Some(text) = src.get(range.clone()) else {
        return;
    };
    let base = range.start;
    let mut events = Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH)
        .into_offset_iter()
        .peekable();
    while let Some((ev, r)) = events.next() {
        let at = base + r.start;
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                let mut name = String::new();
                for (ev, _) in events.by_ref() {
                    match ev {
                        Event::End(TagEnd::Heading(_)) => break,
                        Event::Text(t) | Event::Code(t) => name.push_str(&t),
                        Event::SoftBreak | Event::HardBreak => name.push(' '),
                        _ => {}
                    }
                }
                out.push(Block {
                    kind: Kind::Heading(level, collapse(&name)),
                    offset: at,
                    scope,
                });
            }
            Event::Start(Tag::Paragraph) => {
                skip_to_end(&mut events);
                let raw = text.get(r.clone()).unwrap_or("");
                let md = raw.trim_matches(|c: char| c.is_whitespace());
                out.push(Block {
                    kind: Kind::Paragraph(md.to_string(), !md.contains('\n')),
                    offset: at,
                    scope,
                });
            }
            Event::Start(Tag::List(_)) => {
                let items = list_items(&mut events, text, base);
                out.push(Block {
                    kind: Kind::List(items),
                    offset: at,
                    scope,
                });
            }
            Event::Start(Tag::HtmlBlock) => {
                skip_to_end(&mut events);
                let raw = text.get(r.clone()).unwrap_or("");
                if let (Some(open), true) = (raw.find("<!--"), depth < 8) {
                    let inner_start = at + open + 4;
                    let inner_end = raw
                        .rfind("-->")
                        .map_or(base + r.end, |i| at + i)
                        .max(inner_start);
                    *scopes += 1;
                    let id = *scopes;
                    collect_blocks(src, inner_start..inner_end, id, scopes, out, depth + 1);
                }
            }
            Event::Start(_) => skip_to_end(&mut events),
            _ => {}
        }
    }
}

type Events<'a> = std::iter::Peekable<pulldown_cmark::OffsetIter<'a>>;

/// Skips to the end of the element just started (nesting respected).
fn skip_to_end(events: &mut Events) {
    let mut depth = 1usize;
    for (ev, _) in events.by_ref() {
        match ev {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return;
        }
    }
}

/// Reads the items of a list just started, with nested lists as children.
fn list_items(events: &mut Events, text: &str, base: usize) -> Vec<Topic> {
    let mut items = Vec::new();
    while let Some((ev, _)) = events.next() {
        match ev {
            Event::Start(Tag::Item) => {
                let topic = item(events, text, base);
                // An empty item holds nothing to show; its sub-items move up.
                if topic.markdown.is_empty() {
                    items.extend(topic.children);
                } else {
                    items.push(topic);
                }
            }
            Event::End(TagEnd::List(_)) => break,
            Event::Start(_) => skip_to_end(events),
            _ => {}
        }
    }
    items
}

/// Reads one item: its own inline source span, and nested lists.
fn item(events: &mut Events, text: &str, base: usize) -> Topic {
    let mut span: Option<Range<usize>> = None;
    let mut children = Vec::new();
    let mut depth = 0usize;
    while let Some((ev, r)) = events.next() {
        match ev {
            Event::Start(Tag::List(_)) => children.extend(list_items(events, text, base)),
            Event::End(TagEnd::Item) if depth == 0 => break,
            Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => {}
            Event::Start(Tag::HtmlBlock) => {
                skip_to_end(events);
                // Raw HTML is kept as source (rendering escapes it); an
                // HTML comment inside an item is a commented-out remark.
                let raw = text.get(r.clone()).unwrap_or("");
                if !raw.trim_start().starts_with("<!--") {
                    span = Some(match span {
                        Some(s) => s.start.min(r.start)..s.end.max(r.end),
                        None => r,
                    });
                }
            }
            Event::Start(Tag::CodeBlock(_)) | Event::Start(Tag::BlockQuote(_)) => {
                skip_to_end(events);
            }
            other => {
                match other {
                    Event::Start(_) => depth += 1,
                    Event::End(_) => depth = depth.saturating_sub(1),
                    _ => {}
                }
                span = Some(match span {
                    Some(s) => s.start.min(r.start)..s.end.max(r.end),
                    None => r,
                });
            }
        }
    }
    let markdown = span
        .and_then(|s| text.get(s))
        .map(|s| s.trim_matches(|c: char| c.is_whitespace()).to_string())
        .unwrap_or_default();
    let _ = base;
    Topic { markdown, children }
}

/// Turns the block sequence into title, categories and notes.
fn interpret(src: &str, blocks: &[Block]) -> Result<TopicList, Diagnostic> {
    let mut list = TopicList {
        title: None,
        published: None,
        categories: Vec::new(),
        notes: Vec::new(),
        warnings: Vec::new(),
    };
    // The list (or adjacent lists: a change of bullet starts a new list in
    // CommonMark) directly after block `i`, and how many blocks it spans.
    let next_list = |i: usize| {
        let scope = blocks.get(i).map(|b| b.scope);
        let mut items: Vec<Topic> = Vec::new();
        let mut n = 0;
        while let Some(Block {
            kind: Kind::List(more),
            scope: s,
            ..
        }) = blocks.get(i + 1 + n)
        {
            if Some(*s) != scope {
                break;
            }
            items.extend(more.iter().cloned());
            n += 1;
        }
        (n > 0).then_some((items, n))
    };
    let mut i = 0;
    while let Some(b) = blocks.get(i) {
        let hidden = b.scope != 0;
        match &b.kind {
            Kind::Heading(HeadingLevel::H1, name)
                if list.title.is_none() && list.categories.is_empty() =>
            {
                list.title = Some(name.clone());
                if let Some(Block {
                    kind: Kind::Paragraph(p, _),
                    scope,
                    ..
                }) = blocks.get(i + 1)
                    && let (Some(rest), true) = (p.strip_prefix("Published"), *scope == b.scope)
                {
                    let text = collapse(
                        rest.trim_start_matches([':', ' '])
                            .trim_start_matches("on "),
                    );
                    list.published = Some(PublicationLine {
                        date: parse_date(&text),
                        text,
                    });
                    i += 1;
                }
            }
            Kind::Heading(_, name) => {
                let section = matches!(blocks.get(i + 1), Some(Block { kind: Kind::Paragraph(_, true), scope, .. }) if *scope == b.scope)
                    && next_list(i + 1).is_some();
                if !section {
                    let found = next_list(i);
                    i += found.as_ref().map_or(0, |(_, n)| *n);
                    add_category(
                        src,
                        &mut list,
                        name,
                        b.offset,
                        hidden,
                        found.map(|(t, _)| t),
                    )?;
                }
            }
            Kind::Paragraph(text, one_line) => match next_list(i) {
                Some((items, n)) if *one_line => {
                    add_category(
                        src,
                        &mut list,
                        &collapse(text),
                        b.offset,
                        hidden,
                        Some(items),
                    )?;
                    i += n;
                }
                _ => list.notes.push(Note {
                    markdown: text.clone(),
                    hidden,
                    line: crate::error::line_col(src, b.offset).0,
                }),
            },
            Kind::List(_) => {
                return Err(Diagnostic::at(src, b.offset, "a list with no category before it")
                    .help("put the category's name on its own line (or as a `## heading`) directly above the list"));
            }
        }
        i += 1;
    }
    if list.categories.is_empty() {
        return Err(Diagnostic::at(src, 0, "the topic list has no categories").help(
            "a category is a line of its own directly followed by a list of topics, e.g. `Performance` then `* Django profiling`",
        ));
    }
    Ok(list)
}

fn add_category(
    src: &str,
    list: &mut TopicList,
    name: &str,
    offset: usize,
    hidden: bool,
    topics: Option<Vec<Topic>>,
) -> Result<(), Diagnostic> {
    let line = crate::error::line_col(src, offset).0;
    if let Some(first) = list
        .categories
        .iter()
        .find(|c| normalize_name(&c.name) == normalize_name(name))
    {
        return Err(Diagnostic::at(
            src,
            offset,
            format!(
                "category `{name}` is listed twice: here and on line {}",
                first.line
            ),
        )
        .help("give each category a distinct name, or merge the two lists"));
    }
    let topics = topics.unwrap_or_default();
    if topics.is_empty() {
        list.warnings.push(
            Diagnostic::at(src, offset, format!("category `{name}` has no topics"))
                .help("add a list of topics under it"),
        );
    }
    let base = slugify(name);
    let mut slug = base.clone();
    let mut n = 1;
    while list.categories.iter().any(|c| c.slug == slug) {
        n += 1;
        slug = format!("{base}-{n}");
    }
    list.categories.push(Category {
        name: name.to_string(),
        slug,
        hidden,
        line,
        topics,
    });
    Ok(())
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim().trim_end_matches('.');
    ["%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%d %B %Y", "%Y-%m-%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
}

#[cfg(test)]
mod tests;
