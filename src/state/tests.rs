//! Tests of the state: a real SQLite file in a temporary folder.

use super::*;

use std::collections::HashSet;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};

use chrono::TimeZone;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 18, h, m, 0).unwrap()
}

fn db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("state.db")
}

fn issue(number: u32, subject: &str) -> FrozenIssue {
    FrozenIssue {
        number,
        kind: "weekly".into(),
        send_at: "2024-03-18T09:00:00-04:00".into(),
        categories: vec!["Rust".into(), "Ops & SRE".into()],
        slugs: vec!["async-drop".into(), "élan".into()],
        subject: subject.into(),
        context_json: r#"{"intro":"Héllo \"world\"","topics":[1,2,3]}"#.into(),
        published_at: "2024-03-18T13:00:05Z".into(),
    }
}

fn outcome(
    issue: u32,
    key: &str,
    status: Status,
    reply: Option<&str>,
    at: DateTime<Utc>,
) -> Outcome {
    Outcome {
        issue,
        key: key.into(),
        email: key.to_uppercase(),
        status,
        reply: reply.map(str::to_string),
        message_id: format!("<{issue}.{key}.{}@example.org>", at.timestamp()),
        at,
        attempts: 1,
    }
}

fn keys(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn set(list: &[&str]) -> HashSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn raw(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE).unwrap()
}

fn pragma_i64(conn: &Connection, name: &str) -> i64 {
    conn.pragma_query_value(None, name, |r| r.get(0)).unwrap()
}

fn assert_names_file(err: &Error, path: &Path) {
    assert!(
        err.message().contains(&path.display().to_string()),
        "message does not name {}: {}",
        path.display(),
        err.message()
    );
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---- Opening and migrations -----------------------------------------

#[test]
fn open_creates_folders_and_schema_and_reopen_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/state.db");
    let state = State::open(&path).unwrap();
    assert!(path.is_file());
    assert_eq!(state.path(), path);
    assert_eq!(pragma_i64(&state.conn, "user_version"), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 3);
    assert_eq!(
        pragma_i64(&state.conn, "application_id"),
        i64::from(APPLICATION_ID)
    );
    let tables: Vec<String> = state
        .conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        tables,
        [
            "addresses",
            "confirmation_sends",
            "deliveries",
            "issues",
            "subscriptions",
            "suppressions"
        ]
    );
    state.freeze(&issue(1, "One")).unwrap();
    drop(state);

    // Reopening migrates nothing and keeps the data.
    for _ in 0..2 {
        let state = State::open(&path).unwrap();
        assert_eq!(pragma_i64(&state.conn, "user_version"), SCHEMA_VERSION);
        assert_eq!(state.frozen_issues().unwrap(), [issue(1, "One")]);
    }
}

#[test]
fn an_empty_file_is_migrated() {
    // A zero-byte file is an empty SQLite database, e.g. from `touch`.
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    std::fs::write(&path, b"").unwrap();
    let state = State::open(&path).unwrap();
    assert_eq!(pragma_i64(&state.conn, "user_version"), SCHEMA_VERSION);
    assert_eq!(state.suppressed_count().unwrap(), 0);
}

#[test]
fn a_version_1_database_gets_the_index_of_what_is_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch(MIGRATIONS[0]).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
    }
    let state = State::open(&path).unwrap();
    assert_eq!(pragma_i64(&state.conn, "user_version"), SCHEMA_VERSION);
    let indexes: Vec<String> = state
        .conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        indexes,
        ["deliveries_not_sent", "confirmation_sends_by_key"]
    );
    // `failures` names the index (INDEXED BY fails if it cannot be used).
    assert!(state.failures(1).unwrap().is_empty());
}

#[test]
fn a_database_from_a_newer_binary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    drop(State::open(&path).unwrap());
    raw(&path)
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();

    let err = State::open(&path).unwrap_err();
    assert_names_file(&err, &path);
    assert!(
        err.message().contains("schema version is 4"),
        "{}",
        err.message()
    );
    assert!(
        err.message().contains("newer newsletter"),
        "{}",
        err.message()
    );
    assert_eq!(err.exit_code(), 2);
    let err = State::open_existing(&path).unwrap_err();
    assert_names_file(&err, &path);
    // Refusing it changed nothing.
    assert_eq!(pragma_i64(&raw(&path), "user_version"), SCHEMA_VERSION + 1);
}

