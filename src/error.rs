//! The one error type of the crate, and source positions for messages.
//!
//! Every error knows whether it is the user's input that is wrong (exit code
//! 2) or an operation that failed at run time (exit code 1). Messages that
//! point into a file say `path:line:col: what is wrong`, then show the line
//! with a caret under the column, then a `help:` line saying how to fix it.

use std::fmt;
use std::path::Path;

/// What kind of failure an [`Error`] is; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad input: arguments, config, topic list, templates, subscribers. Exit 2.
    Input,
    /// An operation failed at run time (I/O, network, server). Exit 1.
    Failed,
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error with a user-facing message, a kind and an optional cause.
#[derive(Debug)]
pub struct Error {
    kind: Kind,
    message: String,
    source: Option<Source>,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Bad input (exit code 2).
    pub fn input(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::Input,
            message: message.into(),
            source: None,
        }
    }

    /// A failed operation (exit code 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Error {
            kind: Kind::Failed,
            message: message.into(),
            source: None,
        }
    }

    /// Attach the underlying cause; it is printed after the message.
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// An I/O error on `path`, worded for the user. A missing file, a
    /// directory where a file was expected and a permission problem are bad
    /// input (exit 2); anything else is a failed operation (exit 1).
    pub fn io(action: &str, path: &Path, err: std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        let what = match err.kind() {
            K::NotFound => "no such file or folder".to_string(),
            K::IsADirectory => "it is a folder, not a file".to_string(),
            K::PermissionDenied => "permission denied".to_string(),
            K::InvalidData => "it is not valid UTF-8 text".to_string(),
            _ => err.to_string(),
        };
        let kind = match err.kind() {
            K::NotFound | K::IsADirectory | K::PermissionDenied | K::InvalidData => Kind::Input,
            _ => Kind::Failed,
        };
        Error {
            kind,
            message: format!("cannot {action} {}: {what}", path.display()),
            source: None,
        }
    }

    /// The kind of error.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The message, without the causes.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The process exit code for this error: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self.kind {
            Kind::Input => 2,
            Kind::Failed => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// Reads a whole text file, with the path in every error. A directory, a
/// missing file and invalid UTF-8 are bad input.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            // A UTF-8 byte-order mark is accepted and dropped.
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            Ok(s)
        }
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let (line, col) = line_col(&String::from_utf8_lossy(e.as_bytes()), offset);
            Err(Error::input(format!(
                "{}:{line}:{col}: the file is not valid UTF-8 text (byte {offset}); save it as UTF-8",
                path.display()
            )))
        }
    }
}

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

    /// `path:line:col: message`, the line with a caret, and the help.
    pub fn render(&self, path: &Path) -> String {
        let mut out = format!(
            "{}:{}:{}: {}",
            path.display(),
            self.line,
            self.col,
            self.message
        );
        if !self.snippet.trim().is_empty() {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            let caret_pad: String = self
                .snippet
                .chars()
                .take(self.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "\n{pad} |\n{num} | {}\n{pad} | {caret_pad}^",
                self.snippet
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("\nhelp: {help}"));
        }
        out
    }

    /// The diagnostic as a bad-input [`Error`] about `path`.
    pub fn into_error(self, path: &Path) -> Error {
        Error::input(self.render(path))
    }
}

/// A non-fatal finding, printed as `warning: ...` by `check` and others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub String);

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_lines() {
        let src = "ab\nçd\r\nef";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        assert_eq!(line_col(src, 5), (2, 2)); // after the two-byte ç
        assert_eq!(line_col(src, 8), (3, 1));
        assert_eq!(line_col(src, 999), (3, 3));
    }

    #[test]
    fn diagnostic_shows_the_line_and_a_caret() {
        let src = "one\r\n  two\n";
        let d = Diagnostic::at(src, 7, "bad").help("fix it");
        assert_eq!((d.line, d.col), (2, 3));
        assert_eq!(
            d.render(Path::new("f.md")),
            "f.md:2:3: bad\n  |\n2 |   two\n  |   ^\nhelp: fix it"
        );
    }

    #[test]
    fn io_errors_name_the_path_and_pick_the_exit_code() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_text(dir.path()).unwrap_err();
        assert!(err.message().contains(&dir.path().display().to_string()));
        assert_eq!(err.exit_code(), 2);
        let missing = dir.path().join("nope.toml");
        let err = read_text(&missing).unwrap_err();
        assert!(err.message().contains("no such file"), "{}", err.message());
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn read_text_rejects_invalid_utf8_with_a_position_and_drops_a_bom() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.md");
        std::fs::write(&p, b"ok\nab\xff").unwrap();
        let err = read_text(&p).unwrap_err();
        assert!(
            err.message()
                .ends_with("t.md:2:3: the file is not valid UTF-8 text (byte 5); save it as UTF-8"),
            "{}",
            err.message()
        );
        std::fs::write(&p, "\u{feff}# T").unwrap();
        assert_eq!(read_text(&p).unwrap(), "# T");
    }
}
