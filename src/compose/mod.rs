//! Message composition: one `multipart/alternative` message per recipient.
//!
//! Headers: From, Reply-To (if configured), To with the display name
//! (encoded by lettre when not ASCII), Subject (RFC 2047 when not ASCII),
//! Date, Message-ID, List-Id, List-Unsubscribe and, for an https URL,
//! List-Unsubscribe-Post (RFC 8058).
//!
//! The Message-ID is derived from (issue, recipient key) and the sender's
//! domain, so every attempt to send one issue to one person carries the
//! same ID and receivers can recognize a repeat. The unsubscribe token is
//! made by [`crate::token::Tokens`]: `newsletter serve` resolves it.

mod confirmation;
pub mod dkim;
mod list_id;
mod message;

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit};
use lettre::Message;
use lettre::address::Envelope;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::token::Tokens;

pub use confirmation::confirmation;
pub use message::{Messages, one_address, subscriber_context};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

macro_rules! text_header {
    ($ty:ident, $name:literal) => {
        #[derive(Debug, Clone)]
        struct $ty(String);
        impl Header for $ty {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }
            fn parse(s: &str) -> std::result::Result<Self, BoxError> {
                Ok($ty(s.to_string()))
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(ListUnsubscribe, "List-Unsubscribe");
text_header!(ListUnsubscribePost, "List-Unsubscribe-Post");

/// Builds messages for one run; holds everything that is the same for
/// every recipient.
pub struct Composer {
    from: Mailbox,
    reply_to: Option<Mailbox>,
    domain: String,
    /// The `List-Id` header, the same for every message.
    list_id: HeaderValue,
    unsubscribe_url: Option<String>,
    unsubscribe_mailto: Option<String>,
    tokens: Option<Tokens>,
    /// HMAC-SHA256 keyed with the unsubscribe secret (the key set up once).
    mac: Option<Hmac<Sha256>>,
    /// Signs each composed message, when `[dkim]` is configured.
    signer: Option<dkim::Signer>,
    /// `delivery.return_path` (VERP), with its `{token}` placeholder.
    return_path: Option<String>,
    /// The token without a secret: empty, or a preview's placeholder.
    missing_token: String,
}

/// What differs per recipient.
pub struct Recipient<'a> {
    /// The address as it will be sent to.
    pub email: &'a str,
    /// The normalized key (lowercased address).
    pub key: &'a str,
    /// Display name, if any.
    pub name: Option<&'a str>,
}

impl Composer {
    /// Reads the sender and unsubscribe settings. `secret` is the value of
    /// the unsubscribe secret's environment variable, if set.
    pub fn new(config: &Config, secret: Option<String>) -> Result<Composer> {
        let from_text = config.from_address()?;
        let from: Mailbox = from_text.parse().map_err(|e| {
            Error::input(format!(
                "{}: [newsletter] from `{from_text}` is not a valid mailbox",
                config.path.display()
            ))
            .with_source(e)
        })?;
        let reply_to = match &config.newsletter.reply_to {
            Some(r) => Some(r.parse::<Mailbox>().map_err(|e| {
                Error::input(format!(
                    "{}: [newsletter] reply_to `{r}` is not a valid mailbox",
                    config.path.display()
                ))
                .with_source(e)
            })?),
            None => None,
        };
        let domain = from.email.domain().to_ascii_lowercase();
        let list_id = list_id::value(
            &clean(&config.newsletter.title),
            &crate::topics::slugify(&config.newsletter.title),
            &domain,
        );
        Ok(Composer {
            from,
            reply_to,
            domain,
            list_id,
            unsubscribe_url: config.unsubscribe.url.clone(),
            unsubscribe_mailto: config.unsubscribe.mailto.clone(),
            tokens: secret.as_deref().and_then(|s| Tokens::new(s.as_bytes())),
            mac: secret
                .filter(|s| !s.is_empty())
                .and_then(|s| Hmac::<Sha256>::new_from_slice(s.as_bytes()).ok()),
            signer: config.dkim.as_ref().map(dkim::Signer::load).transpose()?,
            return_path: config.delivery.return_path.clone(),
            missing_token: String::new(),
        })
    }

    /// Without the secret, tokens are `placeholder` instead of empty (for
    /// a preview: the link shows where the token goes).
    pub fn with_token_placeholder(mut self, placeholder: &str) -> Composer {
        self.missing_token = placeholder.to_string();
        self
    }

    /// Whether a real send needs the secret: an https one-click URL with a
    /// `{token}` placeholder is configured, or a VERP return path.
    pub fn needs_secret(&self) -> bool {
        self.return_path.is_some() || self.unsubscribe_needs_secret()
    }

    /// What needs the secret, for messages: `unsubscribe.url is an https
    /// one-click link` or `delivery.return_path (VERP) is set`.
    pub fn secret_needed_by(&self) -> &'static str {
        if self.return_path.is_some() && !self.unsubscribe_needs_secret() {
            "delivery.return_path (VERP) is set"
        } else {
            "unsubscribe.url is an https one-click link"
        }
    }

    fn unsubscribe_needs_secret(&self) -> bool {
        self.unsubscribe_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://") && u.contains("{token}"))
    }

    /// The envelope sender (SMTP `MAIL FROM`) of the message of `issue` to
    /// `key`: the VERP return path when one is configured and the secret
    /// is set, else the From address.
    pub fn envelope_sender(&self, issue: u32, key: &str) -> Result<lettre::Address> {
        match (&self.return_path, &self.mac) {
            (Some(template), Some(mac)) => {
                let addr = crate::bounces::verp::return_path(template, mac, issue, key);
                addr.parse().map_err(|e| {
                    Error::input(format!(
                        "delivery.return_path gives `{addr}`, not an address"
                    ))
                    .with_source(e)
                })
            }
            _ => Ok(self.from.email.clone()),
        }
    }

    /// Whether the secret is available.
    pub fn has_secret(&self) -> bool {
        self.tokens.is_some()
    }

    /// The token maker, if the secret is available.
    pub fn tokens(&self) -> Option<&Tokens> {
        self.tokens.as_ref()
    }

    /// The unsubscribe token of a normalized address ("" without a secret,
    /// or the placeholder of [`Composer::with_token_placeholder`]).
    pub fn token(&self, key: &str) -> String {
        self.tokens
            .as_ref()
            .map(|t| t.unsubscribe(key))
            .unwrap_or_else(|| self.missing_token.clone())
    }

    /// The personal one-click unsubscribe URL, if configured.
    pub fn unsubscribe_url(&self, key: &str) -> Option<String> {
        self.unsubscribe_url_with(&self.token(key))
    }

    /// The one-click unsubscribe URL with `token`, if configured.
    fn unsubscribe_url_with(&self, token: &str) -> Option<String> {
        self.unsubscribe_url
            .as_ref()
            .map(|u| u.replace("{token}", token))
    }

    /// The stable Message-ID of (issue, recipient).
    pub fn message_id(&self, issue: u32, key: &str) -> String {
        let digest = Sha256::digest(format!("{issue}\n{key}").as_bytes());
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let hex: String = digest
            .iter()
            .take(12)
            .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
            .map(char::from)
            .collect();
        format!("<issue{issue}.{hex}@{}>", self.domain)
    }

    /// Composes the message for one recipient.
    pub fn compose(
        &self,
        issue: u32,
        subject: &str,
        text: String,
        html: String,
        to: &Recipient,
        date: DateTime<Utc>,
    ) -> Result<Message> {
        let address: lettre::Address = to.email.parse().map_err(|e| {
            Error::input(format!("`{}` is not a valid address", to.email)).with_source(e)
        })?;
        // The envelope given, not parsed back from the headers by lettre.
        let sender = self.envelope_sender(issue, to.key)?;
        let envelope = Envelope::new(Some(sender), vec![address.clone()]).map_err(|e| {
            Error::failed(format!("cannot compose the message to {}", to.email)).with_source(e)
        })?;
        let mut b = Message::builder()
            .envelope(envelope)
            .from(self.from.clone())
            .to(Mailbox::new(
                to.name.map(clean).filter(|n| !n.is_empty()),
                address,
            ))
            .raw_header(subject_header(&clean(subject)))
            .date(SystemTime::from(date))
            .message_id(Some(self.message_id(issue, to.key)))
            .raw_header(self.list_id.clone());
        if let Some(r) = &self.reply_to {
            b = b.reply_to(r.clone());
        }
        let mut targets = Vec::new();
        let token = self.token(to.key);
        if let Some(url) = self.unsubscribe_url_with(&token) {
            targets.push(format!("<{url}>"));
        }
        if let Some(m) = &self.unsubscribe_mailto {
            targets.push(format!("<mailto:{m}?subject=unsubscribe%20{token}>"));
        }
        if !targets.is_empty() {
            b = b.header(ListUnsubscribe(targets.join(", ")));
        }
        if self
            .unsubscribe_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
        {
            b = b.header(ListUnsubscribePost("List-Unsubscribe=One-Click".into()));
        }
        let mut message = b
            .multipart(MultiPart::alternative_plain_html(
                encode::body(&text),
                encode::body(&html),
            ))
            .map_err(|e| {
                Error::failed(format!("cannot compose the message to {}", to.email)).with_source(e)
            })?;
        // The one signing step: over the message as composed, once.
        if let Some(signer) = &self.signer {
            signer.sign(&mut message, date)?;
        }
        Ok(message)
    }

    /// The DKIM signer, when `[dkim]` is configured.
    pub fn signer(&self) -> Option<&dkim::Signer> {
        self.signer.as_ref()
    }
}

/// Control characters (CR, LF, tabs...) become spaces and runs of
/// whitespace collapse: lettre panics on CR/LF in a display name, and a
/// header must stay on one logical line.
pub fn clean(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The Subject header. lettre encodes only text that is not plain ASCII,
/// so a subject that merely looks like an RFC 2047 encoded word (say a
/// category named `=?utf-8?q?...?=`) would reach the reader decoded into
/// something else; such a subject is encoded whole (base64 words of at
/// most 45 bytes each, folded), so clients show exactly its text.
fn subject_header(subject: &str) -> HeaderValue {
    let name = HeaderName::new_from_ascii_str("Subject");
    if !subject.contains("=?") {
        return lettre::message::header::Subject::from(subject.to_string()).display();
    }
    let encoded = list_id::encoded_words(subject);
    HeaderValue::dangerous_new_pre_encoded(name, subject.to_string(), encoded)
}

mod encode;
#[cfg(test)]
mod tests;
