//! The frozen issue: the record that fixes an issue's context and subject
//! at its first send (or publication), and the issue as subscribers get it
//! (the frozen record once published, else the current files).

use chrono::{DateTime, Utc};

use crate::archive::MAX_NAME;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::render::{IssueContext, Renderer};
use crate::schedule::PlannedIssue;
use crate::state::{FrozenIssue, State};
use crate::topics::slug_bound;

/// An issue's render context and subject, as subscribers get it.
pub struct IssueAsSent {
    /// The render context.
    pub context: IssueContext,
    /// The subject line.
    pub subject: String,
    /// Whether it came from the frozen record (the issue is published).
    pub frozen: bool,
}

/// The context and subject of `issue`: from the frozen record when the
/// state has one (a published issue never changes), else built now.
pub fn issue_as_sent(
    p: &Project,
    issue: &PlannedIssue,
    renderer: &Renderer,
    state: Option<&State>,
) -> Result<IssueAsSent> {
    let frozen = match state {
        Some(s) => s.frozen(issue.number)?,
        None => None,
    };
    match frozen {
        Some(f) => Ok(IssueAsSent {
            context: decode(p, &f)?,
            subject: f.subject,
            frozen: true,
        }),
        None => {
            let context = planned_context(p, issue);
            let subject = renderer.subject(&context)?;
            Ok(IssueAsSent {
                context,
                subject,
                frozen: false,
            })
        }
    }
}

/// The context of a planned issue from the current files: the topic list
/// and the organizer's notes and tips.
pub fn planned_context(p: &Project, issue: &PlannedIssue) -> IssueContext {
    IssueContext::build_with(&p.config, &p.topics, &p.words, &p.plan, issue)
}

/// The context stored in a frozen record.
pub fn decode(p: &Project, f: &FrozenIssue) -> Result<IssueContext> {
    serde_json::from_str::<IssueContext>(&f.context_json).map_err(|e| {
        Error::failed(format!(
            "{}: the frozen record of issue {} is unreadable",
            p.config.state.path.display(),
            f.number
        ))
        .with_source(e)
    })
}

/// `ctx` with an archive path the file system can hold. An older version
/// froze unbounded slugs, so a long category name gave a folder name no
/// file system takes (`issues/1-very-long-.../`): writing it failed before
/// the feed, so no feed item ever linked to it. Such a folder name is cut
/// as slugs are now (the same way on every run), and the link follows;
/// any other path is kept exactly as frozen.
pub(crate) fn writable_path(mut ctx: IssueContext) -> IssueContext {
    let old = ctx.issue.path.clone();
    let fixed: Vec<String> = old
        .split('/')
        .map(|name| {
            if name.len() <= MAX_NAME {
                return name.to_string();
            }
            match name.split_once('-') {
                Some((n, slug)) if n.bytes().all(|b| b.is_ascii_digit()) => {
                    format!("{n}-{}", slug_bound(slug))
                }
                _ => slug_bound(name).to_string(),
            }
        })
        .collect();
    let new = fixed.join("/");
    if new != old {
        ctx.issue.url = match ctx.issue.url.strip_suffix(&old) {
            Some(base) => format!("{base}{new}"),
            None => ctx.issue.url.replace(&old, &new),
        };
        ctx.issue.path = new;
    }
    ctx
}

/// The record that freezes an issue at its first send.
pub fn frozen_record(
    issue: &PlannedIssue,
    context: &IssueContext,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<FrozenIssue> {
    Ok(FrozenIssue {
        number: issue.number,
        kind: issue.kind.as_str().into(),
        send_at: issue.send_at.to_rfc3339(),
        categories: context
            .issue
            .categories
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        slugs: context
            .issue
            .categories
            .iter()
            .map(|c| c.slug.clone())
            .collect(),
        subject: subject.to_string(),
        context_json: serde_json::to_string(context)
            .map_err(|e| Error::failed("cannot serialize the issue").with_source(e))?,
        published_at: now.to_rfc3339(),
    })
}
