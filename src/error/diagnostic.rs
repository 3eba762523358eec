//! Findings at a position in a source text, and the one function that
//! writes a message with its location and help.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use super::{Error, Location, Position};

/// 1-based line and column (in characters) of byte `offset` in `src`.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(src, offset.min(src.len()));
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A finding at a position in a source text: an error or a warning.
///
/// Parsers produce it from the text alone (`parse(&str)`); the caller that
/// knows the file name renders it as `path:line:col: message`, followed by
/// the offending line with a caret under the column and a `help:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, if there is something to say.
    pub help: Option<String>,
    /// The text of the offending line, without its line ending.
    pub snippet: String,
}

impl Diagnostic {
    /// A diagnostic at byte `offset` of `src`.
    pub fn at(src: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, col) = line_col(src, offset);
        let snippet = src
            .lines()
            .nth(line - 1)
            .unwrap_or("")
            .trim_end_matches('\r')
            .to_string();
        Diagnostic {
            line,
            col,
            message: message.into(),
            help: None,
            snippet,
        }
    }

    /// Adds a hint on how to fix the problem.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Where it is in the file `path`.
    pub fn location(&self, path: &Path) -> Location {
        Location {
            path: path.to_path_buf(),
            position: Some(Position {
                line: self.line,
                col: self.col,
                snippet: self.snippet.clone(),
            }),
        }
    }

    /// `path:line:col: message`, the line with a caret, and the help.
    pub fn render(&self, path: &Path) -> String {
        Rendered(self, path).to_string()
    }

    /// The diagnostic as a bad-input [`Error`] about `path`.
    pub fn into_error(self, path: &Path) -> Error {
        let location = self.location(path);
        let error = Error::input(self.message).with_location(location);
        match self.help {
            Some(help) => error.with_help(help),
            None => error,
        }
    }
}

/// A diagnostic with its file, for `Display`.
struct Rendered<'a>(&'a Diagnostic, &'a Path);

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Rendered(d, path) = self;
        write(f, Some(&d.location(path)), &d.message, d.help.as_deref())
    }
}

/// Writes `[path[:line:col]: ]message`, then the line with a caret under
/// the column (when there is a line to show), then `help: ...`.
///
/// Control characters (ESC, CR, NUL, ...) never reach the terminal raw:
/// they come from files (a config value, a CSV field) and could move the
/// cursor, recolour or hide text. They are written escaped (`\r`,
/// `\u{1b}`), in the path, the message, the shown line and the help. A
/// line feed is escaped too where the text is one line by construction (a
/// located message, the help, the shown line); an unlocated message may
/// still span lines on purpose.
pub(super) fn write(
    f: &mut fmt::Formatter<'_>,
    location: Option<&Location>,
    message: &str,
    help: Option<&str>,
) -> fmt::Result {
    let position = location.and_then(|l| l.position.as_ref());
    match (location, position) {
        (Some(l), Some(p)) => write!(
            f,
            "{}:{}:{}: ",
            escape_controls(&l.path.display().to_string(), false),
            p.line,
            p.col
        )?,
        (Some(l), None) => write!(
            f,
            "{}: ",
            escape_controls(&l.path.display().to_string(), false)
        )?,
        (None, _) => {}
    }
    f.write_str(&escape_controls(message, location.is_none()))?;
    if let Some(p) = position.filter(|p| !p.snippet.trim().is_empty()) {
        let num = p.line.to_string();
        let pad = " ".repeat(num.len());
        let caret_pad: String = p
            .snippet
            .chars()
            .take(p.col.saturating_sub(1))
            .map(|c| match c {
                '\t' => "\t".to_string(),
                c => " ".repeat(escape_char(c).map_or(1, |e| e.chars().count())),
            })
            .collect();
        let snippet = escape_controls(&p.snippet, false);
        write!(f, "\n{pad} |\n{num} | {snippet}\n{pad} | {caret_pad}^")?;
    }
    if let Some(help) = help {
        write!(f, "\nhelp: {}", escape_controls(help, false))?;
    }
    Ok(())
}

/// `text` with every control character but the tab (and the line feed
/// when `keep_newlines`) written as an escape: `\n`, `\r`, `\u{1b}`.
pub fn escape_controls(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let escaped = |c: char| !(keep_newlines && c == '\n') && escape_char(c).is_some();
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match escape_char(c) {
            Some(e) if escaped(c) => out.push_str(&e),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The escape for a control character (tab excepted), or `None`. The line
/// and paragraph separators count: they break lines in some terminals.
fn escape_char(c: char) -> Option<String> {
    match c {
        '\t' => None,
        '\n' => Some("\\n".into()),
        '\r' => Some("\\r".into()),
        c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
            Some(format!("\\u{{{:x}}}", u32::from(c)))
        }
        _ => None,
    }
}
