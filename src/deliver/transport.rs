//! Where messages go: an outbox folder of `.eml` files, or an SMTP server
//! (lettre, a pool of `delivery.concurrency` connections).

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use lettre::Message;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{PoolConfig, SmtpTransport};

use crate::config::{Config, Security, Transport as Kind};
use crate::error::{Error, Result};

/// The result of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Accepted (the reply to DATA, or the outbox file written).
    Sent(String),
    /// Refused for good (5yz): never retried automatically.
    Permanent(String),
    /// Try again later: 4yz, 552, a dropped connection, a timeout, or an
    /// unknown outcome after DATA.
    Transient(String),
}

/// A delivery mechanism.
pub trait Transport: Sync {
    /// "outbox ./outbox" or "smtp smtp.example.org:587 (starttls)".
    fn describe(&self) -> String;
    /// Connects (and authenticates) once before anything is marked, so an
    /// unreachable server stops the run with a clear error.
    fn check(&self) -> Result<()>;
    /// One attempt at one message.
    fn send(&self, message: &Message, message_id: &str) -> Attempt;
}

/// Builds the configured transport. `password` is the SMTP password from
/// the environment (never printed).
pub fn from_config(config: &Config, password: Option<String>) -> Result<Box<dyn Transport>> {
    match config.delivery.transport {
        Kind::Outbox => Ok(Box::new(Outbox {
            dir: config.delivery.outbox_dir.clone(),
        })),
        Kind::Smtp => Ok(Box::new(Smtp::new(config, password)?)),
    }
}

/// Writes each message as `<dir>/<message-id>.eml`, atomically.
pub struct Outbox {
    dir: PathBuf,
}

impl Transport for Outbox {
    fn describe(&self) -> String {
        format!("outbox {}", self.dir.display())
    }

    fn check(&self) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| Error::io("create the outbox folder", &self.dir, e))
    }

    fn send(&self, message: &Message, message_id: &str) -> Attempt {
        let name: String = message_id
            .trim_matches(['<', '>'])
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.dir.join(format!("{name}.eml"));
        match crate::fsutil::write_atomic(&path, &message.formatted()) {
            Ok(()) => Attempt::Sent(format!("written to {}", path.display())),
            Err(e) => Attempt::Transient(e.to_string()),
        }
    }
}

/// SMTP through lettre's pooled transport.
pub struct Smtp {
    inner: SmtpTransport,
    target: String,
    timeout: Duration,
}

impl Smtp {
    fn new(config: &Config, password: Option<String>) -> Result<Smtp> {
        let s = &config.smtp;
        let bad = |msg: String| Error::input(format!("{}: {msg}", config.path.display()));
        let tls = || {
            TlsParameters::new(s.host.clone()).map_err(|e| {
                Error::input(format!("cannot set up TLS for {}", s.host)).with_source(e)
            })
        };
        let mut b = SmtpTransport::builder_dangerous(s.host.clone());
        b = match s.security {
            Security::Tls => b.tls(Tls::Wrapper(tls()?)),
            // Required: never silently downgraded to plain text.
            Security::Starttls => b.tls(Tls::Required(tls()?)),
            Security::None => {
                if !is_loopback(&s.host) && !s.allow_insecure {
                    return Err(bad(format!(
                        "smtp.security = \"none\" sends passwords and mail in plain text to {}; use \"starttls\" or \"tls\", or set smtp.allow_insecure = true if you really mean it",
                        s.host
                    )));
                }
                b.tls(Tls::None)
            }
        };
        b = b
            .port(s.port)
            .timeout(Some(Duration::from_secs(s.timeout_seconds)))
            .pool_config(
                PoolConfig::new()
                    .max_size(u32::try_from(config.delivery.concurrency).unwrap_or(16)),
            );
        if let Some(user) = &s.username {
            let pw = password.ok_or_else(|| {
                bad(format!(
                    "smtp.username is set but the environment variable {} (smtp.password_env) is not; export the SMTP password in it",
                    s.password_env
                ))
            })?;
            b = b.credentials(Credentials::new(user.clone(), pw));
        }
        Ok(Smtp {
            inner: b.build(),
            target: format!("smtp {}:{} ({:?})", s.host, s.port, s.security).to_lowercase(),
            timeout: Duration::from_secs(s.timeout_seconds),
        })
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Transport for Smtp {
    fn describe(&self) -> String {
        self.target.clone()
    }

    fn check(&self) -> Result<()> {
        match self.inner.test_connection() {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::failed(format!(
                "{}: the server did not answer NOOP",
                self.target
            ))),
            Err(e) if timed_out(&e) => Err(Error::failed(format!(
                "cannot connect to {}: no answer within {} s (smtp.timeout_seconds); nothing was \
                 sent\nhelp: check smtp.host and smtp.port (and that the server is up), or raise \
                 smtp.timeout_seconds for a slow server",
                self.target,
                self.timeout.as_secs()
            ))),
            Err(e) => Err(Error::failed(format!(
                "cannot connect to {}: {}; nothing was sent",
                self.target,
                describe(&e)
            ))),
        }
    }

    fn send(&self, message: &Message, _id: &str) -> Attempt {
        use lettre::Transport as _;
        match self.inner.send(message) {
            Ok(r) => Attempt::Sent(format!(
                "{} {}",
                r.code(),
                r.message().collect::<Vec<_>>().join(" ")
            )),
            Err(e) => classify(&e, self.timeout),
        }
    }
}

/// How an SMTP attempt failed, with the reply recorded in the state.
///
/// - A reply with a code is recorded as the server sent it (`550 5.1.1 no
///   such user`). 5yz is permanent except 552 (RFC 5321 4.5.3.1.10: "too
///   many recipients" is to be treated as temporary); 4yz is transient.
/// - A client error (the message cannot go this way at all, such as a
///   non-ASCII address to a server without SMTPUTF8) is permanent: every
///   retry would fail the same way.
/// - Anything else is transient: a dropped connection, an unknown outcome
///   after the final ".", and a timeout, which lettre reports on Linux as
///   the I/O error WouldBlock (os error 11), not as a timeout: it is named
///   as a timeout here so the recorded reply says what happened.
fn classify(e: &lettre::transport::smtp::Error, timeout: Duration) -> Attempt {
    if let Some(code) = e.status() {
        let text = match std::error::Error::source(e) {
            Some(msg) => format!("{code} {msg}"),
            None => code.to_string(),
        };
        return if e.is_permanent() && code.to_string() != "552" {
            Attempt::Permanent(text)
        } else {
            Attempt::Transient(text)
        };
    }
    let text = describe(e);
    if e.is_response() && text.contains("incomplete response") {
        return Attempt::Transient(format!(
            "the connection closed before the server replied (if that was after the whole \
             message, it may have been delivered; a retry carries the same Message-ID): {text}"
        ));
    }
    if e.is_client() {
        return Attempt::Permanent(format!("not sent: {text}"));
    }
    if timed_out(e) {
        return Attempt::Transient(format!(
            "timed out: no reply within {} s (smtp.timeout_seconds): {text}",
            timeout.as_secs()
        ));
    }
    Attempt::Transient(text)
}

/// The error and its sources, each once (lettre's own text often already
/// includes its source).
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        src = s.source();
    }
    text
}

/// Whether an I/O timeout is somewhere in the error's sources.
fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = src {
        if s.downcast_ref::<std::io::Error>().is_some_and(|io| {
            matches!(
                io.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            )
        }) {
            return true;
        }
        src = s.source();
    }
    false
}
