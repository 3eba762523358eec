//! Runs recorded for monitoring; failed deliveries reopened for a retry.

use super::*;

#[test]
fn the_last_run_is_the_latest_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = State::open(&db(&dir)).unwrap();
    assert_eq!(state.last_run().unwrap(), None);
    for (issue, outcome) in [(1, "ok"), (2, "failed")] {
        let run = Run {
            at: String::new(),
            issue,
            outcome: outcome.into(),
            sent: 5,
            failed: issue.into(),
            pending: 0,
        };
        state.record_run(t(9, issue), &run).unwrap();
    }
    let last = state.last_run().unwrap().unwrap();
    assert_eq!(
        last,
        Run {
            at: "2024-03-18T09:02:00Z".into(),
            issue: 2,
            outcome: "failed".into(),
            sent: 5,
            failed: 2,
            pending: 0
        }
    );
}

#[test]
fn reopening_failed_deliveries_skips_suppressed_and_keeps_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = State::open(&db(&dir)).unwrap();
    state
        .record(&[
            outcome(1, "a@x.org", Status::Failed, Some("550 no"), t(9, 0)),
            outcome(1, "b@x.org", Status::Failed, Some("550 no"), t(9, 0)),
            outcome(1, "c@x.org", Status::Sent, Some("250 ok"), t(9, 0)),
            outcome(2, "a@x.org", Status::Failed, Some("550 no"), t(9, 0)),
        ])
        .unwrap();
    state.suppress(&keys(&["b@x.org"]), t(9, 1)).unwrap();
    assert_eq!(state.retryable_count(1).unwrap(), 1);
    assert_eq!(state.reopen_failed(1).unwrap(), keys(&["a@x.org"]));
    assert_eq!(state.retryable_count(1).unwrap(), 0);
    let c = state.counts(1).unwrap();
    assert_eq!((c.sent, c.failed, c.pending), (1, 1, 1));
    // The other issue is untouched; a later outcome adds its attempts.
    assert_eq!(state.counts(2).unwrap().failed, 1);
    state
        .record(&[outcome(
            1,
            "a@x.org",
            Status::Sent,
            Some("250 ok"),
            t(10, 0),
        )])
        .unwrap();
    let rows = state.failures(1).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(state.counts(1).unwrap().sent, 2);
}
