//! One recipient's message of an issue: the issue rendered for one
//! subscriber and composed into a complete MIME message.

use chrono::{DateTime, Utc};

use super::{Composer, Recipient};
use crate::error::{Error, Result};
use crate::render::{IssueContext, IssueEmail, Renderer, SubscriberContext};
use crate::subscribers::Subscriber;

/// Everything needed to build one recipient's message: the issue's email
/// rendered once, personalized for each recipient.
pub struct Messages<'a> {
    /// The issue's email, rendered once.
    email: IssueEmail<'a>,
    /// Headers and tokens.
    composer: &'a Composer,
    /// The issue number.
    number: u32,
    /// The subject as sent.
    subject: String,
    /// The Date header.
    now: DateTime<Utc>,
}

impl<'a> Messages<'a> {
    /// Renders the issue's email once (everything but the personal
    /// blocks), for messages with `subject` dated `now`.
    pub fn new(
        renderer: &'a Renderer,
        issue: &IssueContext,
        composer: &'a Composer,
        subject: String,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        Ok(Messages {
            email: renderer.issue_email(issue)?,
            composer,
            number: issue.issue.number,
            subject,
            now,
        })
    }

    /// The complete message for `sub`, and its Message-ID.
    pub fn message(&self, sub: &Subscriber) -> Result<(lettre::Message, String)> {
        let sc = subscriber_context(sub, Some(self.composer));
        let (html, text) = self.email.parts(Some(&sc))?;
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

/// What the templates see of `sub`: the unsubscribe URL comes from
/// `composer` ("" without one).
pub fn subscriber_context(sub: &Subscriber, composer: Option<&Composer>) -> SubscriberContext {
    SubscriberContext {
        email: sub.email.clone(),
        name: sub.name.clone().unwrap_or_default(),
        fields: sub.fields.iter().cloned().collect(),
        unsubscribe_url: composer
            .and_then(|c| c.unsubscribe_url(&sub.key))
            .unwrap_or_default(),
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
