//! Deliveries: recorded in batches, sent is final, counted and listed.

use super::*;

#[test]
fn record_a_batch_and_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let mut state = State::open(&path).unwrap();
    assert_eq!(state.counts(1).unwrap(), Counts::default());
    state
        .record(&[
            outcome(1, "a@x.org", Status::Sent, Some("250 2.0.0 OK"), t(9, 0)),
            outcome(1, "b@x.org", Status::Sent, Some("250 OK"), t(9, 0)),
            outcome(
                1,
                "c@x.org",
                Status::Failed,
                Some("550 no such user"),
                t(9, 1),
            ),
            outcome(
                1,
                "d@x.org",
                Status::Pending,
                Some("451 try later"),
                t(9, 1),
            ),
            outcome(2, "a@x.org", Status::Sent, None, t(9, 2)),
        ])
        .unwrap();
    assert_eq!(
        state.counts(1).unwrap(),
        Counts {
            sent: 2,
            failed: 1,
            pending: 1
        }
    );
    assert_eq!(
        state.counts(2).unwrap(),
        Counts {
            sent: 1,
            failed: 0,
            pending: 0
        }
    );
    assert_eq!(state.counts(3).unwrap(), Counts::default());
    assert_eq!(state.sent_count(1).unwrap(), 2);
    assert_eq!(state.sent_count(2).unwrap(), 1);
    assert_eq!(state.sent_count(3).unwrap(), 0);
    state.record(&[]).unwrap();

    // The pending one is retried and goes through.
    state
        .record(&[outcome(
            1,
            "d@x.org",
            Status::Sent,
            Some("250 OK"),
            t(10, 0),
        )])
        .unwrap();
    assert_eq!(
        state.counts(1).unwrap(),
        Counts {
            sent: 3,
            failed: 1,
            pending: 0
        }
    );

    let row: (String, String, i64, Option<String>, String, String, String, Option<String>) = state
        .conn
        .query_row(
            "SELECT email, status, attempts, last_reply, message_id, created_at, updated_at, sent_at
             FROM deliveries WHERE issue = 1 AND key = 'd@x.org'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
        )
        .unwrap();
    let expected_message_id = format!("<1.d@x.org.{}@example.org>", t(10, 0).timestamp());
    assert_eq!(
        row,
        (
            "D@X.ORG".to_string(),
            "sent".to_string(),
            2,
            Some("250 OK".to_string()),
            expected_message_id,
            "2024-03-18T09:01:00Z".to_string(),
            "2024-03-18T10:00:00Z".to_string(),
            Some("2024-03-18T10:00:00Z".to_string()),
        )
    );
}

