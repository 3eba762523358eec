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
            p.quoted_names(&p.plan.unscheduled)
        ));
    }
    let dir = &p.config.templates.dir;
    if !dir.exists() {
        warnings.push(format!(
            "{}: [templates] dir {} does not exist, so the built-in templates are used; `newsletter init` writes them out for editing",
            p.config.path.display(),
            dir.display()
        ));
    }
    let subscribers = subscriber_warnings(p, &mut warnings)?;
    warn_all(&warnings);
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
        if warnings.len() == 1 { "" } else { "s" }
    ))?;
    Ok(0)
}

/// Reads the whole subscriber list: every invalid row becomes a warning
/// with its line. A list that cannot be read at all is an error; a missing
/// one is a warning (only `send` needs it).
fn subscriber_warnings(p: &Project, warnings: &mut Vec<String>) -> Result<String> {
    let path = &p.config.subscribers.path;
    if !path.exists() {
        warnings.push(format!(
            "{}: no subscriber list yet; `send` needs one (a CSV with an `email` column)",
            path.display()
        ));
        return Ok("no subscribers".into());
    }
    let scan = crate::subscribers::Scan::read(&p.config.subscribers)?;
    warnings.extend(scan.warnings());
    Ok(scan.summary())
}

/// Renders every planned issue once (subject, HTML and text, for the sample
/// subscriber and for nobody; its feed item and archive page; the archive
/// index), so template errors show up now rather than on send day. The
/// error names the issue.
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
            super::feed::check_issue(p, &renderer, issue)
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
