//! Frozen issues: stored once, never changed.

use super::*;

#[test]
fn freeze_keeps_the_first_record_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let state = State::open(&path).unwrap();
    let first = issue(7, "Issue #7: CFPs closing soon");
    assert_eq!(state.freeze(&first).unwrap(), first);

    let mut second = issue(7, "A different subject");
    second.context_json = r#"{"changed":true}"#.into();
    second.categories = vec!["Other".into()];
    second.published_at = "2024-03-25T13:00:00Z".into();
    assert_eq!(state.freeze(&second).unwrap(), first);
    assert_eq!(state.frozen(7).unwrap(), Some(first.clone()));

    // The stored bytes are exactly the first ones.
    let (context, categories): (Vec<u8>, String) = state
        .conn
        .query_row(
            "SELECT CAST(context_json AS BLOB), categories FROM issues WHERE number = 7",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(context, first.context_json.as_bytes());
    assert_eq!(categories, r#"["Rust","Ops & SRE"]"#);
    drop(state);
    assert_eq!(State::open(&path).unwrap().frozen(7).unwrap(), Some(first));
}

#[test]
fn frozen_issues_are_listed_by_number() {
    let dir = tempfile::tempdir().unwrap();
    let state = State::open(&db(&dir)).unwrap();
    assert_eq!(state.frozen(1).unwrap(), None);
    for n in [3, 1, 12, 2] {
        state.freeze(&issue(n, &format!("Issue {n}"))).unwrap();
    }
    let numbers: Vec<u32> = state
        .frozen_issues()
        .unwrap()
        .iter()
        .map(|i| i.number)
        .collect();
    assert_eq!(numbers, [1, 2, 3, 12]);
    assert_eq!(state.frozen(12).unwrap().unwrap().subject, "Issue 12");
}

#[test]
fn a_hand_edited_issue_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let state = State::open(&path).unwrap();
    state.freeze(&issue(1, "One")).unwrap();
    state
        .conn
        .execute("UPDATE issues SET slugs = 'not json'", [])
        .unwrap();
    let err = state.frozen(1).unwrap_err();
    assert_names_file(&err, &path);
    assert!(
        err.message().contains("issues.slugs of issue 1"),
        "{}",
        err.message()
    );
    assert!(state.frozen_issues().is_err());
}

#[test]
fn a_time_that_would_not_read_back_is_refused_before_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut state = State::open(&db(&dir)).unwrap();
    // What `feed --now 9999-12-31` stored, after which every command
    // failed on "unreadable time".
    let mut late = issue(1, "One");
    late.published_at = "+10000-01-01T04:59:59+00:00".into();
    let e = state.freeze(&late).unwrap_err();
    assert!(
        e.message().contains("would not read back"),
        "{}",
        e.message()
    );
    let mut bad = issue(2, "Two");
    bad.send_at = "soon".into();
    assert!(state.freeze(&bad).is_err());
    assert_eq!(state.frozen_issues().unwrap(), []);
    // Stamps of deliveries and unsubscribes too: nothing stored.
    let year_10000 = chrono::NaiveDate::from_ymd_opt(10_000, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let o = outcome(3, "a@x.org", Status::Sent, Some("250 ok"), year_10000);
    assert!(state.record(&[o]).is_err());
    assert_eq!(state.counts(3).unwrap().sent, 0);
    assert!(state.suppress(&keys(&["a@x.org"]), year_10000).is_err());
    assert_eq!(state.suppressed_count().unwrap(), 0);
    // The last second of 9999 still reads back.
    let mut edge = issue(4, "Four");
    edge.send_at = "9999-12-31T23:59:59Z".into();
    state.freeze(&edge).unwrap();
}