#[test]
fn a_file_that_is_not_a_database_is_a_clear_error_and_stays_untouched() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("short.db", b"hello, I am a text file\n".to_vec()),
        (
            "long.db",
            (0..8192_u32).map(|i| (i * 7 + 3) as u8).collect(),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        for err in [
            State::open(&path).unwrap_err(),
            State::open_existing(&path).unwrap_err(),
        ] {
            assert_names_file(&err, &path);
            assert!(
                err.message().contains("not a SQLite database"),
                "{}",
                err.message()
            );
            assert_eq!(err.exit_code(), 2);
            assert!(crate::report(&err).contains("caused by: file is not a database"));
        }
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name} was modified");
    }
}

#[test]
fn another_programs_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tables = dir.path().join("tables.db");
    Connection::open(&tables)
        .unwrap()
        .execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY)")
        .unwrap();
    let err = State::open(&tables).unwrap_err();
    assert_names_file(&err, &tables);
    assert!(
        err.message().contains("not a newsletter state database"),
        "{}",
        err.message()
    );

    let app = dir.path().join("app.db");
    Connection::open(&app)
        .unwrap()
        .pragma_update(None, "application_id", 42)
        .unwrap();
    let err = State::open(&app).unwrap_err();
    assert_names_file(&err, &app);
    assert!(
        err.message().contains("another program's"),
        "{}",
        err.message()
    );

    // Neither was written into.
    assert_eq!(pragma_i64(&raw(&tables), "user_version"), 0);
    assert_eq!(
        raw(&tables)
            .pragma_query_value(None, "journal_mode", |r| r.get::<_, String>(0))
            .unwrap(),
        "delete"
    );
}

#[test]
fn a_folder_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    for err in [
        State::open(dir.path()).unwrap_err(),
        State::open_existing(dir.path()).unwrap_err(),
    ] {
        assert_names_file(&err, dir.path());
        assert!(
            err.message().contains("it is a folder"),
            "{}",
            err.message()
        );
    }
}

#[test]
fn wal_mode_synchronous_normal_and_foreign_keys_are_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let state = State::open(&path).unwrap();
    let mode: String = state
        .conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(pragma_i64(&state.conn, "synchronous"), 1); // NORMAL
    assert_eq!(pragma_i64(&state.conn, "foreign_keys"), 1);
    assert_eq!(pragma_i64(&state.conn, "busy_timeout"), 10_000);
    // WAL is a property of the file: a plain connection sees it too.
    let mode: String = raw(&path)
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn open_existing_on_a_missing_file_returns_none_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert!(State::open_existing(&db(&dir)).unwrap().is_none());
    assert!(
        State::open_existing(&dir.path().join("sub/dir/state.db"))
            .unwrap()
            .is_none()
    );
    assert!(
        files_in(dir.path()).is_empty(),
        "{:?}",
        files_in(dir.path())
    );
}

#[test]
fn open_existing_reads_but_does_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    {
        let mut state = State::open(&path).unwrap();
        state.freeze(&issue(4, "Four")).unwrap();
        state.suppress(&keys(&["a@x.org"]), t(9, 0)).unwrap();
    }
    let mut state = State::open_existing(&path).unwrap().unwrap();
    assert_eq!(state.frozen(4).unwrap(), Some(issue(4, "Four")));
    assert!(state.is_suppressed("a@x.org").unwrap());

    let err = state.freeze(&issue(5, "Five")).unwrap_err();
    assert_names_file(&err, &path);
    assert!(err.message().contains("read-only"), "{}", err.message());
    let err = state
        .record(&[outcome(4, "b@x.org", Status::Sent, None, t(9, 0))])
        .unwrap_err();
    assert_names_file(&err, &path);
    let err = state.suppress(&keys(&["b@x.org"]), t(9, 0)).unwrap_err();
    assert_names_file(&err, &path);
    assert!(state.unsuppress(&keys(&["a@x.org"])).is_err());
    drop(state);

    let state = State::open(&path).unwrap();
    assert_eq!(state.frozen(5).unwrap(), None);
    assert_eq!(state.counts(4).unwrap(), Counts::default());
    assert_eq!(
        state.suppressed_keys::<HashSet<String>>().unwrap(),
        set(&["a@x.org"])
    );
}

