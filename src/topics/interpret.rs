//! Blocks to a topic list: the title and its publication line,
//! categories (a heading or a one-line paragraph followed by a list),
//! notes, and the errors and warnings about them.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use pulldown_cmark::HeadingLevel;

use super::blocks::{Block, Kind};
use super::lines::LineIndex;
use super::{Category, Note, PublicationLine, Topic, TopicList, collapse, normalize_name, slugify};
use crate::error::Diagnostic;

/// Turns the block sequence into title, categories and notes.
pub(super) fn interpret(src: &str, blocks: &[Block]) -> Result<TopicList, Diagnostic> {
    let mut seen = Seen {
        lines: LineIndex::new(src),
        ..Seen::default()
    };
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
                    kind: Kind::Paragraph(p, _, _),
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
                let section = matches!(blocks.get(i + 1), Some(Block { kind: Kind::Paragraph(_, true, _), scope, .. }) if *scope == b.scope)
                    && next_list(i + 1).is_some();
                if !section {
                    let found = next_list(i);
                    i += found.as_ref().map_or(0, |(_, n)| *n);
                    add_category(
                        src,
                        &mut list,
                        &mut seen,
                        name,
                        b.offset,
                        hidden,
                        found.map(|(t, _)| t),
                    )?;
                }
            }
            Kind::Paragraph(text, one_line, plain) => match next_list(i) {
                Some((items, n)) if *one_line => {
                    add_category(
                        src,
                        &mut list,
                        &mut seen,
                        &collapse(plain),
                        b.offset,
                        hidden,
                        Some(items),
                    )?;
                    i += n;
                }
                _ => list.notes.push(Note {
                    markdown: text.clone(),
                    hidden,
                    line: seen.lines.line(b.offset),
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

/// What the categories so far have taken, so that each new one is checked
/// in constant time (a long list stays linear).
#[derive(Default)]
struct Seen {
    lines: LineIndex,
    /// Normalized name -> line of the category.
    names: HashMap<String, usize>,
    slugs: HashSet<String>,
    /// Base slug -> the last suffix tried for it.
    suffix: HashMap<String, usize>,
}

fn add_category(
    src: &str,
    list: &mut TopicList,
    seen: &mut Seen,
    name: &str,
    offset: usize,
    hidden: bool,
    topics: Option<Vec<Topic>>,
) -> Result<(), Diagnostic> {
    let line = seen.lines.line(offset);
    if let Some(first) = seen.names.get(&normalize_name(name)) {
        return Err(Diagnostic::at(
            src,
            offset,
            format!("category `{name}` is listed twice: here and on line {first}"),
        )
        .help("give each category a distinct name, or merge the two lists"));
    }
    seen.names.insert(normalize_name(name), line);
    let topics = topics.unwrap_or_default();
    if topics.is_empty() {
        list.warnings.push(
            seen.lines
                .diagnostic(src, offset, format!("category `{name}` has no topics"))
                .help("add a list of topics under it"),
        );
    }
    let base = slugify(name);
    let mut slug = base.clone();
    let n = seen.suffix.entry(base.clone()).or_insert(1);
    while seen.slugs.contains(&slug) {
        *n += 1;
        slug = format!("{base}-{n}");
    }
    seen.slugs.insert(slug.clone());
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
