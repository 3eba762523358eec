//! Rendering: Tera templates over the issue context.
//!
//! Built-in templates are compiled into the binary under the reserved
//! prefix `__newsletter/` and are also registered under their plain names.
//! A file of the same name in the project's `templates/` folder replaces
//! the plain name (so it can still `{% extends "__newsletter/email.html" %}`).
//! Templates whose names end in `.html` or `.xml` autoescape; the topic
//! HTML is the only value the built-in templates mark `safe`.
//! Filters are registered in one place, [`register_filters`].

pub mod context;
pub mod markdown;

use std::path::{Path, PathBuf};

use tera::{Kwargs, State, Tera};

use crate::error::{Error, Result};
pub use context::{IssueContext, SubscriberContext};

/// The reserved prefix of built-in templates.
pub const BUILTIN_PREFIX: &str = "__newsletter/";

/// Built-in templates: (name, source).
pub const BUILTINS: &[(&str, &str)] = &[
    ("subject.txt", include_str!("../../templates/subject.txt")),
    ("email.html", include_str!("../../templates/email.html")),
    ("email.txt", include_str!("../../templates/email.txt")),
];

/// Loaded templates, ready to render.
pub struct Renderer {
    tera: Tera,
    /// Template name -> file it came from (project overrides only).
    files: Vec<(String, PathBuf)>,
}

impl Renderer {
    /// Loads the built-ins and every file under `dir` (if it exists).
    /// Syntax errors name the file, line and column.
    pub fn load(dir: &Path) -> Result<Renderer> {
        let mut sources: Vec<(String, String)> = Vec::new();
        for (name, src) in BUILTINS {
            sources.push((format!("{BUILTIN_PREFIX}{name}"), (*src).to_string()));
        }
        let mut files = Vec::new();
        if dir.is_dir() {
            collect_files(dir, dir, &mut files)?;
        }
        let overridden: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        for (name, src) in BUILTINS {
            if !overridden.contains(name) {
                sources.push(((*name).to_string(), (*src).to_string()));
            }
        }
        for (name, path) in &files {
            sources.push((name.clone(), crate::error::read_text(path)?));
        }
        let mut tera = Tera::new();
        register_filters(&mut tera);
        let renderer = Renderer {
            tera: Tera::new(),
            files,
        };
        tera.add_raw_templates(sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| renderer.error(&e))?;
        Ok(Renderer { tera, ..renderer })
    }

    /// Renders template `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: &tera::Context) -> Result<String> {
        self.tera.render(name, ctx).map_err(|e| self.error(&e))
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

    /// Where a template came from, for messages.
    fn origin(&self, name: &str) -> String {
        match self.files.iter().find(|(n, _)| n == name) {
            Some((_, p)) => p.display().to_string(),
            None => match name.strip_prefix(BUILTIN_PREFIX) {
                Some(n) => format!("built-in template {n}"),
                None => format!("built-in template {name}"),
            },
        }
    }

    /// A Tera error as `file:line:col: message` (bad input, exit 2).
    fn error(&self, e: &tera::Error) -> Error {
        use tera::ErrorKind as K;
        let located = match e.kind() {
            K::SyntaxError(r) | K::RenderingError(r) => Some(r),
            _ => None,
        };
        let mut msg = match located {
            Some(r) => {
                let span = r.span();
                format!(
                    "{}:{}:{}: {}",
                    self.origin(r.filename()),
                    span.start_line,
                    span.start_col + 1,
                    r.message()
                )
            }
            None => format!("template error: {e}"),
        };
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            msg.push_str(&format!(": {s}"));
            source = s.source();
        }
        if let Some(r) = located {
            let _ = r;
            msg.push_str(&format!("\n{e}"));
        }
        msg.push_str(
            "\nhelp: fix the template; README.md (Templates) lists the variables and filters",
        );
        Error::input(msg)
    }
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
/// plain-text part.
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
}
