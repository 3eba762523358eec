//! An open connection and one mail transaction on it: `MAIL`, `RCPT` and `DATA`
//! (in one write with PIPELINING), then the dot-stuffed message with its
//! terminator in one write, and what a failure leaves of the connection.

use std::fmt;

use lettre::address::Envelope;
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;

use lettre::transport::smtp::client::SmtpConnection;

use super::classify::{SmtpError, classify, cut_off};
use super::link::Link;
use crate::deliver::Attempt;

/// One open, authenticated connection.
pub(super) struct Connection {
    pub(super) inner: SmtpConnection,
    /// The server offers PIPELINING.
    pub(super) pipelining: bool,
    /// `smtp.timeout_seconds`, for the recorded reply of a timeout.
    pub(super) timeout_secs: u64,
    /// The relay under `inner`, keeping each reply's deadline. Declared
    /// after `inner`, so lettre's socket closes first.
    pub(super) link: Link,
}

/// Text written as is by lettre's `command` (one write, then one reply read).
struct Raw<'a>(&'a str);

impl fmt::Display for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Why a transaction did not end with the message accepted.
pub(super) struct Failed {
    pub(super) attempt: Attempt,
    /// The connection can take the next message.
    pub(super) reusable: bool,
    /// The connection was dead before the server answered anything in this
    /// transaction, so nothing was sent: try again on a fresh one.
    pub(super) stale: bool,
}

/// One mail transaction: MAIL, RCPT, DATA, the message.
pub(super) fn transaction(
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
            // Closed after a refusal (421 and close): the refusal is the news.
            Err(e) if e.status().is_none() => {
                return Err(match refusal {
                    Some(r) => Failed {
                        attempt: classify(&r, c.timeout_secs, false),
                        reusable: false,
                        stale: false,
                    },
                    None => broken(c, &e, i == 0, false),
                });
            }
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
            return Err(broken(c, &e, false, false));
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
            attempt: classify(&e, c.timeout_secs, true),
            reusable: true,
            stale: false,
        }),
        Err(e) => Err(broken(c, &e, false, true)),
    }
}

/// The message with every line that starts with `.` doubled (RFC 5321
/// 4.5.2), CRLF line ends, and the terminating `CRLF.CRLF`.
pub(super) fn dot_stuffed(text: &str) -> String {
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
        attempt: classify(e, c.timeout_secs, false),
        reusable,
        stale: false,
    }
}

/// A dropped connection, a timeout or an unreadable reply; `after_message`
/// when the whole message had been written (delivery unknown).
/// A reply the relay cut off (slow or too large) is never stale.
fn broken(c: &Connection, e: &SmtpError, before_any_reply: bool, after_message: bool) -> Failed {
    match c.link.cut() {
        Some(cut) => Failed {
            attempt: cut_off(cut, c.timeout_secs),
            reusable: false,
            stale: false,
        },
        None => Failed {
            attempt: classify(e, c.timeout_secs, after_message),
            reusable: false,
            stale: before_any_reply,
        },
    }
}

/// The message cannot go over this connection at all (a missing extension):
/// failed, since every retry to this server would fail the same way.
fn refused_here(reason: &str) -> Failed {
    Failed {
        attempt: Attempt::Permanent(format!("not sent: {reason}")),
        reusable: true,
        stale: false,
    }
}
