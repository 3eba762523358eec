//! Bounces without a `message/delivery-status` part, written for people:
//! Exim's ("The following address(es) failed:"), Postfix's ("This is the
//! mail system at host ..."; `<address>: reason`) and Microsoft
//! Exchange's ("Delivery has failed to these recipients or groups:",
//! "Remote Server returned '550 5.1.1 ...'"). Recognized well enough to
//! name the recipient and tell hard from soft; anything else is not a
//! bounce.

use mail_parser::{Message, PartType};

use super::dsn::{bare_address, kind_of_text};
use super::report::{Finding, Format};
use crate::state::BounceKind;

/// The findings of a plain-text bounce, if `msg` is one.
pub(crate) fn recognize(msg: &Message) -> Option<(Format, Vec<Finding>)> {
    let body = body_text(msg);
    let subject = msg.subject().unwrap_or("").to_ascii_lowercase();
    let header = |name: &'static str| msg.header_raw(name).map(str::trim);
    if body.contains("This message was created automatically by mail delivery software")
        || header("X-Failed-Recipients").is_some()
    {
        let delayed =
            subject.starts_with("warning:") || body.contains("has not yet been delivered");
        let mut found = exim(&body, delayed);
        if found.is_empty() {
            let addrs = header("X-Failed-Recipients").unwrap_or("");
            found = addrs
                .split(',')
                .filter_map(bare_address)
                .map(|a| finding(Some(a), "", BounceKind::Hard))
                .collect();
        }
        return Some((Format::EximText, found));
    }
    if body.contains("This is the mail system at host")
        || body.contains("This is the Postfix program at host")
    {
        let delayed = subject.starts_with("delayed mail");
        return Some((Format::PostfixText, postfix(&body, delayed)));
    }
    let exchange = header("X-MS-Exchange-Message-Is-Ndr").is_some()
        || body.contains("Delivery has failed to these recipients or groups")
        || body.contains("Diagnostic information for administrators");
    if exchange {
        return Some((Format::ExchangeText, exchange_findings(&body)));
    }
    None
}

/// Every text part of the message (HTML with its tags removed), nested
/// messages excluded.
fn body_text(msg: &Message) -> String {
    let mut out = String::new();
    for p in &msg.parts {
        match &p.body {
            PartType::Text(t) => out.push_str(t),
            PartType::Html(h) => out.push_str(&strip_tags(h)),
            _ => continue,
        }
        out.push('\n');
    }
    out
}

/// The text of an HTML body, every tag a line break (the parsers here
/// read lines), with the entities these reports use decoded.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push('\n');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    for (from, to) in [
        ("&nbsp;", " "),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&#39;", "'"),
        ("&quot;", "\""),
        ("&amp;", "&"),
    ] {
        out = out.replace(from, to);
    }
    out
}

fn finding(recipient: Option<String>, detail: &str, default: BounceKind) -> Finding {
    let (kind, status) = kind_of_text(detail);
    let detail = detail.split_whitespace().collect::<Vec<_>>().join(" ");
    Finding {
        // A delay notice stays soft whatever code it quotes.
        kind: if default == BounceKind::Soft {
            BounceKind::Soft
        } else {
            kind.unwrap_or(default)
        },
        recipient,
        status,
        detail: (!detail.is_empty()).then_some(detail),
    }
}

/// Exim: after "...failed:" (or "...delivered is:"), each address on a
/// line indented by two spaces, its reason on the lines indented deeper;
/// the copy of the message ends the list.
fn exim(body: &str, delayed: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut in_list = false;
    let mut current: Option<(String, String)> = None;
    let default = if delayed {
        BounceKind::Soft
    } else {
        BounceKind::Hard
    };
    for line in body.lines() {
        let t = line.trim();
        if !in_list {
            in_list = t.ends_with("failed:")
                || t.ends_with("delivered is:")
                || t.ends_with("delivered are:");
            continue;
        }
        if t.starts_with("------") || t.starts_with("No action is required") {
            break;
        }
        let indent = line.len() - line.trim_start().len();
        if indent > 0 && indent <= 2 && bare_address(t).is_some() && !t.contains(' ') {
            if let Some((a, d)) = current.take() {
                out.push(finding(Some(a), &d, default));
            }
            current = bare_address(t).map(|a| (a, String::new()));
        } else if let Some((_, d)) = current.as_mut() {
            d.push_str(t);
            d.push(' ');
        }
    }
    if let Some((a, d)) = current {
        out.push(finding(Some(a), &d, default));
    }
    out
}

/// Postfix: `<address>: reason` lines (the reason may continue on indented
/// lines) after "The mail system".
fn postfix(body: &str, delayed: bool) -> Vec<Finding> {
    let default = if delayed {
        BounceKind::Soft
    } else {
        BounceKind::Hard
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for line in body.lines() {
        if let (Some(rest), Some((_, d))) = (line.strip_prefix([' ', '\t']), out.last_mut()) {
            if !rest.trim().is_empty() {
                d.push(' ');
                d.push_str(rest.trim());
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix('<')
            && let Some((addr, reason)) = rest.split_once(">:")
            && let Some(addr) = bare_address(addr)
        {
            out.push((addr, reason.trim().to_string()));
        }
    }
    out.into_iter()
        .map(|(a, d)| finding(Some(a), &d, default))
        .collect()
}

/// Exchange: the addresses listed after "Delivery has failed to these
/// recipients or groups:" or in the diagnostic section, each followed by a
/// "Remote Server returned '...'" line (or a `#5.x.x` code).
fn exchange_findings(body: &str) -> Vec<Finding> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut in_list = false;
    for line in body.lines() {
        let t = line.trim();
        if t.contains("Delivery has failed to these recipients or groups")
            || t.contains("Diagnostic information for administrators")
            || t.contains("couldn't be delivered to")
        {
            in_list = true;
            continue;
        }
        if !in_list || t.is_empty() {
            continue;
        }
        let reason = t.starts_with("Remote Server returned") || t.starts_with('#');
        if reason {
            if let Some((_, d)) = out.last_mut() {
                d.push_str(t);
                d.push(' ');
            }
            continue;
        }
        let words: Vec<&str> = t.split_whitespace().collect();
        let addressy = words.len() <= 3 && words.iter().any(|w| w.contains('@'));
        if addressy && let Some(addr) = bare_address(t) {
            // Reason lines after it belong to the address named last.
            let item = match out.iter().position(|(a, _)| a.eq_ignore_ascii_case(&addr)) {
                Some(pos) => out.remove(pos),
                None => (addr, String::new()),
            };
            out.push(item);
        }
    }
    out.into_iter()
        .map(|(a, d)| finding(Some(a), &d, BounceKind::Hard))
        .collect()
}

/// The `Message-ID: <...>` lines in `text` (a returned message copied
/// into the body), with angle brackets.
pub(crate) fn message_id_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let (name, value) = l.split_once(':')?;
            if !name.trim().eq_ignore_ascii_case("message-id") {
                return None;
            }
            let v = value.trim();
            let (a, b) = (v.find('<')?, v.rfind('>')?);
            (a < b).then(|| v[a..=b].to_string())
        })
        .collect()
}
