//! What an SMTP error means for the delivery: an [`Attempt`] with the reply
//! to record, and the words to say it in.

use super::link::{Cut, MAX_REPLY_BYTES};
use crate::deliver::Attempt;

/// lettre's SMTP error.
pub(super) type SmtpError = lettre::transport::smtp::Error;

/// How an SMTP attempt failed, with the reply recorded in the state.
///
/// - A reply with a code is recorded as the server sent it (`550 5.1.1 no
///   such user`). 5yz is permanent except 552 before the message (RFC 5321
///   4.5.3.1.10: "too many recipients" is to be treated as temporary); 4yz
///   is transient.
/// - A connection closed after the whole message, before its reply
///   (`after_message`): delivery is unknown; transient (the retry carries
///   the same Message-ID).
/// - A timeout (lettre reports it on Linux as the I/O error WouldBlock,
///   os error 11) is named as one, so the recorded reply says what
///   happened; transient, like every other broken connection.
pub(super) fn classify(e: &SmtpError, timeout_secs: u64, after_message: bool) -> Attempt {
    if let Some(code) = e.status() {
        let text = match std::error::Error::source(e) {
            Some(msg) => format!("{code} {msg}"),
            None => code.to_string(),
        };
        // 552 to RCPT is "too many recipients" (temporary, RFC 5321
        // 4.5.3.1.10); after the message it is "too big", for good.
        return if e.is_permanent() && (after_message || code.to_string() != "552") {
            Attempt::Permanent(text)
        } else {
            Attempt::Transient(text)
        };
    }
    let text = describe(e);
    if timed_out(e) {
        return Attempt::Transient(format!(
            "timed out: no reply within {timeout_secs} s (smtp.timeout_seconds): {text}"
        ));
    }
    if after_message && e.is_response() && text.contains("incomplete response") {
        return Attempt::Transient(format!(
            "the connection closed before the server replied (if that was after the whole \
             message, it may have been delivered; a retry carries the same Message-ID): {text}"
        ));
    }
    Attempt::Transient(text)
}

/// A reply the relay cut off (see `link`): too slow or too large.
pub(super) fn cut_off(cut: Cut, timeout_secs: u64) -> Attempt {
    Attempt::Transient(format!(
        "{}: {}",
        cut_verb(cut),
        cut_reason(cut, timeout_secs)
    ))
}

/// "timed out" or "refused".
fn cut_verb(cut: Cut) -> &'static str {
    match cut {
        Cut::Silent | Cut::Slow => "timed out",
        Cut::TooLarge => "gave up",
    }
}

/// What the server did wrong, for a message.
pub(super) fn cut_reason(cut: Cut, timeout_secs: u64) -> String {
    match cut {
        Cut::Silent => format!("no reply within {timeout_secs} s (smtp.timeout_seconds)"),
        Cut::Slow => format!(
            "the reply did not arrive in full within {timeout_secs} s (smtp.timeout_seconds)"
        ),
        Cut::TooLarge => format!(
            "the server sent more than {} KiB in one reply",
            MAX_REPLY_BYTES / 1024
        ),
    }
}

/// The error and its sources, each once (lettre's own text often already
/// includes its source).
pub(super) fn describe(e: &dyn std::error::Error) -> String {
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
pub(super) fn timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
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
