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
    /// Once per issue; the personal blocks are filled per subscriber.
    Once {
        /// The generated child template that marks the personal blocks.
        child: String,
        /// Each personal block and the generated template that renders
        /// just that block (`None`: one that calls `super()` or holds a
        /// block, rendered with [`tera::Tera::render_block`], which runs
        /// the whole template).
        blocks: Vec<(String, Option<String>)>,
    },
    /// Whole for every subscriber, because of what `why` says.
    Whole {
        /// `file:line: ...`, for people.
        why: String,
    },
}

/// How an email template is rendered, and the templates to load with the
/// others for it: (name, source), and aliases (generated name, the
/// template whose source and file its errors point into).
pub(super) struct Planned {
    pub mode: Mode,
    pub templates: Vec<(String, String)>,
    pub aliases: Vec<(String, String)>,
}

/// Decides how `template` is rendered.
pub(super) fn plan(sources: &Sources, template: &str) -> Planned {
    let whole_mode = |mode| Planned {
        mode,
        templates: Vec::new(),
        aliases: Vec::new(),
    };
    // Each personal block's definition that counts: the one nearest the
    // template, walking up the `extends` chain. (name, template, span,
    // standalone)
    let mut personal: Vec<(&str, String, std::ops::Range<usize>, bool)> = Vec::new();
    let mut seen = HashSet::new();
    let mut name = template.to_string();
    // A missing parent or a cycle: Tera reports it when loading, and no
    // generated template may change what it reports.
    let broken = || {
        whole_mode(Mode::Whole {
            why: format!("{template} extends a missing template or itself"),
        })
    };
    loop {
        let Some(src) = sources.source(&name) else {
            return broken();
        };
        if !seen.insert(name.clone()) {
            return broken();
        }
        let shape = scan::shape(src);
        if let Some(offset) = shape.outside {
            return whole_mode(whole(sources, &name, src, offset, template));
        }
        for inc in &shape.includes {
            if let Some(why) = reads_anywhere(sources, inc, template, &mut HashSet::new()) {
                return whole_mode(Mode::Whole { why });
            }
        }
        for block in shape.personal {
            if !personal.iter().any(|p| p.0 == block.name) {
                personal.push((block.name, name.clone(), block.span, block.standalone));
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
            return whole_mode(whole(sources, name, src, offset, template));
        }
    }
    let child = format!("{BUILTIN_PREFIX}once/{template}");
    let mut child_src = format!("{{% extends \"{template}\" %}}");
    let mut planned = Planned {
        mode: Mode::Whole { why: String::new() },
        templates: Vec::new(),
        aliases: Vec::new(),
    };
    let mut blocks = Vec::new();
    for (block, defined_in, span, standalone) in personal {
        child_src.push_str(&format!(
            "{{% block {block} %}}{MARK_OPEN}{block}{MARK_CLOSE}{{% endblock {block} %}}"
        ));
        let src = sources.source(&defined_in).unwrap_or("");
        let own = match standalone_source(src, span) {
            Some(own) if standalone => {
                let own_name = format!("{BUILTIN_PREFIX}once/{block}/{template}");
                planned.templates.push((own_name.clone(), own));
                planned.aliases.push((own_name.clone(), defined_in));
                Some(own_name)
            }
            _ => None,
        };
        blocks.push((block.to_string(), own));
    }
    planned.templates.push((child.clone(), child_src));
    planned.mode = Mode::Once { child, blocks };
    planned
}

/// A template of just the block at `span` of `src`, at the same byte
/// offsets (what comes before is a comment of as many bytes, newlines kept),
/// so its errors point at the right line and column of the original.
fn standalone_source(src: &str, span: std::ops::Range<usize>) -> Option<String> {
    let before = src.get(..span.start)?;
    let block = src.get(span)?;
    if before.is_empty() {
        return Some(block.to_string());
    }
    if before.len() < 4 {
        return None;
    }
    let filler: String = before
        .bytes()
        .skip(4)
        .map(|b| if b == b'\n' { '\n' } else { ' ' })
        .collect();
    Some(format!("{{#{filler}#}}{block}"))
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
    /// A personal block, and the template that renders just it.
    Block(String, Option<String>),
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
                    Piece::Block(..) => 256,
                })
                .sum(),
        );
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Block(_, Some(own)) => out.push_str(&self.renderer.render(own, ctx)?),
                Piece::Block(b, None) => {
                    out.push_str(&self.renderer.render_block(template, b, ctx)?)
                }
            }
        }
        Ok(out)
    }
}

/// Renders email template `i` once and cuts it at the markers.
fn once(renderer: &Renderer, i: usize, base: &tera::Context) -> Result<Part> {
    let (child, blocks) = match &renderer.email_modes[i] {
        Mode::Whole { .. } => return Ok(Part::Whole),
        Mode::Once { child, blocks } => (child, blocks),
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
        let Some((_, own)) = blocks.iter().find(|(b, _)| b == name) else {
            continue; // Not a marker of ours: text.
        };
        pieces.push(Piece::Text(out[start..open].to_string()));
        pieces.push(Piece::Block(name.to_string(), own.clone()));
        start = name_at + len + MARK_CLOSE.len_utf8();
        from = start;
    }
    pieces.push(Piece::Text(out[start..].to_string()));
    Ok(Part::Once(pieces))
}

#[cfg(test)]
mod tests;
