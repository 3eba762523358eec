//! `newsletter check`: the library's [`check::check`], its warnings and a
//! one-line summary.

use super::output::plural;
use super::{emit, warn_all};
use crate::check::{self, CheckFailure, SubscriberList};
use crate::error::Result;
use crate::project::Project;

/// Validates the project; exit 0 when it is usable.
pub fn run(p: &Project) -> Result<u8> {
    let report = check::check(p).map_err(|failure| match failure {
        CheckFailure::Issue { number, error } => error.with_note(format!(
            "this came up while rendering issue {number} of the plan"
        )),
        CheckFailure::Other(error) => error,
    })?;
    let warnings = &report.warnings;
    warn_all(warnings);
    let subscribers = match report.subscribers {
        SubscriberList::Missing => "no subscribers".to_string(),
        SubscriberList::Read { valid, invalid } => format!(
            "{valid} subscribers ({invalid} invalid row{} skipped)",
            plural(invalid)
        ),
    };
    let visible = p.topics.categories.iter().filter(|c| !c.hidden).count();
    emit(&format!(
        "ok: {} and {} ({} categories, {} hidden); {} issues planned and rendered; {}; {} warning{}\n",
        p.config.path.display(),
        p.config.content.topics.display(),
        p.topics.categories.len(),
        p.topics.categories.len() - visible,
        p.plan.issues.len(),
        subscribers,
        warnings.len(),
        plural(warnings.len())
    ))?;
    Ok(0)
}
