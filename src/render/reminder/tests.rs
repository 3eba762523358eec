use super::*;
use crate::render::IssueContext;
use crate::schedule::plan;

const TOPICS: &str = "# T\n\nA\n* a\n\nB\n* b\n\nC\n* c\n";

fn config(zone: &str, extra: &str) -> Config {
    Config::parse(&format!(
        "[newsletter]\ntitle = \"T\"\nbase_url = \"https://x.example\"\n[cfp]\nname = \"X\"\n\
         opens = 2024-03-01T00:00:00\ncloses = 2024-03-29T23:59:00\ntimezone = \"{zone}\"\n\
         [schedule]\nweekday = \"monday\"\ntime = \"09:00\"\n{extra}"
    ))
    .unwrap()
}

fn at(c: &Config, rfc3339: &str) -> DateTime<chrono_tz::Tz> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&c.cfp.timezone.tz)
}

#[test]
fn countdown_in_days_then_hours_then_today() {
    let c = config("AoE", "");
    // The close: March 29, 23:59 at UTC-12.
    assert_eq!(
        countdown(&c, &at(&c, "2024-03-22T23:59:00-12:00")),
        "closes in 7 days"
    );
    assert_eq!(
        countdown(&c, &at(&c, "2024-03-27T23:59:00-12:00")),
        "closes in 2 days"
    );
    assert_eq!(
        countdown(&c, &at(&c, "2024-03-28T00:00:00-12:00")),
        "closes in 47 hours"
    );
    assert_eq!(
        countdown(&c, &at(&c, "2024-03-28T23:59:00-12:00")),
        "closes in 24 hours"
    );
    assert_eq!(
        countdown(&c, &at(&c, "2024-03-28T22:59:00-12:00")),
        "closes in 25 hours"
    );
    assert_eq!(
        countdown(&c, &at(&c, "2024-03-29T20:59:00-12:00")),
        "closes today at 23:59 AoE"
    );
    let ny = config("America/New_York", "");
    assert_eq!(
        countdown(&ny, &at(&ny, "2024-03-29T09:00:00-04:00")),
        "closes today at 23:59 EDT"
    );
}

#[test]
fn a_reminder_recaps_the_themes_linked_to_their_latest_issue() {
    let c = config(
        "America/New_York",
        "[[schedule.reminder]]\nbefore = \"3h\"\n[[schedule.reminder]]\nbefore = \"9d\"\n",
    );
    let t = TopicList::parse(TOPICS).unwrap();
    let p = plan(&c, &t).unwrap();
    // 03-04 A, 03-11 B, 03-18 C, 03-20 reminder, 03-25 A, 03-29 reminder.
    let early = &p.issues[3];
    assert_eq!(early.kind, IssueKind::Reminder);
    let ctx = IssueContext::build(&c, &t, &p, early);
    assert_eq!(ctx.issue.path, "issues/4-reminder/");
    assert_eq!(ctx.issue.countdown, "closes in 9 days");
    let recap: Vec<(&str, &str)> = ctx
        .issue
        .recap
        .iter()
        .map(|r| (r.name.as_str(), r.url.as_str()))
        .collect();
    assert_eq!(
        recap,
        [
            ("A", "https://x.example/issues/1-a/"),
            ("B", "https://x.example/issues/2-b/"),
            ("C", "https://x.example/issues/3-c/"),
        ]
    );
    let last = IssueContext::build(&c, &t, &p, p.issues.last().unwrap());
    assert_eq!(last.issue.recap[0].url, "https://x.example/issues/5-a/");
    assert_eq!(last.issue.countdown, "closes today at 23:59 EDT");
    assert_eq!(last.issue.hours_left, 3);
    // Other kinds carry no recap; every issue has its countdown.
    let weekly = IssueContext::build(&c, &t, &p, &p.issues[0]);
    assert!(weekly.issue.recap.is_empty());
    assert_eq!(weekly.issue.countdown, "closes in 25 days");
    assert_eq!(
        weekly.newsletter.calendar_url,
        "https://x.example/deadline.ics"
    );
}

#[test]
fn a_frozen_context_without_the_new_fields_still_reads() {
    let c = config("America/New_York", "");
    let t = TopicList::parse(TOPICS).unwrap();
    let p = plan(&c, &t).unwrap();
    let ctx = IssueContext::build(&c, &t, &p, &p.issues[0]);
    let mut json: serde_json::Value = serde_json::to_value(&ctx).unwrap();
    for key in ["countdown", "hours_left", "recap"] {
        json["issue"].as_object_mut().unwrap().remove(key);
    }
    json["newsletter"]
        .as_object_mut()
        .unwrap()
        .remove("calendar_url");
    let old: IssueContext = serde_json::from_value(json).unwrap();
    assert_eq!(old.issue.countdown, "");
    assert_eq!(old.newsletter.calendar_url, "");
}