#[test]
fn open_existing_migrates_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    std::fs::write(&path, b"").unwrap();
    let state = State::open_existing(&path).unwrap().unwrap();
    assert_eq!(state.frozen_issues().unwrap(), []);
    assert_eq!(pragma_i64(&state.conn, "user_version"), SCHEMA_VERSION);
}

// ---- Frozen issues ----------------------------------------------------

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

// ---- Deliveries -------------------------------------------------------

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

// ---- Suppressions -----------------------------------------------------

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

// ---- Durability and concurrency ---------------------------------------

#[test]
fn committed_rows_survive_a_connection_that_was_never_closed() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let mut state = State::open(&path).unwrap();
    state.freeze(&issue(1, "One")).unwrap();
    state
        .record(&[
            outcome(1, "a@x.org", Status::Sent, None, t(9, 0)),
            outcome(1, "b@x.org", Status::Failed, Some("550"), t(9, 0)),
        ])
        .unwrap();
    state.suppress(&keys(&["c@x.org"]), t(9, 0)).unwrap();
    std::mem::forget(state); // no close, no checkpoint
    // The rows are only in the write-ahead log so far.
    let wal = dir.path().join("state.db-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);

    let state = State::open(&path).unwrap();
    assert_eq!(
        state.counts(1).unwrap(),
        Counts {
            sent: 1,
            failed: 1,
            pending: 0
        }
    );
    assert_eq!(state.frozen(1).unwrap(), Some(issue(1, "One")));
    assert!(state.is_suppressed("c@x.org").unwrap());
}

#[test]
fn a_reader_sees_what_a_writer_committed() {
    // `status` runs while a send is writing.
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let mut writer = State::open(&path).unwrap();
    let reader = State::open_existing(&path).unwrap().unwrap();
    writer
        .record(&[outcome(1, "a@x.org", Status::Sent, None, t(9, 0))])
        .unwrap();
    assert_eq!(reader.sent_count(1).unwrap(), 1);
    writer
        .record(&[outcome(1, "b@x.org", Status::Sent, None, t(9, 0))])
        .unwrap();
    assert_eq!(reader.sent_count(1).unwrap(), 2);
}

/// What [`child_process`] prints once it holds what it should.
const READY: &str = "state-test-child-ready";

/// A test binary run as a child process, killed by the parent test.
struct ChildProcess(Child);

