//! The subscriber list read as a stream of checked rows ([`Subscribers`]).

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use csv::{ByteRecord, ReaderBuilder};

use super::address::{codepoint, normalize_address};
use super::delimiter::other_delimiter;
use super::keys::{LINE_UNKNOWN, Seen, SeenSet};
use super::reader::{LineTracker, SkipBom};
use crate::config::SubscribersSettings;
use crate::error::{Error, Result};

/// What [`Subscribers::open`] says it cannot do when the file is missing,
/// a folder or unreadable.
const READ_ACTION: &str = "read the subscriber list";

/// A valid row of the subscriber list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// The 1-based line of the file where the row starts.
    pub line: u64,
    /// The normalized address: the local part as written, `@`, the domain in
    /// lowercase ASCII (punycode for internationalized domains).
    pub email: String,
    /// `email` in lowercase: the key for de-duplication and suppression.
    pub key: String,
    /// The `name` column, trimmed; `None` when empty or there is no such column.
    pub name: Option<String>,
    /// The other columns, in the order of the header: (column name as written
    /// in the header, trimmed; the value exactly as in the file).
    pub fields: Vec<(String, String)>,
    /// The local part has non-ASCII characters, so the mail server must
    /// support SMTPUTF8 to deliver to this address.
    pub needs_smtputf8: bool,
}

/// A row that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRow {
    /// The 1-based line of the file where the row starts.
    pub line: u64,
    /// What is wrong, for the user; a field's problem starts with its
    /// column (`column 2 (`email`): ...`).
    pub reason: String,
    /// What kind of problem it is.
    pub problem: Problem,
}

/// What kind of problem makes a row invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The row has more or fewer fields than the header has columns.
    FieldCount,
    /// A field's value is unusable: the 1-based column.
    Field {
        /// The column, counted from 1 as in the header.
        column: usize,
    },
    /// The address is already on an earlier row.
    Duplicate,
    /// The file could not be read further.
    Unreadable,
}

/// One row of the subscriber list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A subscriber to send to.
    Valid(Subscriber),
    /// A row that is skipped, with the reason.
    Invalid(InvalidRow),
}

