//! Suppressions: added and lifted in batches.

use super::*;

#[test]
fn suppress_and_unsuppress_count_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let mut state = State::open(&path).unwrap();
    assert_eq!(state.suppressed_count().unwrap(), 0);
    assert!(!state.is_suppressed("a@x.org").unwrap());

    assert_eq!(
        state
            .suppress(&keys(&["a@x.org", "b@x.org", "a@x.org"]), t(9, 0))
            .unwrap(),
        2
    );
    assert_eq!(
        state
            .suppress(&keys(&["b@x.org", "c@x.org"]), t(10, 0))
            .unwrap(),
        1
    );
    assert_eq!(state.suppress(&[], t(10, 0)).unwrap(), 0);
    assert!(state.is_suppressed("a@x.org").unwrap());
    assert!(!state.is_suppressed("A@x.org").unwrap()); // keys are compared as given
    assert_eq!(state.suppressed_count().unwrap(), 3);
    assert_eq!(
        state.suppressed_keys::<HashSet<String>>().unwrap(),
        set(&["a@x.org", "b@x.org", "c@x.org"])
    );
    // A second suppression keeps the first time.
    let at: String = state
        .conn
        .query_row(
            "SELECT suppressed_at FROM suppressions WHERE key = 'b@x.org'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(at, "2024-03-18T09:00:00Z");

    assert_eq!(
        state
            .unsuppress(&keys(&["a@x.org", "nobody@x.org", "a@x.org"]))
            .unwrap(),
        1
    );
    assert!(!state.is_suppressed("a@x.org").unwrap());
    assert_eq!(state.suppressed_count().unwrap(), 2);
    drop(state);
    let state = State::open(&path).unwrap();
    assert_eq!(
        state.suppressed_keys::<HashSet<String>>().unwrap(),
        set(&["b@x.org", "c@x.org"])
    );
}