impl ChildProcess {
    /// Runs [`child_process`] with this role and waits until it says
    /// it is ready.
    fn spawn(role: &str, path: &Path) -> ChildProcess {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "state::tests::child_process",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("NEWSLETTER_STATE_TEST_ROLE", role)
            .env("NEWSLETTER_STATE_TEST_DB", path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut child = ChildProcess(child);
        let mut lines = std::io::BufReader::new(stdout).lines();
        loop {
            match lines.next() {
                // libtest prints "test NAME ... " before the output, on the same line.
                Some(Ok(line)) if line.trim_end().ends_with(READY) => break,
                Some(Ok(_)) => continue,
                _ => panic!(
                    "the child process exited before it was ready: {:?}",
                    child.0.wait()
                ),
            }
        }
        child
    }

    fn kill(mut self) {
        self.0.kill().unwrap(); // SIGKILL on Unix
        let status = self.0.wait().unwrap();
        assert!(!status.success());
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Not a test: the body of the child processes of the tests below.
#[test]
#[ignore = "run as a child process by other tests"]
fn child_process() {
    let (Ok(role), Some(path)) = (
        std::env::var("NEWSLETTER_STATE_TEST_ROLE"),
        std::env::var_os("NEWSLETTER_STATE_TEST_DB"),
    ) else {
        return;
    };
    let path = PathBuf::from(path);
    let mut held = Vec::<Box<dyn std::any::Any>>::new();
    match role.as_str() {
        "record" => {
            let mut state = State::open(&path).unwrap();
            state
                .record(&[
                    outcome(1, "a@x.org", Status::Sent, None, t(9, 0)),
                    outcome(1, "b@x.org", Status::Pending, Some("451"), t(9, 0)),
                ])
                .unwrap();
            held.push(Box::new(state));
        }
        "lock" => held.push(Box::new(
            SendLock::acquire(&path, std::process::id()).unwrap(),
        )),
        other => panic!("unknown role {other}"),
    }
    println!("{READY}");
    std::io::stdout().flush().unwrap();
    // Wait to be killed; give up after a minute if the parent died.
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn committed_rows_survive_a_killed_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    drop(State::open(&path).unwrap());
    ChildProcess::spawn("record", &path).kill();
    let state = State::open(&path).unwrap();
    assert_eq!(
        state.counts(1).unwrap(),
        Counts {
            sent: 1,
            failed: 0,
            pending: 1
        }
    );
}

// ---- The send lock ----------------------------------------------------

#[test]
fn a_second_send_lock_fails_naming_the_holder_until_the_first_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/state.db");
    let first = SendLock::acquire(&path, 4242).unwrap();
    let lock_file = dir.path().join("data/state.db.lock");
    assert_eq!(first.path(), lock_file);
    assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), "4242\n");

    let err = SendLock::acquire(&path, 99).unwrap_err();
    assert!(
        err.message()
            .starts_with("another send is running (pid 4242)"),
        "{}",
        err.message()
    );
    assert_names_file(&err, &path);
    assert_eq!(err.exit_code(), 1);
    // The failed attempt did not overwrite the holder's pid.
    assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), "4242\n");

    drop(first);
    assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), "");
    let again = SendLock::acquire(&path, 99).unwrap();
    assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), "99\n");
    drop(again);
    // A released lock names nobody.
    assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), "");
}

#[test]
fn an_unreadable_pid_is_reported_as_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let _first = SendLock::acquire(&path, 1).unwrap();
    std::fs::write(lock_path(&path), "garbage").unwrap();
    let err = SendLock::acquire(&path, 2).unwrap_err();
    assert!(
        err.message()
            .starts_with("another send is running (unknown pid)"),
        "{}",
        err.message()
    );
}

#[test]
fn a_stale_lock_file_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    // Left behind by a crashed send with a long pid; nobody holds it.
    std::fs::write(lock_path(&path), "1234567890\n").unwrap();
    let _lock = SendLock::acquire(&path, 7).unwrap();
    assert_eq!(std::fs::read_to_string(lock_path(&path)).unwrap(), "7\n");
}

#[test]
fn the_send_lock_holds_across_processes_and_dies_with_its_holder() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let child = ChildProcess::spawn("lock", &path);
    let err = SendLock::acquire(&path, std::process::id()).unwrap_err();
    let expected = format!("another send is running (pid {})", child.0.id());
    assert!(err.message().starts_with(&expected), "{}", err.message());

    child.kill(); // SIGKILL: no destructor runs, the kernel drops the lock
    let lock = SendLock::acquire(&path, std::process::id()).unwrap();
    assert_eq!(
        std::fs::read_to_string(lock.path()).unwrap().trim(),
        std::process::id().to_string()
    );
}

#[test]
fn the_send_lock_conflicts_with_the_flock_utility() {
    // Only where flock(1) is installed: proves the lock is flock(2).
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let lock = SendLock::acquire(&path, 1).unwrap();
    let Ok(status) = Command::new("flock")
        .args(["--nonblock", "--exclusive"])
        .arg(lock_path(&path))
        .arg("true")
        .stderr(Stdio::null())
        .status()
    else {
        return; // no flock(1) here
    };
    assert_eq!(status.code(), Some(1), "flock(1) got the lock we hold");
    drop(lock);
    let status = Command::new("flock")
        .args(["--nonblock", "--exclusive"])
        .arg(lock_path(&path))
        .arg("true")
        .status()
        .unwrap();
    assert!(status.success());
}
