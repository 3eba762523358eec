//! The repair of archive paths frozen by an older version, and frozen
//! contexts from before notes and tips.

use super::frozen::writable_path;
use crate::render::IssueContext;

fn context(path: &str) -> IssueContext {
    let config = crate::config::Config::parse(include_str!("../../config.toml")).unwrap();
    let topics = crate::topics::TopicList::parse(include_str!("../../content/topics.md")).unwrap();
    let plan = crate::schedule::plan(&config, &topics).unwrap();
    let mut ctx = IssueContext::build(&config, &topics, &plan, &plan.issues[0]);
    ctx.issue.url = format!("https://example.org/newsletter/{path}");
    ctx.issue.path = path.to_string();
    ctx
}

#[test]
fn a_writable_frozen_path_is_kept_exactly() {
    for path in [
        "issues/1-performance/",
        &format!("issues/1-{}/", "a".repeat(200)),
    ] {
        let ctx = context(path);
        assert_eq!(writable_path(ctx.clone()), ctx);
    }
}

#[test]
fn an_over_long_frozen_folder_is_cut_like_a_slug_and_the_link_follows() {
    let slug = "very-long-category-name-about-django-".repeat(26);
    let ctx = writable_path(context(&format!("issues/1-{slug}/")));
    let want = "issues/1-very-long-category-name-about-django-very-long-category-name/";
    assert_eq!(ctx.issue.path, want);
    assert_eq!(
        ctx.issue.url,
        format!("https://example.org/newsletter/{want}")
    );
    // A folder name without the number is cut too.
    let ctx = writable_path(context(&format!("issues/{}/", "b".repeat(300))));
    assert_eq!(ctx.issue.path, format!("issues/{}/", "b".repeat(60)));
}

#[test]
fn an_issue_frozen_before_notes_and_tips_still_reads_without_them() {
    let ctx = context("issues/1-performance/");
    let mut json = serde_json::to_value(&ctx).unwrap();
    let obj = json.as_object_mut().unwrap();
    obj.remove("tip");
    for c in obj["issue"]["categories"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("note");
    }
    let old: IssueContext = serde_json::from_value(json).unwrap();
    assert_eq!(old.tip, None);
    assert!(old.issue.categories.iter().all(|c| c.note.is_none()));
}
