use std::path::PathBuf;

use chrono::{TimeZone, Utc};

use super::*;

fn settings(key: &str) -> DkimSettings {
    DkimSettings {
        domain: "example.org".into(),
        selector: "news".into(),
        private_key: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/dkim")
            .join(key),
    }
}

const WIRE: &[u8] = b"From: CFP <cfp@example.org>\r\nTo: a@example.com\r\nSubject: Hello\r\n  world\r\nX-Other: 1\r\n\r\nbody  text \r\n\r\n\r\n";

#[test]
fn canonicalization_is_relaxed() {
    // RFC 6376 §3.4.5's example.
    assert_eq!(relaxed_header("A", " X\r\n"), "a:X");
    assert_eq!(relaxed_header("B ", " Y\t\r\n\tZ  "), "b:Y Z");
    assert_eq!(relaxed_body(b" C \r\nD \t E\r\n\r\n\r\n"), b" C\r\nD E\r\n");
    assert_eq!(relaxed_body(b""), b"");
    assert_eq!(relaxed_body(b"\r\n\r\n"), b"");
    let head = &WIRE[..find(WIRE, b"\r\n\r\n").unwrap() + 2];
    let f = fields(head);
    assert_eq!(f.len(), 4);
    assert_eq!(f[2], ("Subject", " Hello\r\n  world"));
}

#[test]
fn keys_load_in_each_format_and_small_rsa_is_refused() {
    for key in ["rsa2048.pem", "rsa2048-pkcs1.pem", "ed25519.pem"] {
        let s = Signer::load(&settings(key)).unwrap();
        let r = s.dns_record().unwrap();
        assert_eq!(r.name, "news._domainkey.example.org");
        assert!(r.value.starts_with("v=DKIM1; k="), "{}", r.value);
    }
    let e = Signer::load(&settings("rsa1024.pem")).err().unwrap();
    assert!(e.to_string().contains("1024 bits"), "{e}");
    let e = Signer::load(&settings("README.md")).err().unwrap();
    assert!(e.to_string().contains("not a PEM"), "{e}");
    // The secret is never in a message.
    assert!(!e.to_string().contains("openssl genrsa -out\n"));
}

#[test]
fn rsa_signatures_verify_with_the_published_key_and_break_on_tampering() {
    use rsa::pkcs8::DecodePublicKey;
    let s = Signer::load(&settings("rsa2048.pem")).unwrap();
    let at = Utc.with_ymd_and_hms(2024, 3, 4, 9, 0, 0).unwrap();
    let value = s.signature(WIRE, at).unwrap();
    assert!(value.contains("c=relaxed/relaxed; d=example.org; s=news;"));
    assert!(value.contains("t=1709542800;"));
    assert!(value.contains("h=from:to:subject:date:message-id:list-id:mime-version:content-type:list-unsubscribe:list-unsubscribe-post;"));
    let record = s.dns_record().unwrap();
    let p = record.value.split("p=").nth(1).unwrap();
    let public = rsa::RsaPublicKey::from_public_key_der(&STANDARD.decode(p).unwrap()).unwrap();
    let verify = |wire: &[u8]| {
        let (unsigned, b) = value.split_at(value.rfind("b=").unwrap() + 2);
        let sig = STANDARD.decode(b.replace(['\r', '\n', '\t'], "")).unwrap();
        let head = &wire[..find(wire, b"\r\n\r\n").unwrap() + 2];
        let digest = Sha256::digest(signed_data(head, unsigned));
        // The rsa crate checks what ring signed (PKCS#1 v1.5, SHA-256
        // DigestInfo): two implementations agree.
        let mut info = vec![
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ];
        info.extend_from_slice(&digest);
        public
            .verify(rsa::Pkcs1v15Sign::new_unprefixed(), &info, &sig)
            .is_ok()
    };
    assert!(verify(WIRE));
    let tampered = String::from_utf8_lossy(WIRE).replace("Hello", "Hellp");
    assert!(!verify(tampered.as_bytes()));
    // A header outside the list may change.
    let other = String::from_utf8_lossy(WIRE).replace("X-Other: 1", "X-Other: 2");
    assert!(verify(other.as_bytes()));
}

#[test]
fn the_zone_line_splits_long_values() {
    let r = DnsRecord {
        name: "s._domainkey.example.org".into(),
        value: "x".repeat(300),
    };
    let line = r.zone_line();
    assert!(line.starts_with("s._domainkey.example.org. IN TXT ( \""));
    assert!(line.contains(&format!("\"{}\" \"{}\"", "x".repeat(255), "x".repeat(45))));
}
