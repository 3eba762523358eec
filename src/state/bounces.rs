//! Bounces and complaints: the reports already read (so reading a mailbox
//! twice counts nothing twice), what each said about a recipient of an
//! issue, and the suppressions they cause.

use std::fmt;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::suppressions::Reason;
use super::{State, db_error, stamp};
use crate::error::Result;

/// What a report says happened to one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BounceKind {
    /// Refused for good (`Action: failed`, a 5.x.x status).
    Hard,
    /// Delayed or refused for now (a 4.x.x status, `Action: delayed`).
    Soft,
    /// The recipient reported the message as spam (ARF `abuse`).
    Complaint,
}

impl BounceKind {
    /// The stored text: `hard`, `soft`, `complaint`.
    pub fn as_str(self) -> &'static str {
        match self {
            BounceKind::Hard => "hard",
            BounceKind::Soft => "soft",
            BounceKind::Complaint => "complaint",
        }
    }
}

impl fmt::Display for BounceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recipient of one issue, as a report names them: the input of
/// [`State::record_report`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BounceEvent {
    /// The recipient's normalized address.
    pub key: String,
    /// The issue the returned message was.
    pub issue: u32,
    /// What happened.
    pub kind: BounceKind,
    /// The enhanced status code (`5.1.1`), if the report gave one.
    pub status: Option<String>,
    /// The diagnostic text, if any.
    pub detail: Option<String>,
}

/// What recording one report changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportEffect {
    /// The addresses suppressed because of it, with the reason.
    pub suppressed: Vec<(String, Reason)>,
}

impl State {
    /// Whether the report `report_id` was recorded already.
    pub fn report_seen(&self, report_id: &str) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM bounce_reports WHERE report_id = ?1)")
            .and_then(|mut stmt| stmt.query_row([report_id], |row| row.get(0)))
            .map_err(self.err("read the bounce reports from"))
    }

    /// Records a report and what it says, in one transaction, and
    /// suppresses: at once for a hard bounce ([`Reason::Bounced`]) or a
    /// complaint ([`Reason::Complained`]); for a soft bounce when
    /// `soft_limit` issues in a row to the address soft-bounced (see
    /// [`State::soft_streak`]). `None` if the report was recorded before:
    /// then nothing changes.
    pub fn record_report(
        &mut self,
        report_id: &str,
        events: &[BounceEvent],
        soft_limit: u32,
        now: DateTime<Utc>,
    ) -> Result<Option<ReportEffect>> {
        let State { conn, path } = self;
        let err = |e| db_error(path, "record bounces in", e);
        let now = stamp(now)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let new = tx
            .execute(
                "INSERT INTO bounce_reports (report_id, processed_at) VALUES (?1, ?2)
                 ON CONFLICT (report_id) DO NOTHING",
                params![report_id, now],
            )
            .map_err(err)?;
        if new == 0 {
            return Ok(None);
        }
        let mut effect = ReportEffect::default();
        for e in events {
            tx.execute(
                "INSERT INTO bounces (key, issue, kind, status, detail, report_id, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (key, issue, kind) DO NOTHING",
                params![
                    e.key,
                    e.issue,
                    e.kind.as_str(),
                    e.status,
                    e.detail,
                    report_id,
                    now
                ],
            )
            .map_err(err)?;
            let reason = match e.kind {
                BounceKind::Hard => Some(Reason::Bounced),
                BounceKind::Complaint => Some(Reason::Complained),
                BounceKind::Soft => (streak(&tx, &e.key).map_err(err)? >= u64::from(soft_limit))
                    .then_some(Reason::Bounced),
            };
            if let Some(reason) = reason {
                let added = tx
                    .execute(
                        "INSERT INTO suppressions (key, suppressed_at, reason) VALUES (?1, ?2, ?3)
                         ON CONFLICT (key) DO NOTHING",
                        params![e.key, now, reason.as_str()],
                    )
                    .map_err(err)?;
                if added > 0 {
                    effect.suppressed.push((e.key.clone(), reason));
                }
            }
        }
        tx.commit().map_err(err)?;
        Ok(Some(effect))
    }

    /// How many issues in a row to `key` soft-bounced, counting back from
    /// the latest one that did: the issues are those sent to the address
    /// and those a soft bounce names; one that was sent and did not bounce
    /// (or whose bounce has not been read yet) ends the run.
    pub fn soft_streak(&self, key: &str) -> Result<u64> {
        streak(&self.conn, key).map_err(self.err("read the bounces from"))
    }

    /// The issue and normalized address of the delivery whose Message-ID is
    /// `message_id` (with its angle brackets). `issue` narrows the search
    /// when the caller could read it from the ID.
    pub fn delivery_by_message_id(
        &self,
        message_id: &str,
        issue: Option<u32>,
    ) -> Result<Option<(u32, String)>> {
        let err = self.err("read the deliveries from");
        let found = match issue {
            Some(n) => self
                .conn
                .prepare_cached(
                    "SELECT issue, key FROM deliveries WHERE issue = ?1 AND message_id = ?2",
                )
                .and_then(|mut s| {
                    s.query_row(params![n, message_id], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                }),
            None => self
                .conn
                .prepare_cached("SELECT issue, key FROM deliveries WHERE message_id = ?1")
                .and_then(|mut s| {
                    s.query_row([message_id], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                }),
        };
        found.map_err(err)
    }

    /// The latest issue sent (or tried) to the normalized address `key`.
    pub fn latest_issue_to(&self, key: &str) -> Result<Option<u32>> {
        self.conn
            .prepare_cached("SELECT MAX(issue) FROM deliveries WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get(0)))
            .map_err(self.err("read the deliveries from"))
    }

    /// The normalized addresses of every delivery of `issue`.
    pub fn delivery_keys(&self, issue: u32) -> Result<Vec<String>> {
        self.conn
            .prepare_cached("SELECT key FROM deliveries WHERE issue = ?1")
            .and_then(|mut s| s.query_map([issue], |r| r.get(0))?.collect())
            .map_err(self.err("read the deliveries from"))
    }

    /// How many recipients of issues had a bounce of `kind` recorded.
    pub fn bounce_count(&self, kind: BounceKind) -> Result<u64> {
        self.count(
            "SELECT COUNT(*) FROM bounces WHERE kind = ?1",
            [kind.as_str()],
            "count the bounces in",
        )
    }
}

/// See [`State::soft_streak`].
fn streak(conn: &rusqlite::Connection, key: &str) -> rusqlite::Result<u64> {
    let mut stmt = conn.prepare_cached(
        "SELECT issue, MAX(soft) FROM (
             SELECT issue, 0 AS soft FROM deliveries WHERE key = ?1 AND status = 'sent'
             UNION ALL
             SELECT issue, 1 AS soft FROM bounces WHERE key = ?1 AND kind = 'soft'
         ) GROUP BY issue ORDER BY issue DESC",
    )?;
    let rows = stmt.query_map([key], |r| r.get::<_, bool>(1))?;
    let mut run = 0;
    let mut started = false;
    for soft in rows {
        match (soft?, started) {
            (true, _) => {
                started = true;
                run += 1;
            }
            (false, true) => break,
            (false, false) => {}
        }
    }
    Ok(run)
}
