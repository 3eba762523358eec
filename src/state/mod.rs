//! Durable state: the issues as published, who got which issue, and who
//! unsubscribed. One embedded SQLite file; plus the send lock next to it.
//!
//! # Durability
//!
//! The database runs in WAL mode with `synchronous=NORMAL`. A transaction is
//! in the write-ahead log, in the operating system's page cache, before its
//! `COMMIT` returns; the log is synced to disk at checkpoints. So a process
//! that is killed (SIGKILL, a panic, the OOM killer, Ctrl-C) never loses a
//! committed transaction: the kernel still writes the pages out, and the next
//! open replays the log. That is the threat model of this module. An
//! operating-system crash or a power cut may lose the last few committed
//! transactions (the file stays consistent; it never corrupts); the cost of
//! that would be a recipient getting an issue twice, which we accept in
//! exchange for not syncing on every batch.
//!
//! # Layout
//!
//! One file per concept, each with its own `impl State` block: `schema`
//! (the tables, their migrations and the checks on opening a file),
//! `issues` (frozen issues), `deliveries`, `suppressions` (with their
//! reasons), `bounces` (bounce and complaint reports read), `runs` (one row
//! per send, for monitoring) and `lock` (the send lock). This file opens
//! the database and words its errors.
//!
//! The module never reads the clock: every timestamp is passed in, and
//! stored as RFC 3339 text.

mod bounces;
mod calendar;
mod deliveries;
mod issues;
mod lock;
mod runs;
mod schema;
mod subscriptions;
mod suppressions;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::{Error, Result};

pub use bounces::{BounceEvent, BounceKind};
pub use deliveries::{Counts, DeliveryRow, Outcome, Status};
pub use issues::FrozenIssue;
pub use lock::SendLock;
pub use runs::Run;
use schema::{SCHEMA_VERSION, check_identity, migrate};
pub use subscriptions::{ConfirmedSubscriber, SubscribeDecision, SubscribeRequest};
pub use suppressions::Reason;

/// How long a statement waits for another connection's write lock before it
/// fails with "database is locked".
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The state database: one SQLite connection and the file's path.
#[derive(Debug)]
pub struct State {
    conn: Connection,
    path: PathBuf,
}

/// A timestamp as stored: RFC 3339, UTC, whole seconds (`2024-03-18T13:00:00Z`),
/// checked to read back ([`readable_time`]).
fn stamp(t: DateTime<Utc>) -> Result<String> {
    let s = t.to_rfc3339_opts(SecondsFormat::Secs, true);
    readable_time(&s, "a timestamp")?;
    Ok(s)
}

/// Refuses to store a time that could not be read back: every time the
/// state holds is RFC 3339 with a four-digit year (`+10000-01-01T...`,
/// which chrono writes for the year 10000, is not), so a value that got
/// past the bounds on input (`clock::YEARS`) stops here, before the write,
/// instead of making every later command fail on "unreadable time".
fn readable_time(value: &str, what: &str) -> Result<()> {
    match DateTime::parse_from_rfc3339(value) {
        Ok(_) => Ok(()),
        Err(e) => Err(Error::input(format!(
            "cannot store {what} `{value}` in the state: it would not read back as a time; \
             nothing was written"
        ))
        .with_help("use times in the years 1970 to 9000 (--now, and the dates in config.toml)")
        .with_source(e)),
    }
}

/// A SQLite error on the database at `path`, worded for the user. `action`
/// completes "cannot ... the state database PATH".
fn db_error(path: &Path, action: &str, err: rusqlite::Error) -> Error {
    let (input, what) = match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => (
            true,
            Some("the file is not a SQLite database; check the state path in the config"),
        ),
        Some(ErrorCode::DatabaseCorrupt) => (false, Some("the database file is corrupt")),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => (
            false,
            Some("another process kept it locked for too long; try again"),
        ),
        Some(ErrorCode::ReadOnly) => (
            false,
            Some("it is open read-only (by this command, or by file permissions)"),
        ),
        Some(ErrorCode::CannotOpen) => (false, Some("the file cannot be opened")),
        Some(ErrorCode::PermissionDenied) => (true, Some("permission denied")),
        Some(ErrorCode::DiskFull) => (false, Some("the disk is full")),
        _ => (false, None),
    };
    let mut message = format!("cannot {action} the state database {}", path.display());
    if let Some(what) = what {
        message.push_str(": ");
        message.push_str(what);
    }
    let error = if input {
        Error::input(message)
    } else {
        Error::failed(message)
    };
    error.with_source(err)
}

