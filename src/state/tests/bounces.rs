//! Bounces: reports recorded once, suppressions with their reasons, soft
//! bounces counted per issue in a row, and the migration of old rows.

use super::*;
use crate::state::{BounceEvent, BounceKind, Reason};

fn event(key: &str, issue: u32, kind: BounceKind) -> BounceEvent {
    BounceEvent {
        key: key.into(),
        issue,
        kind,
        status: Some("5.1.1".into()),
        detail: None,
    }
}

fn reason_of(state: &State, key: &str) -> Option<String> {
    state
        .conn
        .query_row(
            "SELECT reason FROM suppressions WHERE key = ?1",
            [key],
            |r| r.get(0),
        )
        .ok()
}

/// A state where `key` got issues 1..=n (sent).
fn sent(path: &Path, key: &str, n: u32) -> State {
    let mut state = State::open(path).unwrap();
    for i in 1..=n {
        state
            .record(&[outcome(i, key, Status::Sent, None, t(9, 0))])
            .unwrap();
    }
    state
}

#[test]
fn a_report_counts_once_and_a_hard_bounce_suppresses_as_bounced() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = sent(&db(&dir), "a@x.org", 1);
    let events = [event("a@x.org", 1, BounceKind::Hard)];
    let effect = state
        .record_report("<r1@mx>", &events, 3, t(10, 0))
        .unwrap()
        .unwrap();
    assert_eq!(
        effect.suppressed,
        [("a@x.org".to_string(), Reason::Bounced)]
    );
    assert!(state.report_seen("<r1@mx>").unwrap());
    assert_eq!(
        state
            .record_report("<r1@mx>", &events, 3, t(11, 0))
            .unwrap(),
        None
    );
    assert_eq!(state.bounce_count(BounceKind::Hard).unwrap(), 1);
    assert_eq!(reason_of(&state, "a@x.org").as_deref(), Some("bounced"));
}

#[test]
fn a_complaint_suppresses_as_complained_and_an_earlier_reason_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = sent(&db(&dir), "a@x.org", 1);
    state
        .suppress_with_reason(&keys(&["b@x.org"]), Reason::Manual, t(9, 0))
        .unwrap();
    let events = [
        event("a@x.org", 1, BounceKind::Complaint),
        event("b@x.org", 1, BounceKind::Complaint),
    ];
    let effect = state
        .record_report("<fbl@x>", &events, 3, t(10, 0))
        .unwrap()
        .unwrap();
    assert_eq!(
        effect.suppressed,
        [("a@x.org".to_string(), Reason::Complained)]
    );
    assert_eq!(reason_of(&state, "b@x.org").as_deref(), Some("manual"));
    let counts = state.suppressed_by_reason().unwrap();
    assert_eq!(
        (counts.complained, counts.manual, counts.total()),
        (1, 1, 2)
    );
}

#[test]
fn soft_bounces_suppress_after_the_limit_of_issues_in_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = sent(&db(&dir), "a@x.org", 4);
    let soft = |state: &mut State, id: &str, issue| {
        state
            .record_report(
                id,
                &[event("a@x.org", issue, BounceKind::Soft)],
                3,
                t(10, 0),
            )
            .unwrap()
            .unwrap()
            .suppressed
    };
    assert!(soft(&mut state, "<1@mx>", 1).is_empty());
    // Two notices about the same issue count once.
    assert!(soft(&mut state, "<1b@mx>", 1).is_empty());
    assert_eq!(state.soft_streak("a@x.org").unwrap(), 1);
    // Issue 2 went through: issue 3 and 4 make a run of two, not three.
    assert!(soft(&mut state, "<3@mx>", 3).is_empty());
    assert!(soft(&mut state, "<4@mx>", 4).is_empty());
    assert_eq!(state.soft_streak("a@x.org").unwrap(), 2);
    // The late report about issue 2 completes four in a row.
    assert_eq!(
        soft(&mut state, "<2@mx>", 2),
        [("a@x.org".to_string(), Reason::Bounced)]
    );
    assert_eq!(state.soft_streak("a@x.org").unwrap(), 4);
}

#[test]
fn old_suppressions_become_manual_and_suppress_records_unsubscribed() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    {
        let c = Connection::open(&path).unwrap();
        // Every step before the one that adds the reasons.
        let before = MIGRATIONS
            .iter()
            .position(|m| m.contains("ADD COLUMN reason"))
            .unwrap();
        for m in &MIGRATIONS[..before] {
            c.execute_batch(m).unwrap();
        }
        c.pragma_update(None, "user_version", before as i64)
            .unwrap();
        c.execute(
            "INSERT INTO suppressions (key, suppressed_at) VALUES ('old@x.org', '2024-03-01T00:00:00Z')",
            [],
        )
        .unwrap();
    }
    let mut state = State::open(&path).unwrap();
    assert_eq!(pragma_i64(&state.conn, "user_version"), SCHEMA_VERSION);
    assert_eq!(reason_of(&state, "old@x.org").as_deref(), Some("manual"));
    state.suppress(&keys(&["new@x.org"]), t(9, 0)).unwrap();
    assert_eq!(
        reason_of(&state, "new@x.org").as_deref(),
        Some("unsubscribed")
    );
    let bad = state.conn.execute(
        "UPDATE suppressions SET reason = 'whim' WHERE key = 'new@x.org'",
        [],
    );
    assert!(bad.is_err(), "an unknown reason was stored");
}

#[test]
fn deliveries_are_found_by_message_id_and_by_address() {
    let dir = tempfile::tempdir().unwrap();
    let state = sent(&db(&dir), "a@x.org", 2);
    let id = outcome(2, "a@x.org", Status::Sent, None, t(9, 0)).message_id;
    assert_eq!(
        state.delivery_by_message_id(&id, Some(2)).unwrap(),
        Some((2, "a@x.org".to_string()))
    );
    assert_eq!(
        state.delivery_by_message_id(&id, None).unwrap(),
        Some((2, "a@x.org".to_string()))
    );
    assert_eq!(state.delivery_by_message_id(&id, Some(1)).unwrap(), None);
    assert_eq!(state.latest_issue_to("a@x.org").unwrap(), Some(2));
    assert_eq!(state.latest_issue_to("b@x.org").unwrap(), None);
    assert_eq!(state.delivery_keys(1).unwrap(), ["a@x.org"]);
}
