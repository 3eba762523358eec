//! What `send` and `preview` share: the issue as subscribers get it (the
//! frozen record once published, else the current files) and one
//! recipient's message.

use chrono::{DateTime, Utc};

use super::Project;
use crate::compose::{Composer, Recipient};
use crate::error::{Error, Result};
use crate::render::{IssueContext, Renderer, SubscriberContext};
use crate::schedule::PlannedIssue;
use crate::state::{FrozenIssue, State};
use crate::subscribers::Subscriber;

/// The context and subject of `issue`: from the frozen record when the
/// state has one (a published issue never changes), else built now.
/// Returns whether it came frozen.
pub fn context(
    p: &Project,
    issue: &PlannedIssue,
    renderer: &Renderer,
    state: Option<&State>,
) -> Result<(IssueContext, String, bool)> {
    let frozen = match state {
        Some(s) => s.frozen(issue.number)?,
        None => None,
    };
    match frozen {
        Some(f) => Ok((decode(p, &f)?, f.subject, true)),
        None => {
            let ctx = IssueContext::build(&p.config, &p.topics, &p.plan, issue);
            let subject = renderer.subject(&ctx)?;
            Ok((ctx, subject, false))
        }
    }
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

/// Everything needed to build one recipient's message.
pub struct Messages<'a> {
    /// Loaded templates.
    pub renderer: &'a Renderer,
    /// The issue context as a Tera context, built once.
    pub base: tera::Context,
    /// Headers and tokens.
    pub composer: &'a Composer,
    /// The issue number.
    pub number: u32,
    /// The subject as sent.
    pub subject: String,
    /// The Date header.
    pub now: DateTime<Utc>,
}

impl Messages<'_> {
    /// The complete message for `sub`, and its Message-ID.
    pub fn message(&self, sub: &Subscriber) -> Result<(lettre::Message, String)> {
        let sc = SubscriberContext {
            email: sub.email.clone(),
            name: sub.name.clone().unwrap_or_default(),
            fields: sub.fields.iter().cloned().collect(),
            unsubscribe_url: self.composer.unsubscribe_url(&sub.key).unwrap_or_default(),
        };
        let (html, text) = self.renderer.email_parts(&self.base, &sc)?;
        let to = Recipient {
            email: &sub.email,
            key: &sub.key,
            name: sub.name.as_deref(),
        };
        let msg = self
            .composer
            .compose(self.number, &self.subject, text, html, &to, self.now)?;
        Ok((msg, self.composer.message_id(self.number, &sub.key)))
    }
}

/// A subscriber for a single address given on the command line.
pub fn one_address(arg: &str, flag: &str) -> Result<Subscriber> {
    let addr = crate::subscribers::normalize_address(arg)
        .map_err(|r| Error::input(format!("{flag} {arg}: {r}")))?;
    Ok(Subscriber {
        line: 0,
        email: addr.email,
        key: addr.key,
        name: None,
        fields: Vec::new(),
        needs_smtputf8: addr.needs_smtputf8,
    })
}
