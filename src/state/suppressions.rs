//! Suppressions: the addresses a send skips, each with its reason.

use std::fmt;

use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};

use super::{State, db_error, stamp};
use crate::error::Result;

/// Why an address is suppressed. Stored as its [`Reason::as_str`] text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The subscriber asked (the one-click link): [`State::suppress`].
    Unsubscribed,
    /// A hard bounce, or `delivery.soft_bounce_limit` soft ones in a row.
    Bounced,
    /// A complaint report (the subscriber marked the mail as spam).
    Complained,
    /// The organizer ran `newsletter unsubscribe`; also every suppression
    /// recorded before reasons were (schema version 4).
    Manual,
}

impl Reason {
    /// Every reason, in the order `status` shows them.
    pub const ALL: [Reason; 4] = [
        Reason::Unsubscribed,
        Reason::Bounced,
        Reason::Complained,
        Reason::Manual,
    ];

    /// The stored text: `unsubscribed`, `bounced`, `complained`, `manual`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Unsubscribed => "unsubscribed",
            Reason::Bounced => "bounced",
            Reason::Complained => "complained",
            Reason::Manual => "manual",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many addresses are suppressed for each reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReasonCounts {
    /// [`Reason::Unsubscribed`]
    pub unsubscribed: u64,
    /// [`Reason::Bounced`]
    pub bounced: u64,
    /// [`Reason::Complained`]
    pub complained: u64,
    /// [`Reason::Manual`]
    pub manual: u64,
}

impl ReasonCounts {
    /// The count for `reason`.
    pub fn get(&self, reason: Reason) -> u64 {
        match reason {
            Reason::Unsubscribed => self.unsubscribed,
            Reason::Bounced => self.bounced,
            Reason::Complained => self.complained,
            Reason::Manual => self.manual,
        }
    }

    /// All of them.
    pub fn total(&self) -> u64 {
        Reason::ALL.iter().map(|&r| self.get(r)).sum()
    }
}

impl State {
    /// Suppresses these normalized addresses as of `now` because they
    /// unsubscribed ([`Reason::Unsubscribed`]), in one transaction. Returns
    /// how many were not suppressed yet; an address already suppressed
    /// keeps its original time and reason.
    pub fn suppress(&mut self, keys: &[String], now: DateTime<Utc>) -> Result<usize> {
        self.suppress_with_reason(keys, Reason::Unsubscribed, now)
    }

    /// Suppresses these normalized addresses as of `now` for `reason`, in
    /// one transaction. Returns how many were not suppressed yet; an
    /// address already suppressed keeps its original time and reason.
    pub fn suppress_with_reason(
        &mut self,
        keys: &[String],
        reason: Reason,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let State { conn, path } = self;
        let err = |e| db_error(path, "store unsubscribes in", e);
        let now = stamp(now)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut new = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO suppressions (key, suppressed_at, reason) VALUES (?1, ?2, ?3)
                     ON CONFLICT (key) DO NOTHING",
                )
                .map_err(err)?;
            for key in keys {
                new += stmt
                    .execute(params![key, now, reason.as_str()])
                    .map_err(err)?;
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

    /// How many addresses are suppressed, by reason.
    pub fn suppressed_by_reason(&self) -> Result<ReasonCounts> {
        let rows: Vec<(String, i64)> = self
            .conn
            .prepare_cached("SELECT reason, COUNT(*) FROM suppressions GROUP BY reason")
            .and_then(|mut stmt| {
                stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .map_err(self.err("count the unsubscribes in"))?;
        let mut counts = ReasonCounts::default();
        for (reason, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            match reason.as_str() {
                "unsubscribed" => counts.unsubscribed = n,
                "bounced" => counts.bounced = n,
                "complained" => counts.complained = n,
                _ => counts.manual += n,
            }
        }
        Ok(counts)
    }
}
