//! `newsletter send` over real TCP to the test SMTP server.

use std::collections::BTreeSet;

use crate::support::project::{Project, Smtp, list, newsletter, out, send};
use crate::support::smtp::{Act, Config as ServerConfig, Fault, Server};

#[test]
fn a_few_hundred_messages_each_checked_and_a_rerun_sends_nothing() {
    let server = Server::start(ServerConfig::default());
    let dir = Project::new()
        .smtp(&Smtp::new(server.port))
        .subscribers(&list(300))
        .build();
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let msgs = server.messages();
    assert_eq!(msgs.len(), 300);
    let mut to = BTreeSet::new();
    for m in &msgs {
        assert_eq!(m.rcpt.len(), 1);
        let head = m.data.split("\r\n\r\n").next().unwrap();
        for h in [
            "From:",
            "To:",
            "Subject:",
            "Message-ID:",
            "List-Unsubscribe:",
            "List-Unsubscribe-Post:",
            "List-Id:",
            "Date:",
        ] {
            assert_eq!(
                head.matches(&format!("\r\n{h}")).count() + usize::from(head.starts_with(h)),
                1,
                "{h}"
            );
        }
        assert!(m.data.contains("text/plain") && m.data.contains("text/html"));
        to.insert(m.rcpt[0].clone());
    }
    assert_eq!(to.len(), 300);
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(server.messages().len(), 300, "second run sent again");
}

#[test]
fn transient_failures_retry_and_permanent_ones_are_recorded_not_retried() {
    let server = Server::start(ServerConfig {
        faults: vec![
            (
                "tempfail",
                Fault::Once(Act::Reply("451 4.7.1 try again later")),
            ),
            (
                "toomany",
                Fault::Once(Act::Reply("452 4.5.3 too many recipients")),
            ),
            ("gone", Fault::Always(Act::Reply("550 5.1.1 no such user"))),
            ("dropper", Fault::Once(Act::DropInData)),
        ],
        ..Default::default()
    });
    let csv = "email\ntempfail@example.com\ntoomany@example.com\ngone@example.com\ndropper@example.com\nok@example.com\n";
    let dir = Project::new()
        .smtp(&Smtp::new(server.port))
        .subscribers(csv)
        .build();
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let got: BTreeSet<String> = server
        .messages()
        .iter()
        .map(|m| m.rcpt[0].clone())
        .collect();
    let want: BTreeSet<String> = [
        "tempfail@example.com",
        "toomany@example.com",
        "dropper@example.com",
        "ok@example.com",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(got, want);
    let status = newsletter(dir.path())
        .args(["status", "--issue", "3"])
        .output()
        .unwrap();
    let s = out(&status);
    assert!(s.contains("sent 4, failed 1, pending 0"), "{s}");
    assert!(
        s.contains("failed gone@example.com after 1 attempt(s)") && s.contains("550"),
        "{s}"
    );
    // The second run does not retry the permanent failure.
    let before = server.messages().len();
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(server.messages().len(), before);
}

#[test]
fn starttls_required_but_not_offered_sends_nothing() {
    let server = Server::start(ServerConfig::default());
    let dir = Project::new()
        .smtp(&Smtp::new(server.port))
        .subscribers(&list(3))
        .build();
    let cfg = dir.path().join("config.toml");
    let s = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("security = \"none\"", "security = \"starttls\"");
    std::fs::write(&cfg, s).unwrap();
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("cannot connect"), "{}", out(&o));
    assert!(server.messages().is_empty());
}

#[test]
fn a_wrong_password_stops_before_anything_is_marked_and_is_never_printed() {
    let server = Server::start(ServerConfig {
        auth: Some(("cfp".into(), "other-password".into())),
        ..Default::default()
    });
    let dir = Project::new()
        .smtp(&Smtp {
            username: Some("cfp".into()),
            ..Smtp::new(server.port)
        })
        .subscribers(&list(3))
        .build();
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(!out(&o).contains("right-password"));
    assert!(server.messages().is_empty());
    let status = newsletter(dir.path())
        .args(["status", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    // Stopped before anything changed: not even published.
    assert_eq!(v["issues"], serde_json::json!([]));
}

#[test]
fn the_right_password_authenticates() {
    let server = Server::start(ServerConfig {
        auth: Some(("cfp".into(), "right-password".into())),
        ..Default::default()
    });
    let dir = Project::new()
        .smtp(&Smtp {
            username: Some("cfp".into()),
            ..Smtp::new(server.port)
        })
        .subscribers(&list(5))
        .build();
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(server.messages().len(), 5);
}

#[test]
fn resume_after_sigkill_misses_nobody() {
    let server = Server::start(ServerConfig::default());
    let n = 4000;
    let dir = Project::new()
        .smtp(&Smtp::new(server.port))
        .subscribers(&list(n))
        .build();
    let mut child = newsletter(dir.path())
        .args(["send", "--now", "2024-03-20"])
        .env("NEWSLETTER_UNSUBSCRIBE_SECRET", "k")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(server.wait_for(200));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = server.messages().len();
    assert!(
        at_kill < n,
        "the send finished before the kill: nothing to resume"
    );
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let msgs = server.messages();
    let distinct: BTreeSet<String> = msgs.iter().map(|m| m.rcpt[0].clone()).collect();
    assert_eq!(
        distinct.len(),
        n,
        "somebody was missed (killed after {at_kill})"
    );
    let repeats = msgs.len() - n;
    assert!(repeats <= 4, "{repeats} repeats for 4 connections");
    let status = newsletter(dir.path())
        .args(["status", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let issue3 = v["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["number"] == 3)
        .unwrap();
    assert_eq!(issue3["sent"], n);
}

#[test]
fn a_second_send_while_one_runs_exits_1_naming_the_pid() {
    let server = Server::start(ServerConfig::default());
    let dir = Project::new()
        .smtp(&Smtp::new(server.port))
        .subscribers(&list(3))
        .build();
    // Hold the send lock the way a running send does.
    std::fs::create_dir_all(dir.path().join("state")).unwrap();
    let lock = std::fs::File::create(dir.path().join("state/newsletter.db.lock")).unwrap();
    lock.try_lock().unwrap();
    std::fs::write(dir.path().join("state/newsletter.db.lock"), "4242").unwrap();
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        out(&o).contains("another send is running (pid 4242)"),
        "{}",
        out(&o)
    );
    assert!(server.messages().is_empty());
    drop(lock);
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(server.messages().len(), 3);
}
