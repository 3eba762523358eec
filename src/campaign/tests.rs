//! The rule that picks the issue to send, on the shipped project.

use chrono::{DateTime, Duration, Utc};

use super::SendRequest;
use super::pick::{NothingDue, Picked, pick};
use crate::config::Config;
use crate::error::Kind;
use crate::project::{Env, Project};
use crate::schedule;
use crate::topics::TopicList;

fn project(now: impl FnOnce(&Project) -> DateTime<Utc>) -> Project {
    let config = Config::parse(include_str!("../../config.toml")).unwrap();
    let topics = TopicList::parse(include_str!("../../content/topics.md")).unwrap();
    let plan = schedule::plan(&config, &topics).unwrap();
    let mut p = Project {
        config,
        topics,
        plan,
        words: Default::default(),
        now: DateTime::<Utc>::MIN_UTC,
        env: Env::default(),
    };
    p.now = now(&p);
    p
}

fn send_at(p: &Project, number: u32) -> DateTime<Utc> {
    p.plan.issue(number).unwrap().send_at.with_timezone(&Utc)
}

fn request(stop: &std::sync::atomic::AtomicBool) -> SendRequest<'_> {
    SendRequest {
        issue: None,
        force: false,
        to: &[],
        review: false,
        retry_failed: false,
        dry_run: false,
        stop,
    }
}

/// The issue number picked, or None when nothing is due.
fn picked(p: &Project, req: &SendRequest) -> Option<u32> {
    match pick(p, req).unwrap() {
        Picked::Issue(issue) => Some(issue.number),
        Picked::Nothing(_) => None,
    }
}

#[test]
fn the_latest_due_issue_is_sent_not_an_older_one() {
    let p = project(|p| send_at(p, 2) + Duration::minutes(1));
    let stop = Default::default();
    assert_eq!(picked(&p, &request(&stop)), Some(2));
}

#[test]
fn before_the_first_issue_nothing_is_due_and_the_first_is_named() {
    let p = project(|p| send_at(p, 1) - Duration::minutes(1));
    let stop = Default::default();
    // A dry run picks exactly what the send would: nothing.
    for dry_run in [false, true] {
        let req = SendRequest {
            dry_run,
            ..request(&stop)
        };
        match pick(&p, &req).unwrap() {
            Picked::Nothing(NothingDue::NotYet { first: Some(i) }) => assert_eq!(i.number, 1),
            _ => panic!("expected nothing due yet (dry run: {dry_run})"),
        }
    }
    // A test send shows the first issue.
    let to = ["ana@example.com".to_string()];
    let test = SendRequest {
        to: &to,
        ..request(&stop)
    };
    assert_eq!(picked(&p, &test), Some(1));
    // From its send time on, both pick it.
    let p = project(|p| send_at(p, 1));
    for dry_run in [false, true] {
        let req = SendRequest {
            dry_run,
            ..request(&stop)
        };
        assert_eq!(picked(&p, &req), Some(1));
    }
}

#[test]
fn after_the_cfp_closes_nothing_is_due_for_a_send_or_its_dry_run() {
    let p = project(|p| p.config.cfp.closes_at().with_timezone(&Utc) + Duration::days(1));
    let last = p.plan.issues.last().unwrap().number;
    let stop = Default::default();
    for dry_run in [false, true] {
        let req = SendRequest {
            dry_run,
            ..request(&stop)
        };
        assert!(matches!(
            pick(&p, &req).unwrap(),
            Picked::Nothing(NothingDue::CfpClosed)
        ));
        // A named issue is still sent (and rehearsed).
        let named = SendRequest {
            issue: Some(last),
            ..req
        };
        assert_eq!(picked(&p, &named), Some(last));
    }
    let to = ["ana@example.com".to_string()];
    let test = SendRequest {
        to: &to,
        ..request(&stop)
    };
    assert_eq!(picked(&p, &test), Some(last));
}

#[test]
fn a_named_future_issue_needs_force() {
    let p = project(|p| send_at(p, 1) + Duration::minutes(1));
    let stop = Default::default();
    let named = SendRequest {
        issue: Some(3),
        ..request(&stop)
    };
    let err = pick(&p, &named).err().expect("refused");
    assert_eq!(err.kind(), Kind::Input);
    assert!(err.message().contains("use --force"), "{}", err.message());
    let forced = SendRequest {
        force: true,
        ..named
    };
    assert_eq!(picked(&p, &forced), Some(3));
}
