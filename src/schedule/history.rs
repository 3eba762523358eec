//! The published history the scheduler builds on: the issues already
//! frozen in the state, as plain data (the scheduler never reads the state).

use std::path::Path;

use chrono::{DateTime, FixedOffset};

use super::IssueKind;
use crate::error::{Error, Result};
use crate::state::FrozenIssue;

/// The issues published so far. Empty for a CFP that has sent nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// By number, each number once.
    issues: Vec<PastIssue>,
}

/// One published issue, as it went out.
#[derive(Debug, Clone, PartialEq)]
pub struct PastIssue {
    /// Its number.
    pub number: u32,
    /// Its scheduled send time.
    pub send_at: DateTime<FixedOffset>,
    /// Weekly, a reminder or the last call.
    pub kind: IssueKind,
    /// The names of the categories it featured, as recorded.
    pub categories: Vec<String>,
}

impl History {
    /// The history made of `issues` (sorted by number here; of two issues
    /// with one number the first is kept).
    pub fn new(mut issues: Vec<PastIssue>) -> History {
        issues.sort_by_key(|i| i.number);
        issues.dedup_by_key(|i| i.number);
        History { issues }
    }

    /// The history recorded in the state's frozen issues. A record this
    /// binary cannot read (an unknown kind, a bad time) is an error naming
    /// the database at `state_path`.
    pub(crate) fn from_frozen(records: &[FrozenIssue], state_path: &Path) -> Result<History> {
        let bad = |f: &FrozenIssue, what: String| {
            Error::failed(format!(
                "the state database {} holds an unreadable {what} for issue {}; was it edited by hand?",
                state_path.display(),
                f.number
            ))
        };
        let mut issues = Vec::with_capacity(records.len());
        for f in records {
            let kind = match f.kind.as_str() {
                "weekly" => IssueKind::Weekly,
                "last_call" => IssueKind::LastCall,
                "reminder" => IssueKind::Reminder,
                other => return Err(bad(f, format!("kind {other:?}"))),
            };
            let send_at = DateTime::parse_from_rfc3339(&f.send_at)
                .map_err(|e| bad(f, format!("send time {:?}", f.send_at)).with_source(e))?;
            issues.push(PastIssue {
                number: f.number,
                send_at,
                kind,
                categories: f.categories.clone(),
            });
        }
        Ok(History::new(issues))
    }

    /// The published issues, by number.
    pub fn issues(&self) -> &[PastIssue] {
        &self.issues
    }

    /// Whether nothing has been published.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }
}
