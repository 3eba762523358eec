//! The email of an issue, rendered once and personalized per subscriber.
//!
//! The template contract (README.md, "Templates: rendered once, personal
//! parts per subscriber"): in `email.html` and `email.txt`, the blocks
//! named in [`PERSONAL_BLOCKS`] are the personal parts. They are rendered
//! for each subscriber (with `subscriber` in the context) by
//! [`tera::Tera::render_block`], so a project override of one of them is
//! honoured. Everything outside them is rendered once per issue, without
//! `subscriber`: a generated child template (`__newsletter/once/<name>`)
//! extends the email template and replaces each personal block by a
//! marker, and every message splices its personal blocks in at the
//! markers. The text part is tidied after the splice, so `wrap` sees the
//! subscriber's name and address exactly as in a whole render.
//!
//! A template (or anything it extends or includes) that reads `subscriber`
//! outside the personal blocks is rendered whole for every subscriber, as
//! before: slower, never wrong. [`super::Renderer::rendered_whole`] says
//! which template and line caused it.

mod scan;

use std::collections::HashSet;

use super::errors::Sources;
use super::{BUILTIN_PREFIX, Renderer, SubscriberContext, tidy_text};
use crate::error::Result;

/// The blocks of `email.html` and `email.txt` rendered per subscriber.
pub const PERSONAL_BLOCKS: &[&str] = &["greeting", "footer"];

/// The email templates: (HTML part, text part).
pub(super) const TEMPLATES: [&str; 2] = ["email.html", "email.txt"];

/// Starts and ends the marker of a personal block in the once-rendered
/// output: Unicode noncharacters, which no text the issue is made of holds.
const MARK_OPEN: char = '\u{FDD0}';
const MARK_CLOSE: char = '\u{FDD1}';

/// How one email template is rendered, decided when the templates load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Mode {
    /// Once per issue; these personal blocks are filled per subscriber.
    Once {
        /// The generated child template that marks the personal blocks.
        child: String,
    },
    /// Whole for every subscriber, because of what `why` says.
    Whole {
        /// `file:line: ...`, for people.
        why: String,
    },
}

/// Decides how `template` is rendered; for [`Mode::Once`] also returns the
/// generated child template (name, source) to load with the others.
pub(super) fn plan(sources: &Sources, template: &str) -> (Mode, Option<(String, String)>) {
    let mut personal: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    let mut name = template.to_string();
    // A missing parent or a cycle ends the walk: Tera reports both when
    // loading.
    while let Some(src) = sources.source(&name) {
        if !seen.insert(name.clone()) {
            break;
        }
        let shape = scan::shape(src);
        if let Some(offset) = shape.outside {
            return (whole(sources, &name, src, offset, template), None);
        }
        for inc in &shape.includes {
            if let Some(why) = reads_anywhere(sources, inc, template, &mut HashSet::new()) {
                return (Mode::Whole { why }, None);
            }
        }
        for block in shape.personal {
            if !personal.contains(&block) {
                personal.push(block);
            }
        }
        match shape.extends {
            Some(parent) => name = parent.to_string(),
            None => break,
        }
    }
    // A component's implicit arguments can read the context wherever it is
    // called: any component that reads `subscriber` counts as a read.
    for (name, src) in sources.all() {
        let shape = scan::shape(src);
        if let (true, Some(offset)) = (shape.component, shape.anywhere) {
            return (whole(sources, name, src, offset, template), None);
        }
    }
    let child = format!("{BUILTIN_PREFIX}once/{template}");
    let mut src = format!("{{% extends \"{template}\" %}}");
    for block in personal {
        src.push_str(&format!(
            "{{% block {block} %}}{MARK_OPEN}{block}{MARK_CLOSE}{{% endblock {block} %}}"
        ));
    }
    (
        Mode::Once {
            child: child.clone(),
        },
        Some((child, src)),
    )
}

/// Why an included template (or one it includes) makes `template` whole.
fn reads_anywhere(
    sources: &Sources,
    name: &str,
    template: &str,
    seen: &mut HashSet<String>,
) -> Option<String> {
    let src = sources.source(name)?;
    if !seen.insert(name.to_string()) {
        return None;
    }
    let shape = scan::shape(src);
    if let Some(offset) = shape.anywhere {
        return Some(why(sources, name, src, offset, template));
    }
    shape
        .includes
        .into_iter()
        .find_map(|inc| reads_anywhere(sources, inc, template, seen))
}

