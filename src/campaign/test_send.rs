//! The test and review sends: the issue to a few addresses (`--to`, or
//! `delivery.reviewers` for `--review`), subject prefixed with `[TEST]` or
//! `[review]`, recorded nowhere: no state, no feed, no archive.

use crate::compose::one_address;
use crate::deliver::{Attempt, ComposeFn, transport_from_config};
use crate::error::Result;
use crate::project::Project;
use crate::subscribers::Subscriber;

/// What a test or review send did, address by address.
#[derive(Debug, Clone)]
pub struct TestReport {
    /// Each address (normalized), in the order given, with what happened.
    pub deliveries: Vec<TestDelivery>,
}

/// One address of a test or review send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestDelivery {
    /// The address, normalized.
    pub email: String,
    /// What happened.
    pub result: TestResult,
}

/// What happened to one message of a test or review send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestResult {
    /// A dry run: composed, not sent.
    Composed,
    /// Accepted, with the server's reply.
    Sent(String),
    /// Refused (for good or for now), with the server's reply.
    Refused(String),
}

impl TestReport {
    /// 0 when every message was accepted (or composed, for a dry run),
    /// else 1.
    pub fn exit_code(&self) -> u8 {
        let refused = self
            .deliveries
            .iter()
            .any(|d| matches!(d.result, TestResult::Refused(_)));
        u8::from(refused)
    }
}

/// Composes the message for each address of `to` (all checked before
/// anything is sent) and, unless `dry_run`, sends them over one transport.
pub(super) fn run(
    p: &Project,
    to: &[String],
    compose: &ComposeFn,
    dry_run: bool,
) -> Result<TestReport> {
    let mut subs: Vec<Subscriber> = Vec::new();
    for addr in to {
        let sub = one_address(addr, "--to")?;
        if !subs.iter().any(|s| s.key == sub.key) {
            subs.push(sub);
        }
    }
    let messages = subs.iter().map(compose).collect::<Result<Vec<_>>>()?;
    if dry_run {
        return Ok(TestReport {
            deliveries: subs
                .into_iter()
                .map(|s| TestDelivery {
                    email: s.email,
                    result: TestResult::Composed,
                })
                .collect(),
        });
    }
    let t = transport_from_config(&p.config, super::secrets::smtp_password(p)?)?;
    // No signal handlers for a test send: a signal ends it at once.
    t.check(&std::sync::atomic::AtomicBool::new(false))?;
    let deliveries = subs
        .into_iter()
        .zip(&messages)
        .map(|(sub, (msg, id))| TestDelivery {
            email: sub.email,
            result: match t.send(msg, id) {
                Attempt::Sent(r) => TestResult::Sent(r),
                Attempt::Permanent(r) | Attempt::Transient(r) => TestResult::Refused(r),
            },
        })
        .collect();
    Ok(TestReport { deliveries })
}
