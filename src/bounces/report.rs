//! One message read as a report: a delivery status notification (RFC
//! 3464), a complaint (RFC 5965 ARF), a bounce in one of the common
//! formats that are not RFC 3464 ([`super::text`]), or none of these.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use super::dsn::{self, bare_address};
use super::text;
use crate::state::BounceKind;

/// How a report was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `multipart/report; report-type=delivery-status` (Postfix, Exim,
    /// Exchange and most others).
    Dsn,
    /// `multipart/report; report-type=feedback-report`.
    Arf,
    /// Exim's plain-text bounce or delay warning.
    EximText,
    /// Postfix's plain-text bounce.
    PostfixText,
    /// Microsoft Exchange's plain-text or HTML non-delivery report.
    ExchangeText,
}

/// What a report says about one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    /// Hard, soft or complaint.
    pub(crate) kind: BounceKind,
    /// The recipient as the report names it, if it does.
    pub(crate) recipient: Option<String>,
    /// The enhanced status code.
    pub(crate) status: Option<String>,
    /// The diagnostic text.
    pub(crate) detail: Option<String>,
}

/// A message that is a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Report {
    /// What identifies it when it is read again: `<Message-ID>`, or
    /// `sha256:` and the hash of its bytes when it has none.
    pub(crate) id: String,
    /// How it was written.
    pub(crate) format: Format,
    /// What it says, one finding per recipient.
    pub(crate) findings: Vec<Finding>,
    /// Message-IDs of the returned message (with angle brackets).
    pub(crate) original_ids: Vec<String>,
    /// The addresses the report itself was sent to (To, Delivered-To,
    /// X-Original-To): the VERP return path, if one was used.
    pub(crate) addressed_to: Vec<String>,
}

/// Reads `bytes` as a report; `None` when it is not one (a reply, an
/// auto-reply, a delivery success notice, spam...).
pub(crate) fn parse(bytes: &[u8]) -> Option<Report> {
    let msg = MessageParser::default().parse(bytes)?;
    let (format, findings) = findings(&msg)?;
    if findings.is_empty() {
        return None;
    }
    let id = match msg.message_id() {
        Some(id) if !id.trim().is_empty() => format!("<{}>", id.trim()),
        _ => {
            let hex: String = Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("sha256:{hex}")
        }
    };
    Some(Report {
        id,
        format,
        findings,
        original_ids: original_ids(&msg),
        addressed_to: addressed_to(&msg),
    })
}

fn findings(msg: &Message) -> Option<(Format, Vec<Finding>)> {
    let ct = msg.content_type();
    let report_type = ct
        .filter(|c| {
            c.ctype().eq_ignore_ascii_case("multipart")
                && c.subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        })
        .and_then(|c| c.attribute("report-type"))
        .map(str::to_ascii_lowercase);
    if report_type.as_deref() == Some("feedback-report") {
        return complaint(msg).map(|f| (Format::Arf, f));
    }
    if let Some(status) = part_text(
        msg,
        "message",
        &["delivery-status", "global-delivery-status"],
    ) {
        let found: Vec<Finding> = dsn::delivery_status(&status)
            .into_iter()
            .filter_map(|r| {
                Some(Finding {
                    kind: r.kind?,
                    recipient: r.recipient,
                    status: r.status,
                    detail: r.detail,
                })
            })
            .collect();
        return Some((Format::Dsn, found));
    }
    text::recognize(msg)
}

/// An ARF report of `abuse`: a complaint about the recipient the report
/// names (`Original-Rcpt-To`), else about the returned message's `To`.
fn complaint(msg: &Message) -> Option<Vec<Finding>> {
    let body = part_text(msg, "message", &["feedback-report"])?;
    let fields = dsn::blocks(&body).into_iter().next()?;
    let kind = fields.get("feedback-type")?.trim().to_ascii_lowercase();
    if kind != "abuse" {
        return None;
    }
    let recipient = fields
        .all("original-rcpt-to")
        .find_map(bare_address)
        .or_else(|| original_headers(msg).iter().find_map(|h| h.to.clone()));
    Some(vec![Finding {
        kind: BounceKind::Complaint,
        recipient,
        status: None,
        detail: fields
            .get("user-agent")
            .map(|ua| format!("reported via {ua}")),
    }])
}

