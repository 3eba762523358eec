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
mod components;
pub mod context;
mod email;
mod errors;
pub mod markdown;
mod reminder;
mod strict;
pub mod strings;
mod tags;

use std::path::{Path, PathBuf};

use tera::{Kwargs, State, Tera};
use unicode_width::UnicodeWidthStr;

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
    // `newsletter serve`: its pages and the confirmation email.
    (
        "serve_base.html",
        include_str!("../../templates/serve_base.html"),
    ),
    (
        "subscribe.html",
        include_str!("../../templates/subscribe.html"),
    ),
    (
        "subscribed.html",
        include_str!("../../templates/subscribed.html"),
    ),
    (
        "confirm_page.html",
        include_str!("../../templates/confirm_page.html"),
    ),
    (
        "unsubscribe_page.html",
        include_str!("../../templates/unsubscribe_page.html"),
    ),
    ("message.html", include_str!("../../templates/message.html")),
    (
        "confirm_subject.txt",
        include_str!("../../templates/confirm_subject.txt"),
    ),
    ("confirm.txt", include_str!("../../templates/confirm.txt")),
    ("confirm.html", include_str!("../../templates/confirm.html")),
];

/// Loaded templates, ready to render.
pub struct Renderer {
    tera: Tera,
    /// Where each template came from, for messages.
    sources: Sources,
    /// How `email.html` and `email.txt` are rendered (once, or whole per
    /// subscriber).
    email_modes: [email::Mode; 2],
    /// Templates already checked for undefined names ([`strict`]).
    checked: std::sync::Mutex<std::collections::HashSet<String>>,
    /// The string tables behind the function `t` ([`strings`]).
    strings: std::sync::Arc<strings::Strings>,
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
                "{}: [templates] dir is a file, not a folder",
                dir.display()
            ))
            .with_help(
                "point it at a folder of templates, or remove the file to use the built-ins",
            ));
        }
        for (name, src) in BUILTINS {
            if !files.iter().any(|(n, _)| n == name) {
                sources.builtin(name, src);
                names.push(((*name).to_string(), (*src).to_string()));
            }
        }
        // TOML files are string tables (`strings.<lang>.toml`), not templates.
        files.retain(|(name, _)| !name.ends_with(".toml"));
        let strings = std::sync::Arc::new(strings::Strings::load(dir)?);
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
        strings::register(&mut tera, strings.clone());
        tera.add_raw_templates(names.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| sources.error(&e))?;
        Ok(Renderer {
            tera,
            sources,
            email_modes,
            checked: Default::default(),
            strings,
        })
    }

    /// The string tables: the shipped ones with the project's
    /// `strings.<lang>.toml` on top.
    pub fn strings(&self) -> &strings::Strings {
        &self.strings
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

    /// Renders block `block` of template `name` with `ctx`, at most
    /// [`MAX_OUTPUT`] bytes.
    fn render_block(&self, name: &str, block: &str, ctx: &tera::Context) -> Result<String> {
        self.strict(name, ctx)?;
        let mut out = Bounded::default();
        let done = self.tera.render_block_to(name, block, ctx, &mut out);
        self.finish(name, done, out)
    }

    /// Renders template `name` with `ctx`. A template that would write
    /// more than [`MAX_OUTPUT`] bytes (a loop that runs away) is stopped
    /// there with an error naming it.
    pub fn render(&self, name: &str, ctx: &tera::Context) -> Result<String> {
        self.strict(name, ctx)?;
        let mut out = Bounded::default();
        let done = self.tera.render_to(name, ctx, &mut out);
        self.finish(name, done, out)
    }

    /// The first time template `name` is rendered: an undefined name in
    /// it or in what it extends or includes is an error (see [`strict`]),
    /// wherever Tera would let it pass as empty.
    fn strict(&self, name: &str, ctx: &tera::Context) -> Result<()> {
        // A generated template (`__newsletter/once/...`) renders the email
        // template it stands for.
        let name = self.sources.template_of(name);
        {
            let mut checked = self.checked.lock().unwrap_or_else(|e| e.into_inner());
            if !checked.insert(name.clone()) {
                return Ok(());
            }
        }
        let names = strict::closure(&name, |n| self.sources.source(n));
        let templates: Vec<(&str, &str)> = names
            .iter()
            .filter_map(|n| Some((n.as_str(), self.sources.source(n)?)))
            .collect();
        match strict::check(&templates, ctx) {
            Some(u) => Err(self.sources.undefined(&u.template, u.offset, &u.message)),
            None => Ok(()),
        }
    }

    fn finish(&self, name: &str, done: tera::TeraResult<()>, out: Bounded) -> Result<String> {
        match done {
            Ok(()) => String::from_utf8(out.bytes)
                .map_err(|e| Error::failed("a template rendered invalid UTF-8").with_source(e)),
            Err(_) if out.over => Err(Error::input(format!(
                "{}: rendering it wrote more than {} MB, so it was stopped",
                self.sources.origin(&self.sources.template_of(name)),
                MAX_OUTPUT / (1024 * 1024)
            ))
            .with_help("look for a loop that runs away (nested `for` loops over `range(...)`, a loop inside a loop over every topic); an issue is a few dozen KB")),
            Err(e) => Err(self.sources.error(&e)),
        }
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
                "{}: the subject came out empty (only whitespace)",
                self.sources.origin("subject.txt")
            ))
            .with_help(
                "make the template print at least the newsletter title: {{ newsletter.title }}",
            ));
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

