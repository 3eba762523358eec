//! DKIM signing (RFC 6376, relaxed/relaxed; RSA-SHA256 or, RFC 8463,
//! Ed25519-SHA256), one step after a message is composed.
//!
//! The signature is computed over the message as it goes on the wire
//! (`Message::formatted`), because that is what a verifier sees: lettre
//! keeps the multipart's `Content-Type` with the body, not among the
//! message's headers, so its own `dkim` feature could not sign it (and it
//! reads only PKCS#1 RSA keys). The `DKIM-Signature` header is then added
//! to the message; its `t=` is the message's Date.
//!
//! The private key is a secret: read from its file once per run, never
//! printed; errors name the file, not its content. The `rsa` crate reads
//! the key (PKCS#1 or PKCS#8 PEM) and gives the public key; `ring`
//! (already in the tree through rustls) signs with it, about ten times
//! fewer instructions than the `rsa` crate's own signing (BENCHMARKS.md).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use ed25519_dalek::Signer as _;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};

use crate::config::DkimSettings;
use crate::error::{Error, Result};

/// The header fields the signature covers, in this order. A field a
/// message lacks (`List-Unsubscribe-Post` without an https URL) is listed
/// anyway, so that nobody can add it later without breaking the signature.
pub const SIGNED_HEADERS: &[&str] = &[
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Id",
    "MIME-Version",
    "Content-Type",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

/// The smallest RSA key accepted, in bits.
const MIN_RSA_BITS: usize = 2048;

enum Key {
    /// The key as read (for the public key), and as `ring` signs with it.
    Rsa(Box<RsaPrivateKey>, Box<ring::signature::RsaKeyPair>),
    Ed25519(Box<ed25519_dalek::SigningKey>),
}

/// Signs messages with one domain's key.
pub struct Signer {
    domain: String,
    selector: String,
    key: Key,
}

/// The DNS TXT record that publishes the public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    /// `selector._domainkey.domain`.
    pub name: String,
    /// `v=DKIM1; k=rsa; p=...` (one string; [`DnsRecord::zone_line`] splits
    /// it into the 255-byte strings DNS allows).
    pub value: String,
}

impl DnsRecord {
    /// The record as a zone-file line, the value in quoted strings of at
    /// most 255 bytes.
    pub fn zone_line(&self) -> String {
        let parts: Vec<String> = self
            .value
            .as_bytes()
            .chunks(255)
            .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
            .collect();
        format!("{}. IN TXT ( {} )", self.name, parts.join(" "))
    }
}

