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

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Mutex;
use std::thread::ThreadId;
use std::time::Duration;

use lettre::Message;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;

use super::transport::{Attempt, Transport};
use crate::config::{Config, Security};
use crate::error::{Error, Result};

type SmtpError = lettre::transport::smtp::Error;

/// Sends through a small pool of open SMTP connections.
pub struct Smtp {
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

/// One open, authenticated connection.
struct Connection {
    inner: SmtpConnection,
    pipelining: bool,
}

/// Text written as is by lettre's `command` (one write, then one reply read).
struct Raw<'a>(&'a str);

impl fmt::Display for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Why a transaction did not end with the message accepted.
struct Failed {
    attempt: Attempt,
    /// The connection can take the next message.
    reusable: bool,
    /// The connection was dead before the server answered anything in this
    /// transaction, so nothing was sent: try again on a fresh one.
    stale: bool,
}

impl Smtp {
    /// Reads `[smtp]`. `password` is the value of `smtp.password_env`.
    pub fn new(config: &Config, password: Option<String>) -> Result<Smtp> {
        let s = &config.smtp;
        let bad = |msg: String| Error::input(format!("{}: {msg}", config.path.display()));
        let tls = match s.security {
            Security::Tls | Security::Starttls => {
                Some(TlsParameters::new(s.host.clone()).map_err(|e| {
                    Error::input(format!("cannot set up TLS for {}", s.host)).with_source(e)
                })?)
            }
            Security::None => {
                if !is_loopback(&s.host) && !s.allow_insecure {
                    return Err(bad(format!(
                        "smtp.security = \"none\" sends passwords and mail in plain text to {}; use \"starttls\" or \"tls\", or set smtp.allow_insecure = true if you really mean it",
                        s.host
                    )));
                }
                None
            }
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
        Ok(Smtp {
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
        Ok(Connection { inner, pipelining })
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

impl Transport for Smtp {
    fn describe(&self) -> String {
        self.target.clone()
    }

    fn check(&self) -> Result<()> {
        let c = self.connect().map_err(|e| {
            Error::failed(format!(
                "cannot connect to {}; nothing was sent",
                self.target
            ))
            .with_source(e)
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
                    Err(e) => return classify(&e),
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

impl Drop for Smtp {
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

/// One mail transaction: MAIL, RCPT, DATA, the message.
fn transaction(
    c: &mut Connection,
    envelope: &Envelope,
    body: &[u8],
) -> std::result::Result<Response, Failed> {
    let mut params = Vec::new();
    let non_ascii = |a: &lettre::Address| !AsRef::<str>::as_ref(a).is_ascii();
    if envelope.from().is_some_and(non_ascii) || envelope.to().iter().any(non_ascii) {
        if !c
            .inner
            .server_info()
            .supports_feature(Extension::SmtpUtfEight)
        {
            return Err(refused_here(
                "the address is not ASCII and the server does not support SMTPUTF8",
            ));
        }
        params.push(MailParameter::SmtpUtfEight);
    }
    if !body.is_ascii() {
        if !c
            .inner
            .server_info()
            .supports_feature(Extension::EightBitMime)
        {
            return Err(refused_here(
                "the message is not ASCII and the server does not support 8BITMIME",
            ));
        }
        params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let commands: Vec<String> =
        std::iter::once(Mail::new(envelope.from().cloned(), params).to_string())
            .chain(
                envelope
                    .to()
                    .iter()
                    .map(|a| Rcpt::new(a.clone(), Vec::new()).to_string()),
            )
            .chain(std::iter::once(Data.to_string()))
            .collect();
    // With PIPELINING: one write, then the replies in order (MAIL, each
    // RCPT, DATA). Without: one command at a time, stopping at a refusal.
    let group = c.pipelining.then(|| commands.concat());
    let mut refusal = None;
    let mut data_accepted = false;
    for (i, cmd) in commands.iter().enumerate() {
        let reply = match &group {
            Some(g) if i == 0 => c.inner.command(Raw(g)),
            Some(_) => c.inner.read_response(),
            None => c.inner.command(Raw(cmd)),
        };
        match reply {
            Ok(_) => data_accepted = i + 1 == commands.len(),
            Err(e) if e.status().is_none() => return Err(broken(&e, i == 0)),
            Err(e) => {
                refusal.get_or_insert(e);
                if group.is_none() {
                    break;
                }
            }
        }
    }
    if let Some(e) = refusal {
        // RFC 2920: DATA accepted after a refused command is ended with an
        // empty message before the reset (servers normally answer DATA
        // with 554 when no recipient was accepted).
        if data_accepted && c.inner.command(Raw(".\r\n")).is_err() {
            return Err(broken(&e, false));
        }
        return Err(refused(c, &e));
    }
    let sent = match std::str::from_utf8(body) {
        Ok(text) => c.inner.command(Raw(&dot_stuffed(text))),
        Err(_) => c.inner.message(body),
    };
    match sent {
        Ok(r) => Ok(r),
        // Refused after the end of DATA: the transaction is over.
        Err(e) if e.status().is_some() => Err(Failed {
            attempt: classify(&e),
            reusable: true,
            stale: false,
        }),
        Err(e) => Err(broken(&e, false)),
    }
}

/// The message with every line that starts with `.` doubled (RFC 5321
/// 4.5.2), CRLF line ends, and the terminating `CRLF.CRLF`.
fn dot_stuffed(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 64 + 8);
    for line in text.split_inclusive('\n') {
        if line.starts_with('.') {
            out.push('.');
        }
        match line.strip_suffix('\n') {
            Some(l) => {
                out.push_str(l.strip_suffix('\r').unwrap_or(l));
                out.push_str("\r\n");
            }
            None => out.push_str(line),
        }
    }
    if !out.ends_with("\r\n") {
        out.push_str("\r\n");
    }
    out.push_str(".\r\n");
    out
}

/// A negative reply before DATA: reset the transaction and keep the
/// connection if the server takes the RSET.
fn refused(c: &mut Connection, e: &SmtpError) -> Failed {
    let reusable =
        e.status().is_none_or(|s| s.to_string() != "421") && c.inner.command(Rset).is_ok();
    Failed {
        attempt: classify(e),
        reusable,
        stale: false,
    }
}

/// A dropped connection, a timeout or an unreadable reply.
fn broken(e: &SmtpError, before_any_reply: bool) -> Failed {
    Failed {
        attempt: classify(e),
        reusable: false,
        stale: before_any_reply,
    }
}

/// The message cannot go over this connection at all (a missing extension):
/// left pending, as lettre did, so a later run can try another server.
fn refused_here(reason: &str) -> Failed {
    Failed {
        attempt: Attempt::Transient(reason.to_string()),
        reusable: true,
        stale: false,
    }
}

fn reply_text(r: &Response) -> String {
    format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" "))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// 5yz is permanent except 552 (RFC 5321 4.5.3.1.10: "too many
/// recipients" is to be treated as temporary); 4yz, dropped connections,
/// timeouts and unknown outcomes are transient.
fn classify(e: &SmtpError) -> Attempt {
    let mut text = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        text.push_str(&format!(": {s}"));
        src = s.source();
    }
    match e.status().map(|c| c.to_string()) {
        Some(code) if code == "552" => Attempt::Transient(text),
        Some(_) if e.is_permanent() => Attempt::Permanent(text),
        _ => Attempt::Transient(text),
    }
}

#[cfg(test)]
mod tests;
