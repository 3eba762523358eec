//! Rendering: Tera templates over the issue context.
//!
//! Built-in templates are compiled into the binary under the reserved
//! prefix `__newsletter/` and are also registered under their plain names.
//! A file of the same name in the project's `templates/` folder replaces
//! the plain name (so it can still `{% extends "__newsletter/email.html" %}`).
//! Templates whose names end in `.html` or `.xml` autoescape; the topic
//! HTML is the only value the built-in templates mark `safe`.
//! Filters are registered in one place, [`register_filters`].

mod blocks;
pub mod context;
mod email;
mod errors;
pub mod markdown;
mod reminder;

use std::path::{Path, PathBuf};

use tera::{Kwargs, State, Tera};

use crate::error::{Error, Result};
pub use context::{IssueContext, SubscriberContext};
pub use email::{IssueEmail, PERSONAL_BLOCKS};
use errors::Sources;

/// The reserved prefix of built-in templates.
pub const BUILTIN_PREFIX: &str = "__newsletter/";

/// Built-in templates: (name, source).
pub const BUILTINS: &[(&str, &str)] = &[
    ("subject.txt", include_str!("../../templates/subject.txt")),
    ("email.html", include_str!("../../templates/email.html")),
    ("email.txt", include_str!("../../templates/email.txt")),
    (
        "reminder_body.html",
        include_str!("../../templates/reminder_body.html"),
    ),
    (
        "issue_body.html",
        include_str!("../../templates/issue_body.html"),
    ),
    (
        "feed_item.html",
        include_str!("../../templates/feed_item.html"),
    ),
    (
        "archive_base.html",
        include_str!("../../templates/archive_base.html"),
    ),
    (
        "archive_index.html",
        include_str!("../../templates/archive_index.html"),
    ),
    (
        "archive_issue.html",
        include_str!("../../templates/archive_issue.html"),
    ),
];

/// Loaded templates, ready to render.
pub struct Renderer {
    tera: Tera,
    /// Where each template came from, for messages.
    sources: Sources,
    /// How `email.html` and `email.txt` are rendered (once, or whole per
    /// subscriber).
    email_modes: [email::Mode; 2],
}

impl Renderer {
    /// Loads the built-ins and every file under `dir` (if it exists).
    /// Errors (syntax, unknown filters, missing includes) name the file,
    /// line and column.
    pub fn load(dir: &Path) -> Result<Renderer> {
        let mut names: Vec<(String, String)> = Vec::new();
        let mut sources = Sources::default();
        for (name, src) in BUILTINS {
            let full = format!("{BUILTIN_PREFIX}{name}");
            sources.builtin(&full, src);
            names.push((full, (*src).to_string()));
        }
        let mut files = Vec::new();
        if dir.is_dir() {
            collect_files(dir, dir, &mut files)?;
        } else if dir.exists() {
            return Err(Error::input(format!(
                "{}: [templates] dir is a file, not a folder\nhelp: point it at a folder of templates, or remove the file to use the built-ins",
                dir.display()
            )));
        }
        for (name, src) in BUILTINS {
            if !files.iter().any(|(n, _)| n == name) {
                sources.builtin(name, src);
                names.push(((*name).to_string(), (*src).to_string()));
            }
        }
        for (name, path) in &files {
            let src = crate::error::read_text(path)?;
            sources.file(name, path, &src);
            names.push((name.clone(), src));
        }
        let email_modes = email::TEMPLATES.map(|t| {
            let planned = email::plan(&sources, t);
            names.extend(planned.templates);
            for (alias, of) in planned.aliases {
                sources.alias(&alias, &of);
            }
            planned.mode
        });
        let mut tera = Tera::new();
        register_filters(&mut tera);
        tera.add_raw_templates(names.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| sources.error(&e))?;
        Ok(Renderer {
            tera,
            sources,
            email_modes,
        })
    }

    /// Why an email template is rendered whole for every subscriber
    /// instead of once per issue (`file:line: ...`), one entry per such
    /// template; empty when both are rendered once.
    pub fn rendered_whole(&self) -> Vec<&str> {
        self.email_modes
            .iter()
            .filter_map(|m| match m {
                email::Mode::Whole { why } => Some(why.as_str()),
                email::Mode::Once { .. } => None,
            })
            .collect()
    }

