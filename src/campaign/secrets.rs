//! The secrets a real send needs from the environment: the unsubscribe
//! secret (for an https one-click link) and the SMTP password (when
//! `smtp.username` is set). One rule, used by the send (which refuses),
//! the dry run and `check` (which warn).

use crate::compose::Composer;
use crate::config::TransportKind;
use crate::error::{Error, Result};
use crate::project::Project;

/// What a real send would lack, one sentence per secret (empty when it
/// lacks nothing). A variable that is set but empty counts as missing.
pub fn missing_secrets(p: &Project, composer: &Composer) -> Vec<String> {
    let mut out = Vec::new();
    if composer.needs_secret() && !composer.has_secret() {
        out.push(format!(
            "{} but the environment variable {} (unsubscribe.secret_env) is not set or empty",
            composer.secret_needed_by(),
            p.config.unsubscribe.secret_env
        ));
    }
    if let Some(problem) = smtp_password_problem(p) {
        out.push(problem);
    }
    out
}

/// Why the SMTP password is unusable, if it is: `smtp.username` is set
/// and the variable is not set, or set but empty (which would be sent as
/// an empty AUTH PLAIN).
fn smtp_password_problem(p: &Project) -> Option<String> {
    let smtp = p.config.delivery.transport == TransportKind::Smtp;
    if !smtp || p.config.smtp.username.is_none() {
        return None;
    }
    let state = match p.env.smtp_password.as_deref() {
        None => "not set",
        Some("") => "empty",
        Some(_) => return None,
    };
    Some(format!(
        "smtp.username is set but the environment variable {} (smtp.password_env) is {state}",
        p.config.smtp.password_env
    ))
}

/// The SMTP password for a send that connects. An empty one is refused
/// here (bad input, nothing sent); a missing one is refused by the
/// transport, which needs it.
pub(crate) fn smtp_password(p: &Project) -> Result<Option<String>> {
    match p.env.smtp_password.as_deref() {
        Some("") if smtp_password_problem(p).is_some() => Err(Error::input(format!(
            "smtp.username is set but the environment variable {} (smtp.password_env) is empty; export the SMTP password in it (nothing was sent)",
            p.config.smtp.password_env
        ))),
        _ => Ok(p.env.smtp_password.clone()),
    }
}
