//! Tests of the state: a real SQLite file in a temporary folder.
//!
//! This file holds the shared helpers, the tests of opening and migrating a
//! database and of durability (with the child processes that the lock
//! tests use too); each other concept has its own file.

mod bounces;
mod deliveries;
mod issues;
mod lock;
mod runs;
mod subscriptions;
mod suppressions;

use super::*;
use crate::state::schema::{APPLICATION_ID, MIGRATIONS};

use std::collections::HashSet;
use std::io::{BufRead, Write};
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
    assert_eq!(SCHEMA_VERSION, 6);
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
            "bounce_reports",
            "bounces",
            "calendar",
            "confirmation_sends",
            "deliveries",
            "issues",
            "runs",
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
        err.message()
            .contains(&format!("schema version is {}", SCHEMA_VERSION + 1)),
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
            err.message().ends_with("it is a folder, not a file"),
            "{}",
            err.message()
        );
        assert!(
            err.help()
                .is_some_and(|h| h.ends_with("point it at a file name"))
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