    /// The issue's email rendered once (everything but the personal
    /// blocks), ready to be personalized for each subscriber.
    pub fn issue_email(&self, issue: &IssueContext) -> Result<IssueEmail<'_>> {
        IssueEmail::render(self, Self::context(issue, None)?)
    }

    /// Renders block `block` of template `name` with `ctx`.
    fn render_block(&self, name: &str, block: &str, ctx: &tera::Context) -> Result<String> {
        self.tera
            .render_block(name, block, ctx)
            .map_err(|e| self.sources.error(&e))
    }

    /// Renders template `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: &tera::Context) -> Result<String> {
        self.tera
            .render(name, ctx)
            .map_err(|e| self.sources.error(&e))
    }

    /// The Tera context of an issue, optionally for one subscriber.
    pub fn context(
        issue: &IssueContext,
        subscriber: Option<&SubscriberContext>,
    ) -> Result<tera::Context> {
        let mut ctx = tera::Context::from_serialize(issue)
            .map_err(|e| Error::failed("cannot build the template context").with_source(e))?;
        if let Some(s) = subscriber {
            ctx.insert("subscriber", s);
        }
        Ok(ctx)
    }

    /// The subject line (`subject.txt`), on one line: every run of
    /// whitespace (newlines included) becomes one space and control
    /// characters are dropped, so no value can add a header line.
    pub fn subject(&self, issue: &IssueContext) -> Result<String> {
        let raw = self.render("subject.txt", &Self::context(issue, None)?)?;
        let subject = one_line(&raw);
        if subject.is_empty() {
            return Err(Error::input(format!(
                "{}: the subject came out empty (only whitespace)\nhelp: make the template print at least the newsletter title: {{{{ newsletter.title }}}}",
                self.sources.origin("subject.txt")
            )));
        }
        Ok(subject)
    }

    /// The HTML part (`email.html`, autoescaped), for one subscriber or
    /// for nobody in particular.
    pub fn email_html(
        &self,
        issue: &IssueContext,
        subscriber: Option<&SubscriberContext>,
    ) -> Result<String> {
        Ok(self.issue_email(issue)?.parts(subscriber)?.0)
    }

    /// Both parts (html, text) for one subscriber, from an issue context
    /// built with [`Renderer::context`]. This renders the issue's part
    /// too: to send many messages, render it once with
    /// [`Renderer::issue_email`] and call [`IssueEmail::parts`] for each.
    pub fn email_parts(
        &self,
        base: &tera::Context,
        subscriber: &SubscriberContext,
    ) -> Result<(String, String)> {
        IssueEmail::render(self, base.clone())?.parts(Some(subscriber))
    }

    /// The plain-text part (`email.txt`), rendered from the same data.
    /// Trailing spaces are removed, runs of blank lines become one, and the
    /// text ends with one newline, so templates need not fight whitespace.
    pub fn email_text(
        &self,
        issue: &IssueContext,
        subscriber: Option<&SubscriberContext>,
    ) -> Result<String> {
        Ok(self.issue_email(issue)?.parts(subscriber)?.1)
    }
}

/// Collapses whitespace to single spaces and drops control characters.
pub fn one_line(s: &str) -> String {
    s.split_whitespace()
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Trailing whitespace off every line, at most one blank line in a row, no
/// blank lines at the start or end, one final newline.
pub fn tidy_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0usize;
    for line in s.lines() {
        // "-- " (with its space) is the signature separator: kept as is.
        let line = if line == "-- " { line } else { line.trim_end() };
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() && blank_run > 0 {
            out.push('\n');
        }
        blank_run = 0;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Adds every file under `dir` as (name relative to `root`, path).
fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::io("read the templates folder", dir, e))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect_files(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push((rel.to_string_lossy().replace('\\', "/"), path.clone()));
        }
    }
    Ok(())
}

/// Registers the project's filters: `wrap(width, indent, first)` for the
/// plain-text part, and `underline(char)`, which adds a line of `char` as
/// wide as the longest line of its input (a plain-text heading).
pub fn register_filters(tera: &mut Tera) {
    tera.register_filter(
        "wrap",
        |value: &str, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let width = kwargs.get::<i64>("width")?.unwrap_or(78).clamp(20, 998) as usize;
            let indent = kwargs.get::<&str>("indent")?.unwrap_or("").to_string();
            let first = kwargs
                .get::<&str>("first")?
                .map(str::to_string)
                .unwrap_or_else(|| indent.clone());
            Ok(value
                .split('\n')
                .map(|para| markdown::wrap(para, width, &first, &indent))
                .collect::<Vec<_>>()
                .join("\n"))
        },
    );
    tera.register_filter(
        "underline",
        |value: &str, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let ch = kwargs.get::<&str>("char")?.unwrap_or("-");
            let width = value.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            Ok(format!("{value}\n{}", ch.repeat(width)))
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_collapses_whitespace_and_drops_controls() {
        assert_eq!(one_line("  a\r\n\tb  c\u{0}d \u{7} "), "a b cd");
        assert_eq!(one_line("\n\n"), "");
    }

    #[test]
    fn tidy_text_keeps_one_blank_line_and_the_signature_separator() {
        assert_eq!(
            tidy_text("\n\na  \n\n\n\nb\n-- \nc\n\n"),
            "a\n\nb\n-- \nc\n"
        );
    }

    #[test]
    fn underline_matches_the_longest_line_in_characters() {
        let mut tera = Tera::new();
        register_filters(&mut tera);
        tera.add_raw_template("t.txt", "{{ s | underline(char=\"=\") }}")
            .unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("s", "Café\nab");
        assert_eq!(tera.render("t.txt", &ctx).unwrap(), "Café\nab\n====");
    }
}
