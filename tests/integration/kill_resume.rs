//! Kill and resume, many times (long; run by `bench/kill-resume.sh`):
//! each trial starts a send of N messages to the test SMTP server (which
//! logs every message it accepts), kills the sender with SIGKILL after a
//! random delay, then runs `send` again until it finishes. Per trial:
//! everyone received the issue at least once; the repeats are exactly the
//! messages accepted but not yet recorded at the kill, and at most one per
//! connection; the state's `sent` equals the distinct recipients the server
//! accepted. Prints a Markdown table.
//!
//! Settings from the environment: KILL_RESUME_TRIALS (20),
//! KILL_RESUME_MESSAGES (5000), KILL_RESUME_CONCURRENCY (4),
//! KILL_RESUME_SEED (1).

use std::collections::HashSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::project::{self, Project, Smtp};
use crate::support::smtp::{Config as ServerConfig, Server};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: reproducible delays from the seed.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

fn sent_in_state(dir: &std::path::Path) -> u64 {
    let v = project::status_json(dir);
    project::issue(&v, 3)["sent"].as_u64().unwrap_or(0)
}

struct Trial {
    delay_ms: u64,
    killed: bool,
    accepted_at_kill: usize,
    recorded_at_kill: u64,
    resumes: usize,
    accepted: usize,
    distinct: usize,
    state_sent: u64,
    secs: f64,
}

fn one_trial(concurrency: usize, delay: Duration, list: &str) -> Trial {
    let server = Server::start(ServerConfig {
        discard_data: true,
        ..Default::default()
    });
    let mut smtp = Smtp::new(server.port);
    smtp.concurrency = concurrency;
    smtp.timeout_seconds = 30;
    let dir = Project::new().smtp(&smtp).subscribers(list).build();
    let started = Instant::now();
    let mut child = project::cli(dir.path())
        .args(["send", "--now", "2024-03-20"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let killed = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(server.wait_idle(), "sessions still open after the kill");
    let accepted_at_kill = server.accepted();
    let recorded_at_kill = sent_in_state(dir.path());
    let mut resumes = 0;
    loop {
        resumes += 1;
        let o = project::send(dir.path());
        if o.status.code() == Some(0) {
            break;
        }
        assert!(resumes < 5, "send keeps failing: {}", project::out(&o));
    }
    let got = server.recipients();
    let distinct = got.iter().collect::<HashSet<_>>().len();
    Trial {
        delay_ms: delay.as_millis() as u64,
        killed,
        accepted_at_kill,
        recorded_at_kill,
        resumes,
        accepted: got.len(),
        distinct,
        state_sent: sent_in_state(dir.path()),
        secs: started.elapsed().as_secs_f64(),
    }
}

#[test]
#[ignore = "long (minutes): run by bench/kill-resume.sh"]
fn kill_and_resume_trials() {
    let trials = setting("KILL_RESUME_TRIALS", 20);
    let n = setting("KILL_RESUME_MESSAGES", 5000) as usize;
    let concurrency = setting("KILL_RESUME_CONCURRENCY", 4) as usize;
    let mut rng = setting("KILL_RESUME_SEED", 1).max(1);
    let list = project::list(n);

    // How long an uninterrupted send takes: the kill delays are drawn
    // uniformly from [0, that time).
    let full = {
        let server = Server::start(ServerConfig {
            discard_data: true,
            ..Default::default()
        });
        let mut smtp = Smtp::new(server.port);
        smtp.concurrency = concurrency;
        let dir = Project::new().smtp(&smtp).subscribers(&list).build();
        let t = Instant::now();
        let o = project::send(dir.path());
        assert_eq!(o.status.code(), Some(0), "{}", project::out(&o));
        assert_eq!(server.accepted(), n);
        t.elapsed()
    };
    println!(
        "kill-resume: {trials} trials, {n} messages, concurrency {concurrency}; an uninterrupted send takes {:.2} s",
        full.as_secs_f64()
    );
    println!(
        "| trial | kill after (ms) | accepted at kill | recorded at kill | resume runs | accepted in all | distinct | repeats | state sent | ok |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|:--|");
    let mut failures = Vec::new();
    let mut total_repeats = 0;
    for i in 1..=trials {
        let delay = full.mul_f64((next(&mut rng) % 10_000) as f64 / 10_000.0);
        let t = one_trial(concurrency, delay, &list);
        let repeats = t.accepted - t.distinct;
        total_repeats += repeats;
        let unrecorded =
            t.accepted_at_kill as u64 - t.recorded_at_kill.min(t.accepted_at_kill as u64);
        let mut problems = Vec::new();
        if t.distinct != n {
            problems.push(format!("{} never received it", n - t.distinct));
        }
        if t.recorded_at_kill > t.accepted_at_kill as u64 {
            problems.push("recorded before accepted".into());
        }
        if repeats as u64 != unrecorded {
            problems.push(format!(
                "{repeats} repeats but {unrecorded} accepted-unrecorded at the kill"
            ));
        }
        if repeats > concurrency {
            problems.push(format!("{repeats} repeats > {concurrency} connections"));
        }
        if t.state_sent != t.distinct as u64 {
            problems.push(format!(
                "state sent {} != distinct {}",
                t.state_sent, t.distinct
            ));
        }
        println!(
            "| {i} | {}{} | {} | {} | {} | {} | {} | {} | {} | {} |",
            t.delay_ms,
            if t.killed { "" } else { " (had finished)" },
            t.accepted_at_kill,
            t.recorded_at_kill,
            t.resumes,
            t.accepted,
            t.distinct,
            repeats,
            t.state_sent,
            if problems.is_empty() {
                "yes".to_string()
            } else {
                problems.join("; ")
            }
        );
        eprintln!("trial {i} done in {:.1} s", t.secs);
        if !problems.is_empty() {
            failures.push(i);
        }
    }
    println!(
        "kill-resume: {} of {trials} trials ok; {total_repeats} repeats in all (at most {concurrency} per kill)",
        trials as usize - failures.len()
    );
    assert!(failures.is_empty(), "failed trials: {failures:?}");
}
