//! Hostile conditions from issue 10, run as processes: a run killed
//! mid-write, times the tool cannot write, nesting deep enough to overflow
//! a stack, an unclosed comment, and a signal while connecting.

use crate::support::project::{self, Project, Smtp, run, text};
use crate::support::smtp::{Config as ServerConfig, Greeting, Server};

/// The shipped project with its subscriber list (outbox transport).
fn shipped() -> tempfile::TempDir {
    Project::new().shipped_subscribers().build()
}

/// The shipped project sending over SMTP with `smtp` to `n` subscribers.
fn smtp_project(smtp: &Smtp, n: usize) -> tempfile::TempDir {
    Project::new()
        .smtp(smtp)
        .subscribers(&project::list(n))
        .build()
}

/// A send killed between creating an outbox temporary file and renaming it
/// leaves `.tmp-XXXXXX` behind: the next send removes it, and nothing else.
#[test]
fn a_send_removes_outbox_temporary_files_a_killed_run_left() {
    let dir = shipped();
    let outbox = dir.path().join("outbox");
    std::fs::create_dir(&outbox).unwrap();
    std::fs::write(outbox.join(".tmp-Ab12Cd"), b"half a message").unwrap();
    std::fs::write(outbox.join(".tmp-a1b2c3"), b"").unwrap();
    let others = [
        ".tmp-notes.txt",
        "mine.tmp-abcdef",
        "readme.txt",
        ".tmp-abc",
    ];
    for f in others {
        std::fs::write(outbox.join(f), b"not the tool's").unwrap();
    }
    let o = run(dir.path(), &["send", "--now", "2024-03-20"]);
    assert_eq!(o.status.code(), Some(0), "{}", project::out(&o));
    assert!(!outbox.join(".tmp-Ab12Cd").exists());
    assert!(!outbox.join(".tmp-a1b2c3").exists());
    for f in others {
        assert_eq!(
            std::fs::read(outbox.join(f)).unwrap(),
            b"not the tool's",
            "{f}"
        );
    }
    let emls = std::fs::read_dir(&outbox)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "eml")
        })
        .count();
    assert!(emls > 0, "{}", text(&o.stderr));
}

/// The shipped project with `text` added at the top of the topic list
/// (before the first category).
fn with_topics_prefix(text: &str) -> tempfile::TempDir {
    let dir = shipped();
    let path = dir.path().join("content/topics.md");
    let old = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}{old}")).unwrap();
    dir
}

const COMMANDS: &[&[&str]] = &[
    &["plan", "--now", "2024-03-20"],
    &["check", "--now", "2024-03-20"],
    &["preview", "--now", "2024-03-20"],
    &["send", "--dry-run", "--now", "2024-03-20"],
];

/// 14,000 nested list levels in a 28 KB file overflowed the stack (SIGABRT,
/// exit 134) in every command that reads the topic list: now an error at
/// the list's line, exit 2, nothing written.
#[test]
fn a_list_nested_too_deep_is_an_error_at_its_line_in_every_command() {
    let dir = with_topics_prefix(&format!("## Deep\n\n{}x\n\n", "- ".repeat(14_000)));
    for args in COMMANDS {
        let o = run(dir.path(), args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("content/topics.md:3:") && err.contains("nested more than 32 levels"),
            "{args:?}: {err}"
        );
    }
    assert!(!dir.path().join("state").exists() && !dir.path().join("outbox").exists());
}

/// Deep structure inside one topic's text (block quotes, emphasis,
/// brackets) is rendered without recursion: no crash.
#[test]
fn deep_markup_inside_a_topic_renders_without_overflow() {
    let quotes = format!("- a\n\n  {}b\n\n  c\n", "> ".repeat(20_000));
    let emphasis = format!("- {}x{}\n", "*_".repeat(10_000), "_*".repeat(10_000));
    let brackets = format!(
        "- {}x{}\n",
        "[".repeat(20_000),
        "](https://e.org)".repeat(20_000)
    );
    for body in [quotes, emphasis, brackets] {
        let dir = with_topics_prefix(&format!("## Deep\n\n{body}\n"));
        for args in COMMANDS {
            let o = run(dir.path(), args);
            assert!(
                matches!(o.status.code(), Some(0 | 2)),
                "{args:?}: {:?} {}",
                o.status,
                text(&o.stderr)
            );
        }
    }
}

/// An unclosed `<!--` hid the rest of the file without a word: `check`
/// (where topic-list warnings are shown) warns at the line where it opens.
#[test]
fn an_unclosed_comment_is_a_warning_with_its_line() {
    let dir = shipped();
    let path = dir.path().join("content/topics.md");
    let mut src = std::fs::read_to_string(&path).unwrap();
    src.push_str("\n<!-- ideas for later\n\n## Later\n\n- one\n");
    let line = src
        .lines()
        .position(|l| l.starts_with("<!-- ideas"))
        .unwrap()
        + 1;
    std::fs::write(&path, src).unwrap();
    let o = run(dir.path(), &["check", "--now", "2024-03-20"]);
    let all = project::out(&o);
    assert!(
        all.contains(&format!("content/topics.md:{line}:1")) && all.contains("never closed"),
        "{all}"
    );
}

