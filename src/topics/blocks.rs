//! Markdown to blocks: headings, paragraphs and lists at the top level of
//! the file, with their byte offsets, HTML comments descended into (each
//! a scope of its own). What the blocks mean is decided in
//! [`super::interpret`].

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::{Topic, collapse};

#[derive(Debug)]
pub(super) enum Kind {
    Heading(HeadingLevel, String),
    /// The Markdown source, whether it is one line, and its plain text.
    Paragraph(String, bool, String),
    List(Vec<Topic>),
}

#[derive(Debug)]
pub(super) struct Block {
    pub(super) kind: Kind,
    pub(super) offset: usize,
    /// 0 outside comments, else a number per comment.
    pub(super) scope: usize,
}

/// Collects the top-level blocks of `src[range]`, descending into HTML
/// comments (each gets a new scope number).
pub(super) fn collect(
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
                let name = super::names::inline_text(&mut events);
                out.push(Block {
                    kind: Kind::Heading(level, collapse(&name)),
                    offset: at,
                    scope,
                });
            }
            Event::Start(Tag::Paragraph) => {
                let plain = super::names::inline_text(&mut events);
                let raw = text.get(r.clone()).unwrap_or("");
                let md = raw.trim_matches(|c: char| c.is_whitespace());
                out.push(Block {
                    kind: Kind::Paragraph(md.to_string(), !md.contains('\n'), plain),
                    offset: at,
                    scope,
                });
            }
            Event::Start(Tag::List(_)) => {
                let items = list_items(&mut events, text);
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
                    collect(src, inner_start..inner_end, id, scopes, out, depth + 1);
                }
            }
            Event::Start(_) => skip_to_end(&mut events),
            _ => {}
        }
    }
}

pub(super) type Events<'a> = std::iter::Peekable<pulldown_cmark::OffsetIter<'a>>;

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
fn list_items(events: &mut Events, text: &str) -> Vec<Topic> {
    let mut items = Vec::new();
    while let Some((ev, _)) = events.next() {
        match ev {
            Event::Start(Tag::Item) => {
                let topic = item(events, text);
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
fn item(events: &mut Events, text: &str) -> Topic {
    let mut span: Option<Range<usize>> = None;
    let mut children = Vec::new();
    let mut depth = 0usize;
    while let Some((ev, r)) = events.next() {
        match ev {
            Event::Start(Tag::List(_)) => children.extend(list_items(events, text)),
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
    Topic { markdown, children }
}
