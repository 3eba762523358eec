//! Which issue a send sends: the latest whose send time has passed (or
//! `--issue N`). Older issues are never sent to people who join later:
//! they get the current one. After `cfp.closes` nothing is sent without
//! `--issue`. A dry run picks exactly what the same send would (nothing
//! before the first issue or after the close); only a test send to one
//! address always has an issue to show.
//!
//! A review (`--review`) sends by default the next issue: the first of the
//! plan not yet published. A retry of the failed deliveries
//! (`--retry-failed`) is about a published issue: `--issue N` or the
//! latest one.

use super::SendRequest;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::schedule::PlannedIssue;
use crate::state::State;

/// Why a send sends nothing.
#[derive(Debug, Clone, Copy)]
pub enum NothingDue<'a> {
    /// The CFP has closed and no issue was named.
    CfpClosed,
    /// No issue is due yet; the first one, if the plan has any.
    NotYet {
        /// The plan's first issue.
        first: Option<&'a PlannedIssue>,
    },
    /// A test send, but the plan has no issues at all.
    EmptyPlan,
    /// A review, but every issue of the plan has been published.
    AllPublished,
    /// A retry, but no issue has been published.
    NothingPublished,
    /// A retry, but this issue has no failed delivery (to an address
    /// that is not suppressed).
    NothingFailed(u32),
}

/// What the rule picked.
pub(crate) enum Picked<'a> {
    /// Send this issue.
    Issue(&'a PlannedIssue),
    /// Nothing to send.
    Nothing(NothingDue<'a>),
}

/// Applies the rule. A named issue whose time has not come is bad input
/// unless forced (or a test send).
pub(crate) fn pick<'a>(p: &'a Project, req: &SendRequest) -> Result<Picked<'a>> {
    if req.retry_failed {
        return retry(p, req.issue);
    }
    let test = req.rehearsal();
    if req.review && req.issue.is_none() {
        let published = published(p)?;
        return Ok(
            match p
                .plan
                .issues
                .iter()
                .find(|i| !published.contains(&i.number))
            {
                Some(i) => Picked::Issue(i),
                None if p.plan.issues.is_empty() => Picked::Nothing(NothingDue::EmptyPlan),
                None => Picked::Nothing(NothingDue::AllPublished),
            },
        );
    }
    if let Some(n) = req.issue {
        let planned = p.plan.issue(n)?;
        if planned.send_at > p.now && !req.force && !test {
            return Err(Error::input(format!(
                "issue {n} goes out {}; its time has not come (use --force to send it now)",
                planned.send_at.format("%a %Y-%m-%d %H:%M %Z")
            )));
        }
        return Ok(Picked::Issue(planned));
    }
    let due = p.plan.issues.iter().rev().find(|i| i.send_at <= p.now);
    Ok(match due {
        Some(i) if p.now < p.config.cfp.closes_at() || test => Picked::Issue(i),
        Some(_) => Picked::Nothing(NothingDue::CfpClosed),
        None if test => match p.plan.issues.first() {
            Some(first) => Picked::Issue(first),
            None => Picked::Nothing(NothingDue::EmptyPlan),
        },
        None => Picked::Nothing(NothingDue::NotYet {
            first: p.plan.issues.first(),
        }),
    })
}

/// The numbers of the published (frozen) issues.
fn published(p: &Project) -> Result<Vec<u32>> {
    Ok(match State::open_existing(&p.config.state.path)? {
        Some(state) => state.frozen_issues()?.iter().map(|f| f.number).collect(),
        None => Vec::new(),
    })
}

/// The issue a retry is about: `issue` (which must be published) or the
/// latest published one.
fn retry(p: &Project, issue: Option<u32>) -> Result<Picked<'_>> {
    let published = published(p)?;
    let n = match issue {
        Some(n) if published.contains(&n) => n,
        Some(n) => {
            return Err(Error::input(format!(
                "issue {n} has not been published, so it has no failed deliveries to retry; \
                 `newsletter status` lists the published issues"
            )));
        }
        None => match published.iter().max() {
            Some(n) => *n,
            None => return Ok(Picked::Nothing(NothingDue::NothingPublished)),
        },
    };
    Ok(Picked::Issue(p.plan.issue(n)?))
}
