//! VERP: a return path of its own for each message
//! (`delivery.return_path = "bounces+{token}@example.org"`), so that a
//! bounce that quotes nothing of the message still names its recipient by
//! the address it was sent back to.
//!
//! The token is `ISSUE-MAC`: the issue number and the first 10 bytes, in
//! lowercase hex, of HMAC-SHA256 under the unsubscribe secret of
//! `verp`, the issue and the recipient's normalized address. It gives no
//! address away, and only the holder of the secret can make one that
//! verifies. (The unsubscribe token of `src/compose` signs the address
//! alone; this one is domain-separated from it by the `verp` prefix.)

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The placeholder in `delivery.return_path`.
pub const PLACEHOLDER: &str = "{token}";

/// The VERP token of (issue, recipient) under `secret`.
pub fn token(secret: &[u8], issue: u32, key: &str) -> String {
    format!("{issue}-{}", mac(secret, issue, key))
}

fn mac(secret: &[u8], issue: u32, key: &str) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    m.update(format!("verp\n{issue}\n{key}").as_bytes());
    m.finalize()
        .into_bytes()
        .iter()
        .take(10)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The envelope sender of the message of `issue` to `key`: `template` with
/// its placeholder replaced by the token.
pub fn return_path(template: &str, secret: &[u8], issue: u32, key: &str) -> String {
    template.replace(PLACEHOLDER, &token(secret, issue, key))
}

/// The token in `address` if it is `template` with a token in place of
/// the placeholder (compared without regard to case), as (issue, mac).
pub(crate) fn token_in(template: &str, address: &str) -> Option<(u32, String)> {
    let (before, after) = template.split_once(PLACEHOLDER)?;
    let lower = address.to_ascii_lowercase();
    let inner = lower
        .strip_prefix(&before.to_ascii_lowercase())?
        .strip_suffix(&after.to_ascii_lowercase())?;
    let (issue, mac) = inner.split_once('-')?;
    let ok = mac.len() == 20 && mac.bytes().all(|b| b.is_ascii_hexdigit());
    Some((issue.parse().ok()?, mac.to_string())).filter(|_| ok)
}

/// Which of `keys` (the recipients of `issue`) the mac was made for.
pub(crate) fn verify<'a>(
    secret: &[u8],
    issue: u32,
    mac_hex: &str,
    keys: &'a [String],
) -> Option<&'a String> {
    keys.iter().find(|k| mac(secret, issue, k) == mac_hex)
}
