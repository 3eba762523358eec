//! Wire-level behaviour of the SMTP transport against a small real server
//! on loopback that logs what arrives in each read, per connection.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use super::session::dot_stuffed;
use super::*;

#[derive(Clone, Copy, Default)]
struct Script {
    pipelining: bool,
    /// Close the connection (without a reply) after this many messages.
    messages_per_connection: Option<usize>,
    /// Answer RCPT to addresses containing "gone" with 550.
    refuse_gone: bool,
}

#[derive(Default, Debug)]
struct Log {
    /// Per connection: the text of each read.
    reads: Vec<Vec<String>>,
    /// The messages accepted, dot-unstuffed.
    messages: Vec<String>,
}

fn server(script: Script) -> (u16, Arc<Mutex<Log>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = Arc::new(Mutex::new(Log::default()));
    let l = Arc::clone(&log);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let l = Arc::clone(&l);
            std::thread::spawn(move || session(stream, script, &l));
        }
    });
    (port, log)
}

fn session(mut s: TcpStream, script: Script, log: &Mutex<Log>) {
    let conn = {
        let mut g = log.lock().unwrap();
        g.reads.push(Vec::new());
        g.reads.len() - 1
    };
    if s.write_all(b"220 test ESMTP\r\n").is_err() {
        return;
    }
    let (mut pending, mut data, mut in_data) = (String::new(), None, false);
    let (mut accepted, mut recipients) = (0, 0);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let chunk = String::from_utf8_lossy(&buf[..n]).into_owned();
        log.lock().unwrap().reads[conn].push(chunk.clone());
        pending.push_str(&chunk);
        while let Some(end) = pending.find("\r\n") {
            let line: String = pending.drain(..end + 2).collect();
            let line = &line[..line.len() - 2];
            if in_data {
                if line == "." {
                    in_data = false;
                    log.lock()
                        .unwrap()
                        .messages
                        .push(data.take().unwrap_or_default());
                    accepted += 1;
                    if script.messages_per_connection == Some(accepted) {
                        let _ = s.write_all(b"250 ok\r\n");
                        return;
                    }
                    if s.write_all(b"250 2.0.0 queued\r\n").is_err() {
                        return;
                    }
                } else {
                    let d: &mut String = data.get_or_insert_with(String::new);
                    d.push_str(line.strip_prefix('.').unwrap_or(line));
                    d.push_str("\r\n");
                }
                continue;
            }
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                if script.pipelining {
                    b"250-test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                } else {
                    b"250-test\r\n250 8BITMIME\r\n"
                }
            } else if upper.starts_with("RCPT") && script.refuse_gone && upper.contains("GONE") {
                b"550 5.1.1 no such user\r\n"
            } else if upper.starts_with("RCPT") {
                recipients += 1;
                b"250 ok\r\n"
            } else if upper.starts_with("MAIL") || upper == "RSET" {
                recipients = 0;
                b"250 ok\r\n"
            } else if upper == "DATA" {
                if recipients == 0 {
                    b"554 no valid recipients\r\n"
                } else {
                    in_data = true;
                    b"354 go ahead\r\n"
                }
            } else if upper == "QUIT" {
                let _ = s.write_all(b"221 bye\r\n");
                return;
            } else {
                b"250 ok\r\n"
            };
            if s.write_all(reply).is_err() {
                return; // the client went away
            }
        }
    }
}

fn smtp(port: u16) -> Smtp {
    let src = format!(
        "[newsletter]\ntitle = \"T\"\nfrom = \"a@example.org\"\n[cfp]\nname = \"X\"\ntimezone = \"UTC\"\nopens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00\n[schedule]\nweekday = \"monday\"\ntime = \"09:00\"\n[delivery]\ntransport = \"smtp\"\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\ntimeout_seconds = 5\n"
    );
    Smtp::new(&Config::parse(&src).unwrap(), None).unwrap()
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
    let (port, log) = server(Script {
        pipelining: true,
        ..Script::default()
    });
    let t = smtp(port);
    t.check().unwrap();
    let first = message("r0@example.com", "hi\n.dot\n");
    assert!(sent(&t.send(&first, "")));
    for i in 1..3 {
        assert!(sent(
            &t.send(&message(&format!("r{i}@example.com"), "hi\n"), "")
        ));
    }
    drop(t);
    let log = log.lock().unwrap();
    assert_eq!(log.reads.len(), 1, "one connection for everything");
    let groups: Vec<&String> = log.reads[0]
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
    assert!(!log.reads[0].concat().contains("NOOP"));
    assert!(log.reads[0].last().unwrap().starts_with("QUIT"));
    // The message arrives byte for byte (dot-stuffing undone by the server).
    let mut want = String::from_utf8(first.formatted()).unwrap();
    if !want.ends_with("\r\n") {
        want.push_str("\r\n");
    }
    assert_eq!(log.messages[0], want);
    assert!(want.contains("\r\n.dot\r\n"));
}

#[test]
fn without_pipelining_one_command_per_write() {
    let (port, log) = server(Script::default());
    let t = smtp(port);
    assert!(sent(&t.send(&message("r@example.com", "hi\n"), "")));
    let log = log.lock().unwrap();
    let reads = &log.reads[0];
    let mail = reads.iter().position(|r| r.starts_with("MAIL")).unwrap();
    assert_eq!(reads[mail].matches("\r\n").count(), 1, "{reads:?}");
    assert!(reads[mail + 1].starts_with("RCPT") && reads[mail + 2] == "DATA\r\n");
}

#[test]
fn a_connection_the_server_closed_while_idle_is_replaced_at_no_cost() {
    let (port, log) = server(Script {
        pipelining: true,
        messages_per_connection: Some(1),
        ..Script::default()
    });
    let t = smtp(port);
    for i in 0..3 {
        let a = t.send(&message(&format!("r{i}@example.com"), "hi\n"), "");
        assert!(sent(&a), "message {i}: {a:?}");
    }
    assert_eq!(log.lock().unwrap().messages.len(), 3);
}

#[test]
fn a_refused_recipient_is_permanent_and_the_connection_goes_on() {
    let (port, log) = server(Script {
        pipelining: true,
        refuse_gone: true,
        ..Script::default()
    });
    let t = smtp(port);
    let a = t.send(&message("gone@example.com", "hi\n"), "");
    assert!(
        matches!(&a, Attempt::Permanent(r) if r.contains("550")),
        "{a:?}"
    );
    assert!(sent(&t.send(&message("ok@example.com", "hi\n"), "")));
    let log = log.lock().unwrap();
    assert_eq!(log.reads.len(), 1);
    assert!(log.reads[0].iter().any(|r| r == "RSET\r\n"));
    assert_eq!(log.messages.len(), 1);
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
    let (port, log) = server(Script {
        pipelining: true,
        ..Script::default()
    });
    let t = &smtp(port);
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
    let log = log.lock().unwrap();
    assert_eq!(log.reads.len(), 2, "one connection per thread");
    for reads in &log.reads {
        let text = reads.concat();
        assert!(text.contains("<a0@") != text.contains("<b0@"), "{text}");
    }
}
