//! The confirmation email of a subscribe request (`confirm_subject.txt`,
//! `confirm.txt`, `confirm.html`), sent through the configured transport.

use std::sync::atomic::{AtomicU64, Ordering};

use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::app::App;
use crate::deliver::{Attempt, transport_from_config};
use crate::error::{Error, Result};
use crate::membership::ConfirmationEmail;
use crate::render::context::{CfpContext, NewsletterContext};
use crate::render::{one_line, tidy_text};

/// Composes and sends the confirmation email. Blocking (SMTP): call it on
/// a blocking thread. The error never contains the token.
pub(crate) fn send(app: &App, mail: &ConfirmationEmail) -> Result<()> {
    let (message, id) = compose(app, mail)?;
    let transport = transport_from_config(&app.config, app.password.clone())?;
    transport.check(&std::sync::atomic::AtomicBool::new(false))?;
    match transport.send(&message, &id) {
        Attempt::Sent(_) => Ok(()),
        Attempt::Permanent(r) | Attempt::Transient(r) => Err(Error::failed(format!(
            "the confirmation email to {} was not accepted: {r}",
            crate::membership::mask(&mail.email)
        ))),
    }
}

/// The confirmation message and its Message-ID.
fn compose(app: &App, mail: &ConfirmationEmail) -> Result<(Message, String)> {
    let config = &app.config;
    let now = app.now();
    let url = format!("{}/confirm/{}", app.public_url, mail.token);
    let ctx = json!({
        "newsletter": NewsletterContext::from_config(config),
        "cfp": CfpContext::from_config(config, config.cfp.days_left(now)),
        "subscriber": {"email": mail.email, "name": mail.name.clone().unwrap_or_default()},
        "confirm_url": url,
        "confirm_hours": app.settings.confirm_hours,
        "expires_text": mail.expires.format("%A, %B %-d, %Y at %H:%M UTC").to_string(),
    });
    let ctx = tera::Context::from_serialize(&ctx)
        .map_err(|e| Error::failed("cannot build the confirmation context").with_source(e))?;
    let subject = one_line(&app.renderer.render("confirm_subject.txt", &ctx)?);
    let text = tidy_text(&app.renderer.render("confirm.txt", &ctx)?);
    let html = app.renderer.render("confirm.html", &ctx)?;
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
