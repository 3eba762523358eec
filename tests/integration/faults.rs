//! The fault matrix: one send to 31 recipients, each meeting one server
//! fault (once or on every attempt), then a second send; afterwards every
//! recipient is exactly one of delivered, failed with the server's reply,
//! or pending with a transient reply, and the server's own log agrees.
//! Plus the servers that cannot be used at all: silent or unreachable.

use std::collections::HashMap;

use crate::support::mail::header;
use crate::support::project::{self, Project, Smtp};
use crate::support::smtp::{Act, Config as ServerConfig, Fault, Greeting, Server};

/// Attempts per recipient per run (delivery.max_attempts).
const MAX: u32 = 3;

/// What must have happened to a recipient after the two sends.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// `sent`, with `copies` messages at the server (more than one only in
    /// the ambiguous case: accepted, then the connection dropped before
    /// the reply) after `rcpts` RCPT commands.
    Sent { copies: usize, rcpts: u32 },
    /// `failed` after `rcpts` RCPT commands in all (never retried), the
    /// recorded reply containing `reply`.
    Failed { reply: &'static str, rcpts: u32 },
    /// `pending` after `MAX` attempts in each run, the recorded reply
    /// containing `reply`; `copies` messages at the server.
    Pending { reply: &'static str, copies: usize },
}

use Expect::{Failed, Pending, Sent};

/// (local part, fault, expectation). Slow faults (stalls) come first so
/// that they overlap with the rest.
fn matrix() -> Vec<(&'static str, Option<Fault>, Expect)> {
    let once = |a| Some(Fault::Once(a));
    let always = |a| Some(Fault::Always(a));
    let sent = Sent {
        copies: 1,
        rcpts: 2,
    };
    let pending = |reply| Pending { reply, copies: 0 };
    let r421 = "421 4.3.2 service shutting down";
    let r451 = "451 4.7.1 try again later";
    let r452 = "452 4.5.3 too many recipients";
    let r552 = "552 5.2.2 mailbox full";
    let r550 = "550 5.1.1 no such user";
    vec![
        ("stall-always", always(Act::Stall), pending("timed out")),
        (
            "stalldot-always",
            always(Act::StallAfterDot),
            pending("timed out"),
        ),
        ("stall-once", once(Act::Stall), sent),
        ("stalldot-once", once(Act::StallAfterDot), sent),
        ("close421-once", once(Act::ReplyClose(r421)), sent),
        (
            "close421-always",
            always(Act::ReplyClose(r421)),
            pending(r421),
        ),
        ("t451-once", once(Act::Reply(r451)), sent),
        ("t451-always", always(Act::Reply(r451)), pending(r451)),
        ("t452-once", once(Act::Reply(r452)), sent),
        ("t452-always", always(Act::Reply(r452)), pending(r452)),
        ("t552-once", once(Act::Reply(r552)), sent),
        ("t552-always", always(Act::Reply(r552)), pending(r552)),
        (
            "p550-always",
            always(Act::Reply(r550)),
            Failed {
                reply: r550,
                rcpts: 1,
            },
        ),
        // Refused once, so never retried, though it would now succeed.
        (
            "p550-once",
            once(Act::Reply(r550)),
            Failed {
                reply: r550,
                rcpts: 1,
            },
        ),
        (
            "p554-data",
            always(Act::DataReply("554 5.7.1 message refused")),
            Failed {
                reply: "554 5.7.1 message refused",
                rcpts: 1,
            },
        ),
        // 552 after the message is "too big": permanent, unlike 552 to RCPT.
        (
            "p552-data",
            always(Act::DataReply("552 5.3.4 message too big")),
            Failed {
                reply: "552 5.3.4 message too big",
                rcpts: 1,
            },
        ),
        (
            "t451-data-once",
            once(Act::DataReply("451 4.3.0 queue full")),
            sent,
        ),
        ("dropdata-once", once(Act::DropInData), sent),
        ("dropdata-always", always(Act::DropInData), pending("")),
        // The ambiguous case: the server took the message, the reply was
        // lost, so the retry is a second copy (with the same Message-ID).
        (
            "dropdot-once",
            once(Act::DropAfterDot),
            Sent {
                copies: 2,
                rcpts: 2,
            },
        ),
        (
            "dropdot-always",
            always(Act::DropAfterDot),
            Pending {
                reply: "the connection closed before the server replied",
                copies: 2 * MAX as usize,
            },
        ),
        // The server offers no SMTPUTF8: this address cannot go there at
        // all, so it fails before any RCPT and is not retried.
        (
            "jörg",
            None,
            Failed {
                reply: "SMTPUTF8",
                rcpts: 0,
            },
        ),
        ("ok-1", None, ok()),
        ("ok-2", None, ok()),
        ("ok-3", None, ok()),
        ("ok-4", None, ok()),
        ("ok-5", None, ok()),
        ("ok-6", None, ok()),
        ("ok-7", None, ok()),
        ("ok-8", None, ok()),
        ("ok-9", None, ok()),
    ]
}

fn ok() -> Expect {
    Sent {
        copies: 1,
        rcpts: 1,
    }
}

fn addr(local: &str) -> String {
    format!("{local}@example.com")
}

#[test]
fn every_recipient_ends_delivered_failed_or_pending_under_server_faults() {
    let matrix = matrix();
    assert_eq!(matrix.len(), 31);
    let server = Server::start(ServerConfig {
        faults: matrix
            .iter()
            .filter_map(|(k, f, _)| f.map(|f| (*k, f)))
            .collect(),
        no_smtputf8: true,
        ..Default::default()
    });
    let mut smtp = Smtp::new(server.port);
    smtp.timeout_seconds = 1;
    smtp.max_attempts = MAX;
    let mut csv = String::from("email,name\n");
    for (local, _, _) in &matrix {
        csv.push_str(&format!("{},{local}\n", addr(local)));
    }
    let dir = Project::new().smtp(&smtp).subscribers(&csv).build();

    let count = |pick: fn(&Expect) -> bool| matrix.iter().filter(|(_, _, e)| pick(e)).count();
    let sent = count(|e| matches!(e, Sent { .. }));
    let failed = count(|e| matches!(e, Failed { .. }));
    let pending = count(|e| matches!(e, Pending { .. }));
    assert_eq!((sent, failed, pending), (18, 5, 8));

    // First run: every outcome is reached; the exit code says not all sent.
    let o = project::send(dir.path());
    let text = project::out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "sent {sent}, failed {failed}, pending {pending} (this run)"
        )),
        "{text}"
    );
    // Second run: only the pending ones are tried again, and stay pending.
    let o = project::send(dir.path());
    let text = project::out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "sent 0, failed 0, pending {pending} (this run); suppressed 0, already done {}",
            sent + failed
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "in the state: sent {sent}, failed {failed}, pending {pending}"
        )),
        "{text}"
    );

    // The state, read from the SQLite file: one row per recipient.
    let rows: HashMap<String, project::Delivery> = project::deliveries(dir.path(), 3)
        .into_iter()
        .map(|d| (d.email.clone(), d))
        .collect();
    assert_eq!(rows.len(), matrix.len(), "somebody was silently dropped");
    // The server's log: messages per recipient and RCPT commands.
    let mut copies: HashMap<String, Vec<String>> = HashMap::new();
    for m in server.messages() {
        assert_eq!(m.rcpt.len(), 1);
        copies
            .entry(m.rcpt[0].clone())
            .or_default()
            .push(header(&m.data, "Message-ID").concat());
    }
    let rcpts = server.rcpt_counts();
    for (local, _, expect) in &matrix {
        let a = addr(local);
        let row = &rows[&a];
        let got = copies.get(&a).cloned().unwrap_or_default();
        let n_rcpt = rcpts.get(&a).copied().unwrap_or(0);
        let reply = row.reply.clone().unwrap_or_default();
        match *expect {
            Sent { copies, rcpts } => {
                assert_eq!(row.status, "sent", "{a}: {row:?}");
                assert!(reply.starts_with("250"), "{a}: {row:?}");
                assert_eq!(got.len(), copies, "{a}: copies at the server");
                assert_eq!(n_rcpt, rcpts, "{a}: RCPT commands");
                assert_eq!(row.attempts, i64::from(rcpts), "{a}: recorded attempts");
                // Every copy carries the recorded Message-ID, so the
                // receiver can recognize a repeat.
                assert!(got.iter().all(|id| *id == row.message_id), "{a}: {got:?}");
            }
            Failed { reply: want, rcpts } => {
                assert_eq!(row.status, "failed", "{a}: {row:?}");
                assert!(reply.contains(want), "{a}: {reply}");
                assert!(got.is_empty(), "{a}: a failed recipient got the message");
                assert_eq!(n_rcpt, rcpts, "{a}: a permanent failure was retried");
                assert_eq!(row.attempts, 1, "{a}: {row:?}");
            }
            Pending {
                reply: want,
                copies,
            } => {
                assert_eq!(row.status, "pending", "{a}: {row:?}");
                assert!(!reply.is_empty() && reply.contains(want), "{a}: {reply}");
                assert_eq!(got.len(), copies, "{a}: copies at the server");
                assert_eq!(n_rcpt, 2 * MAX, "{a}: RCPT commands over two runs");
                assert_eq!(row.attempts, i64::from(2 * MAX), "{a}: {row:?}");
            }
        }
    }

    // What the organizer sees agrees with the file.
    let v = project::status_json(dir.path());
    assert_eq!(project::issue(&v, 3)["number"], 3);
    assert_eq!(project::issue(&v, 3)["sent"], sent);
    assert_eq!(project::issue(&v, 3)["failed"], failed);
    assert_eq!(project::issue(&v, 3)["pending"], pending);
    let o = project::cli(dir.path())
        .args(["status", "--issue", "3"])
        .output()
        .unwrap();
    let listing = String::from_utf8(o.stdout).unwrap();
    assert!(
        listing.contains(&format!("sent {sent}, failed {failed}, pending {pending}")),
        "{listing}"
    );
    for (local, _, expect) in &matrix {
        let row = &rows[&addr(local)];
        let line = format!(
            "{} {} after {} attempt(s): {}",
            row.status,
            row.email,
            row.attempts,
            row.reply.clone().unwrap_or_default()
        );
        match expect {
            Sent { .. } => assert!(!listing.contains(&row.email), "{listing}"),
            _ => assert!(listing.contains(&line), "{line}\n{listing}"),
        }
    }
}

