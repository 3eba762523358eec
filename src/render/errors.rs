//! Tera errors as `file:line:col: message` with the offending line.
//!
//! What Tera 2.4 reports (checked against its source and in tests):
//! - a syntax error is `ErrorKind::SyntaxError` with the template name and
//!   a span;
//! - an undefined variable or field is `ErrorKind::RenderingError` with the
//!   name of the template (or included template) and a span;
//! - an unknown filter, test, function or included template is found when
//!   the templates are loaded and comes back as `ErrorKind::Msg` holding
//!   one or more preformatted reports (`error: ...` then ` --> name:L:C`),
//!   which are parsed here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error};

use super::{BUILTIN_PREFIX, blocks, components};

const HELP: &str = "fix the template; README.md (Templates) lists the variables and filters";

/// How a missing included template is described.
const NOT_FOUND: &str = "is neither a built-in template nor a file in the templates folder";

/// Template name -> where it came from and its source, for messages.
#[derive(Default)]
pub(super) struct Sources {
    /// Template name -> (file for messages, source).
    map: HashMap<String, (String, String)>,
}

impl Sources {
    /// Records a built-in template under `name`.
    pub(super) fn builtin(&mut self, name: &str, src: &str) {
        let short = name.strip_prefix(BUILTIN_PREFIX).unwrap_or(name);
        self.map.insert(
            name.to_string(),
            (format!("built-in template {short}"), src.to_string()),
        );
    }

    /// Records a template read from `path`.
    pub(super) fn file(&mut self, name: &str, path: &Path, src: &str) {
        self.map.insert(
            name.to_string(),
            (path.display().to_string(), src.to_string()),
        );
    }

