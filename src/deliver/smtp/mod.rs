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
//!
//! `smtp.timeout_seconds` bounds connecting and each reply as a whole (the
//! greeting from connecting, every other reply from the write it answers):
//! lettre's own timeout bounds only each read, so the socket goes through
//! a relay that keeps the deadline ([`link`]).

mod classify;
mod link;
mod session;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::thread::ThreadId;
use std::time::Duration;

use lettre::Message;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::Ehlo;
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;

use super::{Attempt, Checked, Transport};
use crate::config::{Config, Security};
use crate::error::{Error, Result};
use classify::{SmtpError, classify, cut_off, cut_reason, describe, timed_out};
use link::{Cut, Link};
use session::{Connection, transaction};

/// Why no connection was opened.
enum Unopened {
    /// The stop flag was set (a signal): nothing was sent.
    Interrupted,
    /// The relay cut the connection off: a reply too slow or too large.
    Cut(Cut),
    /// The TCP connection or the relay failed.
    Io(std::io::Error),
    /// lettre's error: a refusal, a dropped connection, a read timeout.
    Smtp(SmtpError),
}

/// A stop flag that is never set, for connections a worker opens (a
/// worker finishes its message before it looks at the real one).
static NEVER: AtomicBool = AtomicBool::new(false);

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
    /// skipped), the extensions, and authentication. Gives up at once when
    /// `stop` is set.
    fn connect(&self, stop: &AtomicBool) -> std::result::Result<Connection, Unopened> {
        let timeout = self.timeout.unwrap_or(Duration::from_secs(60));
        let server = match link::dial(&self.host, self.port, timeout, stop) {
            Ok(Some(s)) => s,
            Ok(None) => return Err(Unopened::Interrupted),
            Err(e) => return Err(Unopened::Io(e)),
        };
        let (link, local) = Link::start(server, timeout).map_err(Unopened::Io)?;
        match link.watching(stop, || self.handshake(local)) {
            Ok((inner, pipelining)) => {
                link.idle();
                Ok(Connection {
                    inner,
                    pipelining,
                    timeout_secs: self.timeout_secs(),
                    link,
                })
            }
            Err(_) if link.aborted() => Err(Unopened::Interrupted),
            Err(e) => Err(match link.cut() {
                Some(cut) => Unopened::Cut(cut),
                None => Unopened::Smtp(e),
            }),
        }
    }

    /// lettre's part of connecting, through the relay at `local`: the
    /// greeting, EHLO, STARTTLS, EHLO again (to see PIPELINING), AUTH.
    fn handshake(
        &self,
        local: std::net::SocketAddr,
    ) -> std::result::Result<(SmtpConnection, bool), SmtpError> {
        let wrapper = match self.security {
            Security::Tls => self.tls.as_ref(),
            _ => None,
        };
        let mut inner = SmtpConnection::connect(local, self.timeout, &self.hello, wrapper, None)?;
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
        Ok((inner, pipelining))
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
        c.link.idle();
        if let Ok(mut idle) = self.idle.lock() {
            idle.owned.insert(std::thread::current().id(), c);
        }
    }
}

impl Transport for SmtpTransport {
    fn describe(&self) -> String {
        self.target.clone()
    }

    fn check(&self, stop: &AtomicBool) -> Result<Checked> {
        let c = match self.connect(stop) {
            Ok(c) => c,
            Err(Unopened::Interrupted) => return Ok(Checked::Interrupted),
            Err(e) => return Err(self.unreachable(&e)),
        };
        if let Ok(mut idle) = self.idle.lock() {
            idle.unowned = Some(c);
        }
        Ok(Checked::Ready)
    }

    fn send(&self, message: &Message, _id: &str) -> Attempt {
        let body = message.formatted();
        let mut pooled = self.take();
        loop {
            let reused = pooled.is_some();
            let mut conn = match pooled.take() {
                Some(c) => c,
                None => match self.connect(&NEVER) {
                    Ok(c) => c,
                    Err(e) => return self.not_connected(&e),
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

impl SmtpTransport {
    /// The error that stops a run before anything was sent.
    fn unreachable(&self, e: &Unopened) -> Error {
        let secs = self.timeout_secs();
        let cut = match e {
            Unopened::Cut(cut) => Some(*cut),
            Unopened::Smtp(e) if timed_out(e) => Some(Cut::Silent),
            Unopened::Io(e) if timed_out(e) => Some(Cut::Silent),
            _ => None,
        };
        let why = match (cut, e) {
            (Some(Cut::Silent), _) => format!("no answer within {secs} s (smtp.timeout_seconds)"),
            (Some(Cut::Slow), _) => format!(
                "the server's answer did not arrive in full within {secs} s (smtp.timeout_seconds \
                 bounds each whole reply)"
            ),
            (Some(c), _) => cut_reason(c, secs),
            (None, Unopened::Smtp(e)) => describe(e),
            (None, Unopened::Io(e)) => describe(e),
            (None, _) => "interrupted".to_string(),
        };
        let err = Error::failed(format!(
            "cannot connect to {}: {why}; nothing was sent",
            self.target
        ));
        match cut {
            Some(Cut::Silent | Cut::Slow) => err.with_help(
                "check smtp.host and smtp.port (and that the server is up), or raise \
                 smtp.timeout_seconds for a slow server",
            ),
            _ => err,
        }
    }

    /// The attempt of a message whose connection could not be opened.
    fn not_connected(&self, e: &Unopened) -> Attempt {
        match e {
            Unopened::Smtp(e) => classify(e, self.timeout_secs(), false),
            Unopened::Cut(cut) => cut_off(*cut, self.timeout_secs()),
            Unopened::Io(e) if timed_out(e) => cut_off(Cut::Silent, self.timeout_secs()),
            Unopened::Io(e) => Attempt::Transient(format!("cannot connect: {}", describe(e))),
            Unopened::Interrupted => Attempt::Transient("interrupted".to_string()),
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
