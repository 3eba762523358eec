//! One sender at a time: two `send` processes started together on one
//! project against a real SMTP server.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::mpsc;

use crate::support::project::{self, Project, Smtp};
use crate::support::smtp::{Config as ServerConfig, Greeting, Server};

#[test]
fn two_sends_started_together_one_sends_and_the_other_names_its_pid() {
    // The server holds its greeting until the loser has exited, so the
    // winner is still running (holding the lock) whichever process wins.
    let server = Server::start(ServerConfig {
        greeting: Greeting::Held,
        ..Default::default()
    });
    let mut smtp = Smtp::new(server.port);
    smtp.timeout_seconds = 60;
    let n = 200;
    let dir = Project::new()
        .smtp(&smtp)
        .subscribers(&project::list(n))
        .build();
    let children: Vec<_> = (0..2)
        .map(|_| {
            project::cli(dir.path())
                .args(["send", "--now", "2024-03-20"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let pids: Vec<u32> = children.iter().map(|c| c.id()).collect();
    let (tx, rx) = mpsc::channel();
    for (i, child) in children.into_iter().enumerate() {
        let tx = tx.clone();
        std::thread::spawn(move || tx.send((i, child.wait_with_output().unwrap())));
    }
    let (loser, first) = rx.recv().unwrap();
    let winner = 1 - loser;
    let text = project::out(&first);
    assert_eq!(first.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("another send is running (pid {})", pids[winner])),
        "{text}"
    );
    assert!(server.messages().is_empty());

    server.release_greetings();
    let (i, second) = rx.recv().unwrap();
    assert_eq!(i, winner);
    assert_eq!(second.status.code(), Some(0), "{}", project::out(&second));
    let got = server.recipients();
    let distinct: BTreeSet<&String> = got.iter().collect();
    assert_eq!(got.len(), n, "a recipient got two copies");
    assert_eq!(distinct.len(), n);
    let v = project::status_json(dir.path());
    assert_eq!(project::issue(&v, 3)["sent"], n);
}

/// Without any help from the server: several rounds of two sends started
/// at the same instant. Whatever the interleaving, nobody gets two copies,
/// and a process that does not send either found the lock (exit 1, naming
/// a pid) or found everything already sent (exit 0).
#[test]
fn racing_sends_never_send_twice() {
    let server = Server::start(ServerConfig::default());
    let n = 50;
    let dir = Project::new()
        .smtp(&Smtp::new(server.port))
        .subscribers(&project::list(n))
        .build();
    for round in 0..3 {
        // Each round a fresh issue: issues 3, 4, 5 (forced).
        let issue = (3 + round).to_string();
        let children: Vec<_> = (0..2)
            .map(|_| {
                project::cli(dir.path())
                    .args(["send", "--issue", &issue, "--force", "--now", "2024-03-20"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let pids: Vec<u32> = children.iter().map(|c| c.id()).collect();
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect();
        let mut locked_out = 0;
        for (i, o) in outs.iter().enumerate() {
            let text = project::out(o);
            match o.status.code() {
                Some(0) => {}
                Some(1) => {
                    let other = pids[1 - i];
                    assert!(
                        text.contains(&format!("another send is running (pid {other})")),
                        "{text}"
                    );
                    locked_out += 1;
                }
                c => panic!("exit {c:?}: {text}"),
            }
        }
        assert!(locked_out <= 1, "both were locked out");
    }
    // Three issues to n people each, none twice: (recipient, Message-ID)
    // pairs are distinct (the Message-ID names the issue).
    let msgs = server.messages();
    let pairs: BTreeSet<(String, String)> = msgs
        .iter()
        .map(|m| {
            let id = m
                .data
                .split("\r\n")
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .unwrap();
            (m.rcpt[0].clone(), id.to_string())
        })
        .collect();
    assert_eq!(msgs.len(), 3 * n, "a recipient got an issue twice");
    assert_eq!(pairs.len(), 3 * n);
}
