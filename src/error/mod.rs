//! The one error type of the crate, and source positions for messages.
//!
//! Every error knows whether it is the user's input that is wrong (exit code
//! 2) or an operation that failed at run time (exit code 1). Messages that
//! point into a file say `path:line:col: what is wrong`, then show the line
//! with a caret under the column, then a `help:` line saying how to fix it.
//!
//! The parts are fields of [`Error`] (the message, where it is, the help,
//! the kind of I/O failure), so code decides on them, never on the text;
//! they are put together into text in one place, [`Error`]'s `Display`.

mod diagnostic;

use std::fmt;
use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, escape_controls, line_col};

/// What kind of failure an [`Error`] is; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bad input: arguments, config, topic list, templates, subscribers. Exit 2.
    Input,
    /// An operation failed at run time (I/O, network, server). Exit 1.
    Failed,
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where in a file an error is: rendered `path: ` or `path:line:col: `
/// before the message, and the offending line with a caret after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as it is shown to the user.
    pub path: PathBuf,
    /// The position in it, when the error is about one place.
    pub position: Option<Position>,
}

/// A position in a source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// The text of the line, without its line ending; empty to show no line.
    pub snippet: String,
}

/// An error with a user-facing message, a kind and an optional cause, help
/// and location.
#[derive(Debug)]
pub struct Error {
    kind: Kind,
    message: String,
    /// Boxed: keeps `Result<T, Error>` small.
    location: Option<Box<Location>>,
    help: Option<String>,
    /// Where the error came up, printed last (`note: ...`).
    note: Option<String>,
    io_kind: Option<std::io::ErrorKind>,
    source: Option<Source>,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn new(kind: Kind, message: String) -> Self {
        Error {
            kind,
            message,
            location: None,
            help: None,
            note: None,
            io_kind: None,
            source: None,
        }
    }

    /// Adds a note on where the error came up (for example "while rendering
    /// issue 3"), printed after the help as `note: ...`. Kind, help,
    /// location and source are kept.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Bad input (exit code 2).
    pub fn input(message: impl Into<String>) -> Self {
        Error::new(Kind::Input, message.into())
    }

    /// A failed operation (exit code 1).
    pub fn failed(message: impl Into<String>) -> Self {
        Error::new(Kind::Failed, message.into())
    }

    /// Attach the underlying cause; it is printed after the message.
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Sets the hint on how to fix the problem, printed as `help: ...`
    /// (replacing an earlier one).
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Says the error is about the file `path` as a whole: it is printed
    /// `path: message`.
    pub fn in_file(mut self, path: &Path) -> Self {
        self.location = Some(Box::new(Location {
            path: path.to_path_buf(),
            position: None,
        }));
        self
    }

    /// Sets where the error is.
    pub fn with_location(mut self, location: Location) -> Self {
        self.location = Some(Box::new(location));
        self
    }

    /// Prefixes the message with `prefix: `, keeping the kind, the help,
    /// the location and the source. A located error reads
    /// `path:line:col: prefix: message`.
    pub fn context(mut self, prefix: impl Into<String>) -> Self {
        self.message = format!("{}: {}", prefix.into(), self.message);
        self
    }

    /// An I/O error on `path`, worded for the user. A missing file, a
    /// directory where a file was expected and a permission problem are bad
    /// input (exit 2); anything else is a failed operation (exit 1). The
    /// I/O error's kind is kept ([`Error::io_kind`]).
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
        let mut e = Error::new(kind, format!("cannot {action} {}: {what}", path.display()));
        e.io_kind = Some(err.kind());
        e
    }

    /// The kind of error.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// What is wrong: the message alone, without the location, the help
    /// and the causes (the `Display` output has them all).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The hint on how to fix it, if any.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// Where the error is, if it is about a file.
    pub fn location(&self) -> Option<&Location> {
        self.location.as_deref()
    }

    /// The kind of the I/O failure, for an error made by [`Error::io`].
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        self.io_kind
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
    /// `[path[:line:col]: ]message`, the line with a caret, `help: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        diagnostic::write(
            f,
            self.location.as_deref(),
            &self.message,
            self.help.as_deref(),
        )?;
        match &self.note {
            Some(note) => write!(f, "\nnote: {note}"),
            None => Ok(()),
        }
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
                "the file is not valid UTF-8 text (byte {offset}); save it as UTF-8"
            ))
            .with_location(Location {
                path: path.to_path_buf(),
                position: Some(Position {
                    line,
                    col,
                    snippet: String::new(),
                }),
            }))
        }
    }
}

#[cfg(test)]
mod tests;
