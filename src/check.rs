//! Checking a project: every planned issue rendered (so template errors
//! show now rather than on send day), and everything that deserves a
//! warning collected: the topic list's, unscheduled categories, missing
//! templates, invalid subscriber rows.

use std::fmt;

use crate::error::Error;
use crate::project::Project;
use crate::publish;
use crate::render::{IssueContext, Renderer, SubscriberContext};

/// What a check found in a usable project.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// Warnings, each naming its file.
    pub warnings: Vec<String>,
    /// The subscriber list.
    pub subscribers: SubscriberList,
}

/// The subscriber list as the check found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriberList {
    /// There is none yet (only `send` needs one).
    Missing,
    /// It was read.
    Read {
        /// Valid rows.
        valid: u64,
        /// Invalid rows (skipped by a send; each is a warning).
        invalid: usize,
    },
}

/// Why a project is not usable.
#[derive(Debug)]
pub enum CheckFailure {
    /// A planned issue does not render.
    Issue {
        /// Its number.
        number: u32,
        /// What went wrong.
        error: Error,
    },
    /// Anything else (the templates, the subscriber list).
    Other(Error),
}

impl From<Error> for CheckFailure {
    fn from(e: Error) -> Self {
        CheckFailure::Other(e)
    }
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckFailure::Issue { number, error } => write!(f, "issue {number}: {error}"),
            CheckFailure::Other(error) => error.fmt(f),
        }
    }
}

/// Checks the project.
pub fn check(p: &Project) -> Result<CheckReport, CheckFailure> {
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
    if let Some((before, last)) = p.plan.last_call_too_close() {
        warnings.push(format!(
            "{}: the last call (issue {}, {}) goes out less than two days after issue {} ({}), so it repeats that issue's categories at once; change schedule.last_call_days or the send day",
            p.config.path.display(),
            last.number,
            last.send_at.format("%a %Y-%m-%d %H:%M"),
            before.number,
            before.send_at.format("%a %Y-%m-%d %H:%M"),
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
    Ok(CheckReport {
        warnings,
        subscribers,
    })
}

/// Reads the whole subscriber list: every invalid row becomes a warning
/// with its line. A list that cannot be read at all is an error; a missing
/// one is a warning (only `send` needs it).
fn subscriber_warnings(p: &Project, warnings: &mut Vec<String>) -> Result<SubscriberList, Error> {
    let path = &p.config.subscribers.path;
    if !path.exists() {
        warnings.push(format!(
            "{}: no subscriber list yet; `send` needs one (a CSV with an `email` column)",
            path.display()
        ));
        return Ok(SubscriberList::Missing);
    }
    let (valid, invalid) = crate::subscribers::scan(path)?;
    for row in &invalid {
        warnings.push(format!("{}:{}: {}", path.display(), row.line, row.reason));
    }
    Ok(SubscriberList::Read {
        valid,
        invalid: invalid.len(),
    })
}

/// Renders every planned issue once (subject, HTML and text, for the sample
/// subscriber and for nobody; its feed item and archive page; the archive
/// index). The failure names the issue.
fn render_all(p: &Project) -> Result<(), CheckFailure> {
    let renderer = Renderer::load(&p.config.templates.dir)?;
    let sample = SubscriberContext::sample();
    for planned in &p.plan.issues {
        let issue = IssueContext::build(&p.config, &p.topics, &p.plan, planned);
        let rendered = renderer.subject(&issue).and_then(|_| {
            for who in [Some(&sample), None] {
                renderer.email_html(&issue, who)?;
                renderer.email_text(&issue, who)?;
            }
            publish::check_issue(p, &renderer, issue)
        });
        if let Err(error) = rendered {
            return Err(CheckFailure::Issue {
                number: planned.number,
                error,
            });
        }
    }
    Ok(())
}
