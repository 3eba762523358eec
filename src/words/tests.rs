//! Tips and note blocks read from Markdown, and the tip rotation over the
//! shipped plan with and without published issues.

use std::collections::BTreeMap;

use super::parse::{Block, blocks, tips};
use super::*;
use crate::schedule::{History, PastIssue};

#[test]
fn tips_are_the_top_level_list_items_without_nested_lists() {
    let md = "# Tips\n\nIntro paragraph.\n\n- First *tip*\n  continued here\n- Second [link](https://x.org)\n  - nested, left out\n1. Third\n\nAfter.\n";
    assert_eq!(
        tips(md),
        vec![
            "First *tip*\ncontinued here",
            "Second [link](https://x.org)",
            "Third"
        ]
    );
    assert!(tips("# Only a title\n\nAnd a paragraph.\n").is_empty());
}

#[test]
fn note_blocks_keep_paragraphs_lists_and_headings_apart() {
    let md = "One *line*\nwrapped.\n\n* a\n* b\n\n## Heading\n";
    assert_eq!(
        blocks(md),
        vec![
            Block::Paragraph("One *line*\nwrapped.".into()),
            Block::List("* a\n* b".into(), vec!["a".into(), "b".into()]),
            Block::Other("## Heading".into()),
        ]
    );
}

fn shipped() -> (Config, TopicList) {
    let config = Config::parse(include_str!("../../config.toml")).unwrap();
    let topics = TopicList::parse(include_str!("../../content/topics.md")).unwrap();
    (config, topics)
}

fn three_tips() -> Vec<String> {
    vec!["one".into(), "two".into(), "three".into()]
}

#[test]
fn tips_rotate_in_order_and_wrap_round() {
    let (config, topics) = shipped();
    let plan = crate::schedule::plan(&config, &topics).unwrap();
    let words = Words::new(BTreeMap::new(), three_tips(), &plan);
    let got: Vec<usize> = plan
        .issues
        .iter()
        .map(|i| words.tip(i.number).unwrap().number)
        .collect();
    assert_eq!(got, vec![1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    assert_eq!(words.tip(1).unwrap().markdown, "one");
    assert_eq!(words.tip(1).unwrap().count, 3);
    assert!(
        Words::new(BTreeMap::new(), Vec::new(), &plan)
            .tip(1)
            .is_none()
    );
}

/// The shipped plan with issues 1 and 2 published, issue 2 with `tip`.
fn published(tip_json: &str) -> (Plan, Vec<FrozenIssue>) {
    let (config, topics) = shipped();
    let fresh = crate::schedule::plan(&config, &topics).unwrap();
    let frozen: Vec<FrozenIssue> = fresh.issues[..2]
        .iter()
        .map(|i| FrozenIssue {
            number: i.number,
            kind: "weekly".into(),
            send_at: i.send_at.to_rfc3339(),
            categories: vec![topics.categories[i.categories[0]].name.clone()],
            slugs: vec![],
            subject: String::new(),
            context_json: if i.number == 2 {
                tip_json.to_string()
            } else {
                "{}".into()
            },
            published_at: i.send_at.to_rfc3339(),
        })
        .collect();
    let history = History::new(
        fresh.issues[..2]
            .iter()
            .map(|i| PastIssue {
                number: i.number,
                send_at: i.send_at.fixed_offset(),
                kind: crate::schedule::IssueKind::Weekly,
                categories: vec![topics.categories[i.categories[0]].name.clone()],
            })
            .collect(),
    );
    let plan = crate::schedule::plan_with_history(&config, &topics, &history).unwrap();
    (plan, frozen)
}

fn rotation_after(tip_json: &str, tips: Vec<String>) -> Vec<Option<usize>> {
    let (plan, frozen) = published(tip_json);
    let mut words = Words {
        tips,
        ..Words::default()
    };
    words.tip_of = words.rotation(&plan, &frozen_tips(&frozen));
    (1..=4).map(|n| words.tip(n).map(|t| t.number)).collect()
}

#[test]
fn the_next_issue_takes_the_tip_after_the_last_published_one() {
    // Published issues get no new tip: they keep the frozen one.
    let frozen =
        r#"{"tip": {"number": 2, "count": 3, "html": "two", "text": "two", "markdown": "two"}}"#;
    assert_eq!(
        rotation_after(frozen, three_tips()),
        vec![None, None, Some(3), Some(1)]
    );
    // Found by its text when the list changed above it...
    let moved = vec!["zero".into(), "one".into(), "two".into(), "three".into()];
    assert_eq!(
        rotation_after(frozen, moved),
        vec![None, None, Some(4), Some(1)]
    );
    // ...by its number when it is gone.
    let gone = vec!["a".into(), "b".into(), "c".into()];
    assert_eq!(
        rotation_after(frozen, gone),
        vec![None, None, Some(3), Some(1)]
    );
    // Issues published before tips existed do not move the rotation.
    assert_eq!(
        rotation_after("{}", three_tips()),
        vec![None, None, Some(1), Some(2)]
    );
}

#[test]
fn notes_are_read_by_slug_and_stray_files_are_warned_about() {
    let (_, topics) = shipped();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api.md"), "  Real *stories*.\n").unwrap();
    std::fs::write(dir.path().join("performance.md"), "\n").unwrap();
    std::fs::write(dir.path().join("apis.md"), "typo").unwrap();
    std::fs::write(dir.path().join("readme.txt"), "not a note").unwrap();
    let (notes, unmatched) = read_notes(dir.path(), &topics).unwrap();
    assert_eq!(
        notes.get("api").map(String::as_str),
        Some("Real *stories*.")
    );
    // An empty file is no note.
    assert!(!notes.contains_key("performance"));
    assert_eq!(unmatched, vec![dir.path().join("apis.md")]);
    let words = Words {
        unmatched,
        ..Words::default()
    };
    let w = words.warnings();
    assert_eq!(w.len(), 1);
    assert!(w[0].contains("no category has the slug `apis`"), "{}", w[0]);
    // A missing folder is no notes at all.
    let (notes, unmatched) = read_notes(&dir.path().join("nope"), &topics).unwrap();
    assert!(notes.is_empty() && unmatched.is_empty());
}
