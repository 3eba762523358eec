//! Markdown read for its top-level structure: the tips (list items) and a
//! note's blocks (for the plain-text part, one paragraph each).

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// A top-level block of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A paragraph: its Markdown.
    Paragraph(String),
    /// A list: its whole Markdown and each item's own.
    List(String, Vec<String>),
    /// Anything else (a heading, a quote, code): its Markdown.
    Other(String),
}

/// The top-level blocks of `md`.
pub(crate) fn blocks(md: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<(Tag<'_>, usize)> = None;
    let mut items: Vec<String> = Vec::new();
    for (ev, range) in Parser::new_ext(md, Options::ENABLE_STRIKETHROUGH).into_offset_iter() {
        match ev {
            Event::Start(tag) => {
                if depth == 0 {
                    start = Some((tag.clone(), range.start));
                    items.clear();
                } else if depth == 1 && matches!(tag, Tag::Item) {
                    items.push(item_text(md, range.clone()));
                }
                depth += 1;
            }
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                if depth == 0
                    && let Some((tag, at)) = start.take()
                {
                    let src = md[at..range.end].trim().to_string();
                    out.push(match (tag, end) {
                        (Tag::Paragraph, _) => Block::Paragraph(src),
                        (Tag::List(_), TagEnd::List(_)) => {
                            Block::List(src, std::mem::take(&mut items))
                        }
                        _ => Block::Other(src),
                    });
                }
            }
            Event::Html(h) if depth == 0 => out.push(Block::Other(h.trim().to_string())),
            Event::Rule if depth == 0 => {}
            _ => {}
        }
    }
    out
}

/// The tips of `md`: its top-level list items' own text.
pub(crate) fn tips(md: &str) -> Vec<String> {
    blocks(md)
        .into_iter()
        .flat_map(|b| match b {
            Block::List(_, items) => items,
            _ => Vec::new(),
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// A list item's Markdown: the marker dropped, the lines unindented, any
/// nested list left out.
fn item_text(md: &str, range: Range<usize>) -> String {
    let src = &md[range];
    let body = strip_marker(src.trim_start());
    let mut lines = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        if is_list_line(t) && !lines.is_empty() {
            break;
        }
        if t.is_empty() && !lines.is_empty() {
            break;
        }
        if !t.is_empty() {
            lines.push(t);
        }
    }
    lines.join("\n")
}

/// `s` without its leading list marker (`-`, `*`, `+`, `1.`, `1)`).
fn strip_marker(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix(['-', '*', '+']) {
        return rest.trim_start_matches([' ', '\t']);
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    match s[digits..].strip_prefix(['.', ')']) {
        Some(rest) if digits > 0 => rest.trim_start_matches([' ', '\t']),
        _ => s,
    }
}

/// Whether a trimmed line starts a list item.
fn is_list_line(t: &str) -> bool {
    let stripped = strip_marker(t);
    stripped.len() < t.len() && t[..t.len() - stripped.len()].ends_with([' ', '\t'])
}
