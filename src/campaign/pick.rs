//! Which issue a send sends: the latest whose send time has passed (or
//! `--issue N`). Older issues are never sent to people who join later:
//! they get the current one. After `cfp.closes` nothing is sent without
//! `--issue`.

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
    /// A dry run or test send, but the plan has no issues at all.
    EmptyPlan,
}

/// What the rule picked.
pub(crate) enum Picked<'a> {
    /// Send this issue. `cfp_closed`: a dry run shows the final issue
    /// although a real send would send nothing.
    Issue {
        issue: &'a PlannedIssue,
        cfp_closed: bool,
    },
    /// Nothing to send.
    Nothing(NothingDue<'a>),
}

/// Applies the rule. A named issue whose time has not come is bad input
/// unless forced (or a test send).
pub(crate) fn pick<'a>(p: &'a Project, req: &SendRequest) -> Result<Picked<'a>> {
    let test = req.to.is_some();
    let issue = |issue| Picked::Issue {
        issue,
        cfp_closed: false,
    };
    if let Some(n) = req.issue {
        let planned = p.plan.issue(n)?;
        if planned.send_at > p.now && !req.force && !test {
            return Err(Error::input(format!(
                "issue {n} goes out {}; its time has not come (use --force to send it now)",
                planned.send_at.format("%a %Y-%m-%d %H:%M %Z")
            )));
        }
        return Ok(issue(planned));
    }
    let due = p.plan.issues.iter().rev().find(|i| i.send_at <= p.now);
    Ok(match due {
        Some(i) if p.now < p.config.cfp.closes_at() || test => issue(i),
        Some(i) if req.dry_run => Picked::Issue {
            issue: i,
            cfp_closed: true,
        },
        Some(_) => Picked::Nothing(NothingDue::CfpClosed),
        None if test || req.dry_run => match p.plan.issues.first() {
            Some(first) => issue(first),
            None => Picked::Nothing(NothingDue::EmptyPlan),
        },
        None => Picked::Nothing(NothingDue::NotYet {
            first: p.plan.issues.first(),
        }),
    })
}
