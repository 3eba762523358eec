//! Reading `application/x-www-form-urlencoded` bodies: a few named
//! fields, decoded leniently (a field that does not decode is absent).

use axum::http::{HeaderMap, header};

/// A form field of an `application/x-www-form-urlencoded` body, decoded.
pub(crate) fn field(body: &[u8], name: &str) -> Option<String> {
    url_decode_pairs(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn url_decode_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.split(|&b| b == b'&').filter_map(|pair| {
        let mut it = pair.splitn(2, |&b| b == b'=');
        let k = form_decode(it.next()?)?;
        let v = form_decode(it.next().unwrap_or(b""))?;
        Some((k, v))
    })
}

/// `+` is a space, `%XX` a byte; `None` if not UTF-8 or a bad escape.
fn form_decode(s: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(s.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields() {
        let body = b"email=ann%40example.org&name=Ann+Lee&bad=%zz&List-Unsubscribe=One-Click";
        assert_eq!(field(body, "email").as_deref(), Some("ann@example.org"));
        assert_eq!(field(body, "name").as_deref(), Some("Ann Lee"));
        assert_eq!(field(body, "bad"), None);
        assert_eq!(
            field(body, "List-Unsubscribe").as_deref(),
            Some("One-Click")
        );
        assert_eq!(field(b"", "x"), None);
    }
}
