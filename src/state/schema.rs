//! The schema of the state database and its migrations.
//!
//! The schema is versioned with `PRAGMA user_version`; [`MIGRATIONS`] lists
//! the steps, each applied in its own transaction together with the version
//! bump. The file is also stamped with `PRAGMA application_id` so that
//! another program's SQLite file is refused instead of being written into.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::db_error;
use crate::error::{Error, Result};

/// `PRAGMA application_id` of a state database: "NLST" in ASCII.
pub(crate) const APPLICATION_ID: i32 = 0x4E4C_5354;

/// The schema migrations, in order. Step `i` (0-based) takes the database
/// from `user_version` `i` to `i + 1`. Never edit a step once released; add
/// a new one.
pub(crate) const MIGRATIONS: &[&str] = &[
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
    // 3: the calendar event's last published close and its SEQUENCE
    // (deadline.ics: an extension bumps it).
    "CREATE TABLE calendar (
         uid      TEXT PRIMARY KEY,
         closes   TEXT NOT NULL,               -- RFC 3339
         sequence INTEGER NOT NULL CHECK (sequence >= 0)
     ) STRICT, WITHOUT ROWID;",
    // 4: subscriptions made through `newsletter serve`, the address ids
    // that unsubscribe and confirm tokens carry, and why an address was
    // suppressed (NULL: by hand). See `subscriptions.rs`.
    super::subscriptions::MIGRATION,
    // 5: why each address is suppressed, and the bounce reports read.
    // Rows from before this step were all entered with `newsletter
    // unsubscribe` by the organizer (nothing else wrote them), so they
    // become `manual`.
    "ALTER TABLE suppressions ADD COLUMN reason TEXT NOT NULL DEFAULT 'manual'
         CHECK (reason IN ('unsubscribed', 'bounced', 'complained', 'manual'));

     -- One row per report (DSN, complaint) that was matched and counted:
     -- reading the same mail again counts nothing twice.
     CREATE TABLE bounce_reports (
         report_id    TEXT PRIMARY KEY,         -- Message-ID, or sha256: of the bytes
         processed_at TEXT NOT NULL             -- RFC 3339
     ) STRICT, WITHOUT ROWID;

     -- What the reports said about one recipient of one issue.
     CREATE TABLE bounces (
         key        TEXT NOT NULL,              -- normalized address
         issue      INTEGER NOT NULL CHECK (issue >= 0),
         kind       TEXT NOT NULL CHECK (kind IN ('hard', 'soft', 'complaint')),
         status     TEXT,                       -- enhanced status code (5.1.1)
         detail     TEXT,                       -- diagnostic text
         report_id  TEXT NOT NULL REFERENCES bounce_reports (report_id),
         at         TEXT NOT NULL,              -- RFC 3339, when it was read
         PRIMARY KEY (key, issue, kind)
     ) STRICT, WITHOUT ROWID;",
    // 6: runs, one row per real send that reached delivery (monitoring).
    "CREATE TABLE runs (
         id       INTEGER PRIMARY KEY,
         at       TEXT NOT NULL,                -- RFC 3339
         issue    INTEGER NOT NULL CHECK (issue >= 0),
         outcome  TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'interrupted')),
         sent     INTEGER NOT NULL CHECK (sent >= 0),
         failed   INTEGER NOT NULL CHECK (failed >= 0),
         pending  INTEGER NOT NULL CHECK (pending >= 0)
     ) STRICT;",
];

/// The schema version this binary writes and understands.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Reads `application_id` and `user_version` and refuses files this binary
/// must not touch. Returns the schema version.
pub(super) fn check_identity(conn: &Connection, path: &Path) -> Result<i64> {
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
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
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