/// A server that accepts the connection and never says a word: the run
/// stops after the timeout with a clear error, before anything is marked.
#[test]
fn a_server_that_never_answers_stops_the_run_and_marks_nothing() {
    let server = Server::start(ServerConfig {
        greeting: Greeting::Never,
        ..Default::default()
    });
    let mut smtp = Smtp::new(server.port);
    smtp.timeout_seconds = 1;
    let dir = Project::new()
        .smtp(&smtp)
        .subscribers(&project::list(5))
        .build();
    let o = project::send(dir.path());
    let text = project::out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "cannot connect to smtp 127.0.0.1:{} (none): no answer within 1 s (smtp.timeout_seconds); nothing was sent",
            server.port
        )),
        "{text}"
    );
    assert!(server.connections() >= 1, "it never tried");
    assert!(
        !dir.path().join("state/newsletter.db").exists(),
        "the state was created"
    );
    let v = project::status_json(dir.path());
    // Stopped before anything changed: not even published.
    assert_eq!(v["issues"], serde_json::json!([]));
}

/// Nothing listening on the port: the same, at once.
#[test]
fn an_unreachable_server_stops_the_run_and_marks_nothing() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = Project::new()
        .smtp(&Smtp::new(port))
        .subscribers(&project::list(5))
        .build();
    let o = project::send(dir.path());
    let text = project::out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("cannot connect to smtp 127.0.0.1:{port} (none)"))
            && text.contains("nothing was sent"),
        "{text}"
    );
    assert!(
        !dir.path().join("state/newsletter.db").exists(),
        "the state was created"
    );
}

