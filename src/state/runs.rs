//! Runs: one row per real send that reached delivery, for monitoring
//! (`status --json` shows the last one).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{State, stamp};
use crate::error::Result;

/// One send run as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// When it ran (the run's clock reading), RFC 3339.
    pub at: String,
    /// The issue it sent.
    pub issue: u32,
    /// `ok`, `failed` (something failed or stays pending) or `interrupted`.
    pub outcome: String,
    /// Accepted in this run.
    pub sent: u64,
    /// Refused for good in this run.
    pub failed: u64,
    /// Still pending after this run.
    pub pending: u64,
}

impl State {
    /// Records a run dated `at` (stored as RFC 3339; `run.at` is not read).
    pub fn record_run(&mut self, at: DateTime<Utc>, run: &Run) -> Result<()> {
        let at = stamp(at)?;
        self.conn
            .execute(
                "INSERT INTO runs (at, issue, outcome, sent, failed, pending)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    at,
                    run.issue,
                    run.outcome,
                    i64::try_from(run.sent).unwrap_or(i64::MAX),
                    i64::try_from(run.failed).unwrap_or(i64::MAX),
                    i64::try_from(run.pending).unwrap_or(i64::MAX),
                ],
            )
            .map(drop)
            .map_err(self.err("record the run in"))
    }

    /// The last recorded run, if any.
    pub fn last_run(&self) -> Result<Option<Run>> {
        self.conn
            .prepare_cached(
                "SELECT at, issue, outcome, sent, failed, pending FROM runs
                 ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut stmt| {
                stmt.query_row([], |row| {
                    let n = |i| row.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
                    Ok(Run {
                        at: row.get(0)?,
                        issue: row.get(1)?,
                        outcome: row.get(2)?,
                        sent: n(3)?,
                        failed: n(4)?,
                        pending: n(5)?,
                    })
                })
                .optional()
            })
            .map_err(self.err("read the last run from"))
    }
}
