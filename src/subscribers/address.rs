//! Email addresses: checked and normalized ([`normalize_address`]).

use crate::error::Result;

/// Longest local part (before the `@`), in bytes (RFC 5321).
const MAX_LOCAL_LEN: usize = 64;
/// Longest domain, in ASCII characters (RFC 1035).
const MAX_DOMAIN_LEN: usize = 253;
/// Longest domain label, in ASCII characters (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// A normalized email address (see [`normalize_address`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `local@domain`: the local part as written, the domain in lowercase
    /// ASCII (punycode for internationalized domains).
    pub email: String,
    /// `email` in lowercase: the key for de-duplication and suppression.
    pub key: String,
    /// The local part has non-ASCII characters (delivery needs SMTPUTF8).
    pub needs_smtputf8: bool,
}

/// Checks and normalizes one email address; the error is the reason it is
/// not accepted, worded for the user (it does not repeat the address).
///
/// Surrounding whitespace is trimmed and the address is split at the last
/// `@`. The local part must be a dot-atom (RFC 5322 `atext` and single dots
/// between them) of at most 64 bytes; non-ASCII characters are allowed and
/// set [`Address::needs_smtputf8`]. Quoted local parts, display-name forms
/// (`Ann <ann@example.com>`) and address literals (`ann@[192.0.2.1]`) are
/// rejected. The domain is converted to ASCII (IDNA), lowercased, and must be
/// a dotted name of valid labels. The result is also checked to parse as a
/// [`lettre::Address`], so sending to it cannot fail on its syntax.
pub fn normalize_address(input: &str) -> Result<Address, String> {
    let address = input.trim();
    if address.is_empty() {
        return Err("the email address is empty".to_string());
    }
    if address.contains(['<', '>']) {
        let bare = address
            .split_once('<')
            .and_then(|(_, rest)| rest.split_once('>'))
            .map(|(inner, _)| inner.trim())
            .filter(|inner| !inner.is_empty());
        return Err(match bare {
            Some(bare) => format!(
                "display-name forms like `Ann <ann@example.com>` are not accepted; \
                 write only the address (`{bare}`) and put the name in the `name` column"
            ),
            None => "the characters `<` and `>` are not allowed in an address".to_string(),
        });
    }
    if address.contains(' ') {
        return Err("it contains a space".to_string());
    }
    if let Some(c) = address
        .chars()
        .find(|&c| c.is_whitespace() || c.is_control() || is_invisible(c))
    {
        return Err(format!(
            "it contains an invisible or control character ({})",
            codepoint(c)
        ));
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err("it has no `@`".to_string());
    };
    if local.is_empty() {
        return Err("there is nothing before the `@`".to_string());
    }
    if domain.is_empty() {
        return Err("there is no domain after the `@`".to_string());
    }
    let needs_smtputf8 = check_local(local)?;
    let domain = normalize_domain(domain)?;
    let email = format!("{local}@{domain}");
    if let Err(e) = email.parse::<lettre::Address>() {
        return Err(format!("the mail library does not accept it: {e}"));
    }
    let key = email.to_lowercase();
    Ok(Address {
        email,
        key,
        needs_smtputf8,
    })
}

/// Checks the local part; returns whether it has non-ASCII characters.
fn check_local(local: &str) -> Result<bool, String> {
    if local.starts_with('"') {
        return Err(
            "quoted local parts (`\"...\"@example.com`) are not supported; \
             use an address without quotes"
                .to_string(),
        );
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(format!(
            "the part before the `@` is {} bytes long; at most {MAX_LOCAL_LEN} are allowed",
            local.len()
        ));
    }
    if local.starts_with('.') || local.ends_with('.') {
        return Err("the part before the `@` may not start or end with a dot".to_string());
    }
    if local.contains("..") {
        return Err("the part before the `@` has two dots in a row".to_string());
    }
    let mut non_ascii = false;
    for c in local.chars() {
        if c.is_ascii() {
            if !(is_atext(c) || c == '.') {
                return Err(format!("the character `{c}` is not allowed before the `@`"));
            }
        } else {
            non_ascii = true;
        }
    }
    Ok(non_ascii)
}

/// RFC 5322 `atext`, ASCII part.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// Converts the domain to lowercase ASCII and checks it is a host name.
fn normalize_domain(domain: &str) -> Result<String, String> {
    if domain.starts_with('[') {
        return Err(
            "address literals like `ann@[192.0.2.1]` are not supported; use a domain name"
                .to_string(),
        );
    }
    let ascii = idna::domain_to_ascii(domain)
        .map_err(|_| format!("the domain `{domain}` is not a valid domain name"))?;
    if ascii.is_empty() {
        return Err(format!("the domain `{domain}` is not a valid domain name"));
    }
    if ascii.len() > MAX_DOMAIN_LEN {
        return Err(format!(
            "the domain is {} characters long; at most {MAX_DOMAIN_LEN} are allowed",
            ascii.len()
        ));
    }
    if !ascii.contains('.') {
        return Err(format!(
            "the domain `{domain}` has no dot; write a full domain such as `example.com`"
        ));
    }
    let mut last = "";
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(format!(
                "the domain `{domain}` has an empty part (a dot at the start or end, or two in a row)"
            ));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(format!(
                "the domain part `{label}` is {} characters long; at most {MAX_LABEL_LEN} are allowed",
                label.len()
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(format!(
                "the character `{c}` is not allowed in the domain (only letters, digits, hyphens and dots)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "the domain part `{label}` may not start or end with a hyphen"
            ));
        }
        last = label;
    }
    if last.chars().all(|c| c.is_ascii_digit()) {
        return Err(
            "the domain ends in a number; IP addresses are not accepted, use a domain name"
                .to_string(),
        );
    }
    Ok(ascii)
}

/// Characters that show as nothing (zero-width, bidirectional controls and
/// the like); an address containing one is not what it looks like.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
    )
}

/// `U+000A`.
pub(super) fn codepoint(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

#[cfg(test)]
mod tests;
