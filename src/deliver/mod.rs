//! Delivery: recipients in, messages out, every outcome recorded.
//!
//! Laid out as lettre lays out its transports: this module holds the
//! [`Transport`] trait, what one attempt gives ([`Attempt`]) and the loop
//! that drives a transport; each backend is a child module (`outbox`,
//! `smtp` with its session) that imports from here, and this module names
//! a backend only in [`transport_from_config`]. So there is no import cycle,
//! and a new transport is a new child plus one arm in that constructor.
//!
//! The loop ([`run`]): `delivery.concurrency` worker threads each take the
//! next recipient, compose its message, and try the transport up to
//! `max_attempts` times (exponential backoff with jitter for transient
//! failures). Each worker then commits its outcome (with whatever other
//! outcomes are waiting, in one SQLite transaction: a group commit) before
//! it takes its next message. So a delivery is recorded as sent only after
//! the server accepted it, and after a kill at any instant at most one
//! accepted-but-unrecorded message per connection is sent again.

mod breaker;
mod journal;
mod outbox;
mod pace;
mod recipients;
#[cfg(test)]
mod scripted;
mod smtp;
mod workers;

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::Message;

use crate::config::{Config, TransportKind as Kind};
use crate::error::Result;
use crate::state::State;
use crate::subscribers::{InvalidRow, Row, Subscriber};
pub use recipients::Recipients;

/// The result of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Accepted (the reply to DATA, or the outbox file written).
    Sent(String),
    /// Refused for good (5yz): never retried automatically.
    Permanent(String),
    /// Try again later: 4yz, 552, a dropped connection, a timeout, or an
    /// unknown outcome after DATA.
    Transient(String),
}

/// What [`Transport::check`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// Ready to send.
    Ready,
    /// The stop flag was set while checking: nothing was sent.
    Interrupted,
}

/// A delivery mechanism: an outbox folder of `.eml` files, or an SMTP
/// server (up to `delivery.concurrency` connections kept open).
pub trait Transport: Sync {
    /// "outbox ./outbox" or "smtp smtp.example.org:587 (starttls)".
    fn describe(&self) -> String;
    /// Connects (and authenticates) once before anything is marked, so an
    /// unreachable server stops the run with a clear error. Returns
    /// [`Checked::Interrupted`] soon after `stop` is set (SIGINT, SIGTERM)
    /// instead of waiting for a slow server.
    fn check(&self, stop: &AtomicBool) -> Result<Checked>;
    /// One attempt at one message.
    fn send(&self, message: &Message, message_id: &str) -> Attempt;
}

/// Builds the configured transport: the one place that names a backend.
/// `password` is the SMTP password from the environment (never printed).
/// The configuration was validated when it was loaded (plain-text SMTP to
/// a remote host, for one, is refused there).
pub fn transport_from_config(
    config: &Config,
    password: Option<String>,
) -> Result<Box<dyn Transport>> {
    match config.delivery.transport {
        Kind::Outbox => Ok(Box::new(outbox::OutboxTransport::new(
            config.delivery.outbox_dir.clone(),
        ))),
        Kind::Smtp => Ok(Box::new(smtp::SmtpTransport::new(config, password)?)),
    }
}

/// Composes the message of one recipient (render + build).
pub type ComposeFn<'a> = dyn Fn(&Subscriber) -> Result<(Message, String)> + Sync + 'a;

/// What to deliver and how: one issue to a list of recipients.
pub struct Job<'a> {
    /// The issue number.
    pub issue: u32,
    /// Parallel workers (connections).
    pub concurrency: usize,
    /// Attempts per recipient in this run.
    pub max_attempts: u32,
    /// Global cap on messages per second (0 = none).
    pub rate_per_second: u32,
    /// First retry delay; doubles each attempt, with jitter.
    pub retry_delay: Duration,
    /// Builds a recipient's message and its Message-ID.
    pub compose: &'a ComposeFn<'a>,
    /// The clock reading for this run's records.
    pub now: DateTime<Utc>,
}

/// Counts for the final summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Accepted by the transport in this run.
    pub sent: u64,
    /// Refused permanently in this run.
    pub failed: u64,
    /// Still pending after this run (transient failures, not attempted).
    pub pending: u64,
    /// Skipped: suppressed addresses.
    pub suppressed: u64,
    /// Skipped: already sent or failed in an earlier run.
    pub already_done: u64,
    /// Invalid CSV rows.
    pub invalid: Vec<InvalidRow>,
    /// Stopped by SIGINT/SIGTERM.
    pub interrupted: bool,
}

/// Delivers to every recipient, recording each outcome durably. Returns
/// the counts of this run; `recipients.summary` holds the skipped ones.
/// A retry's backoff is slept on the wall clock, cut short by `stop`.
pub fn run<I>(
    job: &Job,
    state: &mut State,
    transport: &dyn Transport,
    recipients: &Mutex<Recipients<I>>,
    stop: &AtomicBool,
    progress: impl FnMut(&Summary),
) -> Result<Summary>
where
    I: Iterator<Item = Row> + Send,
{
    let loop_ = workers::Loop {
        job,
        transport,
        stop,
        pause: &pace::WallClock,
    };
    workers::run(&loop_, state, recipients, progress)
}

/// Turns a non-sent run into the process result: exit 0 only when every
/// recipient of this run ended `sent`.
pub fn exit_code(summary: &Summary) -> u8 {
    if summary.interrupted {
        130
    } else if summary.failed > 0 || summary.pending > 0 {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests;