impl Signer {
    /// Reads the key named by `settings`: PEM RSA (PKCS#1 or PKCS#8, at
    /// least 2048 bits) or PEM PKCS#8 Ed25519.
    pub fn load(settings: &DkimSettings) -> Result<Signer> {
        let path = &settings.private_key;
        let pem = crate::error::read_text(path)
            .map_err(|e| e.with_help("dkim.private_key names the PEM file of the signing key"))?;
        let bad = |what: &str| {
            Error::input(format!(
                "{}: {what} (dkim.private_key)",
                path.display()
            ))
            .with_help("generate one with `openssl genrsa -out dkim.pem 2048` or `openssl genpkey -algorithm ed25519 -out dkim.pem`")
        };
        let rsa = RsaPrivateKey::from_pkcs1_pem(&pem)
            .or_else(|_| RsaPrivateKey::from_pkcs8_pem(&pem))
            .ok();
        let key = if let Some(k) = rsa {
            if k.size() * 8 < MIN_RSA_BITS {
                return Err(bad(&format!(
                    "the RSA key has {} bits; receivers want at least {MIN_RSA_BITS}",
                    k.size() * 8
                )));
            }
            let der = k
                .to_pkcs8_der()
                .map_err(|_| bad("the RSA key cannot be used for signing"))?;
            let pair = ring::signature::RsaKeyPair::from_pkcs8(der.as_bytes())
                .map_err(|_| bad("the RSA key cannot be used for signing"))?;
            Key::Rsa(Box::new(k), Box::new(pair))
        } else if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem) {
            Key::Ed25519(Box::new(k))
        } else {
            return Err(bad("not a PEM RSA or Ed25519 private key"));
        };
        Ok(Signer {
            domain: settings.domain.clone(),
            selector: settings.selector.clone(),
            key,
        })
    }

    /// The TXT record to publish for this key.
    pub fn dns_record(&self) -> Result<DnsRecord> {
        let (k, public) = match &self.key {
            Key::Rsa(k, _) => {
                let der = k.to_public_key().to_public_key_der().map_err(|e| {
                    Error::failed("cannot encode the DKIM public key").with_source(e)
                })?;
                ("rsa", STANDARD.encode(der.as_bytes()))
            }
            Key::Ed25519(k) => ("ed25519", STANDARD.encode(k.verifying_key().as_bytes())),
        };
        Ok(DnsRecord {
            name: format!("{}._domainkey.{}", self.selector, self.domain),
            value: format!("v=DKIM1; k={k}; p={public}"),
        })
    }

    /// Adds the `DKIM-Signature` header to `message`, dated `at`.
    pub fn sign(&self, message: &mut Message, at: DateTime<Utc>) -> Result<()> {
        let value = self.signature(&message.formatted(), at)?;
        message
            .headers_mut()
            .insert_raw(HeaderValue::dangerous_new_pre_encoded(
                HeaderName::new_from_ascii_str("DKIM-Signature"),
                value.clone(),
                value,
            ));
        Ok(())
    }

    /// The `DKIM-Signature` value for the message `wire` (headers, blank
    /// line, body, CRLF line ends), folded.
    pub(crate) fn signature(&self, wire: &[u8], at: DateTime<Utc>) -> Result<String> {
        let split = find(wire, b"\r\n\r\n").map_or(wire.len(), |i| i + 2);
        let (head, body) = (&wire[..split], wire.get(split + 2..).unwrap_or_default());
        let bh = STANDARD.encode(Sha256::digest(relaxed_body(body)));
        let algorithm = match self.key {
            Key::Rsa(..) => "rsa-sha256",
            Key::Ed25519(_) => "ed25519-sha256",
        };
        let h = SIGNED_HEADERS.join(":").to_ascii_lowercase();
        let unsigned = format!(
            "v=1; a={algorithm}; c=relaxed/relaxed; d={}; s={};\r\n\tt={}; h={h};\r\n\tbh={bh};\r\n\tb=",
            self.domain,
            self.selector,
            at.timestamp()
        );
        let signed = signed_data(head, &unsigned);
        let signature = match &self.key {
            Key::Rsa(_, pair) => {
                // ring hashes `signed` (SHA-256) and pads it (PKCS#1 v1.5).
                let mut out = vec![0; pair.public().modulus_len()];
                pair.sign(
                    &ring::signature::RSA_PKCS1_SHA256,
                    &ring::rand::SystemRandom::new(),
                    &signed,
                    &mut out,
                )
                .map_err(|_| Error::failed("cannot compute the DKIM signature"))?;
                out
            }
            // RFC 8463: Ed25519 signs the SHA-256 hash.
            Key::Ed25519(k) => k.sign(&Sha256::digest(&signed)).to_bytes().to_vec(),
        };
        let b = STANDARD.encode(signature);
        let folded: Vec<&str> = b
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        Ok(format!("{unsigned}{}", folded.join("\r\n\t")))
    }
}

/// What the signature signs (RFC 6376 §3.7): the signed header fields of
/// `head`, canonicalized, each with its CRLF, then the `DKIM-Signature`
/// field as `unsigned` (its `b=` empty), canonicalized, without a CRLF.
fn signed_data(head: &[u8], unsigned: &str) -> Vec<u8> {
    let fields = fields(head);
    let mut out = Vec::with_capacity(head.len() + unsigned.len());
    for name in SIGNED_HEADERS {
        if let Some(field) = fields.iter().rev().find(|f| f.0.eq_ignore_ascii_case(name)) {
            out.extend_from_slice(relaxed_header(field.0, field.1).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(relaxed_header("DKIM-Signature", unsigned).as_bytes());
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The header block's fields: (name, value with its folding), in order.
fn fields(head: &[u8]) -> Vec<(&str, &str)> {
    let text = std::str::from_utf8(head).unwrap_or_default();
    let mut out: Vec<(&str, &str)> = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let line_end = bytes[i] == b'\r' && bytes[i + 1] == b'\n';
        let continues = bytes.get(i + 2).is_some_and(|b| *b == b' ' || *b == b'\t');
        if line_end && !continues {
            if let Some((name, value)) = text[start..i].split_once(':') {
                out.push((name, value));
            }
            start = i + 2;
        }
        i += 1;
    }
    out
}

/// Relaxed header canonicalization (RFC 6376 §3.4.2), without the CRLF.
fn relaxed_header(name: &str, value: &str) -> String {
    let mut out = name.trim().to_ascii_lowercase();
    out.push(':');
    let unfolded = value.replace("\r\n", "");
    let mut space = false;
    for c in unfolded.trim_matches([' ', '\t']).chars() {
        if c == ' ' || c == '\t' {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Relaxed body canonicalization (RFC 6376 §3.4.4).
fn relaxed_body(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut lines: Vec<&[u8]> = body.split(|b| *b == b'\n').collect();
    if body.ends_with(b"\n") {
        lines.pop();
    }
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut space = false;
        for &c in line {
            if c == b' ' || c == b'\t' {
                space = true;
            } else {
                if space {
                    out.push(b' ');
                    space = false;
                }
                out.push(c);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    while out.ends_with(b"\r\n\r\n") {
        out.truncate(out.len() - 2);
    }
    if out == b"\r\n" {
        out.clear();
    }
    out
}

#[cfg(test)]
mod tests;
