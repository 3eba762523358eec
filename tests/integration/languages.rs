//! `newsletter.language`: issue 3's plain-text part pinned in each shipped
//! language (texts, plurals and dates from the string tables), a
//! project's `templates/strings.<lang>.toml` overriding them, and `check`
//! warning about a language without a table.

use std::path::Path;

use crate::support::project::{copy_over, edit, root, run_plain, text};

/// The shipped project in a temporary folder, with `language` set.
fn project(language: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_over(&root().join("config.toml"), &dir.path().join("config.toml"));
    copy_over(&root().join("content"), &dir.path().join("content"));
    edit(
        dir.path(),
        "config.toml",
        "language = \"en\"",
        &format!("language = \"{language}\""),
    );
    dir
}

/// Issue 3's text part as of 2024-03-20.
fn issue_3_text(dir: &Path) -> String {
    let out = run_plain(
        dir,
        &[
            "preview",
            "--now",
            "2024-03-20",
            "--issue",
            "3",
            "--format",
            "text",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn issue_3_in_each_shipped_language() {
    for lang in ["en", "es", "fr", "de", "pt"] {
        let dir = project(lang);
        insta::assert_snapshot!(format!("issue3_text_{lang}"), issue_3_text(dir.path()));
    }
}

#[test]
fn english_is_todays_output() {
    let shipped = run_plain(
        &root(),
        &[
            "preview",
            "--now",
            "2024-03-20",
            "--issue",
            "3",
            "--format",
            "text",
        ],
    );
    assert_eq!(issue_3_text(project("en").path()), text(&shipped.stdout));
}

#[test]
fn a_project_file_overrides_a_string() {
    let dir = project("fr");
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/strings.fr.toml"),
        "[issue]\nsubmit = \"Proposez votre sujet\"\n",
    )
    .unwrap();
    let out = issue_3_text(dir.path());
    assert!(out.contains("Proposez votre sujet <"), "{out}");
    assert!(out.contains("IL RESTE 60 JOURS POUR PROPOSER"), "{out}");
}

#[test]
fn check_warns_about_a_language_without_a_table_and_falls_back_to_english() {
    let dir = project("nl");
    let out = run_plain(dir.path(), &["check", "--now", "2024-03-20"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("newsletter.language `nl` has no string table"),
        "{all}"
    );
    assert!(issue_3_text(dir.path()).contains("Submit your proposal"));
    // A project's table for it silences the warning.
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/strings.nl.toml"),
        "[issue]\nsubmit = \"Dien je voorstel in\"\n",
    )
    .unwrap();
    let out = run_plain(dir.path(), &["check", "--now", "2024-03-20"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains("has no string table"), "{all}");
    assert!(issue_3_text(dir.path()).contains("Dien je voorstel in"));
}

#[test]
fn the_french_html_email_and_archive_have_no_english_left() {
    let dir = project("fr");
    let out = run_plain(
        dir.path(),
        &[
            "preview",
            "--now",
            "2024-03-20",
            "--issue",
            "3",
            "--format",
            "html",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = text(&out.stdout);
    for english in [
        "days left",
        "Submit your proposal",
        "Coming next",
        "You get this email",
        "Past issues",
        "Issue #",
    ] {
        assert!(!html.contains(english), "{english:?} in {html}");
    }
    assert!(html.contains("Il reste 60 jours pour proposer"), "{html}");
    assert!(html.contains("lundi 18 mars 2024"), "{html}");
}
