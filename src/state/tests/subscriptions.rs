//! Subscriptions made through the server, and the address ids behind tokens.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::state::{SubscribeDecision, SubscribeRequest};

fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 20, 0, 0, 0).unwrap() + Duration::hours(i64::from(h))
}

fn open() -> (tempfile::TempDir, State) {
    let dir = tempfile::tempdir().unwrap();
    let state = State::open(&dir.path().join("s.db")).unwrap();
    (dir, state)
}

fn request(key: &str) -> SubscribeRequest {
    SubscribeRequest {
        id: [key.len() as u8; 8],
        key: key.into(),
        email: key.into(),
        name: Some("Ann".into()),
    }
}

#[test]
fn a_request_is_pending_until_confirmed_and_then_in_the_audience() {
    let (_d, mut s) = open();
    let r = request("ann@example.org");
    assert_eq!(
        s.request_subscription(&r, at(0), 3).unwrap(),
        SubscribeDecision::SendConfirmation
    );
    assert!(s.confirmed_subscribers().unwrap().is_empty());
    assert_eq!(s.subscription_counts().unwrap().pending, 1);
    assert_eq!(
        s.address(&r.id).unwrap(),
        Some(("ann@example.org".into(), "ann@example.org".into()))
    );
    assert!(
        s.confirm_subscription(&r.key, at(1), Some("192.0.2.1"))
            .unwrap()
    );
    let confirmed = s.confirmed_subscribers().unwrap();
    assert_eq!(confirmed.len(), 1);
    assert_eq!(confirmed[0].name.as_deref(), Some("Ann"));
    assert_eq!(
        s.request_subscription(&r, at(2), 3).unwrap(),
        SubscribeDecision::AlreadySubscribed
    );
    assert!(
        !s.confirm_subscription("nobody@example.org", at(1), None)
            .unwrap()
    );
}

#[test]
fn confirmations_are_limited_per_address_per_day() {
    let (_d, mut s) = open();
    let r = request("ann@example.org");
    for h in 0..3 {
        assert_eq!(
            s.request_subscription(&r, at(h), 3).unwrap(),
            SubscribeDecision::SendConfirmation
        );
    }
    assert_eq!(
        s.request_subscription(&r, at(5), 3).unwrap(),
        SubscribeDecision::Limited
    );
    // A day after the first, one more is allowed.
    assert_eq!(
        s.request_subscription(&r, at(24), 3).unwrap(),
        SubscribeDecision::SendConfirmation
    );
}

#[test]
fn a_suppressed_subscriber_gets_a_confirmation_and_confirming_lifts_it() {
    let (_d, mut s) = open();
    let r = request("ann@example.org");
    s.request_subscription(&r, at(0), 3).unwrap();
    s.confirm_subscription(&r.key, at(0), None).unwrap();
    assert_eq!(s.suppress(std::slice::from_ref(&r.key), at(1)).unwrap(), 1);
    assert_eq!(s.suppress(std::slice::from_ref(&r.key), at(2)).unwrap(), 0);
    assert_eq!(
        s.suppressed_by_reason()
            .unwrap()
            .get(crate::state::Reason::Unsubscribed),
        1
    );
    assert_eq!(
        s.request_subscription(&r, at(3), 3).unwrap(),
        SubscribeDecision::SendConfirmation
    );
    s.confirm_subscription(&r.key, at(4), None).unwrap();
    assert!(!s.is_suppressed(&r.key).unwrap());
}

#[test]
fn remembered_addresses_keep_their_first_entry() {
    let (_d, mut s) = open();
    let id = [7u8; 8];
    s.remember_addresses([(id, "a@x.org".to_string(), "A@x.org".to_string())])
        .unwrap();
    s.remember_addresses([(id, "a@x.org".to_string(), "a@x.org".to_string())])
        .unwrap();
    assert_eq!(
        s.address(&id).unwrap(),
        Some(("a@x.org".into(), "A@x.org".into()))
    );
    assert_eq!(s.address(&[8u8; 8]).unwrap(), None);
}
