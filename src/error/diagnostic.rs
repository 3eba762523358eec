//! Findings at a position in a source text, and the one function that
//! writes a message with its location and help.

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
pub(super) fn write(
    f: &mut fmt::Formatter<'_>,
    location: Option<&Location>,
    message: &str,
    help: Option<&str>,
) -> fmt::Result {
    let position = location.and_then(|l| l.position.as_ref());
    match (location, position) {
        (Some(l), Some(p)) => write!(f, "{}:{}:{}: ", l.path.display(), p.line, p.col)?,
        (Some(l), None) => write!(f, "{}: ", l.path.display())?,
        (None, _) => {}
    }
    f.write_str(message)?;
    if let Some(p) = position.filter(|p| !p.snippet.trim().is_empty()) {
        let num = p.line.to_string();
        let pad = " ".repeat(num.len());
        let caret_pad: String = p
            .snippet
            .chars()
            .take(p.col.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(f, "\n{pad} |\n{num} | {}\n{pad} | {caret_pad}^", p.snippet)?;
    }
    if let Some(help) = help {
        write!(f, "\nhelp: {help}")?;
    }
    Ok(())
}
