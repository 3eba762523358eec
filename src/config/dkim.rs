//! `[dkim]`: optional DKIM signing. The key's *path* is in the file; the
//! key itself is read only when messages are signed (`compose::dkim`).

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::validate::Validator;
use crate::error::Diagnostic;

/// `[dkim]`: sign every message with this domain's key.
#[derive(Debug, Clone)]
pub struct DkimSettings {
    /// The signing domain (`d=`); aligned with the From domain (DMARC).
    pub domain: String,
    /// The selector (`s=`): the key is published at
    /// `selector._domainkey.domain`.
    pub selector: String,
    /// The private key file: PEM RSA (PKCS#1 or PKCS#8, at least 2048
    /// bits) or PEM PKCS#8 Ed25519. A secret: never printed.
    pub private_key: PathBuf,
}

/// The TOML shape of `[dkim]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDkim {
    pub(super) domain: Spanned<String>,
    pub(super) selector: Spanned<String>,
    pub(super) private_key: PathBuf,
}

/// A DNS label: letters, digits and hyphens, 1 to 63 characters, not
/// starting or ending with a hyphen.
fn is_label(l: &str) -> bool {
    (1..=63).contains(&l.len())
        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !l.starts_with('-')
        && !l.ends_with('-')
}

/// The domain of a mailbox text (`Name <a@example.org>` or `a@example.org`).
fn mailbox_domain(mailbox: &str) -> Option<String> {
    let at = mailbox.rfind('@')?;
    let rest = &mailbox[at + 1..];
    let end = rest.find('>').unwrap_or(rest.len());
    Some(rest[..end].trim().to_ascii_lowercase())
}

/// Relaxed DMARC alignment: the From domain is `d=` or a subdomain of it.
pub(crate) fn aligned(from_domain: &str, d: &str) -> bool {
    from_domain == d || from_domain.ends_with(&format!(".{d}"))
}

impl Validator<'_> {
    /// Checks `[dkim]`: domain and selector are DNS names, and the domain
    /// aligns with the From address's (`from`, if set).
    pub(super) fn dkim(&self, d: RawDkim, from: Option<&str>) -> Result<DkimSettings, Diagnostic> {
        let domain = d
            .domain
            .get_ref()
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if !domain.contains('.') || !domain.split('.').all(is_label) {
            return Err(self.err(
                d.domain.span(),
                format!("dkim.domain `{}` is not a domain name", d.domain.get_ref()),
                "write the domain of your From address, such as example.org",
            ));
        }
        let selector = d.selector.get_ref().trim().to_string();
        if !selector.split('.').all(is_label) {
            return Err(self.err(
                d.selector.span(),
                format!("dkim.selector `{selector}` is not a DNS label"),
                "use letters, digits and hyphens, such as newsletter2024",
            ));
        }
        if let Some(from_domain) = from.and_then(mailbox_domain)
            && !aligned(&from_domain, &domain)
        {
            return Err(self.err(
                d.domain.span(),
                format!(
                    "dkim.domain `{domain}` does not align with the From domain `{from_domain}`: DMARC would fail"
                ),
                format!(
                    "sign with the From domain (domain = \"{from_domain}\") or a parent of it"
                ),
            ));
        }
        Ok(DkimSettings {
            domain,
            selector,
            private_key: d.private_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{aligned, mailbox_domain};

    #[test]
    fn alignment_is_relaxed() {
        assert!(aligned("example.org", "example.org"));
        assert!(aligned("news.example.org", "example.org"));
        assert!(!aligned("example.org", "news.example.org"));
        assert!(!aligned("badexample.org", "example.org"));
        assert_eq!(
            mailbox_domain("CFP <cfp@Example.ORG>").as_deref(),
            Some("example.org")
        );
    }
}
