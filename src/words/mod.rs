//! The organizer's own words beside the topic list: a note per category
//! (`[content] notes`, `<slug>.md`, shown above that category's topics in
//! its weekly issue) and the rotating tips (`[content] tips`, a Markdown
//! list; each issue features the next one).
//!
//! Choices:
//! - A note is any Markdown; it is rendered with the topics' rules (raw
//!   HTML escaped unless `allow_html`, links kept when http, https or
//!   mailto). A missing folder or file is no note; a file whose name is no
//!   category's slug is a `check` warning ([`Words::warnings`]).
//! - A tip is one top-level list item of the tips file (its inline
//!   Markdown; nested lists are left out). Text before or around the list
//!   (a title, a paragraph) is ignored. A configured file that is missing
//!   or holds no list item is an error.
//! - The rotation is history-aware like the categories: a published issue
//!   keeps the tip frozen in its context; the issues after it take the tips
//!   after that one, in order, starting again at the first after the last.
//!   The frozen tip is found in the current list by its Markdown (so
//!   inserting a tip above it does not repeat one); if it is gone, by its
//!   number.

mod parse;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::schedule::Plan;
use crate::state::FrozenIssue;
use crate::topics::TopicList;
pub(crate) use parse::{Block, blocks};

/// The notes and tips of a project, and which tip each issue features.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Words {
    /// Note Markdown by category slug (only slugs of the topic list).
    notes: BTreeMap<String, String>,
    /// Note files whose name is no category's slug.
    unmatched: Vec<PathBuf>,
    /// The tips' Markdown, in order.
    tips: Vec<String>,
    /// The tip (0-based) each issue number features.
    tip_of: BTreeMap<u32, usize>,
}

/// One tip as an issue features it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tip<'a> {
    /// 1-based place in the list.
    pub number: usize,
    /// How many tips the list holds.
    pub count: usize,
    /// Its inline Markdown.
    pub markdown: &'a str,
}

/// The part of a frozen context the rotation reads.
#[derive(Deserialize)]
struct FrozenTip {
    #[serde(default)]
    tip: Option<FrozenTipFields>,
}

#[derive(Deserialize)]
struct FrozenTipFields {
    number: usize,
    markdown: String,
}

impl Words {
    /// Reads the notes folder and the tips file that `config` names, and
    /// lays the tips out over `plan`, after the ones `frozen` issues
    /// featured.
    pub fn load(
        config: &Config,
        topics: &TopicList,
        plan: &Plan,
        frozen: &[FrozenIssue],
    ) -> Result<Words> {
        let (notes, unmatched) = read_notes(&config.content.notes, topics)?;
        let tips = match &config.content.tips {
            Some(path) => read_tips(path)?,
            None => Vec::new(),
        };
        let mut words = Words {
            notes,
            unmatched,
            tips,
            tip_of: BTreeMap::new(),
        };
        words.tip_of = words.rotation(plan, &frozen_tips(frozen));
        Ok(words)
    }

    /// Words made of these parts (tests), the tips laid out over `plan`.
    pub fn new(notes: BTreeMap<String, String>, tips: Vec<String>, plan: &Plan) -> Words {
        let mut words = Words {
            notes,
            tips,
            ..Words::default()
        };
        words.tip_of = words.rotation(plan, &BTreeMap::new());
        words
    }

    /// The note of the category with this slug.
    pub fn note(&self, slug: &str) -> Option<&str> {
        self.notes.get(slug).map(String::as_str)
    }

    /// The tip issue `number` features.
    pub fn tip(&self, number: u32) -> Option<Tip<'_>> {
        let i = *self.tip_of.get(&number)?;
        Some(Tip {
            number: i + 1,
            count: self.tips.len(),
            markdown: self.tips.get(i)?,
        })
    }

    /// `check`'s warnings: note files no category takes.
    pub fn warnings(&self) -> Vec<String> {
        self.unmatched
            .iter()
            .map(|path| {
                format!(
                    "{}: no category has the slug `{}`, so this note is never shown; name it after a category's slug (`newsletter plan --json` lists them)",
                    path.display(),
                    path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default()
                )
            })
            .collect()
    }

    /// The tip of every planned issue: a published one keeps its frozen
    /// tip (found by text, else by number), the others follow in order.
    fn rotation(
        &self,
        plan: &Plan,
        frozen: &BTreeMap<u32, FrozenTipFields>,
    ) -> BTreeMap<u32, usize> {
        let n = self.tips.len();
        let mut out = BTreeMap::new();
        if n == 0 {
            return out;
        }
        let mut next = 0;
        for issue in &plan.issues {
            if issue.published {
                if let Some(f) = frozen.get(&issue.number) {
                    let at = self
                        .tips
                        .iter()
                        .position(|t| *t == f.markdown)
                        .unwrap_or(f.number.saturating_sub(1) % n);
                    next = (at + 1) % n;
                }
                continue;
            }
            out.insert(issue.number, next);
            next = (next + 1) % n;
        }
        out
    }
}

/// The tips frozen in the state, by issue number.
fn frozen_tips(frozen: &[FrozenIssue]) -> BTreeMap<u32, FrozenTipFields> {
    frozen
        .iter()
        .filter_map(|f| {
            let parsed: FrozenTip = serde_json::from_str(&f.context_json).ok()?;
            Some((f.number, parsed.tip?))
        })
        .collect()
}

/// The notes under `dir` by slug, and the files no category takes.
fn read_notes(dir: &Path, topics: &TopicList) -> Result<(BTreeMap<String, String>, Vec<PathBuf>)> {
    let mut notes = BTreeMap::new();
    let mut unmatched = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((notes, unmatched)),
        Err(e) => return Err(Error::io("read the notes folder", dir, e)),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md") && !p.is_dir())
        .collect();
    paths.sort();
    for path in paths {
        let slug = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !topics.categories.iter().any(|c| c.slug == slug) {
            unmatched.push(path);
            continue;
        }
        let text = crate::error::read_text(&path)?;
        if !text.trim().is_empty() {
            notes.insert(slug, text.trim().to_string());
        }
    }
    Ok((notes, unmatched))
}

/// The tips of the file at `path`: its top-level list items.
fn read_tips(path: &Path) -> Result<Vec<String>> {
    let text = crate::error::read_text(path).map_err(|e| match e.io_kind() {
        Some(std::io::ErrorKind::NotFound) => e.with_help(
            "`tips` under [content] in config.toml names a Markdown list of tips; create it, or remove the key for no tips",
        ),
        _ => e,
    })?;
    let tips = parse::tips(&text);
    if tips.is_empty() {
        return Err(Error::input(
            "the tips file holds no tips: each tip is a list item, such as `- Say what the audience will learn.`",
        )
        .in_file(path)
        .with_help("write the tips as a Markdown list, or remove `tips` from [content] in config.toml"));
    }
    Ok(tips)
}

#[cfg(test)]
mod tests;
