//! `newsletter check`: loads and validates everything, prints warnings.

use super::{Project, emit, warn_all};
use crate::error::{Error, Result};
use crate::render::{IssueContext, Renderer, SubscriberContext};

/// Validates the project; exit 0 when it is usable.
pub fn run(p: &Project) -> Result<u8> {
    render_all(p)?;
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
        "ok: {} and {} ({} categories, {} hidden); {} issues planned and rendered; {} warning{}\n",
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

/// Renders every planned issue once (subject, HTML and text, for the sample
/// subscriber and for nobody, as the archive does), so template errors show
/// up now rather than on send day. The error names the issue.
fn render_all(p: &Project) -> Result<()> {
    let renderer = Renderer::load(&p.config.templates.dir)?;
    let sample = SubscriberContext::sample();
    for planned in &p.plan.issues {
        let issue = IssueContext::build(&p.config, &p.topics, &p.plan, planned);
        let rendered = renderer.subject(&issue).and_then(|_| {
            for who in [Some(&sample), None] {
                renderer.email_html(&issue, who)?;
                renderer.email_text(&issue, who)?;
            }
            Ok(())
        });
        if let Err(e) = rendered {
            return Err(Error::input(format!(
                "{}\nnote: this came up while rendering issue {} of the plan",
                e.message(),
                planned.number
            )));
        }
    }
    Ok(())
}
