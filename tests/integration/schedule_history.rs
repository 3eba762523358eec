//! The schedule remembers what was published (issue 10 §1), run as a
//! process on a copy of the shipped project: issues 1 to 7 are frozen by
//! `feed`, then the topic list or the config changes.

use std::path::Path;

use serde_json::Value;

use crate::support::project::{Project, edit, run, text};

/// After issue 7 (Monday 2024-04-15) and before issue 8.
const AFTER_7: &str = "2024-04-16";

/// `plan --json --now WHEN`, parsed.
fn plan(dir: &Path, when: &str) -> Value {
    let o = run(dir, &["plan", "--json", "--now", when]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn issues(v: &Value) -> &Vec<Value> {
    v["issues"].as_array().unwrap()
}

fn categories(issue: &Value) -> Vec<&str> {
    issue["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect()
}

/// A shipped project whose issues 1 to 7 are published.
fn published_to_7() -> tempfile::TempDir {
    let dir = Project::new().shipped_subscribers().build();
    let o = run(dir.path(), &["feed", "--now", AFTER_7]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    dir
}

#[test]
fn a_category_added_at_the_top_after_issue_7_gets_issue_8_and_history_stands() {
    let dir = published_to_7();
    let before = plan(dir.path(), AFTER_7);
    let states: Vec<&str> = issues(&before)
        .iter()
        .map(|i| i["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states[..8],
        ["published"; 7]
            .iter()
            .chain(&["upcoming"])
            .copied()
            .collect::<Vec<_>>()[..]
    );
    // A new category at the top, written as a bold line.
    edit(
        dir.path(),
        "content/topics.md",
        "Performance\n",
        "**Community & Education**\n* Running a local meetup\n\nPerformance\n",
    );
    let after = plan(dir.path(), AFTER_7);
    let (old, new) = (issues(&before), issues(&after));
    for n in 0..7 {
        for key in ["number", "send_at", "kind", "categories", "slugs", "state"] {
            assert_eq!(new[n][key], old[n][key], "issue {} {key}", n + 1);
        }
    }
    assert_eq!(categories(&new[6]), ["Problem Solving Techniques"]);
    assert_eq!(categories(&new[7]), ["Community & Education"]);
    assert_eq!(new[7]["slugs"][0], "community-education");
    assert_eq!(new[7]["send_at"], old[7]["send_at"]);
    assert_eq!(categories(&new[8]), categories(&old[7]));
    for w in new.windows(2) {
        assert_ne!(categories(&w[0]), categories(&w[1]), "back to back");
    }
    let last = new.last().unwrap();
    assert_eq!(last["kind"], "last_call");
    assert!(categories(last).contains(&"Community & Education"));
    // The category that lost its slot is reported, not silently dropped.
    assert_eq!(after["unscheduled"][0], "Django Software Foundation");
}

#[test]
fn a_removed_category_stays_in_history_and_is_not_scheduled_again() {
    let dir = published_to_7();
    edit(
        dir.path(),
        "content/topics.md",
        "Performance\n* Django profiling\n* Database optimization at scale\n",
        "",
    );
    let v = plan(dir.path(), AFTER_7);
    let all = issues(&v);
    assert_eq!(categories(&all[0]), ["Performance"]);
    assert_eq!(all[0]["state"], "published");
    for i in &all[1..] {
        assert!(!categories(i).contains(&"Performance"), "{i}");
    }
    // The slots after issue 7 still go to the categories never featured,
    // and the slot Performance freed goes to the one that had none.
    assert_eq!(categories(&all[7]), ["Python Packaging and Open Source"]);
    assert_eq!(categories(&all[10]), ["Django Software Foundation"]);
    assert_eq!(v["unscheduled"], serde_json::json!([]));
}

#[test]
fn after_the_close_passed_issues_that_were_never_sent_are_missed_not_due() {
    let dir = published_to_7();
    let v = plan(dir.path(), "2024-05-20");
    let states: Vec<&str> = issues(&v)
        .iter()
        .map(|i| i["state"].as_str().unwrap())
        .collect();
    assert_eq!(states[..7], ["published"; 7]);
    assert_eq!(states[7..], ["missed"; 5]);
    // During the CFP only the latest passed issue is due (8 went out on
    // April 22, 9 on April 29).
    let v = plan(dir.path(), "2024-04-30");
    let states: Vec<&str> = issues(&v)
        .iter()
        .map(|i| i["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states[7..],
        ["missed", "due", "upcoming", "upcoming", "upcoming"]
    );
    let o = run(dir.path(), &["plan", "--now", "2024-05-20"]);
    let table = text(&o.stdout);
    assert!(
        table
            .lines()
            .any(|l| l.trim_start().starts_with("12 ") && l.ends_with("missed")),
        "{table}"
    );
}

#[test]
fn check_warns_when_the_last_call_follows_the_previous_issue_at_once() {
    let dir = Project::new().shipped_subscribers().build();
    let o = run(dir.path(), &["check", "--now", AFTER_7]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        !text(&o.stderr).contains("last call"),
        "{}",
        text(&o.stderr)
    );
    // Closing Friday 17, three days before: Tuesday 14, the day after Monday 13.
    edit(
        dir.path(),
        "config.toml",
        "last_call_days = 2",
        "last_call_days = 3",
    );
    let o = run(dir.path(), &["check", "--now", AFTER_7]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(
            "the last call (issue 12, Tue 2024-05-14 09:00) goes out less than two days after issue 11 (Mon 2024-05-13 09:00)"
        ),
        "{}",
        text(&o.stderr)
    );
}
