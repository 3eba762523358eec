use chrono::TimeZone;

use super::*;

fn tokens() -> Tokens {
    Tokens::new(b"secret").unwrap()
}

#[test]
fn an_unsubscribe_token_round_trips_and_has_the_old_length() {
    let t = tokens();
    let token = t.unsubscribe("ann@example.org");
    assert_eq!(token.len(), 43);
    assert_eq!(
        t.check_unsubscribe(&token),
        Some(t.address_id("ann@example.org"))
    );
    // Stable: the same address always gets the same token.
    assert_eq!(token, t.unsubscribe("ann@example.org"));
    assert_ne!(token, t.unsubscribe("bob@example.org"));
}

#[test]
fn altered_forged_and_foreign_tokens_are_refused() {
    let t = tokens();
    let token = t.unsubscribe("ann@example.org");
    let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
    for i in [0, 7, 8, 31] {
        let mut b = bytes.clone();
        b[i] ^= 1;
        assert_eq!(t.check_unsubscribe(&URL_SAFE_NO_PAD.encode(&b)), None);
    }
    bytes.truncate(31);
    assert_eq!(t.check_unsubscribe(&URL_SAFE_NO_PAD.encode(&bytes)), None);
    for junk in ["", "abc", "!!!!", &"A".repeat(43), &"A".repeat(500)] {
        assert_eq!(t.check_unsubscribe(junk), None, "{junk}");
    }
    let other = Tokens::new(b"another secret").unwrap();
    assert_eq!(other.check_unsubscribe(&token), None);
    assert!(Tokens::new(b"").is_none());
}

#[test]
fn tokens_of_one_purpose_do_not_serve_the_other() {
    let t = tokens();
    let when = Utc.with_ymd_and_hms(2024, 3, 20, 12, 0, 0).unwrap();
    let confirm = t.confirm("ann@example.org", when);
    let got = t.check_confirm(&confirm).unwrap();
    assert_eq!(got.id, t.address_id("ann@example.org"));
    assert_eq!(got.expires, when);
    assert_eq!(t.check_unsubscribe(&confirm), None);
    assert_eq!(t.check_confirm(&t.unsubscribe("ann@example.org")), None);
}

#[test]
fn debug_does_not_show_the_secret() {
    assert!(!format!("{:?}", tokens()).contains("secret\""));
    assert!(!format!("{:?}", tokens()).contains("115"));
}
