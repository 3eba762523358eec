//! The machine-readable parts of reports, which use header syntax:
//! `message/delivery-status` (RFC 3464: per-message fields, a blank line,
//! then one block of fields per recipient) and `message/feedback-report`
//! (RFC 5965: one block). Also the status codes found in text.

use crate::state::BounceKind;

/// The fields of one block, names lowercased, continuation lines unfolded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value of the field `name` (any case).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the field `name`.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The blocks of header fields in `text`, separated by blank lines.
/// Lines that are not fields are skipped; a line starting with white space
/// continues the field before it.
pub(crate) fn blocks(text: &str) -> Vec<Fields> {
    let mut out = Vec::new();
    let mut cur = Fields::default();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = cur.0.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            if !name.is_empty() && !name.contains(' ') {
                cur.0
                    .push((name.to_ascii_lowercase(), value.trim().to_string()));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What a DSN says about one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecipientStatus {
    /// `Final-Recipient` (else `Original-Recipient`), the address alone.
    pub(crate) recipient: Option<String>,
    /// Hard or soft; `None` for `delivered`, `relayed` or `expanded`.
    pub(crate) kind: Option<BounceKind>,
    /// The enhanced status code.
    pub(crate) status: Option<String>,
    /// `Diagnostic-Code`, without its type.
    pub(crate) detail: Option<String>,
}

/// The per-recipient blocks of a `message/delivery-status` body (the first
/// block is per message; a block without `Action` or `Status` is skipped).
pub(crate) fn delivery_status(text: &str) -> Vec<RecipientStatus> {
    blocks(text)
        .into_iter()
        .filter(|b| b.get("action").is_some() || b.get("status").is_some())
        .map(|b| {
            let status = b.get("status").and_then(status_code);
            let detail = b.get("diagnostic-code").map(strip_type);
            let action = b.get("action").unwrap_or("").to_ascii_lowercase();
            RecipientStatus {
                recipient: b
                    .get("final-recipient")
                    .or_else(|| b.get("original-recipient"))
                    .map(strip_type)
                    .and_then(|a| bare_address(&a)),
                kind: classify(&action, status.as_deref(), detail.as_deref()),
                status,
                detail,
            }
        })
        .collect()
}

/// RFC 3464: `failed` with 5.x.x is hard; `delayed`, or any 4.x.x, soft.
fn classify(action: &str, status: Option<&str>, detail: Option<&str>) -> Option<BounceKind> {
    let class = status
        .or(detail)
        .and_then(|s| s.trim_start().chars().next())
        .filter(|c| matches!(c, '2' | '4' | '5'));
    match (action.split_whitespace().next().unwrap_or(""), class) {
        ("delivered" | "relayed" | "expanded", _) => None,
        ("delayed", _) | (_, Some('4')) => Some(BounceKind::Soft),
        ("failed", _) | (_, Some('5')) => Some(BounceKind::Hard),
        _ => None,
    }
}

/// `rfc822; a@b` -> `a@b`; `smtp; 550 ...` -> `550 ...`.
fn strip_type(value: &str) -> String {
    match value.split_once(';') {
        Some((kind, rest)) if !kind.contains(' ') => rest.trim().to_string(),
        _ => value.trim().to_string(),
    }
}

/// The address in `text`: `<a@b>` or a bare `a@b`, without a trailing dot.
pub(crate) fn bare_address(text: &str) -> Option<String> {
    let text = text.trim();
    let inner = match (text.find('<'), text.rfind('>')) {
        (Some(a), Some(b)) if a < b => &text[a + 1..b],
        _ => text,
    };
    let word = inner
        .split_whitespace()
        .find(|w| w.contains('@'))?
        .trim_matches(|c: char| {
            matches!(
                c,
                '<' | '>' | '(' | ')' | '[' | ']' | '"' | '\'' | ',' | ';' | ':' | '.'
            )
        });
    let (local, domain) = word.rsplit_once('@')?;
    (!local.is_empty() && domain.contains('.') || domain == "localhost").then(|| word.to_string())
}

/// The first enhanced status code (`5.1.1`, `4.4.7`) in `text`.
pub(crate) fn status_code(text: &str) -> Option<String> {
    let b = text.as_bytes();
    for i in 0..b.len() {
        if !matches!(b[i], b'2' | b'4' | b'5')
            || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'))
        {
            continue;
        }
        let rest = &text[i..];
        let mut parts = rest.splitn(3, '.');
        let (Some(c), Some(s), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let d: String = d.chars().take_while(char::is_ascii_digit).collect();
        let digits =
            |p: &str, max| !p.is_empty() && p.len() <= max && p.bytes().all(|x| x.is_ascii_digit());
        if c.len() == 1 && digits(s, 3) && digits(&d, 3) {
            return Some(format!("{c}.{s}.{d}"));
        }
    }
    None
}

/// The kind a failure text implies: its enhanced status code, else a
/// three-digit SMTP reply code (4xx soft, 5xx hard); `None` if it has neither.
pub(crate) fn kind_of_text(text: &str) -> (Option<BounceKind>, Option<String>) {
    if let Some(code) = status_code(text) {
        let kind = match code.as_bytes()[0] {
            b'4' => Some(BounceKind::Soft),
            b'5' => Some(BounceKind::Hard),
            _ => None,
        };
        return (kind, Some(code));
    }
    let reply = text.split(|c: char| !c.is_ascii_digit()).find(|w| {
        w.len() == 3 && matches!(w.as_bytes()[0], b'4' | b'5') && w.as_bytes()[1] <= b'5'
    });
    let kind = reply.map(|r| {
        if r.starts_with('4') {
            BounceKind::Soft
        } else {
            BounceKind::Hard
        }
    });
    (kind, None)
}
