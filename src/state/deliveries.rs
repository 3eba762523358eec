//! Deliveries: who got which issue, with the outcome of the last attempt.

use std::fmt;

use chrono::{DateTime, Utc};

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{TransactionBehavior, params};

use super::{State, db_error, stamp};
use crate::error::Result;

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

impl State {
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
                let at = stamp(o.at)?;
                stmt.execute(params![
                    o.issue,
                    o.key,
                    o.email,
                    o.status,
                    o.reply,
                    o.message_id,
                    at,
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

    /// Puts every `failed` delivery of `issue` back to pending, except
    /// those to suppressed addresses (`send --retry-failed`): their
    /// attempts and Message-IDs are kept. Returns the keys reopened.
    pub fn reopen_failed(&mut self, issue: u32) -> Result<Vec<String>> {
        let State { conn, path } = self;
        let err = |e| db_error(path, "reopen the failed deliveries in", e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let keys = tx
            .prepare_cached(
                "UPDATE deliveries SET status = 'pending'
                 WHERE issue = ?1 AND status = 'failed'
                   AND key NOT IN (SELECT key FROM suppressions)
                 RETURNING key",
            )
            .and_then(|mut stmt| {
                stmt.query_map([issue], |row| row.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()
            })
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(keys)
    }

    /// How many `failed` deliveries of `issue` are to addresses not
    /// suppressed: what `send --retry-failed` would send again.
    pub fn retryable_count(&self, issue: u32) -> Result<u64> {
        self.count(
            "SELECT COUNT(*) FROM deliveries
             WHERE issue = ?1 AND status = 'failed'
               AND key NOT IN (SELECT key FROM suppressions)",
            [issue],
            "count the failed deliveries in",
        )
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
}
