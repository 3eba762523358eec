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
//! # Schema
//!
//! The schema is versioned with `PRAGMA user_version`; [`MIGRATIONS`] lists
//! the steps, each applied in its own transaction together with the version
//! bump. The file is also stamped with `PRAGMA application_id` so that
//! another program's SQLite file is refused instead of being written into.
//!
//! The module never reads the clock: every timestamp is passed in, and
//! stored as RFC 3339 text.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::error::{Error, Result};

/// `PRAGMA application_id` of a state database: "NLST" in ASCII.
pub const APPLICATION_ID: i32 = 0x4E4C_5354;

/// How long a statement waits for another connection's write lock before it
/// fails with "database is locked".
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The schema migrations, in order. Step `i` (0-based) takes the database
/// from `user_version` `i` to `i + 1`. Never edit a step once released; add
/// a new one.
pub const MIGRATIONS: &[&str] = &[
    // 1: issues, deliveries, suppressions.
    "PRAGMA application_id = 1313624916; -- 0x4E4C5354, APPLICATION_ID

     CREATE TABLE issues (
         number       INTEGER PRIMARY KEY CHECK (number >= 0),
         kind         TEXT NOT NULL,
         send_at      TEXT NOT NULL,            -- RFC 3339
         categories   TEXT NOT NULL,            -- JSON array of strings
         slugs        TEXT NOT NULL,            -- JSON array of strings
         subject      TEXT NOT NULL,
         context_json TEXT NOT NULL,            -- opaque render context
         published_at TEXT NOT NULL             -- RFC 3339
     ) STRICT;

     CREATE TABLE deliveries (
         issue        INTEGER NOT NULL CHECK (issue >= 0),
         key          TEXT NOT NULL,            -- normalized address
         email        TEXT NOT NULL,
         status       TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
         attempts     INTEGER NOT NULL CHECK (attempts >= 0),
         last_reply   TEXT,
         message_id   TEXT NOT NULL,
         created_at   TEXT NOT NULL,            -- RFC 3339, first outcome
         updated_at   TEXT NOT NULL,            -- RFC 3339, last outcome
         sent_at      TEXT,                     -- RFC 3339, when it became sent
         PRIMARY KEY (issue, key)
     ) STRICT, WITHOUT ROWID;

     CREATE INDEX deliveries_by_status ON deliveries (issue, status);

     CREATE TABLE suppressions (
         key           TEXT PRIMARY KEY,        -- normalized address
         suppressed_at TEXT NOT NULL            -- RFC 3339
     ) STRICT, WITHOUT ROWID;",
    // 2: index only what is not sent. Keyed by (issue, status, key), the
    // full index took a random page write on every commit of a send
    // (a sixth of its time); the lists of failures still use this one.
    "DROP INDEX deliveries_by_status;
     CREATE INDEX deliveries_not_sent ON deliveries (issue, status)
         WHERE status IN ('failed', 'pending');",
    // 3: subscriptions made through `newsletter serve`, the address ids
    // that unsubscribe and confirm tokens carry, and why an address was
    // suppressed (NULL: by hand). See `subscriptions.rs`.
    subscriptions::MIGRATION,
];

/// The schema version this binary writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The state database: one SQLite connection and the file's path.
#[derive(Debug)]
pub struct State {
    conn: Connection,
    path: PathBuf,
}

/// An issue as it was first sent. Frozen: once stored it never changes, so
/// a later send, a resend and the feed all show the same issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenIssue {
    /// The issue number.
    pub number: u32,
    /// What kind of issue this is (opaque to this module).
    pub kind: String,
    /// The scheduled send time, RFC 3339.
    pub send_at: String,
    /// The categories it covers.
    pub categories: Vec<String>,
    /// The slugs of the topics in it.
    pub slugs: Vec<String>,
    /// The subject line.
    pub subject: String,
    /// The non-personal render context, as JSON (opaque to this module).
    pub context_json: String,
    /// When it was first sent, RFC 3339.
    pub published_at: String,
}

/// Where a delivery stands. Stored as the text `pending`, `sent` or `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Not delivered yet, to be tried again (say, a temporary SMTP failure).
    Pending,
    /// Accepted by the server. Final: a sent delivery never changes again.
    Sent,
    /// Refused for good (say, a permanent SMTP failure); not retried.
    Failed,
}

impl Status {
    /// The stored text: `pending`, `sent` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sent => "sent",
            Status::Failed => "failed",
        }
    }

    /// The status for its stored text.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "pending" => Some(Status::Pending),
            "sent" => Some(Status::Sent),
            "failed" => Some(Status::Failed),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ToSql for Status {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Status {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = value.as_str()?;
        Status::parse(s).ok_or_else(|| FromSqlError::Other(format!("unknown status `{s}`").into()))
    }
}

