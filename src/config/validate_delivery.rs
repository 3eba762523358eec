//! The checks of the delivery side of `config.toml`: the subscriber
//! list's delimiter, `[delivery]` (with VERP's return path), `[smtp]` (the
//! insecure-SMTP rule lives here, and only here) and `[unsubscribe]`.
//! Another `impl` block of the validator in `validate.rs`.

use toml::Spanned;

use super::raw::{RawDelivery, RawSmtp, RawUnsubscribe};
use super::validate::{Validator, is_loopback};
use super::*;

impl Validator<'_> {
    /// `subscribers.delimiter`: one ASCII character that cannot be part
    /// of a value's syntax (not a letter, digit, quote or line break).
    pub(super) fn delimiter(&self, d: &Spanned<String>) -> Result<u8, Diagnostic> {
        match d.get_ref().as_bytes() {
            [b] if b.is_ascii_punctuation() && *b != b'"' || *b == b'\t' => Ok(*b),
            _ => Err(self.err(
                d.span(),
                format!(
                    "subscribers.delimiter `{}` is not one punctuation character",
                    d.get_ref()
                ),
                "write the one character between the fields of the CSV file: \",\" (the default), \";\", \"\\t\" for a tab or \"|\"",
            )),
        }
    }

    pub(super) fn delivery(&self, d: RawDelivery) -> Result<Delivery, Diagnostic> {
        if *d.concurrency.get_ref() == 0 || *d.concurrency.get_ref() > 256 {
            return Err(self.err(
                d.concurrency.span(),
                "delivery.concurrency must be from 1 to 256",
                "use the number of parallel SMTP connections your server allows, such as 4",
            ));
        }
        if *d.max_attempts.get_ref() == 0 {
            return Err(self.err(
                d.max_attempts.span(),
                "delivery.max_attempts is 0",
                "use at least 1 (the default is 3)",
            ));
        }
        if *d.soft_bounce_limit.get_ref() == 0 {
            return Err(self.err(
                d.soft_bounce_limit.span(),
                "delivery.soft_bounce_limit is 0",
                "use at least 1: the soft bounces in a row that suppress an address (the default is 3)",
            ));
        }
        let return_path = match d.return_path {
            Some(r) => Some(self.return_path(r)?),
            None => None,
        };
        let mut reviewers = Vec::new();
        for r in &d.reviewers {
            let addr = crate::subscribers::normalize_address(r.get_ref()).map_err(|why| {
                self.err(
                    r.span(),
                    format!("delivery.reviewers: `{}`: {why}", r.get_ref()),
                    "list plain addresses, such as reviewers = [\"chair@example.org\"]",
                )
            })?;
            reviewers.push(addr.email);
        }
        Ok(Delivery {
            reviewers,
            transport: d.transport,
            outbox_dir: d.outbox_dir,
            concurrency: d.concurrency.into_inner(),
            rate_per_second: d.rate_per_second,
            max_attempts: d.max_attempts.into_inner(),
            retry_delay_ms: d.retry_delay_ms,
            soft_bounce_limit: d.soft_bounce_limit.into_inner(),
            return_path,
        })
    }

    /// `delivery.return_path`: one `{token}` in the local part, and an
    /// address once a token fills it.
    fn return_path(&self, r: Spanned<String>) -> Result<String, Diagnostic> {
        let value = r.get_ref();
        let help = "write an address with {token} in its local part, such as \"bounces+{token}@example.org\"";
        let local = value.rsplit_once('@').map_or("", |(l, _)| l);
        if value.matches("{token}").count() != 1 || !local.contains("{token}") {
            return Err(self.err(
                r.span(),
                format!("delivery.return_path `{value}` needs exactly one {{token}}, before the @"),
                help,
            ));
        }
        let sample = value.replace("{token}", "12-0123456789abcdef0123");
        if sample.parse::<lettre::Address>().is_err() {
            return Err(self.err(
                r.span(),
                format!("delivery.return_path `{value}` is not an email address"),
                help,
            ));
        }
        Ok(r.into_inner())
    }

    pub(super) fn smtp(
        &self,
        s: RawSmtp,
        transport: TransportKind,
    ) -> Result<SmtpSettings, Diagnostic> {
        let security = *s.security.get_ref();
        // The one place the rule "no plain-text SMTP to a remote host" lives:
        // the SMTP transport is only ever built from a validated config.
        if transport == TransportKind::Smtp
            && security == Security::None
            && !s.allow_insecure
            && !is_loopback(s.host.get_ref())
        {
            return Err(self.err(
                s.security.span(),
                format!(
                    "smtp.security = \"none\" sends passwords and mail in plain text to {}",
                    s.host.get_ref()
                ),
                "use \"starttls\" or \"tls\", or set smtp.allow_insecure = true if you really mean it (\"none\" is fine for a server on this machine)",
            ));
        }
        if s.host.get_ref().trim().is_empty() {
            return Err(self.err(
                s.host.span(),
                "smtp.host is empty",
                "write the mail server's host name",
            ));
        }
        if *s.timeout_seconds.get_ref() == 0 {
            return Err(self.err(
                s.timeout_seconds.span(),
                "smtp.timeout_seconds is 0",
                "use a number of seconds such as 60",
            ));
        }
        if let Some(port) = &s.port
            && *port.get_ref() == 0
        {
            return Err(self.err(
                port.span(),
                "smtp.port is 0, which is not a port a server can listen on",
                "use your mail server's port, from 1 to 65535 (usually 587 for starttls, 465 for tls, 25 for none), or remove the key for that default",
            ));
        }
        let port = s.port.map(Spanned::into_inner).unwrap_or(match security {
            Security::Tls => 465,
            Security::Starttls => 587,
            Security::None => 25,
        });
        Ok(SmtpSettings {
            host: s.host.into_inner(),
            port,
            security,
            username: s.username,
            password_env: s.password_env,
            timeout_seconds: s.timeout_seconds.into_inner(),
            allow_insecure: s.allow_insecure,
        })
    }

    pub(super) fn unsubscribe(&self, u: RawUnsubscribe) -> Result<Unsubscribe, Diagnostic> {
        if let Some(url) = &u.url {
            self.url(url, "unsubscribe.url", &["https", "http"])?;
        }
        if let Some(m) = &u.mailto
            && m.get_ref().parse::<lettre::Address>().is_err()
        {
            return Err(self.err(
                m.span(),
                format!(
                    "unsubscribe.mailto `{}` is not an email address",
                    m.get_ref()
                ),
                "write a plain address such as unsubscribe@example.org",
            ));
        }
        Ok(Unsubscribe {
            url: u.url.map(Spanned::into_inner),
            mailto: u.mailto.map(Spanned::into_inner),
            secret_env: u.secret_env,
        })
    }
}