#[test]
fn sent_is_sticky() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = State::open(&db(&dir)).unwrap();
    state
        .record(&[outcome(1, "a@x.org", Status::Sent, Some("250 OK"), t(9, 0))])
        .unwrap();
    let before = state
        .conn
        .query_row("SELECT * FROM deliveries", [], |r| {
            (0..10)
                .map(|i| r.get::<_, rusqlite::types::Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .unwrap();
    // In a later batch, and twice within one batch.
    state
        .record(&[outcome(
            1,
            "a@x.org",
            Status::Failed,
            Some("550 gone"),
            t(10, 0),
        )])
        .unwrap();
    state
        .record(&[
            outcome(1, "a@x.org", Status::Pending, Some("451 later"), t(11, 0)),
            outcome(1, "a@x.org", Status::Sent, Some("250 again"), t(11, 1)),
        ])
        .unwrap();
    let after = state
        .conn
        .query_row("SELECT * FROM deliveries", [], |r| {
            (0..10)
                .map(|i| r.get::<_, rusqlite::types::Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(
        state.counts(1).unwrap(),
        Counts {
            sent: 1,
            failed: 0,
            pending: 0
        }
    );
    assert!(state.failures(1).unwrap().is_empty());

    // Within one batch, a row that becomes sent is final for the rest of it.
    state
        .record(&[
            outcome(1, "b@x.org", Status::Pending, Some("451"), t(12, 0)),
            outcome(1, "b@x.org", Status::Sent, Some("250"), t(12, 1)),
            outcome(1, "b@x.org", Status::Failed, Some("550"), t(12, 2)),
        ])
        .unwrap();
    assert_eq!(
        state.counts(1).unwrap(),
        Counts {
            sent: 2,
            failed: 0,
            pending: 0
        }
    );
}

#[test]
fn failed_can_still_become_sent() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = State::open(&db(&dir)).unwrap();
    state
        .record(&[outcome(1, "a@x.org", Status::Failed, Some("550"), t(9, 0))])
        .unwrap();
    state
        .record(&[outcome(1, "a@x.org", Status::Sent, Some("250"), t(9, 5))])
        .unwrap();
    assert_eq!(
        state.counts(1).unwrap(),
        Counts {
            sent: 1,
            failed: 0,
            pending: 0
        }
    );
    let attempts: i64 = state
        .conn
        .query_row("SELECT attempts FROM deliveries", [], |r| r.get(0))
        .unwrap();
    assert_eq!(attempts, 2);
}

#[test]
fn a_batch_is_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let mut state = State::open(&path).unwrap();
    state
        .conn
        .execute_batch(
            "CREATE TEMP TRIGGER boom BEFORE INSERT ON main.deliveries WHEN NEW.key = 'bad'
             BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .unwrap();
    let err = state
        .record(&[
            outcome(1, "a@x.org", Status::Sent, None, t(9, 0)),
            outcome(1, "b@x.org", Status::Failed, None, t(9, 0)),
            outcome(1, "bad", Status::Sent, None, t(9, 0)),
        ])
        .unwrap_err();
    assert_names_file(&err, &path);
    assert!(
        err.message()
            .starts_with("cannot record deliveries in the state database")
    );
    assert!(
        crate::report(&err).contains("boom"),
        "{}",
        crate::report(&err)
    );
    assert_eq!(state.counts(1).unwrap(), Counts::default());
    // The connection is usable afterwards.
    state
        .record(&[outcome(1, "a@x.org", Status::Sent, None, t(9, 0))])
        .unwrap();
    assert_eq!(state.sent_count(1).unwrap(), 1);
}

#[test]
fn failures_lists_failed_then_pending_with_replies() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = State::open(&db(&dir)).unwrap();
    state
        .record(&[
            outcome(1, "z@x.org", Status::Pending, Some("421 busy"), t(9, 0)),
            outcome(
                1,
                "y@x.org",
                Status::Failed,
                Some("550 no such user"),
                t(9, 0),
            ),
            outcome(1, "a@x.org", Status::Sent, Some("250 OK"), t(9, 0)),
            outcome(1, "b@x.org", Status::Pending, None, t(9, 0)),
            outcome(
                2,
                "c@x.org",
                Status::Failed,
                Some("554 other issue"),
                t(9, 0),
            ),
        ])
        .unwrap();
    state
        .record(&[outcome(
            1,
            "z@x.org",
            Status::Pending,
            Some("451 still busy"),
            t(9, 30),
        )])
        .unwrap();
    assert_eq!(
        state.failures(1).unwrap(),
        [
            DeliveryRow {
                email: "Y@X.ORG".into(),
                status: Status::Failed,
                attempts: 1,
                reply: Some("550 no such user".into()),
                updated_at: "2024-03-18T09:00:00Z".into(),
            },
            DeliveryRow {
                email: "B@X.ORG".into(),
                status: Status::Pending,
                attempts: 1,
                reply: None,
                updated_at: "2024-03-18T09:00:00Z".into(),
            },
            DeliveryRow {
                email: "Z@X.ORG".into(),
                status: Status::Pending,
                attempts: 2,
                reply: Some("451 still busy".into()),
                updated_at: "2024-03-18T09:30:00Z".into(),
            },
        ]
    );
    assert_eq!(state.failures(2).unwrap().len(), 1);
    assert!(state.failures(3).unwrap().is_empty());
}

#[test]
fn done_keys_are_sent_and_failed_of_that_issue() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = State::open(&db(&dir)).unwrap();
    assert!(state.done_keys::<HashSet<String>>(1).unwrap().is_empty());
    state
        .record(&[
            outcome(1, "sent@x.org", Status::Sent, None, t(9, 0)),
            outcome(1, "failed@x.org", Status::Failed, None, t(9, 0)),
            outcome(1, "pending@x.org", Status::Pending, None, t(9, 0)),
            outcome(2, "other@x.org", Status::Sent, None, t(9, 0)),
        ])
        .unwrap();
    assert_eq!(
        state.done_keys::<HashSet<String>>(1).unwrap(),
        set(&["sent@x.org", "failed@x.org"])
    );
    assert_eq!(
        state.done_keys::<HashSet<String>>(2).unwrap(),
        set(&["other@x.org"])
    );
    assert!(state.done_keys::<HashSet<String>>(3).unwrap().is_empty());
}

#[test]
fn status_text_round_trips() {
    for s in [Status::Pending, Status::Sent, Status::Failed] {
        assert_eq!(Status::parse(s.as_str()), Some(s));
        assert_eq!(s.to_string(), s.as_str());
    }
    assert_eq!(Status::parse("Sent"), None);
}
