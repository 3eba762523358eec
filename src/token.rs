//! Opaque tokens for the links in emails: one-click unsubscribe and the
//! double opt-in confirmation.
//!
//! A token is base64url (no padding) of `id || expiry? || mac` (`?`: only in confirm tokens):
//! - `id` (8 bytes) names an address: the first bytes of
//!   HMAC-SHA256(secret, "address\0" || key), where `key` is the normalized
//!   address. It is keyed, so nobody without the secret can compute the id
//!   of an address and probe whether it is known. The state maps id ->
//!   address in an indexed table, so resolving a token is one primary-key
//!   lookup: no CSV read, no scan, and a token keeps working after the CSV
//!   is edited or reordered.
//! - `expiry` (8 bytes, Unix seconds, big-endian) only in confirm tokens.
//! - `mac` (24 bytes) = HMAC-SHA256(secret, purpose || id || expiry?),
//!   truncated, checked in constant time ([`hmac::Mac::verify_truncated_left`]).
//!   The purpose keeps a confirm token from being used as an unsubscribe
//!   token and the other way round.
//!
//! An unsubscribe token is 32 bytes (43 characters) and never expires; a
//! confirm token is 40 bytes (54 characters). Changing the secret
//! invalidates every token already sent.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Length of an address id in bytes.
pub const ID_LEN: usize = 8;
const MAC_LEN: usize = 24;
const EXPIRY_LEN: usize = 8;
/// Longest token text accepted (anything longer is refused unread).
const MAX_TEXT: usize = 64;

/// The id of an address in the state's address table.
pub type AddressId = [u8; ID_LEN];

/// What a token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Unsubscribe,
    Confirm,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Unsubscribe => b"unsubscribe\0",
            Purpose::Confirm => b"confirm\0",
        }
    }
}

/// A verified confirm token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmToken {
    /// The address it confirms.
    pub id: AddressId,
    /// When it stops being valid.
    pub expires: DateTime<Utc>,
}

/// Makes and checks tokens under one secret. The secret is never shown
/// (`Debug` leaves it out).
#[derive(Clone)]
pub struct Tokens {
    /// HMAC-SHA256 keyed with the secret once: each token clones it
    /// instead of hashing the key again (two SHA-256 blocks a token, on
    /// the send path).
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").finish_non_exhaustive()
    }
}

impl Tokens {
    /// Tokens under `secret`; `None` for an empty secret.
    pub fn new(secret: &[u8]) -> Option<Tokens> {
        if secret.is_empty() {
            return None;
        }
        // HMAC takes keys of any length: this cannot fail.
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).ok()?;
        Some(Tokens { keyed })
    }

    fn mac(&self) -> Hmac<Sha256> {
        self.keyed.clone()
    }

    /// The id of the normalized address `key`.
    pub fn address_id(&self, key: &str) -> AddressId {
        let mut mac = self.mac();
        mac.update(b"address\0");
        mac.update(key.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut id = [0u8; ID_LEN];
        id.copy_from_slice(&full[..ID_LEN]);
        id
    }

    fn tag(&self, purpose: Purpose, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = self.mac();
        mac.update(purpose.label());
        mac.update(body);
        mac
    }

    fn seal(&self, purpose: Purpose, body: &[u8]) -> String {
        let full = self.tag(purpose, body).finalize().into_bytes();
        let mut bytes = body.to_vec();
        bytes.extend_from_slice(&full[..MAC_LEN]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Decodes `text` and checks its MAC for `purpose`: the body (id and
    /// expiry) if it is genuine, else `None`. The body must be `body_len`
    /// bytes long.
    fn open(&self, purpose: Purpose, text: &str, body_len: usize) -> Option<Vec<u8>> {
        let text = text.trim();
        if text.len() > MAX_TEXT {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        if bytes.len() != body_len + MAC_LEN {
            return None;
        }
        let (body, tag) = bytes.split_at(body_len);
        self.tag(purpose, body).verify_truncated_left(tag).ok()?;
        Some(body.to_vec())
    }

    /// The unsubscribe token of the normalized address `key`.
    pub fn unsubscribe(&self, key: &str) -> String {
        self.seal(Purpose::Unsubscribe, &self.address_id(key))
    }

    /// The address id in a genuine unsubscribe token.
    pub fn check_unsubscribe(&self, text: &str) -> Option<AddressId> {
        let body = self.open(Purpose::Unsubscribe, text, ID_LEN)?;
        body.try_into().ok()
    }

    /// A confirm token for `key` that expires at `expires`.
    pub fn confirm(&self, key: &str, expires: DateTime<Utc>) -> String {
        let mut body = self.address_id(key).to_vec();
        body.extend_from_slice(&expires.timestamp().to_be_bytes());
        self.seal(Purpose::Confirm, &body)
    }

    /// A genuine confirm token, expired or not (the caller compares
    /// [`ConfirmToken::expires`] with now, to say "expired" rather than
    /// "not found").
    pub fn check_confirm(&self, text: &str) -> Option<ConfirmToken> {
        let body = self.open(Purpose::Confirm, text, ID_LEN + EXPIRY_LEN)?;
        let (id, expiry) = body.split_at(ID_LEN);
        let seconds = i64::from_be_bytes(expiry.try_into().ok()?);
        Some(ConfirmToken {
            id: id.try_into().ok()?,
            expires: DateTime::from_timestamp(seconds, 0)?,
        })
    }
}

#[cfg(test)]
mod tests;
