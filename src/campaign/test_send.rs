//! The test send: one message to one address, subject prefixed with
//! `[TEST]`, recorded nowhere.

use crate::compose::one_address;
use crate::deliver::{Attempt, ComposeFn, transport_from_config};
use crate::error::{Error, Result};
use crate::project::Project;

/// What a test send did.
#[derive(Debug, Clone)]
pub struct TestReport {
    /// The address, normalized.
    pub email: String,
    /// The server's reply; `None` for a dry run (nothing was sent).
    pub reply: Option<String>,
}

/// Composes the message for `to` and, unless `dry_run`, sends it. A
/// refusal is a failed operation.
pub(super) fn run(p: &Project, to: &str, compose: &ComposeFn, dry_run: bool) -> Result<TestReport> {
    let sub = one_address(to, "--to")?;
    let (msg, id) = compose(&sub)?;
    if dry_run {
        return Ok(TestReport {
            email: sub.email,
            reply: None,
        });
    }
    let t = transport_from_config(&p.config, super::secrets::smtp_password(p)?)?;
    // No signal handlers for a test send: a signal ends it at once.
    t.check(&std::sync::atomic::AtomicBool::new(false))?;
    match t.send(&msg, &id) {
        Attempt::Sent(r) => Ok(TestReport {
            email: sub.email,
            reply: Some(r),
        }),
        Attempt::Permanent(r) | Attempt::Transient(r) => Err(Error::failed(format!(
            "the test message to {} was not accepted: {r}",
            sub.email
        ))),
    }
}