fn sigterm(pid: u32) {
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// SIGTERM mid-run: no new messages, the in-flight ones finish and are
/// recorded, the summary is printed, exit 130. Because nothing accepted
/// was left unrecorded, the next run repeats nobody.
#[test]
fn sigterm_stops_the_run_with_everything_accepted_recorded() {
    let server = Server::start(ServerConfig {
        discard_data: true,
        ..Default::default()
    });
    let n = 400;
    let dir = Project::new()
        .smtp(&Smtp::new(server.port))
        .subscribers(&project::list(n))
        .build();
    let child = project::cli(dir.path())
        .args(["send", "--now", "2024-03-20"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(server.wait_for(40));
    sigterm(child.id());
    let o = child.wait_with_output().unwrap();
    let text = project::out(&o);
    assert_eq!(o.status.code(), Some(130), "{text}");
    assert!(
        text.contains("interrupted: in-flight messages finished and were recorded"),
        "{text}"
    );
    assert!(server.wait_idle());
    let accepted = server.accepted();
    assert!(accepted < n, "the run was not interrupted");
    let v = project::status_json(dir.path());
    assert_eq!(
        project::issue(&v, 3)["sent"],
        accepted,
        "accepted but not recorded"
    );
    assert!(
        text.contains(&format!("sent {accepted}, failed 0, pending 0 (this run)")),
        "{text}"
    );

    let o = project::send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", project::out(&o));
    let got = server.recipients();
    assert_eq!(got.len(), n, "a repeat after a graceful stop");
    assert_eq!(
        got.iter().collect::<std::collections::HashSet<_>>().len(),
        n
    );
}

/// A worker waiting out a long retry backoff stops at once on SIGTERM,
/// leaving its recipient pending with the reply recorded.
#[test]
fn sigterm_during_a_retry_backoff_exits_at_once() {
    let server = Server::start(ServerConfig {
        faults: vec![("slow", Fault::Always(Act::Reply("451 4.7.1 later")))],
        ..Default::default()
    });
    let mut smtp = Smtp::new(server.port);
    smtp.retry_delay_ms = 60_000; // a backoff of 30 to 90 s
    let dir = Project::new()
        .smtp(&smtp)
        .subscribers("email\nslow@example.com\na@example.com\nb@example.com\n")
        .build();
    let child = project::cli(dir.path())
        .args(["send", "--now", "2024-03-20"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(server.wait_rcpts("slow@example.com", 1));
    assert!(server.wait_for(2));
    let t = std::time::Instant::now();
    sigterm(child.id());
    let o = child.wait_with_output().unwrap();
    let waited = t.elapsed();
    let text = project::out(&o);
    assert_eq!(o.status.code(), Some(130), "{text}");
    assert!(
        waited < std::time::Duration::from_secs(15),
        "took {waited:?} to stop: {text}"
    );
    assert_eq!(server.rcpt_counts()["slow@example.com"], 1);
    let rows = project::deliveries(dir.path(), 3);
    let slow = rows.iter().find(|r| r.email == "slow@example.com").unwrap();
    assert_eq!(slow.status, "pending");
    assert_eq!(slow.attempts, 1);
    assert_eq!(slow.reply.as_deref(), Some("451 4.7.1 later"));
}

/// A server that refuses every recipient for good ("relaying denied") is
/// refusing the sender, not 40 addresses: the run stops after the first
/// 20 refusals with a clear error, and nobody is marked failed (they stay
/// pending, so the next run, after the fix, reaches them).
#[test]
fn a_server_refusing_everyone_stops_the_run_and_marks_nobody_failed() {
    let server = Server::start(ServerConfig {
        faults: vec![(
            "@example.com",
            Fault::Always(Act::Reply("550 5.7.1 relaying denied")),
        )],
        ..Default::default()
    });
    let n = 40;
    let dir = Project::new()
        .smtp(&Smtp::new(server.port))
        .subscribers(&project::list(n))
        .build();
    let o = project::send(dir.path());
    let text = project::out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("refused the first 20 recipients")
            && text.contains("550 5.7.1 relaying denied"),
        "{text}"
    );
    let rows = project::deliveries(dir.path(), 3);
    assert!(rows.len() >= 20 && rows.len() < n, "{}", rows.len());
    assert!(rows.iter().all(|r| r.status == "pending"), "{rows:?}");
    // It stopped: far fewer than 40 were tried.
    let tried: u32 = server.rcpt_counts().values().sum();
    assert!(tried < 30, "{tried} RCPT commands");
}