/// The most one render may write: far above any issue or archive page
/// (a few dozen KB; an email over 102 KB is already clipped by Gmail),
/// far below what would exhaust memory.
pub const MAX_OUTPUT: usize = 16 * 1024 * 1024;

/// A render's output, refused past [`MAX_OUTPUT`].
#[derive(Default)]
struct Bounded {
    bytes: Vec<u8>,
    over: bool,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT {
            self.over = true;
            return Err(std::io::Error::other("the render's output bound"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
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
            if is_template_name(name) {
                return Err(Error::input(format!(
                    "{}: this is a folder, but a template file is expected here (its name is a template's)",
                    path.display()
                ))
                .with_help("replace the folder by the template file, or rename it (a folder of templates has a name without `.html`, `.txt` or `.xml`)"));
            }
            collect_files(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push((rel.to_string_lossy().replace('\\', "/"), path.clone()));
        }
    }
    Ok(())
}

/// Whether a file name is a template's: a built-in's, or one ending in an
/// extension templates have (`.html`, `.htm`, `.txt`, `.xml`).
fn is_template_name(name: &str) -> bool {
    BUILTINS.iter().any(|(b, _)| *b == name)
        || [".html", ".htm", ".txt", ".xml"]
            .iter()
            .any(|ext| name.to_ascii_lowercase().ends_with(ext))
}

/// Registers the project's filters: `wrap(width, indent, first)` for the
/// plain-text part, `style_links(style)`, which puts `style` on every link
/// of a topic's or note's HTML (for the email, whose colours must be
/// inline), and `underline(char)`, which adds a line of `char` as
/// wide as the longest line of its input (a plain-text heading), in
/// display columns (an emoji or a CJK character takes two).
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
        "style_links",
        |value: &str, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let style = kwargs.get::<&str>("style")?.unwrap_or("");
            Ok(markdown::style_links(value, style))
        },
    );
    tera.register_filter(
        "underline",
        |value: &str, kwargs: Kwargs, _: &State| -> tera::TeraResult<String> {
            let ch = kwargs.get::<&str>("char")?.unwrap_or("-");
            // Display width: an emoji or a CJK character takes two columns.
            let width = value.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
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
    fn underline_matches_the_display_width_of_wide_characters() {
        let mut tera = Tera::new();
        register_filters(&mut tera);
        tera.add_raw_template("t.txt", "{{ s | underline(char=\"=\") }}")
            .unwrap();
        for (s, width) in [
            ("🚀 Rockets", 10),
            ("日本語", 6),
            ("e\u{301}t\u{e9}", 3),
            ("a🦀\nb", 3),
        ] {
            let mut ctx = tera::Context::new();
            ctx.insert("s", s);
            let out = tera.render("t.txt", &ctx).unwrap();
            assert_eq!(out, format!("{s}\n{}", "=".repeat(width)), "{s}");
        }
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