fn whole(sources: &Sources, name: &str, src: &str, offset: usize, template: &str) -> Mode {
    Mode::Whole {
        why: why(sources, name, src, offset, template),
    }
}

fn why(sources: &Sources, name: &str, src: &str, offset: usize, template: &str) -> String {
    let (line, _) = crate::error::line_col(src, offset);
    format!(
        "{}:{line}: reads `subscriber` outside the personal blocks ({}), so {template} is rendered whole for every subscriber (slower); move that part into one of those blocks",
        sources.origin(name),
        PERSONAL_BLOCKS.join(", ")
    )
}

/// One email part of an issue as rendered once: text and personal blocks
/// in order.
#[derive(Debug, Clone)]
enum Part {
    /// Rendered once; the blocks are filled per subscriber.
    Once(Vec<Piece>),
    /// Rendered whole per subscriber (see [`Mode::Whole`]).
    Whole,
}

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Block(String),
}

/// The two email parts of one issue, rendered once; [`IssueEmail::parts`]
/// personalizes them for one subscriber (or for nobody).
pub struct IssueEmail<'r> {
    renderer: &'r Renderer,
    base: tera::Context,
    html: Part,
    text: Part,
}

impl<'r> IssueEmail<'r> {
    /// Renders what does not depend on the subscriber, from the issue's
    /// template context (without `subscriber`).
    pub(super) fn render(renderer: &'r Renderer, base: tera::Context) -> Result<Self> {
        let [html, text] = [0, 1].map(|i| once(renderer, i, &base));
        Ok(IssueEmail {
            renderer,
            html: html?,
            text: text?,
            base,
        })
    }

    /// Both parts (html, text) for `subscriber` (`None`: for nobody, as
    /// the archive's reader): byte for byte what rendering the whole
    /// templates with the subscriber gives.
    pub fn parts(&self, subscriber: Option<&SubscriberContext>) -> Result<(String, String)> {
        let mut ctx = self.base.clone();
        if let Some(s) = subscriber {
            ctx.insert("subscriber", s);
        }
        let html = self.fill(TEMPLATES[0], &self.html, &ctx)?;
        let text = tidy_text(&self.fill(TEMPLATES[1], &self.text, &ctx)?);
        Ok((html, text))
    }

    fn fill(&self, template: &str, part: &Part, ctx: &tera::Context) -> Result<String> {
        let pieces = match part {
            Part::Whole => return self.renderer.render(template, ctx),
            Part::Once(pieces) => pieces,
        };
        let mut out = String::with_capacity(
            pieces
                .iter()
                .map(|p| match p {
                    Piece::Text(t) => t.len(),
                    Piece::Block(_) => 256,
                })
                .sum(),
        );
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Block(b) => out.push_str(&self.renderer.render_block(template, b, ctx)?),
            }
        }
        Ok(out)
    }
}

/// Renders email template `i` once and cuts it at the markers.
fn once(renderer: &Renderer, i: usize, base: &tera::Context) -> Result<Part> {
    let child = match &renderer.email_modes[i] {
        Mode::Whole { .. } => return Ok(Part::Whole),
        Mode::Once { child } => child,
    };
    let out = renderer.render(child, base)?;
    let mut pieces = Vec::new();
    // `start`: the text not yet cut off; `from`: where to look for a marker.
    let (mut start, mut from) = (0, 0);
    while let Some(found) = out[from..].find(MARK_OPEN) {
        let open = from + found;
        let name_at = open + MARK_OPEN.len_utf8();
        from = name_at;
        let Some(len) = out[name_at..].find(MARK_CLOSE) else {
            break;
        };
        let name = &out[name_at..name_at + len];
        if !PERSONAL_BLOCKS.contains(&name) {
            continue; // Not a marker of ours: text.
        }
        pieces.push(Piece::Text(out[start..open].to_string()));
        pieces.push(Piece::Block(name.to_string()));
        start = name_at + len + MARK_CLOSE.len_utf8();
        from = start;
    }
    pieces.push(Piece::Text(out[start..].to_string()));
    Ok(Part::Once(pieces))
}

#[cfg(test)]
mod tests;