/// The decoded text of the first part of type `ctype/subtype` (any of
/// `subtypes`) in the message, nested messages excluded.
pub(crate) fn part_text(msg: &Message, ctype: &str, subtypes: &[&str]) -> Option<String> {
    msg.parts.iter().find_map(|p| {
        let ct = p.content_type()?;
        let matches = ct.ctype().eq_ignore_ascii_case(ctype)
            && ct
                .subtype()
                .is_some_and(|s| subtypes.iter().any(|w| s.eq_ignore_ascii_case(w)));
        if !matches {
            return None;
        }
        match &p.body {
            PartType::Text(t) | PartType::Html(t) => Some(t.to_string()),
            PartType::Binary(b) | PartType::InlineBinary(b) => {
                Some(String::from_utf8_lossy(b).into_owned())
            }
            PartType::Message(m) => Some(String::from_utf8_lossy(m.raw_message()).into_owned()),
            PartType::Multipart(_) => None,
        }
    })
}

/// The headers of a returned message that matter here.
#[derive(Debug, Clone, Default)]
struct Returned {
    message_id: Option<String>,
    to: Option<String>,
}

/// The returned message(s): `message/rfc822` parts and `text/rfc822-headers` parts.
fn original_headers(msg: &Message) -> Vec<Returned> {
    let mut out = Vec::new();
    for p in &msg.parts {
        let header_text;
        let nested = match &p.body {
            PartType::Message(m) => Some(m),
            _ => None,
        };
        let parsed;
        let m = match nested {
            Some(m) => m,
            None => {
                let is_headers = p.content_type().is_some_and(|c| {
                    c.subtype()
                        .is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))
                });
                if !is_headers {
                    continue;
                }
                header_text = p.text_contents().unwrap_or_default().to_string();
                match MessageParser::default().parse_headers(header_text.as_bytes()) {
                    Some(m) => {
                        parsed = m;
                        &parsed
                    }
                    None => continue,
                }
            }
        };
        out.push(Returned {
            message_id: m.message_id().map(|id| format!("<{}>", id.trim())),
            to: m
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .map(str::to_string),
        });
    }
    out
}

/// The Message-IDs of the returned message: from the returned parts, else
/// any `Message-ID:` line in the text (the copy Exim appends as text), else
/// the report's `References` and `In-Reply-To`.
fn original_ids(msg: &Message) -> Vec<String> {
    let mut ids: Vec<String> = original_headers(msg)
        .into_iter()
        .filter_map(|r| r.message_id)
        .collect();
    if ids.is_empty() {
        for p in &msg.parts {
            if let PartType::Text(t) = &p.body {
                ids.extend(text::message_id_lines(t));
            }
        }
    }
    if ids.is_empty() {
        // Exim and Exchange name the returned message in the report's own
        // References or In-Reply-To.
        for (name, value) in msg.headers_raw() {
            if name.eq_ignore_ascii_case("references") || name.eq_ignore_ascii_case("in-reply-to") {
                ids.extend(angle_tokens(value));
            }
        }
    }
    ids.dedup();
    ids
}

/// Every `<...>` in `value`.
fn angle_tokens(value: &str) -> Vec<String> {
    value
        .split('<')
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
        .map(|(inner, _)| format!("<{}>", inner.trim()))
        .collect()
}

fn addressed_to(msg: &Message) -> Vec<String> {
    msg.headers_raw()
        .filter(|(name, _)| {
            ["to", "delivered-to", "x-original-to", "envelope-to"]
                .iter()
                .any(|h| name.eq_ignore_ascii_case(h))
        })
        .flat_map(|(_, value)| value.split(','))
        .filter_map(bare_address)
        .collect()
}
