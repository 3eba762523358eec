//! `newsletter send` end to end with the outbox transport, run as a process.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::mail::header as unfolded_header;
use crate::support::project::{Project, newsletter, run, text, tree_with_folders};

fn outbox(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("outbox"))
        .map(|rd| {
            rd.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn dry_run_composes_everything_and_writes_nothing() {
    let dir = Project::new().shipped_subscribers().build();
    let before = tree_with_folders(dir.path());
    let out = run(dir.path(), &["send", "--dry-run", "--now", "2024-03-20"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.contains("issue 3 \"DjangoCon US 2024 CFP Weekly #3: Novel Uses for Django\""),
        "{s}"
    );
    assert!(s.contains("recipients: 10 (first: ana.lima@example.com, bob@example.org, zoe.angstrom@example.net)"), "{s}");
    assert!(s.contains("0 invalid rows"), "{s}");
    assert!(
        s.contains("\ntransport: the outbox folder outbox/ (one .eml file per message)\n"),
        "{s}"
    );
    assert!(
        s.contains(
            "\nfeed: would write public/feed.xml (3 items) and the archive in public/ (3 issue pages and the index)\n"
        ),
        "{s}"
    );
    assert_eq!(
        tree_with_folders(dir.path()),
        before,
        "dry run changed the file system"
    );
}

#[test]
fn send_delivers_once_and_a_second_run_sends_nothing() {
    let dir = Project::new().shipped_subscribers().build();
    let out = run(dir.path(), &["send", "--now", "2024-03-20"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let msgs = outbox(dir.path());
    assert_eq!(msgs.len(), 10);
    let mut to = BTreeSet::new();
    for m in &msgs {
        for h in [
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "List-Id",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
            "Reply-To",
        ] {
            assert_eq!(unfolded_header(m, h).len(), 1, "{h} in {m}");
        }
        assert!(
            m.contains("multipart/alternative")
                && m.contains("text/plain")
                && m.contains("text/html")
        );
        let lu = &unfolded_header(m, "List-Unsubscribe")[0];
        let token = lu
            .split("token=")
            .nth(1)
            .unwrap()
            .split('>')
            .next()
            .unwrap();
        assert_eq!(token.len(), 43, "{lu}");
        assert!(
            m.replace("=\r\n", "").contains(token),
            "personal unsubscribe link missing from the body"
        );
        to.insert(unfolded_header(m, "To")[0].clone());
    }
    assert_eq!(to.len(), 10, "recipients are not unique");
    let again = run(dir.path(), &["send", "--now", "2024-03-21"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        text(&again.stdout).contains("nothing to send: everyone has this issue already"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(outbox(dir.path()).len(), 10);
    let plan = run(dir.path(), &["plan", "--json", "--now", "2024-03-21"]);
    let v: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(v["issues"][2]["state"], "sent");
    // Issue 2's time had come too: the feed and archive published it.
    assert_eq!(v["issues"][1]["state"], "published");
    assert_eq!(v["issues"][3]["state"], "upcoming");
    let status = run(dir.path(), &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    // Every published issue is listed; only issue 3 was delivered.
    assert_eq!(v["issues"].as_array().unwrap().len(), 3);
    assert_eq!(v["issues"][0]["sent"], 0);
    assert_eq!(v["issues"][2]["number"], 3);
    assert_eq!(v["issues"][2]["sent"], 10);
    assert_eq!(v["issues"][2]["failed"], 0);
    assert_eq!(v["suppressed"], 0);
}

#[test]
fn suppressed_addresses_are_skipped_until_undone() {
    let dir = Project::new().shipped_subscribers().build();
    let out = run(
        dir.path(),
        &["unsubscribe", "BOB@example.org", "ana.lima@example.com"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(dir.path(), &["send", "--now", "2024-03-20"]);
    assert!(
        text(&out.stdout).contains("suppressed 2"),
        "{}",
        text(&out.stdout)
    );
    let msgs = outbox(dir.path()).join("\n");
    assert!(!msgs.contains("bob@example.org") && !msgs.contains("ana.lima@example.com"));
    run(dir.path(), &["unsubscribe", "--undo", "bob@example.org"]);
    run(dir.path(), &["send", "--now", "2024-03-20"]);
    assert!(outbox(dir.path()).join("\n").contains("bob@example.org"));
}

#[test]
fn an_https_unsubscribe_url_without_secret_is_refused_before_sending() {
    let dir = Project::new().shipped_subscribers().build();
    let out = newsletter(dir.path())
        .args(["send", "--now", "2024-03-20"])
        .env_remove("NEWSLETTER_UNSUBSCRIBE_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("NEWSLETTER_UNSUBSCRIBE_SECRET"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("outbox").exists() && !dir.path().join("state").exists());
}

#[test]
fn a_future_issue_needs_force() {
    let dir = Project::new().shipped_subscribers().build();
    let out = run(dir.path(), &["send", "--issue", "5", "--now", "2024-03-20"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("its time has not come (use --force"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        dir.path(),
        &["send", "--issue", "5", "--force", "--now", "2024-03-20"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("issue 5"));
}

#[test]
fn late_subscribers_get_the_current_issue_and_bad_rows_never_stop_the_run() {
    let dir = Project::new().shipped_subscribers().build();
    run(dir.path(), &["send", "--now", "2024-03-20"]);
    let csv = dir.path().join("content/subscribers.csv");
    let mut s = std::fs::read_to_string(&csv).unwrap();
    s.push_str("\"Eve\r\nBcc: victim@example.com\",eve@example.com,Nowhere\nJosé Núñez,jose@bücher.example,Madrid\n");
    std::fs::write(&csv, s).unwrap();
    let out = run(dir.path(), &["send", "--now", "2024-03-20"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("sent 1,"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains("line break"),
        "{}",
        text(&out.stdout)
    );
    let all = outbox(dir.path()).join("\n");
    assert!(!all.contains("victim@example.com"));
    assert!(all.contains("jose@xn--bcher-kva.example"));
    assert!(all.contains("=?utf-8?"), "non-ASCII name not encoded");
}

#[test]
fn preview_eml_prints_the_complete_message_for_one_address() {
    let dir = Project::new().shipped_subscribers().build();
    let out = run(
        dir.path(),
        &[
            "preview",
            "--issue",
            "3",
            "--format",
            "eml",
            "--to",
            "Ana@Bücher.example",
            "--now",
            "2024-03-20",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let m = text(&out.stdout);
    // The person's row of the subscriber list: their name and address as
    // a send writes them.
    assert_eq!(
        unfolded_header(&m, "To"),
        ["\"Ana Weber\" <ana@xn--bcher-kva.example>"]
    );
    assert_eq!(
        unfolded_header(&m, "Subject"),
        ["DjangoCon US 2024 CFP Weekly #3: Novel Uses for Django"]
    );
    assert_eq!(unfolded_header(&m, "Message-ID").len(), 1);
    assert!(unfolded_header(&m, "List-Unsubscribe")[0].contains("token="));
    assert!(m.contains("text/plain") && m.contains("text/html"));
    // The same Message-ID as the real send would use.
    run(dir.path(), &["send", "--now", "2024-03-20"]);
    let html = run(
        dir.path(),
        &[
            "preview",
            "--issue",
            "3",
            "--to",
            "ana.lima@example.com",
            "--now",
            "2024-03-20",
        ],
    );
    assert_eq!(html.status.code(), Some(0));
    assert!(
        text(&html.stdout).contains("ana.lima@example.com")
            || text(&html.stdout).contains("unsubscribe")
    );
    let sent = outbox(dir.path())
        .into_iter()
        .find(|m| m.contains("To: ana.lima@example.com") || m.contains("<ana.lima@example.com>"))
        .unwrap();
    let eml = text(
        &run(
            dir.path(),
            &[
                "preview",
                "--issue",
                "3",
                "--format",
                "eml",
                "--to",
                "ana.lima@example.com",
                "--now",
                "2024-03-20",
            ],
        )
        .stdout,
    );
    assert_eq!(
        unfolded_header(&eml, "Message-ID"),
        unfolded_header(&sent, "Message-ID")
    );
    assert_eq!(
        unfolded_header(&eml, "List-Unsubscribe"),
        unfolded_header(&sent, "List-Unsubscribe")
    );
}

#[test]
fn a_published_issue_keeps_its_frozen_content_after_the_topic_list_changes() {
    let dir = Project::new().shipped_subscribers().build();
    run(dir.path(), &["send", "--now", "2024-03-20"]);
    let topics = dir.path().join("content/topics.md");
    let s = std::fs::read_to_string(&topics)
        .unwrap()
        .replace("Novel Uses for Django", "Renamed Category")
        .replace("\nAPI\n", "\nRenamed API\n");
    std::fs::write(&topics, s).unwrap();
    let out = run(
        dir.path(),
        &[
            "preview",
            "--issue",
            "3",
            "--format",
            "text",
            "--now",
            "2024-03-20",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("Novel Uses for Django"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stdout).contains("Renamed Category"));
    let plan = run(dir.path(), &["plan", "--json", "--now", "2024-03-20"]);
    let v: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(v["issues"][2]["categories"][0], "Novel Uses for Django");
    // An issue not yet published follows the files.
    let out = run(
        dir.path(),
        &[
            "preview",
            "--issue",
            "4",
            "--format",
            "text",
            "--now",
            "2024-03-20",
        ],
    );
    assert!(
        text(&out.stdout).to_lowercase().contains("renamed api"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn dry_run_warns_about_missing_secrets_and_rejects_what_a_real_send_would() {
    let dir = Project::new().shipped_subscribers().build();
    let o = newsletter(dir.path())
        .args(["send", "--dry-run", "--now", "2024-03-20"])
        .env_remove("NEWSLETTER_UNSUBSCRIBE_SECRET")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("a real send would be refused")
            && text(&o.stdout).contains("NEWSLETTER_UNSUBSCRIBE_SECRET"),
        "{}",
        text(&o.stdout)
    );
    // Plain-text SMTP to a remote host: refused by the dry run as by a send.
    let config = dir.path().join("config.toml");
    let s = std::fs::read_to_string(&config)
        .unwrap()
        .replace("transport = \"outbox\"", "transport = \"smtp\"")
        .replace("security = \"starttls\"", "security = \"none\"");
    std::fs::write(&config, s).unwrap();
    let before = tree_with_folders(dir.path());
    let o = run(dir.path(), &["send", "--dry-run", "--now", "2024-03-20"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("allow_insecure"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(tree_with_folders(dir.path()), before);
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), `send`
/// shows a progress bar with the count out of the total and an ETA.
#[test]
fn a_terminal_gets_a_progress_bar_with_total_and_eta() {
    let Ok(script) = which("script") else {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    };
    let dir = Project::new().shipped_subscribers().build();
    let cmd = format!("{} send --now 2024-03-20", env!("CARGO_BIN_EXE_newsletter"));
    let o = Command::new(script)
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(dir.path())
        .env_remove("NEWSLETTER_NOW")
        .env("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret")
        .output()
        .unwrap();
    let all = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{all}");
    assert!(all.contains("/10 messages"), "{all}");
    assert!(all.contains("ETA"), "{all}");
    // The rate is rounded for people: `4,809 messages/s` or `2.5
    // messages/s`, never `4,808.9055/s`.
    let rates: Vec<&str> = all
        .split("10 messages, ")
        .skip(1)
        .filter_map(|rest| rest.split(", ETA").next())
        .collect();
    assert!(!rates.is_empty(), "{all}");
    for r in rates {
        let number = r
            .strip_suffix(" messages/s")
            .unwrap_or_else(|| panic!("{r:?}"));
        let decimals = number.split('.').nth(1).map_or(0, str::len);
        assert!(
            decimals <= 1
                && number
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ',' || c == '.'),
            "{r:?}"
        );
    }
    // Off a terminal (cron) there is no bar, only the summary.
    let other = Project::new().shipped_subscribers().build();
    let plain = run(other.path(), &["send", "--now", "2024-03-20"]);
    assert!(text(&plain.stdout).contains("sent 10"));
    assert!(
        !text(&plain.stderr).contains("ETA"),
        "{}",
        text(&plain.stderr)
    );
}

fn which(name: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn a_dry_run_reports_exactly_what_the_send_would_do_before_the_cfp_and_after_it() {
    // Before the first issue (and before the CFP opens), after the close,
    // and at the first issue's send time.
    let cases = [
        (
            "2024-03-01",
            Some("nothing to send yet; issue 1 goes out Mon 2024-03-04 09:00 EST\n"),
        ),
        (
            "2024-03-04T13:59:00Z",
            Some("nothing to send yet; issue 1 goes out Mon 2024-03-04 09:00 EST\n"),
        ),
        (
            "2024-05-18T04:00:00Z",
            Some("nothing to send: the CFP has closed (use --issue N to send an issue anyway)\n"),
        ),
        ("2024-03-04T14:00:00Z", None),
    ];
    for (now, nothing) in cases {
        let dir = Project::new().shipped_subscribers().build();
        let before = tree_with_folders(dir.path());
        let dry = run(dir.path(), &["send", "--dry-run", "--now", now]);
        assert_eq!(dry.status.code(), Some(0), "{now}: {}", text(&dry.stderr));
        let said = text(&dry.stdout);
        assert_eq!(tree_with_folders(dir.path()), before, "{now}");
        let real = run(dir.path(), &["send", "--now", now]);
        assert_eq!(real.status.code(), Some(0), "{now}: {}", text(&real.stderr));
        match nothing {
            Some(line) => {
                assert_eq!(text(&real.stdout), line, "{now}");
                assert!(
                    said.starts_with("dry run: nothing was sent or written\n")
                        && said.contains(line)
                        && !said.contains("recipients"),
                    "{now}: {said}"
                );
                assert_eq!(tree_with_folders(dir.path()), before, "{now}");
            }
            None => {
                assert!(said.contains("issue 1 \""), "{now}: {said}");
                assert!(text(&real.stdout).contains("issue 1 \""), "{now}");
            }
        }
    }
}

#[test]
fn an_empty_smtp_password_is_refused_before_anything_is_sent_or_written() {
    // Nothing listens on the port: a refusal must come before connecting.
    let smtp = crate::support::project::Smtp {
        username: Some("program@djangocon.us".into()),
        ..crate::support::project::Smtp::new(9)
    };
    let dir = Project::new().smtp(&smtp).shipped_subscribers().build();
    let before = tree_with_folders(dir.path());
    for args in [
        &["send", "--now", "2024-03-20"][..],
        &["send", "--to", "ana@example.com", "--now", "2024-03-20"],
    ] {
        let o = crate::support::project::cli(dir.path())
            .args(args)
            .env("NEWSLETTER_SMTP_PASSWORD", "")
            .output()
            .unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("NEWSLETTER_SMTP_PASSWORD (smtp.password_env) is empty"),
            "{err}"
        );
        assert_eq!(tree_with_folders(dir.path()), before, "{args:?}");
    }
    // The dry run warns in the same words and exits 0.
    let o = crate::support::project::cli(dir.path())
        .args(["send", "--dry-run", "--now", "2024-03-20"])
        .env("NEWSLETTER_SMTP_PASSWORD", "")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("a real send would be refused: smtp.username is set but the environment variable NEWSLETTER_SMTP_PASSWORD (smtp.password_env) is empty"),
        "{}",
        text(&o.stdout)
    );
}
