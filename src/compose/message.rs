//! One recipient's message of an issue: the issue rendered for one
//! subscriber and composed into a complete MIME message.

use chrono::{DateTime, Utc};

use super::{Composer, Recipient};
use crate::error::{Error, Result};
use crate::render::{Renderer, SubscriberContext};
use crate::subscribers::Subscriber;

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
