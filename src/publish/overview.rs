//! The plan as it stands: each planned issue, or for a published issue
//! its frozen record and how far its delivery got.

use crate::error::Result;
use crate::project::Project;
use crate::schedule::{IssueKind, IssueState};
use crate::state::State;

/// One line of the plan: the schedule's issue, or for a published issue
/// its frozen record (editing the files later never changes it).
#[derive(Debug, Clone)]
pub struct PlanRow {
    /// The issue number.
    pub number: u32,
    /// The send time (RFC 3339).
    pub send_at: String,
    /// The send time for people, in the schedule's zone.
    pub send_local: String,
    /// Weekly, a reminder or the last call.
    pub kind: IssueKind,
    /// Category names.
    pub categories: Vec<String>,
    /// Category slugs.
    pub slugs: Vec<String>,
    /// Days from the send date to the closing date.
    pub days_left: i64,
    /// Where the issue stands.
    pub state: IssueState,
}

/// The rows of the plan as of `p.now`, reading the state if there is one.
pub fn plan_rows(p: &Project) -> Result<Vec<PlanRow>> {
    let state = State::open_existing(&p.config.state.path)?;
    let mut rows = Vec::new();
    for i in &p.plan.issues {
        let frozen = match &state {
            Some(s) => s
                .frozen(i.number)?
                .map(|f| s.counts(i.number).map(|c| (f, c)))
                .transpose()?,
            None => None,
        };
        let mut row = PlanRow {
            number: i.number,
            send_at: i.send_at.to_rfc3339(),
            send_local: i.send_at.format("%a %Y-%m-%d %H:%M %Z").to_string(),
            kind: i.kind,
            categories: p
                .category_names(&i.categories)
                .into_iter()
                .map(String::from)
                .collect(),
            slugs: i
                .categories
                .iter()
                .filter_map(|&c| p.topics.categories.get(c))
                .map(|c| c.slug.clone())
                .collect(),
            days_left: i.days_left,
            state: p.plan.state(i, p.now),
        };
        if let Some((f, counts)) = frozen {
            row.categories = f.categories;
            row.slugs = f.slugs;
            // Frozen by `feed` alone: published, not delivered to anyone.
            row.state = if counts.pending == 0 && counts.sent + counts.failed > 0 {
                IssueState::Sent
            } else {
                IssueState::Published
            };
        }
        rows.push(row);
    }
    Ok(rows)
}
