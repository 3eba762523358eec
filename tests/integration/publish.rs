//! Publishing whatever the names: a category name of any length gives an
//! archive the file system can hold, `check` fails on any path the archive
//! could not write, and an issue frozen with an over-long path by an older
//! version is published instead of failing every run.

use std::path::Path;

use crate::support::project::{Project, edit, run, text};

/// A category name of 962 characters, words and spaces.
fn long_name() -> String {
    "Very long category name about Django ".repeat(26)
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = run(dir, args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
    format!("{}{}", text(&o.stdout), text(&o.stderr))
}

/// The archive's issue folders, sorted.
fn issue_folders(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("public/issues"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_very_long_category_name_publishes_under_a_bounded_folder_every_time() {
    let dir = Project::new().shipped_subscribers().build();
    edit(
        dir.path(),
        "content/topics.md",
        "\nPerformance\n",
        &format!("\n{}\n", long_name().trim()),
    );
    ok(dir.path(), &["check"]);
    ok(dir.path(), &["send", "--now", "2024-03-05"]);
    let folders = issue_folders(dir.path());
    assert_eq!(
        folders,
        ["1-very-long-category-name-about-django-very-long-category-name"]
    );
    let xml = std::fs::read_to_string(dir.path().join("public/feed.xml")).unwrap();
    assert!(
        xml.contains(&format!("/issues/{}/</link>", folders[0])),
        "{xml}"
    );
    // Every later run works too.
    ok(dir.path(), &["feed", "--now", "2024-03-06"]);
    ok(dir.path(), &["send", "--now", "2024-03-12"]);
    assert_eq!(issue_folders(dir.path()).len(), 2);
}

/// Replaces `[feed]`'s `key = "..."` line by `key = value`.
fn set_feed(dir: &Path, key: &str, value: &str) {
    let shipped = match key {
        "path" => "path = \"public/feed.xml\"",
        _ => "archive_dir = \"public\"",
    };
    edit(dir, "config.toml", shipped, &format!("{key} = {value}"));
}

#[test]
fn check_fails_on_any_path_the_archive_could_not_write() {
    let long = "d".repeat(300);
    let deep = vec!["e".repeat(200); 6].join("/");
    let cases = [
        ("archive_dir", format!("\"{long}\""), "300 bytes long"),
        (
            "archive_dir",
            format!("\"{deep}\""),
            "bytes long, more than the 1008",
        ),
        ("path", format!("\"public/{long}.xml\""), "304 bytes long"),
        ("archive_dir", "\"pub\\u0000lic\"".to_string(), "NUL"),
    ];
    for (key, value, needle) in cases {
        let dir = Project::new().shipped_subscribers().build();
        set_feed(dir.path(), key, &value);
        for args in [&["check"][..], &["feed", "--now", "2024-03-20"]] {
            let o = run(dir.path(), args);
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{key} {args:?}: {err}");
            assert!(
                err.contains("the archive cannot write") && err.contains(needle),
                "{key} {args:?}: {err}"
            );
        }
        // Nothing was written: no state, no archive.
        assert!(!dir.path().join("state").exists(), "{key}");
        assert!(!dir.path().join("public").exists(), "{key}");
    }
}

#[test]
fn an_issue_frozen_with_an_over_long_folder_by_an_older_version_is_published() {
    let dir = Project::new().shipped_subscribers().build();
    ok(dir.path(), &["feed", "--now", "2024-03-05"]);
    // What an older version froze for a 960-character category name.
    let slug = long_name().trim().to_lowercase().replace(' ', "-");
    let old_path = format!("issues/1-{slug}/");
    let conn = rusqlite::Connection::open(dir.path().join("state/newsletter.db")).unwrap();
    let ctx: String = conn
        .query_row(
            "SELECT context_json FROM issues WHERE number = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&ctx).unwrap();
    let base = "https://2024.djangocon.us/newsletter/";
    v["issue"]["path"] = old_path.clone().into();
    v["issue"]["url"] = format!("{base}{old_path}").into();
    conn.execute(
        "UPDATE issues SET context_json = ?1 WHERE number = 1",
        [v.to_string()],
    )
    .unwrap();
    drop(conn);
    std::fs::remove_dir_all(dir.path().join("public")).unwrap();
    // Published under the bounded folder, and its feed item links there.
    for when in ["2024-03-06", "2024-03-12"] {
        ok(dir.path(), &["feed", "--now", when]);
        let folders = issue_folders(dir.path());
        assert_eq!(
            folders[0],
            "1-very-long-category-name-about-django-very-long-category-name"
        );
        let xml = std::fs::read_to_string(dir.path().join("public/feed.xml")).unwrap();
        assert!(
            xml.contains(&format!("<link>{base}issues/{}/</link>", folders[0])),
            "{xml}"
        );
        assert!(!xml.contains(&old_path));
    }
    ok(dir.path(), &["send", "--now", "2024-03-12"]);
}