/// `--now 9999-12-31` panicked in the mail date formatter, after `send
/// --issue 12` had frozen the issue; `feed` stored a year-10000 time that
/// no later command could read. Every such time is now bad input (exit 2)
/// and nothing is written, from the argument or the environment.
#[test]
fn a_now_outside_the_accepted_years_is_bad_input_and_writes_nothing() {
    let dir = shipped();
    let before = project::tree(dir.path());
    for now in [
        "9999-12-31",
        "9001-01-01",
        "1969-12-31",
        "9001-01-01T00:00:00Z",
    ] {
        for args in [
            &["preview", "--format", "eml"][..],
            &["send", "--dry-run"],
            &["send", "--issue", "12"],
            &["feed"],
            &["plan"],
        ] {
            let mut all = args.to_vec();
            all.extend(["--now", now]);
            let o = run(dir.path(), &all);
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{all:?}: {err}");
            assert!(
                err.contains("outside the years the tool accepts (1970 to 9000)")
                    && !err.contains("panicked"),
                "{all:?}: {err}"
            );
            let o = project::cli(dir.path())
                .args(args)
                .env("NEWSLETTER_NOW", now)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(2), "NEWSLETTER_NOW={now} {args:?}");
        }
    }
    assert_eq!(project::tree(dir.path()), before, "something was written");
}

/// The last accepted day works end to end: the mail date is formatted,
/// and what `feed` stores reads back in the next command.
#[test]
fn the_last_accepted_day_formats_stores_and_reads_back() {
    let dir = shipped();
    let o = run(
        dir.path(),
        &["preview", "--format", "eml", "--now", "9000-12-31"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("Date: "), "{}", text(&o.stdout));
    let o = run(dir.path(), &["feed", "--now", "9000-12-31"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    for args in [&["feed", "--now", "2024-03-20"][..], &["status"]] {
        let o = run(dir.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
    }
}

/// SIGTERM while `send` waits for a server's greeting: it killed the
/// process (exit 143) with the pid left in the lock file. Now the same as
/// SIGTERM mid-send: exit 130 at once, lock released, nothing written.
#[test]
fn sigterm_while_connecting_exits_130_and_releases_the_lock() {
    let server = Server::start(ServerConfig {
        greeting: Greeting::Never,
        ..Default::default()
    });
    let mut smtp = Smtp::new(server.port);
    smtp.timeout_seconds = 60;
    let dir = smtp_project(&smtp, 3);
    let child = project::cli(dir.path())
        .args(["send", "--now", "2024-03-20"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(server.wait_open(1), "it never connected");
    let started = std::time::Instant::now();
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let o = child.wait_with_output().unwrap();
    let all = project::out(&o);
    assert_eq!(o.status.code(), Some(130), "{all}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(
        all.contains("interrupted while connecting: nothing was sent"),
        "{all}"
    );
    let lock = dir.path().join("state/newsletter.db.lock");
    assert_eq!(
        std::fs::read_to_string(&lock).unwrap(),
        "",
        "the pid stayed in the lock file"
    );
    assert!(
        !dir.path().join("state/newsletter.db").exists(),
        "the state was written"
    );
    assert!(server.wait_idle(), "the connection stayed open");
}

/// A server that sends `220-still here` forever held `send` for good: the
/// run now stops after `smtp.timeout_seconds` with a clear error.
#[test]
fn an_endless_greeting_stops_send_after_the_timeout() {
    use std::time::Duration;
    let server = Server::start(ServerConfig {
        greeting: Greeting::Endless(Duration::from_millis(100)),
        ..Default::default()
    });
    let mut smtp = Smtp::new(server.port);
    smtp.timeout_seconds = 1;
    let dir = smtp_project(&smtp, 3);
    let started = std::time::Instant::now();
    let o = project::send(dir.path());
    let all = project::out(&o);
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(
        all.contains("answer did not arrive in full within 1 s")
            && all.contains("nothing was sent"),
        "{all}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!dir.path().join("state/newsletter.db").exists());
}

/// One recipient's reply dripped a byte every 100 ms (1.4 s with a 1 s
/// timeout): that recipient stays pending with a timeout naming the
/// setting, the others are sent, and the run ends in bounded time.
#[test]
fn a_reply_dripped_past_the_timeout_leaves_that_recipient_pending() {
    use crate::support::smtp::{Act, Fault};
    use std::time::Duration;
    let server = Server::start(ServerConfig {
        faults: vec![("slow", Fault::Always(Act::Drip(Duration::from_millis(100))))],
        ..Default::default()
    });
    let mut smtp = Smtp::new(server.port);
    smtp.timeout_seconds = 1;
    smtp.max_attempts = 1;
    let dir = Project::new()
        .smtp(&smtp)
        .subscribers("email\nslow@example.com\na@example.com\nb@example.com\n")
        .build();
    let o = project::send(dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", project::out(&o));
    let rows = project::deliveries(dir.path(), 3);
    let slow = rows.iter().find(|r| r.email == "slow@example.com").unwrap();
    assert_eq!(slow.status, "pending");
    assert_eq!(
        slow.reply.as_deref(),
        Some("timed out: the reply did not arrive in full within 1 s (smtp.timeout_seconds)")
    );
    assert_eq!(rows.iter().filter(|r| r.status == "sent").count(), 2);
}
