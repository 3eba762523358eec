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

fn index(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("public/index.html")).unwrap()
}

/// The countdown paragraph of the index.
fn countdown(dir: &Path) -> String {
    let html = index(dir);
    let start = html.find("<p class=\"countdown\">").unwrap();
    let end = start + html[start..].find("</p>").unwrap();
    html[start..end].to_string()
}

#[test]
fn the_index_states_the_day_its_countdown_was_counted_on() {
    let dir = Project::new().shipped_subscribers().build();
    let cases = [
        (
            "2024-03-20",
            "58 days left to submit</strong> as of Wednesday, March 20, 2024",
        ),
        (
            "2024-05-16T12:00:00Z",
            "1 day left to submit</strong> as of Thursday, May 16, 2024",
        ),
        (
            "2024-05-17T12:00:00Z",
            "Last day to submit</strong> as of Friday, May 17, 2024",
        ),
        // 23:59 in New York has passed; it is still May 17 there.
        (
            "2024-05-18T03:59:30Z",
            "The DjangoCon US 2024 CFP closed Friday, May 17, 2024",
        ),
    ];
    for (when, said) in cases {
        ok(dir.path(), &["feed", "--now", when]);
        let c = countdown(dir.path());
        assert!(c.contains(said), "{when}: {c}");
    }
}

#[test]
fn the_first_send_after_the_close_rewrites_the_index_once() {
    let dir = Project::new().shipped_subscribers().build();
    // The last call goes out Wednesday 2024-05-15 09:00 EDT.
    ok(dir.path(), &["send", "--now", "2024-05-15T13:00:00Z"]);
    assert!(
        countdown(dir.path()).contains("2 days left to submit</strong> as of Wednesday, May 15"),
        "{}",
        countdown(dir.path())
    );
    // Its dry run says what the send will do, and writes nothing.
    let before = crate::support::project::tree_with_folders(dir.path());
    let said = ok(
        dir.path(),
        &["send", "--dry-run", "--now", "2024-05-20T13:00:00Z"],
    );
    assert!(
        said.contains("\nnothing to send: the CFP has closed")
            && said.contains("a real send would republish the feed and archive now that the CFP has closed: feed: public/feed.xml (12 items, unchanged); atom: public/atom.xml (unchanged); json feed: public/feed.json (unchanged); archive: public (12 issue pages, 1 written, 12 unchanged, 0 removed)"),
        "{said}"
    );
    assert_eq!(
        crate::support::project::tree_with_folders(dir.path()),
        before
    );
    // The cron send the week after sends nothing, and the index now says
    // the CFP has closed.
    let said = ok(dir.path(), &["send", "--now", "2024-05-20T13:00:00Z"]);
    assert!(
        said.starts_with("nothing to send: the CFP has closed"),
        "{said}"
    );
    assert!(said.contains("the CFP has closed: feed: "), "{said}");
    let c = countdown(dir.path());
    assert!(
        c.contains("The DjangoCon US 2024 CFP closed") && !c.contains("left"),
        "{c}"
    );
    assert!(
        said.contains("archive: public (12 issue pages, 1 written, 12 unchanged, 0 removed)"),
        "{said}"
    );
    let after = crate::support::project::tree(&dir.path().join("public"));
    let dry = ok(
        dir.path(),
        &["send", "--dry-run", "--now", "2024-05-27T13:00:00Z"],
    );
    assert!(!dry.contains("republish"), "{dry}");
    // Later runs change nothing and say nothing more.
    for when in ["2024-05-27T13:00:00Z", "2024-06-03T13:00:00Z"] {
        let said = ok(dir.path(), &["send", "--now", when]);
        assert_eq!(
            said,
            "nothing to send: the CFP has closed (use --issue N to send an issue anyway)\n"
        );
        assert_eq!(
            crate::support::project::tree(&dir.path().join("public")),
            after
        );
    }
    // A project that never published anything gets no archive from it.
    let fresh = Project::new().shipped_subscribers().build();
    ok(fresh.path(), &["send", "--now", "2024-05-20T13:00:00Z"]);
    assert!(!fresh.path().join("public").exists());
    assert!(!fresh.path().join("state").exists());
}
