//! The delivery loop driven by the scripted transport, with its outcomes
//! recorded in a real SQLite state file: retries and backoff (waited out
//! by a recording pause, not the clock), the breaker, the stop flag, and
//! the group commit. The SMTP transport's own tests (over TCP) are in
//! `smtp/tests.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use super::pace::{Pause, RateLimiter, WallClock, backoff};
use super::scripted::ScriptedTransport;
use super::workers::Loop;
use super::*;
use crate::error::Error;
use crate::subscribers::{KeySet, Subscribers};

const ISSUE: u32 = 3;

/// A state file and a subscriber list in a temporary folder.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(addresses: &[String]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let csv = format!("email\n{}\n", addresses.join("\n"));
        std::fs::write(dir.path().join("subscribers.csv"), csv).unwrap();
        Fixture { dir }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("state.db")
    }

    fn state(&self) -> State {
        State::open(&self.db()).unwrap()
    }

    fn recipients(&self) -> Mutex<Recipients<Subscribers>> {
        let rows = Subscribers::open(&self.dir.path().join("subscribers.csv")).unwrap();
        Mutex::new(Recipients::new(rows, KeySet::default(), KeySet::default()))
    }
}

fn addresses(prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{prefix}{i:02}@example.org"))
        .collect()
}

/// Builds each message; an address containing "broken" cannot be composed.
fn compose(sub: &Subscriber) -> crate::error::Result<(Message, String)> {
    if sub.email.contains("broken") {
        return Err(Error::input("the template failed"));
    }
    let id = format!("<{}@test>", sub.key);
    let message = Message::builder()
        .from("news@example.org".parse().unwrap())
        .to(sub.email.parse().unwrap())
        .subject("issue")
        .message_id(Some(id.clone()))
        .body("hello\n".to_string())
        .unwrap();
    Ok((message, id))
}

fn job<'a>(compose: &'a ComposeFn<'a>) -> Job<'a> {
    Job {
        issue: ISSUE,
        concurrency: 1,
        max_attempts: 5,
        rate_per_second: 0,
        retry_delay: Duration::from_secs(2),
        compose,
        now: DateTime::UNIX_EPOCH,
    }
}

/// A pause that records each backoff and returns at once; with `signal`
/// set it raises the stop flag instead (a signal during the wait).
#[derive(Default)]
struct Recorded {
    pauses: Mutex<Vec<Duration>>,
    signal: bool,
}

impl Pause for Recorded {
    fn pause(&self, d: Duration, stop: &AtomicBool) -> bool {
        self.pauses.lock().unwrap().push(d);
        if self.signal {
            stop.store(true, Ordering::SeqCst);
            return false;
        }
        !stop.load(Ordering::SeqCst)
    }
}

fn run_with(
    f: &Fixture,
    job: &Job,
    transport: &dyn Transport,
    stop: &AtomicBool,
    pause: &dyn Pause,
) -> crate::error::Result<Summary> {
    let looped = Loop {
        job,
        transport,
        stop,
        pause,
    };
    let mut state = f.state();
    workers::run(&looped, &mut state, &f.recipients(), |_| {})
}

/// One row of the deliveries table, read with a connection of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    status: String,
    attempts: u32,
    reply: Option<String>,
    message_id: String,
}

