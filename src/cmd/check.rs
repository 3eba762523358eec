//! `newsletter check`: loads and validates everything, prints warnings.

use super::{Project, emit, warn_all};
use crate::error::Result;

/// Validates the project; exit 0 when it is usable.
pub fn run(p: &Project) -> Result<u8> {
    let mut warnings = p.topic_warnings();
    if !p.plan.unscheduled.is_empty() {
        warnings.push(format!(
            "{}: {} categor{} no issue (more categories than send days): {}",
            p.config.path.display(),
            p.plan.unscheduled.len(),
            if p.plan.unscheduled.len() == 1 {
                "y gets"
            } else {
                "ies get"
            },
            p.category_names(&p.plan.unscheduled).join(", ")
        ));
    }
    warn_all(&warnings);
    let visible = p.topics.categories.iter().filter(|c| !c.hidden).count();
    emit(&format!(
        "ok: {} and {} ({} categories, {} hidden); {} issues planned; {} warning{}\n",
        p.config.path.display(),
        p.config.content.topics.display(),
        p.topics.categories.len(),
        p.topics.categories.len() - visible,
        p.plan.issues.len(),
        warnings.len(),
        if warnings.len() == 1 { "" } else { "s" }
    ))?;
    Ok(0)
}
