//! The dry run: every message rendered and composed, the feed and archive
//! rendered, nothing connected to and nothing written.

use crate::compose::Composer;
use crate::deliver::{ComposeFn, Recipients, transport_from_config};
use crate::error::Result;
use crate::project::Project;
use crate::publish;
use crate::render::Renderer;
use crate::schedule::PlannedIssue;
use crate::state::State;
use crate::subscribers::{InvalidRow, KeySet};

/// What a dry run found.
pub struct DryRunReport<'a> {
    /// The issue.
    pub issue: &'a PlannedIssue,
    /// Its subject.
    pub subject: String,
    /// The transport and its target (built, never connected).
    pub target: String,
    /// Messages composed, one per recipient.
    pub recipients: u64,
    /// The first few recipients' addresses.
    pub first: Vec<String>,
    /// Skipped: already sent or failed.
    pub already_done: u64,
    /// Skipped: suppressed.
    pub suppressed: u64,
    /// Invalid rows of the subscriber list.
    pub invalid: Vec<InvalidRow>,
    /// The size of all messages.
    pub bytes: usize,
    /// What would stop or trouble a real send.
    pub warnings: Vec<String>,
    /// Items the feed would hold.
    pub feed_items: usize,
    /// Issues the archive would hold.
    pub archive_issues: usize,
}

/// What the dry run starts from.
pub(super) struct Input<'a> {
    pub(super) subject: String,
    pub(super) composer: &'a Composer,
    pub(super) state: Option<&'a State>,
    pub(super) renderer: &'a Renderer,
}

/// How many recipients' addresses the report lists.
const FIRST: usize = 3;

/// Runs the dry run.
pub(super) fn run<'a>(
    p: &Project,
    issue: &'a PlannedIssue,
    input: Input<'_>,
    compose: &ComposeFn,
) -> Result<DryRunReport<'a>> {
    let site = publish::render(p, input.renderer, input.state)?;
    let (warnings, target) = warnings_and_target(p, input.composer)?;
    let (done, suppressed) = match input.state {
        Some(s) => (s.done_keys(issue.number)?, s.suppressed_keys()?),
        None => (KeySet::default(), KeySet::default()),
    };
    let mut recipients = Recipients::new(
        crate::audience::Audience::open(&p.config.subscribers, input.state)?,
        done,
        suppressed,
    );
    let mut count = 0u64;
    let mut first = Vec::new();
    let mut bytes = 0usize;
    for sub in recipients.by_ref() {
        let (msg, _) = compose(&sub)?;
        bytes += msg.formatted().len();
        if first.len() < FIRST {
            first.push(sub.email.clone());
        }
        count += 1;
    }
    let skipped = recipients.summary;
    Ok(DryRunReport {
        issue,
        subject: input.subject,
        target,
        recipients: count,
        first,
        already_done: skipped.already_done,
        suppressed: skipped.suppressed,
        invalid: skipped.invalid,
        bytes,
        warnings,
        feed_items: site.items,
        archive_issues: site.published.len(),
    })
}

/// Missing secrets are the environment's, not the files': a dry run warns
/// about them (exit 0) so it can run anywhere. The transport is built,
/// never connected: its settings are checked as in a real send.
fn warnings_and_target(p: &Project, composer: &Composer) -> Result<(Vec<String>, String)> {
    let warnings = super::missing_secrets(p, composer)
        .into_iter()
        .map(|m| format!("a real send would be refused: {m}"))
        .collect();
    // A stand-in password, so the transport's other settings are checked.
    let password = p.env.smtp_password.clone().or(Some(String::new()));
    let target = super::target(p, transport_from_config(&p.config, password)?.as_ref());
    Ok((warnings, target))
}