/// A stored value this binary cannot make sense of.
fn bad_value(
    path: &Path,
    what: &str,
    err: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> Error {
    Error::failed(format!(
        "the state database {} holds a bad value in {what}; was it edited by hand?",
        path.display()
    ))
    .with_source(err)
}

/// Creates the folder `path` is in, if it has one.
fn create_parent(path: &Path, what: &str) -> Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(&format!("create the folder for {what}"), path, e)),
        _ => Ok(()),
    }
}

/// How to fix a state `path` that names a folder.
const FOLDER_HELP: &str = "`path` under [state] in config.toml names the SQLite file (created by the first send); point it at a file name";

impl State {
    /// Opens the database at `path`, creating the file and its parent
    /// folders if needed, and brings its schema up to date.
    ///
    /// The connection uses WAL mode and `synchronous=NORMAL` (durable across
    /// a killed process; see the module docs), a busy timeout of 10 seconds
    /// (`BUSY_TIMEOUT`) and foreign keys. A database written by a newer
    /// binary (a higher `user_version`), a file that is not SQLite and
    /// another program's SQLite file are refused with a bad-input error
    /// naming the file.
    pub fn open(path: &Path) -> Result<State> {
        if path.is_dir() {
            return Err(Error::input(format!(
                "cannot open the state database {}: it is a folder, not a file",
                path.display()
            ))
            .with_help(FOLDER_HELP));
        }
        create_parent(path, "the state database")?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        State::connect(path, flags, false)
    }

    /// Opens an existing database for commands that must not create files
    /// (`plan`, `feed`, `status`, `send --dry-run`): `Ok(None)` if there is
    /// no file at `path`.
    ///
    /// The schema is brought up to date like [`State::open`] does (the only
    /// write it makes); after that the connection is query-only, so the
    /// writing methods ([`State::freeze`], [`State::record`],
    /// [`State::suppress`], [`State::unsuppress`]) fail. While the
    /// connection is open SQLite keeps its `-wal` and `-shm` files next to
    /// the database; closing the last connection removes them.
    pub fn open_existing(path: &Path) -> Result<Option<State>> {
        match path.try_exists() {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => return Err(Error::io("open the state database", path, e)),
        }
        if path.is_dir() {
            return Err(Error::input(format!(
                "cannot open the state database {}: it is a folder, not a file",
                path.display()
            ))
            .with_help(FOLDER_HELP));
        }
        // No SQLITE_OPEN_CREATE: if the file vanished since the check, this
        // fails instead of creating an empty database.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        State::connect(path, flags, true).map(Some)
    }

    /// The path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn connect(path: &Path, flags: OpenFlags, query_only: bool) -> Result<State> {
        let open_err = |e| db_error(path, "open", e);
        let mut conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;

        // Look at the file before changing anything in it. This first read
        // is also where SQLite notices a file that is not a database.
        let version = check_identity(&conn, path)?;

        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::failed(format!(
                "cannot open the state database {}: SQLite could not switch it to WAL mode \
                 (it stays in `{mode}` mode); is it on a network file system?",
                path.display()
            )));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;

        if version < SCHEMA_VERSION {
            migrate(&mut conn, path)?;
        }
        if query_only {
            conn.pragma_update(None, "query_only", true)
                .map_err(open_err)?;
        }
        Ok(State {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn err<'a>(&'a self, action: &'a str) -> impl Fn(rusqlite::Error) -> Error + 'a {
        move |e| db_error(&self.path, action, e)
    }

    fn count(&self, sql: &str, params: impl rusqlite::Params, action: &str) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_row(params, |row| row.get(0)))
            .map_err(self.err(action))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests;