    /// A Tera error as a bad-input error (exit 2) naming the file, line and
    /// column, with the line and a caret, and a help line.
    pub(super) fn error(&self, e: &tera::Error) -> Error {
        use tera::ErrorKind as K;
        let mut help = HELP.to_string();
        let mut msg = match e.kind() {
            K::SyntaxError(r) => match self.block_problem(r.filename(), r.message()) {
                Some((problem, delimiter)) => {
                    help = if delimiter {
                        "values are written `{{ value }}`, tags `{% tag %}` and comments `{# comment #}`".into()
                    } else {
                        "every `{% if %}`, `{% for %}`, `{% block %}`, `{% macro %}`, `{% filter %}` and `{% raw %}` needs its own end tag, innermost first".into()
                    };
                    problem
                }
                None => self.located(
                    r.filename(),
                    Offset::Byte(r.span().range.start),
                    r.message(),
                ),
            },
            K::RenderingError(r) => self.located(
                r.filename(),
                Offset::Byte(r.span().range.start),
                r.message(),
            ),
            K::Msg(text) if text.contains("\n --> ") || text.starts_with("error: ") => {
                let text = self.reports(text);
                if text.contains(NOT_FOUND) {
                    help = "create that file in the templates folder, or correct the name (paths are relative to the templates folder; built-ins are `__newsletter/email.html`, `__newsletter/email.txt`, `__newsletter/subject.txt`)".into();
                }
                text
            }
            K::MissingParent { current, parent } => {
                let at = self.find(current, parent);
                self.located(
                    current,
                    Offset::Byte(at),
                    &format!(
                        "it extends `{parent}`, which is neither a built-in template (`{BUILTIN_PREFIX}email.html`, ...) nor a file in the templates folder"
                    ),
                )
            }
            K::CircularExtend {
                tpl,
                inheritance_chain,
            } => {
                help =
                    "break the circle: a template cannot extend itself, directly or through others"
                        .into();
                self.circle(tpl, inheritance_chain, "extend")
            }
            K::CircularInclude { tpl, include_chain } => {
                help = "break the circle: a template cannot include itself, directly or through others".into();
                self.circle(tpl, include_chain, "include")
            }
            K::Msg(text) if text.starts_with("Maximum render recursion depth for components") => {
                help = "make the recursion end: call the component again only under a condition that turns false (Tera stops at 20 nested calls), or break the circle".into();
                self.component_circle()
            }
            K::TemplateNotFound(name) => format!(
                "template `{name}` not found: it is neither a built-in template nor a file in the templates folder"
            ),
            _ => format!("template error: {e}"),
        };
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            msg.push_str(&format!(": {s}"));
            source = s.source();
        }
        if msg.contains("Variable `subscriber` is not defined") {
            help = "`subscriber` is absent when rendering the feed and the archive: \
                 test it first (`{% if subscriber %}`) or use `subscriber?.name`"
                .into();
        }
        Error::input(msg).with_help(help)
    }

    /// An undefined name found before rendering, as Tera would report it.
    pub(super) fn undefined(&self, name: &str, offset: usize, message: &str) -> Error {
        Error::input(self.located(name, Offset::Byte(offset), message)).with_help(HELP)
    }

    /// For Tera's "Unexpected end of input" and "Unknown tag": the block
    /// left open or closed by the wrong tag, if the scan finds one.
    fn block_problem(&self, name: &str, message: &str) -> Option<(String, bool)> {
        if !(message.starts_with("Unexpected end of input") || message.starts_with("Unknown tag")) {
            return None;
        }
        let (_, src) = self.map.get(name)?;
        let problem = blocks::scan(src)?;
        Some((
            self.located(name, Offset::Byte(problem.offset), &problem.message),
            problem.delimiter,
        ))
    }

    /// Templates that extend (or include) each other in a circle: points at
    /// the tag that closes it. Tera's chain for a template extending itself
    /// is just `[it]`; the tag is then in that template.
    fn circle(&self, tpl: &str, chain: &[String], verb: &str) -> String {
        let (from, to) = match chain {
            [.., last_but_one, last] => (last_but_one.as_str(), last.as_str()),
            [only] => (only.as_str(), only.as_str()),
            [] => (tpl, tpl),
        };
        let path = if chain.len() == 1 {
            format!("{from} -> {to}")
        } else {
            chain.join(" -> ")
        };
        let message = if from == to {
            format!("the template {verb}s itself: {path}")
        } else {
            format!("the templates {verb} each other in a circle: {path}")
        };
        match self.literal(from, to) {
            Some(at) => self.located(from, Offset::Byte(at), &message),
            None => format!("{}: {message}", self.origin(from)),
        }
    }

    /// Components that call each other without end: points at the call
    /// that closes the circle.
    fn component_circle(&self) -> String {
        let all = self
            .map
            .iter()
            .filter(|(n, _)| {
                !n.starts_with(BUILTIN_PREFIX) || !self.map.contains_key(&n[BUILTIN_PREFIX.len()..])
            })
            .map(|(n, (_, src))| (n.as_str(), src.as_str()));
        match components::circle(all) {
            Some((template, at, path)) => self.located(
                template,
                Offset::Byte(at),
                &format!("the components call each other without end: {path}"),
            ),
            None => {
                "the components call each other without end (Tera stops at 20 nested calls)".into()
            }
        }
    }

    /// Where template `name` names `target` as a string literal (any
    /// quote), if it does.
    fn literal(&self, name: &str, target: &str) -> Option<usize> {
        let src = &self.map.get(name)?.1;
        ['"', '\'', '`']
            .iter()
            .find_map(|q| src.find(&format!("{q}{target}{q}")))
    }

    /// Errors in template `alias` point into template `of` (a generated
    /// template with the same byte offsets).
    pub(super) fn alias(&mut self, alias: &str, of: &str) {
        if let Some(entry) = self.map.get(of).cloned() {
            self.map.insert(alias.to_string(), entry);
        }
    }

    /// The template a generated one (`__newsletter/once/...`) stands for,
    /// for messages; any other name as it is.
    pub(super) fn template_of(&self, name: &str) -> String {
        match name.strip_prefix(&format!("{BUILTIN_PREFIX}once/")) {
            Some(rest) => rest.rsplit('/').next().unwrap_or(rest).to_string(),
            None => name.to_string(),
        }
    }

    /// The source of template `name`, if it is loaded.
    pub(super) fn source(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(|(_, src)| src.as_str())
    }

    /// Every loaded template's name and source.
    pub(super) fn all(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map
            .iter()
            .map(|(n, (_, src))| (n.as_str(), src.as_str()))
    }

    /// The file a template came from, for messages.
    pub(super) fn origin(&self, name: &str) -> String {
        self.map
            .get(name)
            .map_or_else(|| name.to_string(), |(file, _)| file.clone())
    }

    /// Where `needle` first appears in template `name` (0 if nowhere).
    fn find(&self, name: &str, needle: &str) -> usize {
        self.map
            .get(name)
            .and_then(|(_, src)| src.find(needle))
            .unwrap_or(0)
    }

    /// `file:line:col: message` and the line, for a position in `name`.
    fn located(&self, name: &str, at: Offset, message: &str) -> String {
        match self.map.get(name) {
            Some((file, src)) => {
                let offset = match at {
                    Offset::Byte(b) => b,
                    Offset::LineCol(line, col) => byte_offset(src, line, col),
                };
                Diagnostic::at(src, offset, message).render(&PathBuf::from(file))
            }
            None => match at {
                Offset::LineCol(line, col) => format!("{name}:{line}:{col}: {message}"),
                Offset::Byte(_) => format!("{name}: {message}"),
            },
        }
    }

    /// Rewrites Tera's preformatted reports (`error: msg` / ` --> name:L:C`
    /// / the line) as our messages, one per report.
    fn reports(&self, text: &str) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut pending: Option<&str> = None;
        for line in text.lines() {
            if let Some(m) = line.strip_prefix("error: ") {
                if let Some(p) = pending.take() {
                    out.push(p.to_string());
                }
                pending = Some(m);
            } else if let (Some(m), Some(loc)) = (pending, line.trim_start().strip_prefix("--> ")) {
                pending = None;
                let m = match m.strip_prefix("Unknown template ") {
                    Some(name) => format!("the template {name} {NOT_FOUND}"),
                    None => m.to_string(),
                };
                out.push(match parse_locus(loc) {
                    Some((name, l, c)) => self.located(name, Offset::LineCol(l, c), &m),
                    None => format!("{loc}: {m}"),
                });
            }
        }
        if let Some(p) = pending {
            out.push(p.to_string());
        }
        if out.is_empty() {
            format!("template error: {text}")
        } else {
            out.join("\n")
        }
    }
}

enum Offset {
    Byte(usize),
    /// 1-based line and column (characters).
    LineCol(usize, usize),
}

/// `name:line:col` (the name may itself contain colons).
fn parse_locus(loc: &str) -> Option<(&str, usize, usize)> {
    let (rest, col) = loc.trim().rsplit_once(':')?;
    let (name, line) = rest.rsplit_once(':')?;
    Some((name, line.parse().ok()?, col.parse().ok()?))
}

/// The byte offset of 1-based `line` and `col` (characters) in `src`.
fn byte_offset(src: &str, line: usize, col: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match src[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return src.len(),
        }
    }
    let rest = src[start..].split('\n').next().unwrap_or("");
    let within = rest
        .char_indices()
        .nth(col.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    start + within
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locus_and_offsets() {
        assert_eq!(parse_locus("a:b.html:2:7"), Some(("a:b.html", 2, 7)));
        assert_eq!(parse_locus("nope"), None);
        let src = "ab\nçdé\nx";
        assert_eq!(byte_offset(src, 1, 1), 0);
        assert_eq!(byte_offset(src, 2, 2), 5);
        assert_eq!(byte_offset(src, 2, 99), 8);
        assert_eq!(byte_offset(src, 9, 1), src.len());
    }
}
