//! VERP: a return path of its own for each message
//! (`delivery.return_path = "bounces+{token}@example.org"`), so that a
//! bounce that quotes nothing of the message still names its recipient by
//! the address it was sent back to.
//!
//! The token is `ISSUE-MAC`: the issue number and the first 10 bytes, in
//! lowercase hex, of HMAC-SHA256 under the unsubscribe secret of
//! `verp\nISSUE\nADDRESS` (the recipient's normalized address). It gives
//! no address away, and only the holder of the secret can make one that
//! verifies. (The unsubscribe token of `src/compose` signs the address
//! alone, which holds no line break, so the two never sign the same text.)

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The placeholder in `delivery.return_path`.
pub const PLACEHOLDER: &str = "{token}";

/// HMAC-SHA256 keyed with `secret`, set up once for many tokens.
pub fn keyed(secret: &[u8]) -> Option<Hmac<Sha256>> {
    Hmac::<Sha256>::new_from_slice(secret).ok()
}

/// The VERP token of (issue, recipient) under the keyed HMAC.
pub fn token(keyed: &Hmac<Sha256>, issue: u32, key: &str) -> String {
    format!("{issue}-{}", mac(keyed, issue, key))
}

fn mac(keyed: &Hmac<Sha256>, issue: u32, key: &str) -> String {
    let mut m = keyed.clone();
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
pub fn return_path(template: &str, keyed: &Hmac<Sha256>, issue: u32, key: &str) -> String {
    template.replace(PLACEHOLDER, &token(keyed, issue, key))
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
    keyed: &Hmac<Sha256>,
    issue: u32,
    mac_hex: &str,
    keys: &'a [String],
) -> Option<&'a String> {
    keys.iter().find(|k| mac(keyed, issue, k) == mac_hex)
}
