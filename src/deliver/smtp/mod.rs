//! The SMTP transport: lettre's client connections, kept open and reused
//! (one per worker thread, so at most `delivery.concurrency`), with each
//! message sent in as few writes and round trips as the server allows.
//!
//! Why not lettre's pooled `SmtpTransport`: it sends a NOOP on every
//! checkout, never pipelines, and writes the message and the final
//! `CRLF.CRLF` in two writes on a socket without `TCP_NODELAY`, so the
//! small second write waits for the server's delayed ACK (about 40 ms on
//! Linux): 22 messages/s per connection against a local server. Here:
//! - with PIPELINING (RFC 2920), `MAIL`, `RCPT` and `DATA` go in one write
//!   and the dot-stuffed message with its terminator in a second: two
//!   round trips per message;
//! - every write holds a whole command group, so Nagle never delays one;
//! - a connection idle in the pool that the server closed is replaced once
//!   at no cost (nothing was sent on it yet).
//!
//! Outcomes are unchanged: `Sent` only after the 2yz reply to the end of
//! DATA; 5yz (except 552) permanent; 4yz, 552, dropped connections,
//! timeouts and unknown outcomes transient.

mod classify;
mod session;

use std::collections::HashMap;
use std::sync::Mutex;
use std::thread::ThreadId;
use std::time::Duration;

use lettre::Message;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::Ehlo;
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;

use super::{Attempt, Transport};
use crate::config::{Config, Security};
use crate::error::{Error, Result};
use classify::{SmtpError, classify, describe, timed_out};
use session::{Connection, transaction};

/// Sends through a small pool of open SMTP connections.
pub struct SmtpTransport {
    host: String,
    port: u16,
    timeout: Option<Duration>,
    security: Security,
    tls: Option<TlsParameters>,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Idle>,
    target: String,
}

/// Open connections between messages. Each worker thread keeps its own,
/// so a connection takes its next message only from the worker that has
/// recorded the previous one (the durability promise is per connection).
#[derive(Default)]
struct Idle {
    owned: HashMap<ThreadId, Connection>,
    /// Opened by `check`, for the first worker that needs one.
    unowned: Option<Connection>,
}

impl SmtpTransport {
    /// Reads `[smtp]`. `password` is the value of `smtp.password_env`.
    pub fn new(config: &Config, password: Option<String>) -> Result<SmtpTransport> {
        let s = &config.smtp;
        let bad = |msg: String| Error::input(format!("{}: {msg}", config.path.display()));
        let tls = match s.security {
            Security::Tls | Security::Starttls => {
                Some(TlsParameters::new(s.host.clone()).map_err(|e| {
                    Error::input(format!("cannot set up TLS for {}", s.host)).with_source(e)
                })?)
            }
            // Plain text to a remote host was refused when the configuration
            // was loaded (config validation, the one place for that rule).
            Security::None => None,
        };
        let credentials = match &s.username {
            Some(user) => {
                let pw = password.ok_or_else(|| {
                    bad(format!(
                        "smtp.username is set but the environment variable {} (smtp.password_env) is not; export the SMTP password in it",
                        s.password_env
                    ))
                })?;
                Some(Credentials::new(user.clone(), pw))
            }
            None => None,
        };
        Ok(SmtpTransport {
            host: s.host.clone(),
            port: s.port,
            timeout: Some(Duration::from_secs(s.timeout_seconds)),
            security: s.security,
            tls,
            credentials,
            hello: ClientId::default(),
            idle: Mutex::new(Idle::default()),
            target: format!("smtp {}:{} ({:?})", s.host, s.port, s.security).to_lowercase(),
        })
    }

    /// Opens a connection: TLS as configured (STARTTLS is required, never
    /// skipped), the extensions, and authentication.
    fn connect(&self) -> std::result::Result<Connection, SmtpError> {
        let wrapper = match self.security {
            Security::Tls => self.tls.as_ref(),
            _ => None,
        };
        let mut inner = SmtpConnection::connect(
            (self.host.as_str(), self.port),
            self.timeout,
            &self.hello,
            wrapper,
            None,
        )?;
        if let (Security::Starttls, Some(tls)) = (self.security, &self.tls) {
            inner.starttls(tls, &self.hello)?;
        }
        // lettre keeps only the extensions it uses; ask again to see
        // PIPELINING (EHLO again is harmless before AUTH).
        let pipelining = match inner.command(Ehlo::new(self.hello.clone())) {
            Ok(ehlo) => ehlo
                .message()
                .any(|l| l.split_whitespace().next() == Some("PIPELINING")),
            // Refused the second time: go on without pipelining.
            Err(e) if e.status().is_some() => false,
            Err(e) => return Err(e),
        };
        if let Some(c) = &self.credentials {
            inner.auth(DEFAULT_MECHANISMS, c)?;
        }
        Ok(Connection {
            inner,
            pipelining,
            timeout_secs: self.timeout_secs(),
        })
    }

    fn timeout_secs(&self) -> u64 {
        self.timeout.map_or(0, |t| t.as_secs())
    }

    /// This thread's connection, else the one `check` opened, if any.
    fn take(&self) -> Option<Connection> {
        let mut idle = self.idle.lock().ok()?;
        let me = std::thread::current().id();
        idle.owned.remove(&me).or_else(|| idle.unowned.take())
    }

    /// Keeps `c` for this thread's next message.
    fn put(&self, c: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.owned.insert(std::thread::current().id(), c);
        }
    }
}

impl Transport for SmtpTransport {
    fn describe(&self) -> String {
        self.target.clone()
    }

    fn check(&self) -> Result<()> {
        let c = self.connect().map_err(|e| {
            if timed_out(&e) {
                Error::failed(format!(
                    "cannot connect to {}: no answer within {} s (smtp.timeout_seconds); nothing was \
                     sent",
                    self.target,
                    self.timeout_secs()
                ))
                .with_help(
                    "check smtp.host and smtp.port (and that the server is up), or raise \
                     smtp.timeout_seconds for a slow server",
                )
            } else {
                Error::failed(format!(
                    "cannot connect to {}: {}; nothing was sent",
                    self.target,
                    describe(&e)
                ))
            }
        })?;
        if let Ok(mut idle) = self.idle.lock() {
            idle.unowned = Some(c);
        }
        Ok(())
    }

    fn send(&self, message: &Message, _id: &str) -> Attempt {
        let body = message.formatted();
        let mut pooled = self.take();
        loop {
            let reused = pooled.is_some();
            let mut conn = match pooled.take() {
                Some(c) => c,
                None => match self.connect() {
                    Ok(c) => c,
                    Err(e) => return classify(&e, self.timeout_secs(), false),
                },
            };
            match transaction(&mut conn, message.envelope(), &body) {
                Ok(r) => {
                    self.put(conn);
                    return Attempt::Sent(reply_text(&r));
                }
                // A connection that died while idle: nothing was sent on it.
                Err(f) if f.stale && reused => continue,
                Err(f) => {
                    if f.reusable {
                        self.put(conn);
                    }
                    return f.attempt;
                }
            }
        }
    }
}

impl Drop for SmtpTransport {
    fn drop(&mut self) {
        if let Ok(idle) = self.idle.get_mut() {
            for mut c in idle
                .owned
                .drain()
                .map(|(_, c)| c)
                .chain(idle.unowned.take())
            {
                let _ = c.inner.quit();
            }
        }
    }
}

fn reply_text(r: &Response) -> String {
    format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests;
