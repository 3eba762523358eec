//! Which issue a send sends: the latest whose send time has passed (or
//! `--issue N`). Older issues are never sent to people who join later:
//! they get the current one. After `cfp.closes` nothing is sent without
//! `--issue`. A dry run picks exactly what the same send would (nothing
//! before the first issue or after the close); only a test send to one
//! address always has an issue to show.

use super::SendRequest;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::schedule::PlannedIssue;

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
    let test = req.to.is_some();
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