/// A character that must not appear in any field: it could end a mail
/// header early (header injection) or is otherwise a control character.
fn is_forbidden_in_field(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// The subscriber list, read row by row. Iterate to get the rows.
pub struct Subscribers {
    reader: csv::Reader<LineTracker<SkipBom<Box<dyn Read + Send>>>>,
    origin: PathBuf,
    columns: Vec<String>,
    email_col: usize,
    name_col: Option<usize>,
    /// The reused buffer for the current row.
    record: ByteRecord,
    seen: SeenSet,
    done: bool,
}

impl std::fmt::Debug for Subscribers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscribers")
            .field("origin", &self.origin)
            .field("columns", &self.columns)
            .field("seen", &self.seen.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Subscribers {
    /// Opens the file and reads the header.
    ///
    /// Errors (bad input, exit code 2; the message names the file): the file
    /// is missing or a folder, it is empty ("has no header row"), the header
    /// has no `email` column, is not UTF-8, or names a column twice.
    pub fn open(path: &Path) -> Result<Subscribers> {
        Subscribers::open_with(path, b',')
    }

    /// Opens the list as `[subscribers]` in the config describes it (its
    /// path and its delimiter).
    pub fn from_settings(settings: &SubscribersSettings) -> Result<Subscribers> {
        Subscribers::open_with(&settings.path, settings.delimiter)
    }

    /// Like [`Subscribers::open`], with fields separated by `delimiter`.
    pub fn open_with(path: &Path, delimiter: u8) -> Result<Subscribers> {
        let file = File::open(path).map_err(|e| open_error(path, e))?;
        let meta = file.metadata().map_err(|e| open_error(path, e))?;
        if meta.is_dir() {
            return Err(open_error(
                path,
                io::Error::from(io::ErrorKind::IsADirectory),
            ));
        }
        Subscribers::from_reader_with(Box::new(file), path, delimiter)
    }

    /// Like [`Subscribers::open`], reading from any reader; `origin` names
    /// the source in messages.
    pub fn from_reader(reader: Box<dyn Read + Send>, origin: &Path) -> Result<Subscribers> {
        Subscribers::from_reader_with(reader, origin, b',')
    }

    /// Like [`Subscribers::from_reader`], with fields separated by
    /// `delimiter`.
    pub fn from_reader_with(
        reader: Box<dyn Read + Send>,
        origin: &Path,
        delimiter: u8,
    ) -> Result<Subscribers> {
        let mut reader = ReaderBuilder::new()
            .has_headers(true)
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(LineTracker::new(SkipBom::new(reader)));
        let header = reader
            .byte_headers()
            .map_err(|e| csv_error(e, origin))?
            .clone();
        let start = header.position().map_or(0, |p| p.byte());
        let line = reader.get_mut().line_at(start);
        let at = format!("{}:{line}", origin.display());
        if header.is_empty() {
            return Err(Error::input(format!(
                "{}: the subscriber list has no header row; the first line must name the columns, such as `email,name`",
                origin.display()
            )));
        }
        let mut columns = Vec::with_capacity(header.len());
        for (i, raw) in header.iter().enumerate() {
            let Ok(name) = std::str::from_utf8(raw) else {
                return Err(Error::input(format!(
                    "{at}: column {} of the header is not valid UTF-8; save the file as UTF-8",
                    i + 1
                )));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(Error::input(format!(
                    "{at}: column {} of the header has no name; name it or delete the column",
                    i + 1
                )));
            }
            if let Some(first) = columns
                .iter()
                .position(|c: &String| c.to_lowercase() == name.to_lowercase())
            {
                return Err(Error::input(format!(
                    "{at}: the header names the column `{name}` twice (columns {} and {}); \
                     column names must be unique, ignoring case",
                    first + 1,
                    i + 1
                )));
            }
            columns.push(name.to_string());
        }
        let find = |wanted: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(wanted));
        let Some(email_col) = find("email") else {
            if let Some(e) = other_delimiter(&columns, delimiter, &at) {
                return Err(e);
            }
            let found = columns
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let hint = if columns.iter().any(|c| c.contains('@')) {
                "; the first line looks like a subscriber, not a header: add a header line such as `email,name` above it"
            } else {
                "; add an `email` column with the addresses"
            };
            return Err(Error::input(format!(
                "{at}: the header has no `email` column (found: {found}){hint}"
            )));
        };
        let name_col = find("name");
        Ok(Subscribers {
            reader,
            origin: origin.to_path_buf(),
            columns,
            email_col,
            name_col,
            record: ByteRecord::new(),
            seen: SeenSet::default(),
            done: false,
        })
    }

    /// The column names of the header, trimmed, in file order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The line where the record in `self.record` (just read, or being read
    /// when an error happened) starts.
    fn record_line(&mut self) -> u64 {
        let start = self.record.position().map_or(0, |p| p.byte());
        self.reader.get_mut().line_at(start)
    }

    /// Checks the row in `self.record`, which starts on `line`.
    fn check_row(&mut self, line: u64) -> Row {
        let invalid = |problem: Problem, reason: String| {
            let reason = match problem {
                Problem::Field { column } => format!(
                    "column {column} (`{}`): {reason}",
                    self.columns.get(column - 1).map_or("", String::as_str)
                ),
                _ => reason,
            };
            Row::Invalid(InvalidRow {
                line,
                reason,
                problem,
            })
        };
        let record = &self.record;
        if record.len() != self.columns.len() {
            return invalid(
                Problem::FieldCount,
                format!(
                    "the row has {} field{} but the header has {} column{}",
                    record.len(),
                    plural(record.len()),
                    self.columns.len(),
                    plural(self.columns.len())
                ),
            );
        }
        let mut email = "";
        let mut name = None;
        let mut fields = Vec::with_capacity(self.columns.len().saturating_sub(1));
        for (i, (raw, column)) in record.iter().zip(&self.columns).enumerate() {
            let at = Problem::Field { column: i + 1 };
            let Ok(value) = std::str::from_utf8(raw) else {
                return invalid(at, "it is not valid UTF-8; save the file as UTF-8".into());
            };
            if let Some(c) = value.chars().find(|&c| is_forbidden_in_field(c)) {
                return invalid(
                    at,
                    if c == '\r' || c == '\n' {
                        "it contains a line break, which is not allowed \
                         (it could inject mail headers); remove it"
                            .to_string()
                    } else {
                        format!(
                            "it contains a control character ({}); remove it",
                            codepoint(c)
                        )
                    },
                );
            }
            if i == self.email_col {
                email = value;
            } else if Some(i) == self.name_col {
                let value = value.trim();
                name = (!value.is_empty()).then(|| value.to_string());
            } else {
                fields.push((column.clone(), value.to_string()));
            }
        }
        let at = Problem::Field {
            column: self.email_col + 1,
        };
        let address = match normalize_address(email) {
            Ok(address) => address,
            Err(reason) if email.trim().is_empty() => return invalid(at, reason),
            Err(reason) => {
                return invalid(
                    at,
                    format!("invalid email address `{}`: {reason}", email.trim()),
                );
            }
        };
        let entry = Seen::new(&address.key, line);
        if let Some(first) = self.seen.get(&entry) {
            let first = match first.line() {
                LINE_UNKNOWN => "an earlier row".to_string(),
                n => format!("line {n}"),
            };
            return invalid(
                Problem::Duplicate,
                format!("duplicate of {first} (`{}`)", address.email),
            );
        }
        self.seen.insert(entry);
        Row::Valid(Subscriber {
            line,
            email: address.email,
            key: address.key,
            name,
            fields,
            needs_smtputf8: address.needs_smtputf8,
        })
    }
}

impl Iterator for Subscribers {
    type Item = Row;

    /// The next row. A read error ends the stream with an invalid row that
    /// says what happened and where.
    fn next(&mut self) -> Option<Row> {
        if self.done {
            return None;
        }
        match self.reader.read_byte_record(&mut self.record) {
            Ok(true) => {
                let line = self.record_line();
                Some(self.check_row(line))
            }
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                let line = self.record_line();
                Some(Row::Invalid(InvalidRow {
                    line,
                    problem: Problem::Unreadable,
                    reason: format!(
                        "reading {} stopped at line {line}: {}; the rows after it were not read",
                        self.origin.display(),
                        describe_csv_error(&e)
                    ),
                }))
            }
        }
    }
}

/// Why the list at `path` cannot be opened; a missing file or a folder
/// gets a hint about where the path comes from.
fn open_error(path: &Path, err: io::Error) -> Error {
    let hint = matches!(
        err.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::IsADirectory
    );
    let e = Error::io(READ_ACTION, path, err);
    if hint {
        e.with_help(
            "`path` under [subscribers] in config.toml names the list, a CSV file with an `email` column; create it or correct the path",
        )
    } else {
        e
    }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A csv error while reading the header, as an [`Error`] naming `origin`.
fn csv_error(err: csv::Error, origin: &Path) -> Error {
    if err.is_io_error() {
        match err.into_kind() {
            csv::ErrorKind::Io(e) => Error::io(READ_ACTION, origin, e),
            other => Error::failed(format!(
                "cannot {READ_ACTION} {}: {other:?}",
                origin.display()
            )),
        }
    } else {
        Error::input(format!(
            "{}: {}",
            origin.display(),
            describe_csv_error(&err)
        ))
    }
}

/// The cause of a csv error, without the position (the caller gives it).
fn describe_csv_error(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Io(e) => e.to_string(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests;
