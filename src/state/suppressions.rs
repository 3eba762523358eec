//! Suppressions: the addresses that unsubscribed, which a send skips.

use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};

use super::{State, db_error, stamp};
use crate::error::Result;

impl State {
    /// Suppresses these normalized addresses (unsubscribes them) as of
    /// `now`, in one transaction. Returns how many were not suppressed yet;
    /// an address already suppressed keeps its original time.
    pub fn suppress(&mut self, keys: &[String], now: DateTime<Utc>) -> Result<usize> {
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
