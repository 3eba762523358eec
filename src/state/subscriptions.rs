//! Subscriptions made through `newsletter serve` (double opt-in), the
//! address table behind unsubscribe and confirm tokens. An `impl State` block over the tables of migration 4.
//!
//! Every write is one short `IMMEDIATE` transaction, so the server and a
//! running `send` (which commits in small batches) never wait on each
//! other for more than a moment; both use the busy timeout of
//! [`super::BUSY_TIMEOUT`].

use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{State, db_error, stamp};
use crate::error::Result;
use crate::token::AddressId;

/// Migration 4 (in `schema::MIGRATIONS`).
pub(super) const MIGRATION: &str = "
     CREATE TABLE addresses (
         id    BLOB PRIMARY KEY,                -- token::Tokens::address_id
         key   TEXT NOT NULL,                   -- normalized address
         email TEXT NOT NULL
     ) STRICT, WITHOUT ROWID;

     CREATE TABLE subscriptions (
         key          TEXT PRIMARY KEY,         -- normalized address
         email        TEXT NOT NULL,
         name         TEXT,
         status       TEXT NOT NULL CHECK (status IN ('pending', 'confirmed')),
         requested_at TEXT NOT NULL,            -- RFC 3339, last request
         confirmed_at TEXT,                     -- RFC 3339, consent given
         consent_ip   TEXT,                     -- if serve.record_ip
         consent      TEXT                      -- how consent was given
     ) STRICT, WITHOUT ROWID;

     CREATE TABLE confirmation_sends (
         key     TEXT NOT NULL,
         sent_at TEXT NOT NULL                  -- RFC 3339
     ) STRICT;
     CREATE INDEX confirmation_sends_by_key ON confirmation_sends (key, sent_at);";

/// How consent is recorded for a subscription confirmed from the email.
const CONSENT: &str = "double opt-in: subscribe form, confirmed from the email";

/// A request to subscribe, already validated and normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeRequest {
    /// The address's id (for its tokens).
    pub id: AddressId,
    /// The normalized address.
    pub key: String,
    /// The address as it will be sent to.
    pub email: String,
    /// The name given, if any.
    pub name: Option<String>,
}

/// What [`State::request_subscription`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeDecision {
    /// Send a confirmation email.
    SendConfirmation,
    /// Subscribed and not suppressed: nothing to send.
    AlreadySubscribed,
    /// The address got its daily share of confirmation emails.
    Limited,
}

/// A subscriber who confirmed through the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmedSubscriber {
    /// The normalized address.
    pub key: String,
    /// The address as it will be sent to.
    pub email: String,
    /// The name given, if any.
    pub name: Option<String>,
}

/// The counts `status` shows about subscriptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriptionCounts {
    /// Confirmed through the server.
    pub confirmed: u64,
    /// Waiting for their confirmation.
    pub pending: u64,
}

