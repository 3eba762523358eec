use super::*;

fn setup() -> (tempfile::TempDir, State, Tokens) {
    let dir = tempfile::tempdir().unwrap();
    let state = State::open(&dir.path().join("s.db")).unwrap();
    (dir, state, Tokens::new(b"k").unwrap())
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_710_000_000, 0).unwrap()
}

const LIMITS: RequestLimits = RequestLimits {
    per_address_per_day: 3,
    confirm_hours: 72,
};

#[test]
fn subscribe_confirm_unsubscribe_resubscribe() {
    let (_d, mut s, t) = setup();
    let mail = request(
        &mut s,
        &t,
        " Ann@Example.ORG ",
        Some("Ann\r\nX"),
        now(),
        LIMITS,
    )
    .unwrap()
    .unwrap();
    assert_eq!(mail.email, "Ann@example.org");
    assert_eq!(mail.name.as_deref(), Some("Ann X"));
    let later = now() + Duration::hours(1);
    assert!(matches!(
        check_confirm(&s, &t, &mail.token, later).unwrap(),
        Confirmation::Valid(_)
    ));
    assert!(
        s.confirmed_subscribers().unwrap().is_empty(),
        "checking confirmed"
    );
    assert!(matches!(
        confirm(&mut s, &t, &mail.token, later, None).unwrap(),
        Confirmation::Valid(_)
    ));
    assert_eq!(s.confirmed_subscribers().unwrap().len(), 1);

    let unsub = t.unsubscribe("ann@example.org");
    let m = unsubscribe(&mut s, &t, &unsub, later).unwrap().unwrap();
    assert_eq!(m.masked(), "A***@example.org");
    assert!(s.is_suppressed("ann@example.org").unwrap());
    assert!(resubscribe(&mut s, &t, &unsub).unwrap().is_some());
    assert!(!s.is_suppressed("ann@example.org").unwrap());
}

#[test]
fn expired_forged_and_unknown_tokens() {
    let (_d, mut s, t) = setup();
    let mail = request(&mut s, &t, "ann@example.org", None, now(), LIMITS)
        .unwrap()
        .unwrap();
    let late = now() + Duration::hours(72);
    assert!(matches!(
        confirm(&mut s, &t, &mail.token, late, None).unwrap(),
        Confirmation::Expired(_)
    ));
    assert!(s.confirmed_subscribers().unwrap().is_empty());
    // Genuine token, address never stored: like a forged one.
    let unknown = t.unsubscribe("nobody@example.org");
    assert_eq!(resolve(&s, &t, &unknown).unwrap(), None);
    assert_eq!(resolve(&s, &t, "forged").unwrap(), None);
    assert!(!s.is_suppressed("nobody@example.org").unwrap());
    assert_eq!(
        check_confirm(&s, &t, &t.unsubscribe("ann@example.org"), now()).unwrap(),
        Confirmation::NotFound
    );
}

#[test]
fn invalid_addresses_and_limits_send_nothing() {
    let (_d, mut s, t) = setup();
    assert_eq!(
        request(&mut s, &t, "not an address", None, now(), LIMITS).unwrap(),
        None
    );
    for _ in 0..3 {
        assert!(
            request(&mut s, &t, "a@example.org", None, now(), LIMITS)
                .unwrap()
                .is_some()
        );
    }
    assert_eq!(
        request(&mut s, &t, "a@example.org", None, now(), LIMITS).unwrap(),
        None
    );
}
