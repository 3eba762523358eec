//! Wire-level behaviour of the SMTP transport against the crate's fake SMTP
//! server (`tests/integration/support/smtp.rs`, shared with the integration tests): a
//! real server on loopback that logs what arrives in each read, per
//! connection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::session::dot_stuffed;
use super::*;

#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
#[path = "../../../tests/integration/support/smtp.rs"]
mod test_server;

use test_server::{Act, Config as ServerConfig, Fault, Server};

fn smtp(server: &Server) -> SmtpTransport {
    let src = format!(
        "[newsletter]\ntitle = \"T\"\nfrom = \"a@example.org\"\n[cfp]\nname = \"X\"\ntimezone = \"UTC\"\nopens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00\n[schedule]\nweekday = \"monday\"\ntime = \"09:00\"\n[delivery]\ntransport = \"smtp\"\n[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\ntimeout_seconds = 5\n",
        server.port
    );
    SmtpTransport::new(&Config::parse(&src).unwrap(), None).unwrap()
}

fn message(to: &str, body: &str) -> Message {
    Message::builder()
        .from("a@example.org".parse().unwrap())
        .to(to.parse().unwrap())
        .subject("s")
        .body(body.to_string())
        .unwrap()
}

fn sent(a: &Attempt) -> bool {
    matches!(a, Attempt::Sent(_))
}

#[test]
fn pipelines_mail_rcpt_data_and_reuses_one_connection() {
    let server = Server::start(ServerConfig::default());
    let t = smtp(&server);
    t.check().unwrap();
    let first = message("r0@example.com", "hi\n.dot\n");
    assert!(sent(&t.send(&first, "")));
    for i in 1..3 {
        assert!(sent(
            &t.send(&message(&format!("r{i}@example.com"), "hi\n"), "")
        ));
    }
    drop(t);
    let reads = server.reads();
    assert_eq!(reads.len(), 1, "one connection for everything");
    let groups: Vec<&String> = reads[0]
        .iter()
        .filter(|r| r.starts_with("MAIL FROM"))
        .collect();
    assert_eq!(groups.len(), 3);
    for g in groups {
        assert!(
            g.contains("\r\nRCPT TO:<r") && g.ends_with("\r\nDATA\r\n"),
            "{g:?}"
        );
    }
    assert!(!reads[0].concat().contains("NOOP"));
    assert!(reads[0].last().unwrap().starts_with("QUIT"));
    // The message arrives byte for byte (dot-stuffing undone by the server).
    let mut want = String::from_utf8(first.formatted()).unwrap();
    if !want.ends_with("\r\n") {
        want.push_str("\r\n");
    }
    assert_eq!(server.messages()[0].data, want);
    assert!(want.contains("\r\n.dot\r\n"));
}

#[test]
fn without_pipelining_one_command_per_write() {
    let server = Server::start(ServerConfig {
        no_pipelining: true,
        ..ServerConfig::default()
    });
    let t = smtp(&server);
    assert!(sent(&t.send(&message("r@example.com", "hi\n"), "")));
    let reads = &server.reads()[0];
    let mail = reads.iter().position(|r| r.starts_with("MAIL")).unwrap();
    assert_eq!(reads[mail].matches("\r\n").count(), 1, "{reads:?}");
    assert!(reads[mail + 1].starts_with("RCPT") && reads[mail + 2] == "DATA\r\n");
}

#[test]
fn a_connection_the_server_closed_while_idle_is_replaced_at_no_cost() {
    let server = Server::start(ServerConfig {
        close_after_messages: Some(1),
        ..ServerConfig::default()
    });
    let t = smtp(&server);
    for i in 0..3 {
        let a = t.send(&message(&format!("r{i}@example.com"), "hi\n"), "");
        assert!(sent(&a), "message {i}: {a:?}");
    }
    assert_eq!(server.accepted(), 3);
    assert_eq!(server.connections(), 3);
}

#[test]
fn a_refused_recipient_is_permanent_and_the_connection_goes_on() {
    let server = Server::start(ServerConfig {
        faults: vec![("gone", Fault::Always(Act::Reply("550 5.1.1 no such user")))],
        ..ServerConfig::default()
    });
    let t = smtp(&server);
    let a = t.send(&message("gone@example.com", "hi\n"), "");
    assert!(
        matches!(&a, Attempt::Permanent(r) if r.contains("550")),
        "{a:?}"
    );
    assert!(sent(&t.send(&message("ok@example.com", "hi\n"), "")));
    let reads = server.reads();
    assert_eq!(reads.len(), 1);
    assert!(reads[0].iter().any(|r| r == "RSET\r\n"));
    assert_eq!(server.accepted(), 1);
}

#[test]
fn dot_stuffing_doubles_leading_dots_and_terminates() {
    assert_eq!(
        dot_stuffed("a\r\n.b\r\n..\r\nc"),
        "a\r\n..b\r\n...\r\nc\r\n.\r\n"
    );
    assert_eq!(dot_stuffed(".\n"), "..\r\n.\r\n");
    assert_eq!(dot_stuffed("x\r\n"), "x\r\n.\r\n");
}

#[test]
fn each_worker_thread_keeps_its_own_connection() {
    let server = Server::start(ServerConfig::default());
    let t = &smtp(&server);
    std::thread::scope(|s| {
        for who in ["a", "b"] {
            // One after the other: b must not take a's idle connection.
            s.spawn(move || {
                for i in 0..2 {
                    assert!(sent(
                        &t.send(&message(&format!("{who}{i}@example.com"), "hi\n"), "")
                    ));
                }
            })
            .join()
            .unwrap();
        }
    });
    let reads = server.reads();
    assert_eq!(reads.len(), 2, "one connection per thread");
    for reads in &reads {
        let text = reads.concat();
        assert!(text.contains("<a0@") != text.contains("<b0@"), "{text}");
    }
}

#[test]
fn a_server_that_never_greets_fails_the_check_with_a_help() {
    let server = Server::start(ServerConfig {
        greeting: test_server::Greeting::Never,
        ..Default::default()
    });
    let src = format!(
        "[newsletter]\ntitle = \"T\"\nfrom = \"a@example.org\"\n[cfp]\nname = \"X\"\ntimezone = \"UTC\"\nopens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00\n[schedule]\nweekday = \"monday\"\ntime = \"09:00\"\n[delivery]\ntransport = \"smtp\"\n[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\ntimeout_seconds = 1\n",
        server.port
    );
    let t = SmtpTransport::new(&Config::parse(&src).unwrap(), None).unwrap();
    let err = t.check().unwrap_err();
    assert!(
        err.message()
            .ends_with("no answer within 1 s (smtp.timeout_seconds); nothing was sent"),
        "{}",
        err.message()
    );
    assert!(
        err.help()
            .is_some_and(|h| h.starts_with("check smtp.host and smtp.port"))
    );
}
