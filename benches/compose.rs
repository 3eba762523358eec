//! Composing one personalized message of the shipped issue (issue 3 of the
//! shipped config, as of 2024-03-20): the issue's email rendered once, then
//! for one subscriber its personal blocks rendered and spliced in and the
//! complete MIME message built, as `send` does for each recipient.
//!
//! `cargo bench --bench compose`. Not run by CI (only compiled by clippy);
//! bench/run-all.sh and BENCHMARKS.md have the figures.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use newsletter::compose::{Composer, Messages};
use newsletter::config::Config;
use newsletter::render::{IssueContext, Renderer, SubscriberContext};
use newsletter::subscribers::Subscriber;
use newsletter::topics::TopicList;

fn compose(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::from_file(&root.join("config.toml")).expect("the shipped config");
    let topics = TopicList::from_file(&config.content.topics).expect("the shipped topic list");
    let plan = newsletter::schedule::plan(&config, &topics).expect("the shipped schedule");
    let issue = &plan.issues[2];
    let context = IssueContext::build(&config, &topics, &plan, issue);
    let renderer = Renderer::load(&config.templates.dir).expect("the shipped templates");
    let subject = renderer.subject(&context).unwrap();
    let composer = Composer::new(&config, Some("bench-secret".into())).unwrap();
    let now = "2024-03-20T13:00:00Z".parse().unwrap();
    let messages = Messages::new(&renderer, &context, &composer, subject, now).unwrap();
    let sub = Subscriber {
        line: 2,
        email: "reader1@example.com".into(),
        key: "reader1@example.com".into(),
        name: Some("Reader 1".into()),
        fields: vec![("city".into(), "City 1".into())],
        needs_smtputf8: false,
    };
    let size = messages.message(&sub).unwrap().0.formatted().len();
    eprintln!("one message: {size} bytes");

    c.bench_function("render the issue's email once", |b| {
        b.iter(|| renderer.issue_email(black_box(&context)).unwrap())
    });
    let email = renderer.issue_email(&context).unwrap();
    c.bench_function("render both parts for one subscriber", |b| {
        let sc = SubscriberContext {
            email: sub.email.clone(),
            name: "Reader 1".into(),
            fields: [("city".to_string(), "City 1".to_string())].into(),
            unsubscribe_url: composer.unsubscribe_url(&sub.key).unwrap_or_default(),
        };
        b.iter(|| email.parts(Some(black_box(&sc))).unwrap())
    });
    c.bench_function("compose one personalized message", |b| {
        b.iter(|| messages.message(black_box(&sub)).unwrap())
    });
    c.bench_function("compose and format one personalized message", |b| {
        b.iter(|| {
            messages
                .message(black_box(&sub))
                .unwrap()
                .0
                .formatted()
                .len()
        })
    });
}

criterion_group!(benches, compose);
criterion_main!(benches);
