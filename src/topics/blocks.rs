//! Markdown to blocks: headings, paragraphs and lists at the top level of
//! the file, with their byte offsets, HTML comments descended into (each
//! a scope of its own). What the blocks mean is decided in
//! [`super::interpret`].
//!
//! Every recursion here is bounded: comments nest at most
//! [`MAX_COMMENT_DEPTH`] deep (deeper ones are read as plain comments),
//! and lists at most [`MAX_LIST_DEPTH`] (deeper is an error at the list's
//! line), so no topic list can overflow the stack here or in what walks
//! the topics later (rendering, comparing, dropping).

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::{Topic, collapse};
use crate::error::Diagnostic;

/// How deep lists may nest (a topic, its sub-topics, theirs...). Real
/// lists use two or three levels; 14,000 overflowed the stack.
pub(super) const MAX_LIST_DEPTH: usize = 32;

/// How deep HTML comments are descended into.
const MAX_COMMENT_DEPTH: usize = 8;

/// What [`collect`] found: the blocks, and warnings about the file.
#[derive(Debug, Default)]
pub(super) struct Collected {
    pub(super) blocks: Vec<Block>,
    /// Comments that are never closed.
    pub(super) warnings: Vec<Diagnostic>,
    /// Comment scopes numbered so far.
    scopes: usize,
}

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
/// comments (each gets a new scope number). A list nested deeper than
/// [`MAX_LIST_DEPTH`] is an error.
pub(super) fn collect(
    src: &str,
    range: Range<usize>,
    scope: usize,
    out: &mut Collected,
    depth: usize,
) -> Result<(), Diagnostic> {
    let Some(text) = src.get(range.clone()) else {
        return Ok(());
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
                out.blocks.push(Block {
                    kind: Kind::Heading(level, collapse(&name)),
                    offset: at,
                    scope,
                });
            }
            Event::Start(Tag::Paragraph) => {
                let plain = super::names::inline_text(&mut events);
                let raw = text.get(r.clone()).unwrap_or("");
                let md = raw.trim_matches(|c: char| c.is_whitespace());
                out.blocks.push(Block {
                    kind: Kind::Paragraph(md.to_string(), !md.contains('\n'), plain),
                    offset: at,
                    scope,
                });
            }
            Event::Start(Tag::List(_)) => {
                let items =
                    list_items(&mut events, text, 1).map_err(|deep| too_deep(src, base + deep))?;
                out.blocks.push(Block {
                    kind: Kind::List(items),
                    offset: at,
                    scope,
                });
            }
            Event::Start(Tag::HtmlBlock) => {
                skip_to_end(&mut events);
                let raw = text.get(r.clone()).unwrap_or("");
                if let (Some(open), true) = (raw.find("<!--"), depth < MAX_COMMENT_DEPTH) {
                    let inner_start = at + open + 4;
                    let close = raw.rfind("-->").filter(|&i| i >= open + 4);
                    if close.is_none() && depth == 0 {
                        out.warnings.push(unclosed(src, at + open));
                    }
                    let inner_end = close.map_or(base + r.end, |i| at + i).max(inner_start);
                    out.scopes += 1;
                    let id = out.scopes;
                    collect(src, inner_start..inner_end, id, out, depth + 1)?;
                }
            }
            Event::Start(_) => skip_to_end(&mut events),
            _ => {}
        }
    }
    Ok(())
}

/// The error for a list nested too deep, at byte `offset` of `src`.
fn too_deep(src: &str, offset: usize) -> Diagnostic {
    Diagnostic::at(
        src,
        offset,
        format!("this list is nested more than {MAX_LIST_DEPTH} levels deep"),
    )
    .help(format!(
        "a topic may have sub-topics, and they theirs, up to {MAX_LIST_DEPTH} levels; \
         indent less (a `-` or `*` at the start of an item's text starts a nested list)"
    ))
}

/// The warning for a `<!--` at byte `offset` of `src` that no `-->` closes:
/// everything after it is read as hidden.
fn unclosed(src: &str, offset: usize) -> Diagnostic {
    Diagnostic::at(
        src,
        offset,
        "this HTML comment is never closed: everything after it, to the end of the file, is hidden",
    )
    .help("end the comment with `-->` where the hidden part should stop")
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

/// Reads the items of a list just started at nesting `depth` (1 for a
/// top-level list), with nested lists as children. `Err` holds the byte
/// offset in `text` of a list nested deeper than [`MAX_LIST_DEPTH`].
fn list_items(events: &mut Events, text: &str, depth: usize) -> Result<Vec<Topic>, usize> {
    let mut items = Vec::new();
    while let Some((ev, _)) = events.next() {
        match ev {
            Event::Start(Tag::Item) => {
                let topic = item(events, text, depth)?;
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
    Ok(items)
}

/// Reads one item of a list at nesting `level`: its own inline source span, and
/// nested lists.
fn item(events: &mut Events, text: &str, level: usize) -> Result<Topic, usize> {
    let mut span: Option<Range<usize>> = None;
    let mut children = Vec::new();
    let mut depth = 0usize;
    while let Some((ev, r)) = events.next() {
        match ev {
            Event::Start(Tag::List(_)) if level >= MAX_LIST_DEPTH => return Err(r.start),
            Event::Start(Tag::List(_)) => children.extend(list_items(events, text, level + 1)?),
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
    Ok(Topic { markdown, children })
}