impl State {
    /// Stores the ids of these (id, key, email) triples, in one
    /// transaction; ids already stored are kept as they are.
    pub fn remember_addresses<I>(&mut self, rows: I) -> Result<()>
    where
        I: IntoIterator<Item = (AddressId, String, String)>,
    {
        let State { conn, path } = self;
        let err = |e| db_error(path, "store addresses in", e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO addresses (id, key, email) VALUES (?1, ?2, ?3)
                     ON CONFLICT (id) DO NOTHING",
                )
                .map_err(err)?;
            for (id, key, email) in rows {
                stmt.execute(params![&id[..], key, email]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The (key, email) of the address with this id: one primary-key
    /// lookup.
    pub fn address(&self, id: &AddressId) -> Result<Option<(String, String)>> {
        self.conn
            .prepare_cached("SELECT key, email FROM addresses WHERE id = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([&id[..]], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })
            .map_err(self.err("read an address from"))
    }

    /// Records a request to subscribe and decides whether a confirmation
    /// email goes out, in one transaction: not for an address that is
    /// subscribed and not suppressed, nor once `per_day` confirmations went
    /// to it in the 24 hours before `now`. A new address becomes pending;
    /// a pending one has its name and time updated.
    pub fn request_subscription(
        &mut self,
        req: &SubscribeRequest,
        now: DateTime<Utc>,
        per_day: u32,
    ) -> Result<SubscribeDecision> {
        let at = stamp(now)?;
        let State { conn, path } = self;
        let err = |e| db_error(path, "store a subscription in", e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute(
            "INSERT INTO addresses (id, key, email) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO NOTHING",
            params![&req.id[..], req.key, req.email],
        )
        .map_err(err)?;
        let status: Option<String> = tx
            .query_row(
                "SELECT status FROM subscriptions WHERE key = ?1",
                [&req.key],
                |row| row.get(0),
            )
            .optional()
            .map_err(err)?;
        let suppressed: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM suppressions WHERE key = ?1)",
                [&req.key],
                |row| row.get(0),
            )
            .map_err(err)?;
        if status.as_deref() == Some("confirmed") && !suppressed {
            return Ok(SubscribeDecision::AlreadySubscribed);
        }
        let day_ago = stamp(now - Duration::hours(24))?;
        tx.execute(
            "DELETE FROM confirmation_sends WHERE key = ?1 AND sent_at <= ?2",
            params![req.key, day_ago],
        )
        .map_err(err)?;
        let sent: i64 = tx
            .query_row(
                "SELECT COUNT(*) FROM confirmation_sends WHERE key = ?1",
                [&req.key],
                |row| row.get(0),
            )
            .map_err(err)?;
        if sent >= i64::from(per_day) {
            return Ok(SubscribeDecision::Limited);
        }
        tx.execute(
            "INSERT INTO subscriptions (key, email, name, status, requested_at)
             VALUES (?1, ?2, ?3, 'pending', ?4)
             ON CONFLICT (key) DO UPDATE SET
                 email = excluded.email,
                 name = COALESCE(excluded.name, subscriptions.name),
                 requested_at = excluded.requested_at",
            params![req.key, req.email, req.name, at],
        )
        .map_err(err)?;
        tx.execute(
            "INSERT INTO confirmation_sends (key, sent_at) VALUES (?1, ?2)",
            params![req.key, at],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(SubscribeDecision::SendConfirmation)
    }

    /// Confirms the subscription of `key` (pending, or confirmed and since
    /// suppressed) as of `now`, recording `ip` if given, and lifts its
    /// suppression. Returns false when there is no subscription to confirm.
    pub fn confirm_subscription(
        &mut self,
        key: &str,
        now: DateTime<Utc>,
        ip: Option<&str>,
    ) -> Result<bool> {
        let at = stamp(now)?;
        let State { conn, path } = self;
        let err = |e| db_error(path, "confirm a subscription in", e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let n = tx
            .execute(
                "UPDATE subscriptions SET status = 'confirmed', confirmed_at = ?2,
                     consent_ip = ?3, consent = ?4
                 WHERE key = ?1",
                params![key, at, ip, CONSENT],
            )
            .map_err(err)?;
        if n == 0 {
            return Ok(false);
        }
        tx.execute("DELETE FROM suppressions WHERE key = ?1", [key])
            .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(true)
    }

    /// Every confirmed subscriber (suppressed ones included: the caller
    /// subtracts suppressions), by address.
    pub fn confirmed_subscribers(&self) -> Result<Vec<ConfirmedSubscriber>> {
        self.conn
            .prepare_cached(
                "SELECT key, email, name FROM subscriptions WHERE status = 'confirmed'
                 ORDER BY key",
            )
            .and_then(|mut stmt| {
                stmt.query_map([], |row| {
                    Ok(ConfirmedSubscriber {
                        key: row.get(0)?,
                        email: row.get(1)?,
                        name: row.get(2)?,
                    })
                })?
                .collect()
            })
            .map_err(self.err("read the subscriptions from"))
    }

    /// Confirmed and pending subscriptions.
    pub fn subscription_counts(&self) -> Result<SubscriptionCounts> {
        let err = self.err("count the subscriptions in");
        let by_status: Vec<(String, i64)> = self
            .conn
            .prepare_cached("SELECT status, COUNT(*) FROM subscriptions GROUP BY status")
            .and_then(|mut stmt| {
                stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .map_err(&err)?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        let mut counts = SubscriptionCounts::default();
        for (status, count) in by_status {
            match status.as_str() {
                "confirmed" => counts.confirmed = n(count),
                _ => counts.pending += n(count),
            }
        }
        Ok(counts)
    }
}
