//! The CFP season (issue 13): reminders and skipped weeks in `plan`,
//! `preview`, the feed and the archive, and `deadline.ics` beside the feed,
//! run as processes on a copy of the shipped project.

use std::path::Path;

use serde_json::Value;

use crate::support::project::{Project, assert_bad_input, cli, edit, root, run, text, tree};

/// The shipped config with reminders 7 days and 3 hours before the close
/// (Friday 2024-05-17 23:59 New York) and Easter Monday skipped.
fn season() -> tempfile::TempDir {
    let shipped = std::fs::read_to_string(root().join("config.toml")).unwrap();
    let extra = "\n[[schedule.reminder]]\nbefore = \"7d\"\n\
                 [[schedule.reminder]]\nbefore = \"3h\"\n\
                 [[schedule.skip]]\ndate = 2024-04-01\n";
    Project::new()
        .config(&format!("{shipped}{extra}"))
        .shipped_subscribers()
        .build()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
}

fn plan(dir: &Path, now: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(&ok(dir, &["plan", "--json", "--now", now])).unwrap();
    v["issues"].as_array().unwrap().clone()
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

#[test]
fn reminders_and_skips_show_in_the_plan_table_and_json() {
    let dir = season();
    let issues = plan(dir.path(), "2024-03-01");
    let kinds: Vec<(&str, &str)> = issues
        .iter()
        .map(|i| (i["send_at"].as_str().unwrap(), i["kind"].as_str().unwrap()))
        .collect();
    assert!(
        kinds.contains(&("2024-05-10T23:59:00-04:00", "reminder")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("2024-05-17T20:59:00-04:00", "reminder")),
        "{kinds:?}"
    );
    assert!(
        !kinds.iter().any(|(at, _)| at.starts_with("2024-04-01")),
        "the skipped Monday has no issue: {kinds:?}"
    );
    assert!(kinds.iter().any(|(at, _)| at.starts_with("2024-04-08")));
    let reminder = issues.iter().find(|i| i["kind"] == "reminder").unwrap();
    assert_eq!(reminder["categories"], serde_json::json!([]));
    assert_eq!(reminder["days_left"], 7);
    let table = ok(dir.path(), &["plan", "--now", "2024-03-01"]);
    assert!(
        table.contains("Fri 2024-05-10 23:59 EDT  REMINDER "),
        "{table}"
    );
}

#[test]
fn a_reminder_previews_with_its_countdown_and_the_seasons_themes() {
    let dir = season();
    let issues = plan(dir.path(), "2024-03-01");
    let last = issues.last().unwrap();
    assert_eq!(last["kind"], "reminder");
    let n = last["number"].to_string();
    let o = cli(dir.path())
        .args([
            "preview",
            "--issue",
            &n,
            "--format",
            "text",
            "--now",
            "2024-03-01",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let body = text(&o.stdout);
    assert!(body.contains("closes today at 23:59 EDT"), "{body}");
    assert!(
        body.contains("This season's themes: Performance,"),
        "{body}"
    );
    assert!(
        body.contains("<https://2024.djangocon.us/newsletter/deadline.ics>"),
        "{body}"
    );
    assert!(text(&o.stderr).contains("Reminder: the DjangoCon US 2024 CFP closes today"));
    let html = cli(dir.path())
        .args([
            "preview",
            "--issue",
            &n,
            "--format",
            "html",
            "--now",
            "2024-03-01",
        ])
        .output()
        .unwrap();
    let html = text(&html.stdout);
    assert!(
        html.contains(r#"<a href="https://2024.djangocon.us/newsletter/issues/1-performance/">Performance</a>"#),
        "{html}"
    );
    assert!(html.contains("Add the deadline to your calendar"));
}

#[test]
fn feed_publishes_reminders_and_a_calendar_that_an_extension_updates_in_place() {
    let dir = season();
    let d = dir.path();
    ok(d, &["feed", "--now", "2024-05-11"]);
    let feed = read(d, "public/feed.xml");
    assert!(
        feed.contains("Reminder: the DjangoCon US 2024 CFP closes in 7 days"),
        "{feed}"
    );
    let reminder = plan(d, "2024-05-11")
        .into_iter()
        .find(|i| i["kind"] == "reminder")
        .unwrap();
    let page = read(
        d,
        &format!("public/issues/{}-reminder/index.html", reminder["number"]),
    );
    assert!(
        page.contains("Reminder: DjangoCon US 2024 closes in 7 days"),
        "{page}"
    );
    assert!(page.contains(r#"href="https://2024.djangocon.us/newsletter/deadline.ics""#));
    assert!(read(d, "public/index.html").contains("Add the deadline to your calendar"));

    let ics = read(d, "public/deadline.ics");
    assert!(ics.contains("\r\nUID:cfp-deadline-djangocon-us-2024@2024.djangocon.us\r\n"));
    assert!(ics.contains("\r\nSEQUENCE:0\r\n"));
    assert!(ics.contains("\r\nDTSTART;TZID=America/New_York:20240517T235900\r\n"));

    // A rerun writes nothing new, the calendar included.
    let before = tree(d);
    let again = ok(d, &["feed", "--now", "2024-05-11"]);
    assert!(
        again.contains("calendar: public/deadline.ics (unchanged)"),
        "{again}"
    );
    assert_eq!(tree(d), before);

    // The deadline moves two weeks: the same event, a higher SEQUENCE.
    edit(
        d,
        "config.toml",
        "closes = 2024-05-17T23:59:00",
        "closes = 2024-05-31T23:59:00",
    );
    ok(d, &["feed", "--now", "2024-05-11"]);
    let extended = read(d, "public/deadline.ics");
    assert!(extended.contains("\r\nUID:cfp-deadline-djangocon-us-2024@2024.djangocon.us\r\n"));
    assert!(extended.contains("\r\nSEQUENCE:1\r\n"), "{extended}");
    assert!(extended.contains("\r\nDTSTART;TZID=America/New_York:20240531T235900\r\n"));
    // The published reminder keeps its slot; the reminders move with the close.
    let issues = plan(d, "2024-05-11");
    let published: Vec<&Value> = issues.iter().filter(|i| i["kind"] == "reminder").collect();
    assert_eq!(published[0]["send_at"], "2024-05-10T23:59:00-04:00");
    assert_eq!(published[0]["state"], "published");
    assert!(
        published
            .iter()
            .any(|i| i["send_at"] == "2024-05-24T23:59:00-04:00"),
        "{published:?}"
    );
}

#[test]
fn send_writes_the_calendar_too() {
    let dir = season();
    let o = cli(dir.path())
        .args(["send", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(read(dir.path(), "public/deadline.ics").starts_with("BEGIN:VCALENDAR\r\n"));
}

#[test]
fn a_skip_that_is_not_a_send_day_is_bad_input_at_its_line() {
    let dir = season();
    edit(
        dir.path(),
        "config.toml",
        "date = 2024-04-01",
        "date = 2024-04-02",
    );
    let o = run(dir.path(), &["feed", "--now", "2024-05-11"]);
    assert_bad_input(
        &o,
        "skip date 2024-04-02 is a tuesday, not a send day (monday), so there is no issue to leave out",
    );
    let err = text(&o.stderr);
    assert!(err.contains("config.toml:"), "{err}");
    assert!(err.contains("such as date = 2024-04-01"), "{err}");
    assert!(!dir.path().join("public").exists());
}

#[test]
fn a_bad_reminder_offset_is_bad_input_at_its_line() {
    let dir = season();
    edit(
        dir.path(),
        "config.toml",
        "before = \"3h\"",
        "before = \"3 hours\"",
    );
    assert_bad_input(
        &run(dir.path(), &["plan"]),
        "schedule.reminder before = \"3 hours\" is not a time before the close",
    );
}
