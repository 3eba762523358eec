//! The organizer's week (issue 12): retrying a failed run, reviewers
//! before the slot, several `--to`, quiet cron runs, runs in
//! `status --json`, no connection when nothing is left, DKIM in `check`
//! and on every message.

use std::path::Path;

use crate::support::project::{
    Project, Smtp, assert_bad_input, cli, deliveries, edit, out, root, send, smtp_config,
    status_json, text,
};
use crate::support::smtp::{Act, Config as ServerConfig, Fault, Server};

const LIST: &str = "email\ngone@example.com\nok@example.com\nlater@example.com\n";

fn refusing_once() -> Server {
    Server::start(ServerConfig {
        faults: vec![
            (
                "gone",
                Fault::Once(Act::Reply("550 5.7.1 relay refused for now")),
            ),
            (
                "later",
                Fault::Once(Act::Reply("550 5.7.1 relay refused for now")),
            ),
        ],
        ..Default::default()
    })
}

fn sent_to(server: &Server, who: &str) -> usize {
    server
        .messages()
        .iter()
        .filter(|m| m.rcpt.iter().any(|r| r.starts_with(who)))
        .count()
}

#[test]
fn a_failed_run_names_its_failures_and_retry_failed_sends_only_to_them() {
    let server = refusing_once();
    let dir = Project::new()
        .smtp(&Smtp::new(server.port))
        .subscribers(LIST)
        .build();
    // --quiet: a failed run still reports, with the replies and where to look.
    let o = cli(dir.path())
        .args(["send", "--quiet", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let said = text(&o.stdout);
    assert!(
        said.contains("failed gone@example.com: 550 5.7.1 relay refused for now"),
        "{said}"
    );
    assert!(said.contains("`newsletter status --issue 3`"), "{said}");
    assert!(said.contains("--retry-failed --issue 3"), "{said}");
    let before = deliveries(dir.path(), 3);
    let last = &status_json(dir.path())["last_run"];
    assert_eq!(last["outcome"], "failed", "{last}");
    assert_eq!(
        (last["sent"].as_u64(), last["failed"].as_u64()),
        (Some(1), Some(2))
    );

    // One of them unsubscribes meanwhile: not retried.
    let o = cli(dir.path())
        .args(["unsubscribe", "later@example.com", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = cli(dir.path())
        .args(["send", "--retry-failed", "--now", "2024-03-21"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // Accepted now; offered twice in all. The suppressed one: once.
    assert_eq!(sent_to(&server, "gone@"), 1);
    assert_eq!(sent_to(&server, "ok@"), 1);
    assert_eq!(sent_to(&server, "later@"), 0);
    let rcpts = server.rcpt_counts();
    assert_eq!(rcpts["gone@example.com"], 2);
    assert_eq!(rcpts["ok@example.com"], 1);
    assert_eq!(rcpts["later@example.com"], 1);
    let after = deliveries(dir.path(), 3);
    let (b, a) = (&before[0], &after[0]);
    assert_eq!(a.email, "gone@example.com");
    assert_eq!((a.status.as_str(), a.attempts), ("sent", b.attempts + 1));
    assert_eq!(a.message_id, b.message_id, "the same Message-ID");
    assert_eq!(after[1].status, "failed", "suppressed: left as it was");
    let last = &status_json(dir.path())["last_run"];
    assert_eq!(last["outcome"], "ok", "{last}");
    assert_eq!(last["at"], "2024-03-22T03:59:59Z", "{last}");
    assert_eq!(last["sent"].as_u64(), Some(1));

    // Nothing left to retry: said, and no connection.
    let connections = server.connections();
    let o = cli(dir.path())
        .args([
            "send",
            "--retry-failed",
            "--issue",
            "3",
            "--now",
            "2024-03-21",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("nothing to retry: issue 3"), "{}", out(&o));
    assert_eq!(server.connections(), connections);
    // An issue never published has nothing to retry.
    let o = cli(dir.path())
        .args([
            "send",
            "--retry-failed",
            "--issue",
            "4",
            "--now",
            "2024-03-21",
        ])
        .output()
        .unwrap();
    assert_bad_input(&o, "issue 4 has not been published");
}

#[test]
fn a_send_with_nobody_left_opens_no_connection() {
    let server = Server::start(ServerConfig::default());
    let dir = Project::new()
        .smtp(&Smtp::new(server.port))
        .subscribers("email\na@example.com\n")
        .build();
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let connections = server.connections();
    assert!(connections >= 1);
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(out(&o).contains("no connection was opened"), "{}", out(&o));
    assert_eq!(server.connections(), connections);
}

fn with_reviewers(port: u16) -> String {
    smtp_config(&Smtp::new(port)).replace(
        "reviewers = []",
        "reviewers = [\"chair@example.org\", \"PC@example.org\"]",
    )
}

#[test]
fn review_sends_the_next_issue_to_the_reviewers_and_records_nothing() {
    let server = Server::start(ServerConfig::default());
    let dir = Project::new()
        .config(&with_reviewers(server.port))
        .subscribers(LIST)
        .build();
    let o = cli(dir.path())
        .args(["send", "--review", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let msgs = server.messages();
    let mut rcpts: Vec<_> = msgs.iter().map(|m| m.rcpt[0].clone()).collect();
    rcpts.sort();
    assert_eq!(rcpts, ["PC@example.org", "chair@example.org"]);
    // Nothing published yet: the next issue is the first.
    for m in &msgs {
        assert!(m.data.contains("Subject: [review] "), "{}", m.data);
        assert!(m.data.contains("issue1."), "Message-ID of issue 1");
    }
    assert!(!dir.path().join("state").exists(), "nothing recorded");
    assert!(!dir.path().join("public").exists(), "nothing published");
    // A named issue is reviewed even before its time, and stays
    // unpublished.
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let o = cli(dir.path())
        .args(["send", "--review", "--issue", "5", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(server.messages().iter().any(|m| m.data.contains("issue5.")));
    let status = status_json(dir.path());
    let published = status["issues"].as_array().unwrap();
    assert!(published.iter().all(|i| i["number"] != 5), "{status}");
    assert_eq!(deliveries(dir.path(), 5).len(), 0);
}

#[test]
fn review_without_reviewers_is_bad_input_and_to_takes_several_addresses() {
    let server = Server::start(ServerConfig::default());
    let dir = Project::new()
        .smtp(&Smtp::new(server.port))
        .subscribers(LIST)
        .build();
    let o = cli(dir.path())
        .args(["send", "--review", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_bad_input(&o, "delivery.reviewers");
    let o = cli(dir.path())
        .args([
            "send",
            "--to",
            "a@example.org,b@example.org",
            "--to",
            "c@example.org",
            "--now",
            "2024-03-20",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(server.messages().len(), 3);
    assert!(
        server
            .messages()
            .iter()
            .all(|m| m.data.contains("Subject: [TEST] "))
    );
    assert_eq!(text(&o.stdout).matches("test message sent to").count(), 3);
    // A bad one among them: nothing is sent.
    let o = cli(dir.path())
        .args([
            "send",
            "--to",
            "d@example.org,not-an-address",
            "--now",
            "2024-03-20",
        ])
        .output()
        .unwrap();
    assert_bad_input(&o, "not-an-address");
    assert_eq!(server.messages().len(), 3);
    assert!(!dir.path().join("state").exists());
}

#[test]
fn quiet_prints_nothing_when_all_is_well_and_keeps_exit_codes() {
    let dir = Project::new().shipped_templates().subscribers(LIST).build();
    for args in [
        &["send", "--quiet", "--now", "2024-03-20"][..],
        &["send", "-q", "--now", "2024-03-20"],
        &["--quiet", "status", "--json"],
        &["check", "--quiet", "--now", "2024-03-20"],
        &[
            "preview",
            "--quiet",
            "--now",
            "2024-03-20",
            "--out",
            "p.html",
        ],
    ] {
        let o = cli(dir.path()).args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", out(&o));
        assert_eq!(out(&o), "", "{args:?}");
    }
    assert!(dir.path().join("outbox").read_dir().unwrap().count() == 3);
    // A warning still shows; an error too, with its exit code.
    edit(
        dir.path(),
        "content/subscribers.csv",
        "ok@example.com",
        "not an address",
    );
    let o = cli(dir.path())
        .args(["check", "--quiet", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    assert!(text(&o.stderr).starts_with("warning: "), "{}", out(&o));
    let o = cli(dir.path())
        .args(["send", "--quiet", "--issue", "99", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_bad_input(&o, "no issue 99");
}

fn dkim_project(domain: &str) -> tempfile::TempDir {
    let cfg = std::fs::read_to_string(root().join("config.toml"))
        .unwrap()
        .replace("# [dkim]", "[dkim]")
        .replace(
            "# domain = \"djangocon.us\"",
            &format!("domain = \"{domain}\""),
        )
        .replace("# selector = ", "selector = ")
        .replace("# private_key = ", "private_key = ");
    let dir = Project::new().config(&cfg).subscribers(LIST).build();
    std::fs::copy(
        root().join("tests/fixtures/dkim/rsa2048.pem"),
        dir.path().join("dkim.pem"),
    )
    .unwrap();
    dir
}

fn eml_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir.join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

#[test]
fn dkim_check_prints_the_record_and_every_message_is_signed() {
    let dir = dkim_project("djangocon.us");
    let o = cli(dir.path())
        .args(["check", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let said = text(&o.stdout);
    assert!(
        said.contains("newsletter._domainkey.djangocon.us. IN TXT ( \"v=DKIM1; k=rsa; p="),
        "{said}"
    );
    assert!(
        said.contains("SPF:") && said.contains("_dmarc.djangocon.us"),
        "{said}"
    );
    assert!(!said.contains("PRIVATE KEY"));
    let o = send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let emls = eml_files(dir.path());
    assert_eq!(emls.len(), 3);
    for m in emls {
        assert_eq!(m.matches("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=djangocon.us; s=newsletter;").count(), 1, "{m}");
    }
}

#[test]
fn dkim_refuses_a_domain_that_does_not_align_and_a_missing_key() {
    let dir = dkim_project("example.org");
    let o = cli(dir.path())
        .args(["check", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_bad_input(&o, "does not align with the From domain `djangocon.us`");
    let dir = dkim_project("djangocon.us");
    std::fs::remove_file(dir.path().join("dkim.pem")).unwrap();
    let o = cli(dir.path())
        .args(["check", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_bad_input(&o, "dkim.pem");
    assert!(
        cli(dir.path())
            .args(["send", "--now", "2024-03-20"])
            .output()
            .unwrap()
            .status
            .code()
            == Some(2)
    );
}
