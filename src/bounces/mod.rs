//! Bounces and complaints: reading returned mail and cleaning the list.
//!
//! [`run`] reads Maildir folders and mbox files (`mailbox.rs`), reads each
//! message as a report (`report.rs`: RFC 3464 delivery status
//! notifications, RFC 5965 complaints, and the plain-text bounces of Exim,
//! Postfix and Exchange in `text.rs`), finds the delivery each one is about
//! and records it in the state, which suppresses the address when it has
//! to:
//!
//! - a hard bounce (`Action: failed`, a 5.x.x status) and a complaint
//!   (`Feedback-Type: abuse`) suppress at once, with the reason `bounced`
//!   or `complained`;
//! - a soft bounce (`delayed`, a 4.x.x status) suppresses once
//!   `delivery.soft_bounce_limit` issues in a row to the address
//!   soft-bounced.
//!
//! A report is matched to a delivery by the Message-ID of the returned
//! message (ours are derived from the issue and the recipient), else by
//! the VERP address it was sent back to ([`verp`]), else by the recipient
//! it names (`Final-Recipient`), taking the latest issue sent there.
//!
//! Each report recorded is remembered by its Message-ID (or a hash of its
//! bytes), so reading the same mail again counts nothing twice. Mail that
//! is not a report is left alone; a report that matches no delivery of
//! ours is counted and not recorded (a later run, say with the secret for
//! VERP, may match it). Mail is deleted only when asked, and then only
//! the reports recorded (now or by an earlier run).

mod dsn;
pub(crate) mod mailbox;
pub(crate) mod report;
pub(crate) mod text;
pub mod verp;

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::error::Result;
use crate::state::{BounceEvent, BounceKind, State};
use crate::subscribers::normalize_address;
use mailbox::Place;
use report::Report;

/// What `newsletter bounces` is asked to do.
#[derive(Debug, Clone)]
pub struct Request {
    /// Maildir folders, mbox files or single message files.
    pub paths: Vec<PathBuf>,
    /// Delete the reports recorded from the mailboxes.
    pub delete: bool,
    /// The unsubscribe secret, which VERP tokens are checked with.
    pub secret: Option<String>,
    /// When this runs.
    pub now: DateTime<Utc>,
}

/// What a run found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Messages read.
    pub messages: usize,
    /// Hard bounces recorded by this run (one per recipient and issue).
    pub hard: usize,
    /// Soft bounces recorded by this run.
    pub soft: usize,
    /// Complaints recorded by this run.
    pub complaints: usize,
    /// Addresses this run suppressed, with the reason (`bounced`,
    /// `complained`).
    pub suppressed: Vec<(String, &'static str)>,
    /// Reports recorded by an earlier run: counted nothing.
    pub already_seen: usize,
    /// Reports that name no delivery of ours, where they are.
    pub unmatched: Vec<String>,
    /// Messages that are not bounces or complaints, left alone.
    pub not_a_bounce: usize,
    /// Messages deleted (with `--delete`).
    pub deleted: usize,
    /// VERP reports that could not be checked for want of the secret.
    pub missing_secret: bool,
}

/// Reads the mailboxes, records what the reports say and suppresses the
/// addresses that must be. Bad paths are bad input, found before anything
/// is written.
pub fn run(config: &Config, req: &Request) -> Result<Summary> {
    let mut mails = Vec::new();
    for path in &req.paths {
        mails.extend(mailbox::read(path)?);
    }
    let mut summary = Summary {
        messages: mails.len(),
        ..Summary::default()
    };
    let reports: Vec<(Place, Report)> = mails
        .into_iter()
        .filter_map(|m| report::parse(&m.bytes).map(|r| (m.place, r)))
        .collect();
    summary.not_a_bounce = summary.messages - reports.len();
    // Without a state database nothing was ever sent: nothing can match,
    // and none is created.
    let path = &config.state.path;
    let mut state = if reports.is_empty() || !path.exists() {
        None
    } else {
        Some(State::open(path)?)
    };
    let mut processed = Vec::new();
    for (place, report) in reports {
        let Some(state) = state.as_mut() else {
            summary.unmatched.push(place.describe());
            continue;
        };
        if state.report_seen(&report.id)? {
            summary.already_seen += 1;
            processed.push(place);
            continue;
        }
        let events = events(state, config, req, &report, &mut summary)?;
        if events.is_empty() {
            summary.unmatched.push(place.describe());
            continue;
        }
        let limit = config.delivery.soft_bounce_limit;
        if let Some(effect) = state.record_report(&report.id, &events, limit, req.now)? {
            for e in &events {
                match e.kind {
                    BounceKind::Hard => summary.hard += 1,
                    BounceKind::Soft => summary.soft += 1,
                    BounceKind::Complaint => summary.complaints += 1,
                }
            }
            for (key, reason) in effect.suppressed {
                summary.suppressed.push((key, reason.as_str()));
            }
        }
        processed.push(place);
    }
    if req.delete {
        summary.deleted = mailbox::remove(&processed)?;
    }
    Ok(summary)
}

/// The deliveries `report` is about, as events to record.
fn events(
    state: &State,
    config: &Config,
    req: &Request,
    report: &Report,
    summary: &mut Summary,
) -> Result<Vec<BounceEvent>> {
    let target = match by_message_id(state, report)? {
        Some(t) => Some(t),
        None => by_verp(state, config, req, report, summary)?,
    };
    let mut out: Vec<BounceEvent> = Vec::new();
    for f in &report.findings {
        let found = match &target {
            Some((issue, key)) => Some((*issue, key.clone())),
            None => match f.recipient.as_deref().map(normalize_address) {
                Some(Ok(addr)) => state.latest_issue_to(&addr.key)?.map(|i| (i, addr.key)),
                _ => None,
            },
        };
        let Some((issue, key)) = found else { continue };
        if out
            .iter()
            .any(|e| e.key == key && e.issue == issue && e.kind == f.kind)
        {
            continue;
        }
        out.push(BounceEvent {
            key,
            issue,
            kind: f.kind,
            status: f.status.clone(),
            detail: f.detail.clone(),
        });
    }
    Ok(out)
}

/// (issue, key) of the delivery whose Message-ID the report returns.
fn by_message_id(state: &State, report: &Report) -> Result<Option<(u32, String)>> {
    for id in &report.original_ids {
        if let Some(found) = state.delivery_by_message_id(id, issue_of_message_id(id))? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The issue number in one of our Message-IDs (`<issue3.…@domain>`).
fn issue_of_message_id(id: &str) -> Option<u32> {
    id.strip_prefix("<issue")?.split_once('.')?.0.parse().ok()
}

/// (issue, key) of the VERP address the report was sent back to.
fn by_verp(
    state: &State,
    config: &Config,
    req: &Request,
    report: &Report,
    summary: &mut Summary,
) -> Result<Option<(u32, String)>> {
    let Some(template) = config.delivery.return_path.as_deref() else {
        return Ok(None);
    };
    for addr in &report.addressed_to {
        let Some((issue, mac)) = verp::token_in(template, addr) else {
            continue;
        };
        let Some(keyed) = req
            .secret
            .as_deref()
            .filter(|s| !s.is_empty())
            .and_then(|s| verp::keyed(s.as_bytes()))
        else {
            summary.missing_secret = true;
            return Ok(None);
        };
        let keys = state.delivery_keys(issue)?;
        if let Some(key) = verp::verify(&keyed, issue, &mac, &keys) {
            return Ok(Some((issue, key.clone())));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