/// What happened to one message: the input of [`State::record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The issue number.
    pub issue: u32,
    /// The recipient's normalized address (the caller normalizes).
    pub key: String,
    /// The address as written in the subscriber list.
    pub email: String,
    /// The new status.
    pub status: Status,
    /// The last SMTP reply, or the error.
    pub reply: Option<String>,
    /// The `Message-ID` of the message.
    pub message_id: String,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// How many attempts (SMTP transactions) this outcome sums up: added to
    /// the row's count. 0 when the message could not even be composed.
    pub attempts: u32,
}

/// How many deliveries of an issue are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Accepted by the server.
    pub sent: u64,
    /// Refused for good.
    pub failed: u64,
    /// To be tried again.
    pub pending: u64,
}

/// One delivery, as `status --issue N` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    /// The address as written in the subscriber list.
    pub email: String,
    /// Where it stands.
    pub status: Status,
    /// How many attempts were made, over all runs.
    pub attempts: u32,
    /// The last SMTP reply or error.
    pub reply: Option<String>,
    /// When the last outcome was recorded, RFC 3339.
    pub updated_at: String,
}

/// A timestamp as stored: RFC 3339, UTC, whole seconds (`2024-03-18T13:00:00Z`).
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
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

impl State {
    /// Opens the database at `path`, creating the file and its parent
    /// folders if needed, and brings its schema up to date.
    ///
    /// The connection uses WAL mode and `synchronous=NORMAL` (durable across
    /// a killed process; see the module docs), a busy timeout of
    /// [`BUSY_TIMEOUT`] and foreign keys. A database written by a newer
    /// binary (a higher `user_version`), a file that is not SQLite and
    /// another program's SQLite file are refused with a bad-input error
    /// naming the file.
    pub fn open(path: &Path) -> Result<State> {
        if path.is_dir() {
            return Err(Error::input(format!(
                "cannot open the state database {}: it is a folder, not a file\nhelp: `path` under [state] in config.toml names the SQLite file (created by the first send); point it at a file name",
                path.display()
            )));
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
                "cannot open the state database {}: it is a folder, not a file\nhelp: `path` under [state] in config.toml names the SQLite file (created by the first send); point it at a file name",
                path.display()
            )));
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

    // ---- Published issues ------------------------------------------------

    /// Stores `issue` if no issue with its number is stored yet, and returns
    /// the stored record. An existing record wins: a frozen issue never
    /// changes.
    pub fn freeze(&self, issue: &FrozenIssue) -> Result<FrozenIssue> {
        let action = "freeze an issue in";
        let categories = serde_json::to_string(&issue.categories)
            .map_err(|e| Error::failed("cannot encode the categories as JSON").with_source(e))?;
        let slugs = serde_json::to_string(&issue.slugs)
            .map_err(|e| Error::failed("cannot encode the slugs as JSON").with_source(e))?;
        self.conn
            .execute(
                "INSERT INTO issues
                     (number, kind, send_at, categories, slugs, subject, context_json, published_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (number) DO NOTHING",
                params![
                    issue.number,
                    issue.kind,
                    issue.send_at,
                    categories,
                    slugs,
                    issue.subject,
                    issue.context_json,
                    issue.published_at,
                ],
            )
            .map_err(self.err(action))?;
        self.frozen(issue.number)?.ok_or_else(|| {
            Error::failed(format!(
                "cannot freeze issue {} in the state database {}: it is not there after storing it",
                issue.number,
                self.path.display()
            ))
        })
    }

    /// The frozen issue with this number, if it was published.
    pub fn frozen(&self, number: u32) -> Result<Option<FrozenIssue>> {
        let raw = self
            .conn
            .prepare_cached(&format!("{SELECT_ISSUE} WHERE number = ?1"))
            .and_then(|mut stmt| stmt.query_row([number], RawIssue::from_row).optional())
            .map_err(self.err("read a frozen issue from"))?;
        raw.map(|r| r.decode(&self.path)).transpose()
    }

    /// All frozen issues, by number.
    pub fn frozen_issues(&self) -> Result<Vec<FrozenIssue>> {
        let raws = self
            .conn
            .prepare_cached(&format!("{SELECT_ISSUE} ORDER BY number"))
            .and_then(|mut stmt| {
                stmt.query_map([], RawIssue::from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(self.err("read the frozen issues from"))?;
        raws.into_iter().map(|r| r.decode(&self.path)).collect()
    }

    // ---- Deliveries ------------------------------------------------------

    /// The keys of the recipients of `issue` that are done with: sent or
    /// failed. A send skips them; pending ones are tried again.
    pub fn done_keys<C: FromIterator<String>>(&self, issue: u32) -> Result<C> {
        self.conn
            .prepare_cached(
                "SELECT key FROM deliveries WHERE issue = ?1 AND status IN ('sent', 'failed')",
            )
            .and_then(|mut stmt| {
                stmt.query_map([issue], |row| row.get(0))?
                    .collect::<rusqlite::Result<C>>()
            })
            .map_err(self.err("read the deliveries from"))
    }

    /// Records a batch of outcomes in one transaction (group commit): all
    /// of them or, on error, none.
    ///
    /// Each outcome inserts or updates the row for (issue, key): its
    /// attempts added to the count, the new status, reply, Message-ID and
    /// time. A row that is
    /// already `sent` stays exactly as it is: later outcomes for it are
    /// ignored. Outcomes for the same key within a batch apply in order.
    pub fn record(&mut self, outcomes: &[Outcome]) -> Result<()> {
        let State { conn, path } = self;
        let err = |e| db_error(path, "record deliveries in", e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO deliveries (issue, key, email, status, attempts, last_reply,
                                             message_id, created_at, updated_at, sent_at)
                     VALUES (?1, ?2, ?3, ?4, ?8, ?5, ?6, ?7, ?7,
                             CASE WHEN ?4 = 'sent' THEN ?7 END)
                     ON CONFLICT (issue, key) DO UPDATE SET
                         email      = excluded.email,
                         status     = excluded.status,
                         attempts   = deliveries.attempts + excluded.attempts,
                         last_reply = excluded.last_reply,
                         message_id = excluded.message_id,
                         updated_at = excluded.updated_at,
                         sent_at    = excluded.sent_at
                     WHERE deliveries.status <> 'sent'",
                )
                .map_err(err)?;
            for o in outcomes {
                stmt.execute(params![
                    o.issue,
                    o.key,
                    o.email,
                    o.status,
                    o.reply,
                    o.message_id,
                    stamp(o.at),
                    o.attempts,
                ])
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Puts the `failed` deliveries of `issue` to these recipients back to
    /// pending (their reply kept), for a run stopped by the breaker: the
    /// refusal was about the sender, so they are to be tried again.
    pub fn reopen(&mut self, issue: u32, keys: &[String]) -> Result<()> {
        let State { conn, path } = self;
        let err = |e| db_error(path, "reopen deliveries in", e);
        let tx = conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "UPDATE deliveries SET status = 'pending'
                     WHERE issue = ?1 AND key = ?2 AND status = 'failed'",
                )
                .map_err(err)?;
            for key in keys {
                stmt.execute(params![issue, key]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// How many deliveries of `issue` are sent, failed and pending.
    pub fn counts(&self, issue: u32) -> Result<Counts> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT status, COUNT(*) FROM deliveries WHERE issue = ?1 GROUP BY status",
            )
            .and_then(|mut stmt| {
                stmt.query_map([issue], |row| {
                    Ok((row.get::<_, Status>(0)?, row.get::<_, i64>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(self.err("count the deliveries in"))?;
        let mut counts = Counts::default();
        for (status, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            match status {
                Status::Sent => counts.sent = n,
                Status::Failed => counts.failed = n,
                Status::Pending => counts.pending = n,
            }
        }
        Ok(counts)
    }

    /// The failed and pending deliveries of `issue` with their last replies:
    /// failed first, then pending, each by address.
    pub fn failures(&self, issue: u32) -> Result<Vec<DeliveryRow>> {
        self.conn
            .prepare_cached(
                "SELECT email, status, attempts, last_reply, updated_at
                 FROM deliveries INDEXED BY deliveries_not_sent
                 WHERE issue = ?1 AND status IN ('failed', 'pending')
                 ORDER BY status = 'pending', email, key",
            )
            .and_then(|mut stmt| {
                stmt.query_map([issue], |row| {
                    Ok(DeliveryRow {
                        email: row.get(0)?,
                        status: row.get(1)?,
                        attempts: row.get(2)?,
                        reply: row.get(3)?,
                        updated_at: row.get(4)?,
                    })
                })?
                .collect()
            })
            .map_err(self.err("read the failed deliveries from"))
    }

    /// How many deliveries of `issue` were sent.
    pub fn sent_count(&self, issue: u32) -> Result<u64> {
        self.count(
            "SELECT COUNT(*) FROM deliveries WHERE issue = ?1 AND status = 'sent'",
            [issue],
            "count the deliveries in",
        )
    }

    fn count(&self, sql: &str, params: impl rusqlite::Params, action: &str) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached(sql)
            .and_then(|mut stmt| stmt.query_row(params, |row| row.get(0)))
            .map_err(self.err(action))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    // ---- Suppressions ----------------------------------------------------

    /// Suppresses these normalized addresses (unsubscribes them) as of
    /// `now`, in one transaction. Returns how many were not suppressed yet;
    /// an address already suppressed keeps its original time.
    pub fn suppress(&mut self, keys: &[String], now: DateTime<Utc>) -> Result<usize> {
        let State { conn, path } = self;
        let err = |e| db_error(path, "store unsubscribes in", e);
        let now = stamp(now);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut new = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO suppressions (key, suppressed_at) VALUES (?1, ?2)
                     ON CONFLICT (key) DO NOTHING",
                )
                .map_err(err)?;
            for key in keys {
                new += stmt.execute(params![key, now]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(new)
    }

    /// Lifts the suppression of these normalized addresses, in one
    /// transaction. Returns how many were suppressed.
    pub fn unsuppress(&mut self, keys: &[String]) -> Result<usize> {
        let State { conn, path } = self;
        let err = |e| db_error(path, "remove unsubscribes from", e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut removed = 0;
        {
            let mut stmt = tx
                .prepare_cached("DELETE FROM suppressions WHERE key = ?1")
                .map_err(err)?;
            for key in keys {
                removed += stmt.execute([key]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(removed)
    }

    /// Whether this normalized address is suppressed.
    pub fn is_suppressed(&self, key: &str) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM suppressions WHERE key = ?1)")
            .and_then(|mut stmt| stmt.query_row([key], |row| row.get(0)))
            .map_err(self.err("read the unsubscribes from"))
    }

    /// All suppressed normalized addresses.
    pub fn suppressed_keys<C: FromIterator<String>>(&self) -> Result<C> {
        self.conn
            .prepare_cached("SELECT key FROM suppressions")
            .and_then(|mut stmt| {
                stmt.query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<C>>()
            })
            .map_err(self.err("read the unsubscribes from"))
    }

    /// How many addresses are suppressed.
    pub fn suppressed_count(&self) -> Result<u64> {
        self.count(
            "SELECT COUNT(*) FROM suppressions",
            [],
            "count the unsubscribes in",
        )
    }
}

/// Reads `application_id` and `user_version` and refuses files this binary
/// must not touch. Returns the schema version.
fn check_identity(conn: &Connection, path: &Path) -> Result<i64> {
    let open_err = |e| db_error(path, "open", e);
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(open_err)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(open_err)?;
    if app_id != 0 && app_id != APPLICATION_ID {
        return Err(Error::input(format!(
            "cannot open the state database {}: it is another program's SQLite database \
             (application id {app_id:#x}); check the state path in the config",
            path.display()
        )));
    }
    if version > SCHEMA_VERSION {
        return Err(Error::input(format!(
            "cannot open the state database {}: its schema version is {version}, but this \
             newsletter binary knows versions up to {SCHEMA_VERSION}; it was written by a newer \
             newsletter, so upgrade this one",
            path.display()
        )));
    }
    if version == 0 {
        let objects: i64 = conn
            .query_row("SELECT COUNT(*) FROM sqlite_schema", [], |row| row.get(0))
            .map_err(open_err)?;
        if objects > 0 {
            return Err(Error::input(format!(
                "cannot open the state database {}: it is a SQLite database with tables but \
                 not a newsletter state database; check the state path in the config",
                path.display()
            )));
        }
    }
    Ok(version)
}

/// Applies the missing [`MIGRATIONS`], each in its own transaction with its
/// version bump. The version is read again inside each (write-locked)
/// transaction, so two processes opening an old file at once are safe.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let err = |e| db_error(path, "upgrade the schema of", e);
    for (done, step) in (0_i64..).zip(MIGRATIONS) {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(err)?;
        if version > done {
            continue; // already applied; dropping `tx` rolls back nothing
        }
        tx.execute_batch(step).map_err(err)?;
        tx.pragma_update(None, "user_version", done + 1)
            .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}

const SELECT_ISSUE: &str = "SELECT number, kind, send_at, categories, slugs, subject, \
                            context_json, published_at FROM issues";

/// An `issues` row before its JSON columns are decoded.
struct RawIssue {
    number: u32,
    kind: String,
    send_at: String,
    categories: String,
    slugs: String,
    subject: String,
    context_json: String,
    published_at: String,
}

impl RawIssue {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawIssue> {
        Ok(RawIssue {
            number: row.get(0)?,
            kind: row.get(1)?,
            send_at: row.get(2)?,
            categories: row.get(3)?,
            slugs: row.get(4)?,
            subject: row.get(5)?,
            context_json: row.get(6)?,
            published_at: row.get(7)?,
        })
    }

    fn decode(self, path: &Path) -> Result<FrozenIssue> {
        let list = |json: &str, column: &str| {
            serde_json::from_str::<Vec<String>>(json).map_err(|e| {
                bad_value(
                    path,
                    &format!("issues.{column} of issue {}", self.number),
                    e,
                )
            })
        };
        Ok(FrozenIssue {
            number: self.number,
            categories: list(&self.categories, "categories")?,
            slugs: list(&self.slugs, "slugs")?,
            kind: self.kind,
            send_at: self.send_at,
            subject: self.subject,
            context_json: self.context_json,
            published_at: self.published_at,
        })
    }
}

// ---- The send lock -------------------------------------------------------

/// The path of the send lock of the database at `db_path`: `<db path>.lock`.
pub fn lock_path(db_path: &Path) -> PathBuf {
    let mut s = db_path.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

/// Proof that this process is the only one sending: an exclusive OS lock on
/// `<db path>.lock`, held until this value is dropped.
///
/// The lock is `flock(2)` (what [`File::try_lock`] uses on Linux and the
/// BSDs): the kernel releases it when the file is closed, including when the
/// process dies by SIGKILL, so a crashed send never leaves a lock behind
/// that blocks the next one. The lock file itself stays (deleting it would
/// race with a process that just opened it); its contents, the holder's
/// pid, only serve the error message of a second sender. Locks are per open
/// file, so a second [`SendLock::acquire`] fails even in the same process.
/// On network file systems the lock may not be exclusive across machines.
#[derive(Debug)]
pub struct SendLock {
    /// Held for its lock, which closing it releases.
    file: File,
    path: PathBuf,
}

/// How long a second sender waits for the holder's pid to appear in the
/// lock file: `PID_WAIT_STEPS` times `PID_WAIT_STEP`.
const PID_WAIT_STEPS: u32 = 20;
const PID_WAIT_STEP: Duration = Duration::from_millis(10);

impl Drop for SendLock {
    /// Clears the pid while still holding the lock, so that the file never
    /// names a finished send (a killed one leaves its pid, which the next
    /// holder overwrites at once).
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

impl SendLock {
    /// Takes an exclusive OS lock on `<db path>.lock`, creating it and its
    /// folder if needed, then writes `pid` into it (truncate, write, flush)
    /// so that a second process can name us.
    ///
    /// If another process holds the lock, fails (exit code 1) with
    /// "another send is running (pid N)", N read from the lock file
    /// ("unknown pid" if none appears within 0.2 s: the holder writes it
    /// just after locking). Never waits for the lock itself.
    pub fn acquire(db_path: &Path, pid: u32) -> Result<SendLock> {
        let path = lock_path(db_path);
        create_parent(&path, "the send lock")?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false) // the holder's pid must survive our open
            .open(&path)
            .map_err(|e| Error::io("open the send lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                // The holder writes its pid just after taking the lock: when
                // two sends start together, give it a moment to do so.
                let mut pid = read_pid(&mut file);
                for _ in 0..PID_WAIT_STEPS {
                    if pid.is_some() {
                        break;
                    }
                    std::thread::sleep(PID_WAIT_STEP);
                    pid = read_pid(&mut file);
                }
                let holder = pid
                    .map(|pid| format!("pid {pid}"))
                    .unwrap_or_else(|| "unknown pid".to_string());
                return Err(Error::failed(format!(
                    "another send is running ({holder}): it holds the lock {}; wait for it to \
                     finish",
                    path.display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::failed(format!(
                    "cannot lock the send lock {}: {e}",
                    path.display()
                ))
                .with_source(e));
            }
        }
        let write = |file: &mut File| -> std::io::Result<()> {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            writeln!(file, "{pid}")?;
            file.flush()
        };
        write(&mut file).map_err(|e| Error::io("write the pid into the send lock", &path, e))?;
        Ok(SendLock { file, path })
    }

    /// The path of the lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The pid in a lock file, if it holds one.
fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    Read::take(&mut *file, 64).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

mod subscriptions;
pub use subscriptions::{
    ConfirmedSubscriber, SubscribeDecision, SubscribeRequest, SubscriptionCounts,
};
#[cfg(test)]
mod tests;
