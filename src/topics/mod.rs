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
//! ignored. A category's name is its text with inline markup removed
//! (`**Community & Education**` is named `Community & Education`; emphasis,
//! code spans, links and entities the same), its whitespace (including
//! U+00A0 no-break spaces) collapsed to single spaces; the slug is made
//! from that name. Windows line endings, a
//! byte-order mark, trailing spaces and blank lines between items are fine.
//!
//! Errors: no categories; a category listed twice (both lines named); a
//! list with no category before it; lists nested more than 32 levels deep.
//! Warnings: a category without topics; a `<!--` never closed (it hides
//! the rest of the file).

mod blocks;
mod interpret;
mod lines;
mod names;
mod slug;

use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::{Diagnostic, Result};
pub use names::plain_name;
pub use slug::{MAX_SLUG, bound as slug_bound, slugify};

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
    /// Its name: its text without inline markup, whitespace collapsed.
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

impl TopicList {
    /// Parses the text of a topic list.
    pub fn parse(src: &str) -> Result<TopicList, Diagnostic> {
        let body = src.strip_prefix('\u{feff}').unwrap_or(src);
        let shift = src.len() - body.len();
        let mut found = blocks::Collected::default();
        blocks::collect(src, shift..src.len(), 0, &mut found, 0)?;
        let mut list = interpret::interpret(src, &found.blocks)?;
        list.warnings.extend(found.warnings);
        list.warnings.sort_by_key(|w| w.line);
        Ok(list)
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

/// Whitespace (U+00A0 included) collapsed to single spaces, trimmed.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