fn deliveries(db: &Path) -> BTreeMap<String, Row> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT email, status, attempts, last_reply, message_id FROM deliveries
             WHERE issue = ?1",
        )
        .unwrap();
    stmt.query_map([ISSUE], |r| {
        Ok((
            r.get(0)?,
            Row {
                status: r.get(1)?,
                attempts: r.get(2)?,
                reply: r.get(3)?,
                message_id: r.get(4)?,
            },
        ))
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn transient(reply: &str) -> Attempt {
    Attempt::Transient(reply.into())
}

fn permanent(reply: &str) -> Attempt {
    Attempt::Permanent(reply.into())
}

fn sent(reply: &str) -> Attempt {
    Attempt::Sent(reply.into())
}

#[test]
fn transient_failures_are_retried_with_a_doubling_backoff_until_accepted() {
    let f = Fixture::new(&addresses("a", 1));
    let t = ScriptedTransport::new().script(
        "a00@example.org",
        vec![
            transient("451 4.3.0 try again"),
            transient("421 4.4.2 timeout"),
            transient("450 4.2.1 busy"),
            sent("250 2.0.0 ok: queued as 7"),
        ],
    );
    let pause = Recorded::default();
    let summary = run_with(&f, &job(&compose), &t, &AtomicBool::new(false), &pause).unwrap();
    assert_eq!((summary.sent, summary.pending, summary.failed), (1, 0, 0));
    assert!(!summary.interrupted);
    assert_eq!(t.attempts_at("a00@example.org"), 4);
    // Three waits: 2 s, 4 s, 8 s, each with a jitter in [0.5, 1.5).
    let pauses = pauses_of(&pause);
    assert_eq!(pauses.len(), 3, "{pauses:?}");
    for (d, base) in pauses.iter().zip([2.0, 4.0, 8.0]) {
        let secs = d.as_secs_f64();
        assert!(secs >= base * 0.5 && secs < base * 1.5, "{pauses:?}");
    }
    let rows = deliveries(&f.db());
    let row = &rows["a00@example.org"];
    assert_eq!(row.status, "sent");
    assert_eq!(row.attempts, 4);
    assert_eq!(row.reply.as_deref(), Some("250 2.0.0 ok: queued as 7"));
    assert_eq!(row.message_id, "<a00@example.org@test>");
}

fn pauses_of(p: &Recorded) -> Vec<Duration> {
    p.pauses.lock().unwrap().clone()
}

#[test]
fn retries_stop_at_max_attempts_and_refusals_are_never_retried() {
    let mut list = vec!["busy@example.org".to_string(), "gone@example.org".into()];
    list.push("broken@example.org".into());
    list.push("fine@example.org".into());
    let f = Fixture::new(&list);
    let t = ScriptedTransport::new()
        .script(
            "busy@example.org",
            vec![transient("452 4.2.2 mailbox full")],
        )
        .script(
            "gone@example.org",
            vec![permanent("550 5.1.1 no such user")],
        );
    let pause = Recorded::default();
    let mut job = job(&compose);
    job.max_attempts = 3;
    let summary = run_with(&f, &job, &t, &AtomicBool::new(false), &pause).unwrap();
    // broken: not composed, so pending and never handed to the transport.
    assert_eq!((summary.sent, summary.pending, summary.failed), (1, 2, 1));
    assert_eq!(exit_code(&summary), 1);
    assert_eq!(t.attempts_at("busy@example.org"), 3);
    assert_eq!(t.attempts_at("gone@example.org"), 1);
    assert_eq!(t.attempts_at("broken@example.org"), 0);
    // Two waits between three attempts; none after the last.
    assert_eq!(pauses_of(&pause).len(), 2);
    let rows = deliveries(&f.db());
    let row = |e: &str| {
        let r = &rows[e];
        (
            r.status.as_str(),
            r.attempts,
            r.reply.clone().unwrap_or_default(),
        )
    };
    assert_eq!(
        row("busy@example.org"),
        ("pending", 3, "452 4.2.2 mailbox full".into())
    );
    assert_eq!(
        row("gone@example.org"),
        ("failed", 1, "550 5.1.1 no such user".into())
    );
    let (status, attempts, reply) = row("broken@example.org");
    assert_eq!((status, attempts), ("pending", 0));
    assert!(reply.starts_with("not sent: ") && reply.contains("the template failed"));
    assert_eq!(row("fine@example.org").0, "sent");
}

#[test]
fn refusals_of_the_first_recipients_trip_the_breaker_and_stay_pending() {
    let list = addresses("r", breaker::THRESHOLD + 5);
    let f = Fixture::new(&list);
    let mut t = ScriptedTransport::new();
    for a in &list {
        t = t.script(a, vec![permanent("550 5.7.1 relaying denied")]);
    }
    let stop = AtomicBool::new(false);
    let err = run_with(&f, &job(&compose), &t, &stop, &Recorded::default()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("stopped") && text.contains("550 5.7.1 relaying denied"),
        "{text}"
    );
    assert!(!err.message().contains('\n'), "{}", err.message());
    assert_eq!(
        err.help(),
        Some("fix the cause named in the reply, then run `newsletter send` again")
    );
    // One worker: it stops right after the outcome that tripped it.
    assert_eq!(t.attempts().len(), breaker::THRESHOLD);
    assert!(stop.load(Ordering::SeqCst));
    let rows = deliveries(&f.db());
    assert_eq!(rows.len(), breaker::THRESHOLD);
    for (email, r) in &rows {
        assert_eq!(r.status, "pending", "{email}");
        assert_eq!(r.reply.as_deref(), Some("550 5.7.1 relaying denied"));
    }
}

#[test]
fn one_accepted_message_disarms_the_breaker() {
    let mut list = vec!["first@example.org".to_string()];
    list.extend(addresses("r", breaker::THRESHOLD + 5));
    let f = Fixture::new(&list);
    let mut t = ScriptedTransport::new();
    for a in &list[1..] {
        t = t.script(a, vec![permanent("550 5.1.1 no such user")]);
    }
    let summary = run_with(
        &f,
        &job(&compose),
        &t,
        &AtomicBool::new(false),
        &Recorded::default(),
    )
    .unwrap();
    assert_eq!(summary.sent, 1);
    assert_eq!(summary.failed, breaker::THRESHOLD as u64 + 5);
    let rows = deliveries(&f.db());
    assert_eq!(
        rows.values().filter(|r| r.status == "failed").count(),
        breaker::THRESHOLD + 5
    );
}

#[test]
fn a_stop_finishes_and_records_the_message_in_flight_and_sends_no_more() {
    let list = addresses("s", 10);
    let f = Fixture::new(&list);
    let stop = AtomicBool::new(false);
    // The signal arrives while the third message is on the wire.
    let t = ScriptedTransport::new().on_send(|addr, _| {
        if addr == "s02@example.org" {
            stop.store(true, Ordering::SeqCst);
        }
    });
    let summary = run_with(&f, &job(&compose), &t, &stop, &Recorded::default()).unwrap();
    assert!(summary.interrupted);
    assert_eq!(exit_code(&summary), 130);
    assert_eq!(summary.sent, 3);
    assert_eq!(t.attempts().len(), 3);
    let rows = deliveries(&f.db());
    let sent: Vec<&String> = rows.keys().collect();
    assert_eq!(
        sent,
        ["s00@example.org", "s01@example.org", "s02@example.org"]
    );
    assert!(rows.values().all(|r| r.status == "sent"));
}

#[test]
fn a_stop_during_a_backoff_ends_the_wait_and_leaves_the_recipient_pending() {
    let f = Fixture::new(&addresses("w", 3));
    let t = ScriptedTransport::new().script("w00@example.org", vec![transient("421 4.7.0 later")]);
    let pause = Recorded {
        signal: true,
        ..Recorded::default()
    };
    let summary = run_with(&f, &job(&compose), &t, &AtomicBool::new(false), &pause).unwrap();
    assert!(summary.interrupted);
    assert_eq!((summary.sent, summary.pending), (0, 1));
    // One attempt, one wait cut short, and nobody else tried.
    assert_eq!(t.attempts(), [("w00@example.org".to_string(), 1)]);
    assert_eq!(pauses_of(&pause).len(), 1);
    let rows = deliveries(&f.db());
    assert_eq!(rows.len(), 1);
    let r = &rows["w00@example.org"];
    assert_eq!((r.status.as_str(), r.attempts), ("pending", 1));
    assert_eq!(r.reply.as_deref(), Some("421 4.7.0 later"));
}

#[test]
fn the_wall_clock_pause_returns_at_once_when_stopped() {
    let stop = AtomicBool::new(true);
    let started = Instant::now();
    assert!(!WallClock.pause(Duration::from_secs(600), &stop));
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(WallClock.pause(Duration::ZERO, &AtomicBool::new(false)));
}

#[test]
fn each_outcome_is_committed_before_its_worker_sends_again() {
    let list = addresses("g", 80);
    let f = Fixture::new(&list);
    let db = f.db();
    // Some refused for good, some accepted only on a second attempt.
    let mut t = ScriptedTransport::new();
    for (i, a) in list.iter().enumerate() {
        if i % 7 == 3 {
            t = t.script(a, vec![permanent("550 5.1.1 no such user")]);
        } else if i % 5 == 1 {
            t = t.script(a, vec![transient("451 later"), sent("250 ok")]);
        }
    }
    // On each worker's next recipient, the previous one must already be in
    // the database, read through a connection of its own.
    let last: Mutex<HashMap<ThreadId, String>> = Mutex::new(HashMap::new());
    let missing: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let t = t.on_send(|addr, _| {
        let me = std::thread::current().id();
        let before = last.lock().unwrap().insert(me, addr.to_string());
        if let Some(prev) = before.filter(|p| p != addr)
            && !deliveries(&db).contains_key(&prev)
        {
            missing.lock().unwrap().push(prev);
        }
    });
    let mut job = job(&compose);
    job.concurrency = 4;
    let summary = run_with(&f, &job, &t, &AtomicBool::new(false), &Recorded::default()).unwrap();
    assert_eq!(missing.lock().unwrap().as_slice(), [] as [String; 0]);
    assert!(last.lock().unwrap().len() > 1, "several workers sent");
    let rows = deliveries(&f.db());
    assert_eq!(rows.len(), list.len());
    let failed = list.iter().enumerate().filter(|(i, _)| i % 7 == 3).count();
    assert_eq!(summary.failed as usize, failed);
    assert_eq!(summary.sent as usize, list.len() - failed);
    for (i, a) in list.iter().enumerate() {
        let r = &rows[a];
        let want = if i % 7 == 3 {
            ("failed", 1)
        } else if i % 5 == 1 {
            ("sent", 2)
        } else {
            ("sent", 1)
        };
        assert_eq!((r.status.as_str(), r.attempts), want, "{a}");
    }
}

#[test]
fn the_rate_limiter_spaces_sends_evenly_and_does_not_burst_after_idling() {
    assert_eq!(RateLimiter::new(0).reserve(Instant::now()), None);
    let limiter = RateLimiter::new(10);
    let t0 = Instant::now();
    let gap = Duration::from_millis(100);
    // Three workers asking at once get slots 100 ms apart.
    assert_eq!(limiter.reserve(t0), Some(t0));
    assert_eq!(limiter.reserve(t0), Some(t0 + gap));
    assert_eq!(limiter.reserve(t0), Some(t0 + 2 * gap));
    // Idle for a while: the next send goes at once, then the pace resumes.
    let later = t0 + Duration::from_secs(5);
    assert_eq!(limiter.reserve(later), Some(later));
    assert_eq!(limiter.reserve(later), Some(later + gap));
}

#[test]
fn backoff_doubles_within_jitter_and_is_capped() {
    let mut rng = 7;
    let base = Duration::from_secs(1);
    for attempt in 1..=12 {
        let d = backoff(base, attempt, &mut rng);
        let exp = base
            .saturating_mul(1 << (attempt - 1))
            .min(Duration::from_secs(300));
        assert!(
            d >= exp.mul_f64(0.5) && d < exp.mul_f64(1.5),
            "{attempt}: {d:?}"
        );
    }
}
