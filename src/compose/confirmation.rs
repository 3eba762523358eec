//! The confirmation email of a double opt-in subscribe request: the one
//! message `newsletter` sends that is not an issue.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::membership::ConfirmationEmail;
use crate::render::Renderer;
use crate::render::context::{CfpContext, NewsletterContext};
use crate::render::{one_line, tidy_text};

/// The confirmation email of a subscribe request (templates
/// `confirm_subject.txt`, `confirm.txt`, `confirm.html`) and its
/// Message-ID, unique per message. `confirm_url` holds the token.
pub fn confirmation(
    config: &Config,
    renderer: &Renderer,
    mail: &ConfirmationEmail,
    confirm_url: &str,
    confirm_hours: u32,
    now: DateTime<Utc>,
) -> Result<(Message, String)> {
    let url = confirm_url;
    let ctx = json!({
        "newsletter": NewsletterContext::from_config(config),
        "cfp": CfpContext::from_config(config, config.cfp.days_left(now)),
        "subscriber": {"email": mail.email, "name": mail.name.clone().unwrap_or_default()},
        "confirm_url": url,
        "confirm_hours": confirm_hours,
        "expires_text": crate::render::strings::Strings::shipped()
            .long_date_time(&config.newsletter.language, &mail.expires),
    });
    let ctx = tera::Context::from_serialize(&ctx)
        .map_err(|e| Error::failed("cannot build the confirmation context").with_source(e))?;
    let subject = one_line(&renderer.render("confirm_subject.txt", &ctx)?);
    let text = tidy_text(&renderer.render("confirm.txt", &ctx)?);
    let html = renderer.render("confirm.html", &ctx)?;
    let from: Mailbox = config
        .from_address()?
        .parse()
        .map_err(|e| Error::input("[newsletter] from is not a valid mailbox").with_source(e))?;
    let address: lettre::Address = mail
        .email
        .parse()
        .map_err(|e| Error::input("the address is not valid").with_source(e))?;
    // Unique per message, even for the same address at the same (fixed) now.
    static SENT: AtomicU64 = AtomicU64::new(0);
    let n = SENT.fetch_add(1, Ordering::Relaxed);
    let seed = format!(
        "{}\n{}\n{}\n{n}",
        mail.email,
        mail.token,
        std::process::id()
    );
    let digest = Sha256::digest(seed.as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let id = format!(
        "<confirm.{hex}@{}>",
        from.email.domain().to_ascii_lowercase()
    );
    let message = Message::builder()
        .from(from)
        .to(Mailbox::new(mail.name.clone(), address))
        .subject(subject)
        .date(std::time::SystemTime::from(now))
        .message_id(Some(id.clone()))
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| Error::failed("cannot compose the confirmation email").with_source(e))?;
    Ok((message, id))
}
