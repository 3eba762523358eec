//! The `List-Id` header (RFC 2919): `phrase <label.domain>`.
//!
//! The phrase is the newsletter's title, written so that a reader parses
//! it back to exactly that text (RFC 5322 section 3.2.5): as plain atoms
//! when every word is one, else as a quoted string (`"` and `\` escaped),
//! and as RFC 2047 encoded words when it is not ASCII. The header is
//! pre-encoded here, so lettre never encodes the `<...>` part.

use base64::Engine;
use lettre::message::header::{HeaderName, HeaderValue};

/// The `List-Id` value for a newsletter titled `title` whose list label is
/// `label` (a slug: letters, digits and `-`) under `domain`.
pub(super) fn value(title: &str, label: &str, domain: &str) -> HeaderValue {
    let name = HeaderName::new_from_ascii_str("List-Id");
    let id = format!("<{label}.{domain}>");
    let raw = format!("{title} {id}");
    let encoded = match phrase(title) {
        // Folded before the id when the line would pass 78 characters.
        Some(p)
            if "List-Id: ".len() + p.rsplit('\n').next().map_or(0, str::len) + 1 + id.len()
                > 78 =>
        {
            format!("{p}\r\n {id}")
        }
        Some(p) => format!("{p} {id}"),
        None => id,
    };
    HeaderValue::dangerous_new_pre_encoded(name, raw, encoded)
}

/// `title` as an RFC 5322 phrase, `None` when it is empty.
fn phrase(title: &str) -> Option<String> {
    if title.is_empty() {
        return None;
    }
    if !title.is_ascii() {
        return Some(encoded_words(title));
    }
    if title
        .split(' ')
        .all(|w| !w.is_empty() && w.chars().all(is_atext))
    {
        return Some(title.to_string());
    }
    let mut q = String::with_capacity(title.len() + 2);
    q.push('"');
    for c in title.chars() {
        if c == '"' || c == '\\' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    Some(q)
}

/// RFC 5322 `atext`: what an atom may hold without quoting.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// RFC 2047 base64 encoded words of at most 45 bytes of text each (so a
/// word stays under 75 characters), whole characters only, folded.
pub(super) fn encoded_words(text: &str) -> String {
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| {
            format!(
                "=?utf-8?b?{}?=",
                base64::engine::general_purpose::STANDARD.encode(w)
            )
        })
        .collect::<Vec<_>>()
        .join("\r\n ")
}
