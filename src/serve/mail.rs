//! The confirmation email of a subscribe request (`confirm_subject.txt`,
//! `confirm.txt`, `confirm.html`, composed by the library), sent through
//! the configured transport.

use super::app::App;
use crate::compose::confirmation;
use crate::deliver::{Attempt, transport_from_config};
use crate::error::{Error, Result};
use crate::membership::ConfirmationEmail;

/// Composes and sends the confirmation email. Blocking (SMTP): call it on
/// a blocking thread. The error never contains the token.
pub(crate) fn send(app: &App, mail: &ConfirmationEmail) -> Result<()> {
    let (message, id) = confirmation(
        &app.config,
        &app.renderer,
        mail,
        &format!("{}/confirm/{}", app.public_url, mail.token),
        app.settings.confirm_hours,
        app.now(),
    )?;
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
