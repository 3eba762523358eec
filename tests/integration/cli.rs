//! The binary run as a process on the shipped files and on fixture projects.

use crate::support::project::{Project, assert_bad_input, cli, newsletter, root, run_plain, text};

#[test]
fn plan_on_the_shipped_files_lists_every_visible_category_on_mondays() {
    let out = run_plain(&root(), &["plan", "--now", "2024-03-20"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    let visible = [
        "Performance",
        "Alternative Django Use Cases",
        "Novel Uses for Django",
        "API",
        "How to Use/Better Popular CMS",
        "New-ish or Experimental Technologies",
        "Problem Solving Techniques",
        "Python Packaging and Open Source",
        "Django Core",
        "Addressing Hard Topics/Making New Progress",
        "Django Software Foundation",
    ];
    let mut at = 0;
    for name in visible {
        let pos = s[at..]
            .find(name)
            .unwrap_or_else(|| panic!("{name} missing or out of order in\n{s}"));
        at += pos;
    }
    assert!(s.contains("Mon 2024-03-04 09:00 EST"), "{s}");
    assert!(s.contains("Mon 2024-03-11 09:00 EDT"), "{s}");
    assert!(s.contains("LAST CALL"), "{s}");
    assert!(
        !s.contains("Opinionated"),
        "hidden category scheduled:\n{s}"
    );
    // Issue 3 is the one a send would send; 1 and 2 passed unsent.
    let due = s.lines().filter(|l| l.ends_with(" due")).count();
    assert_eq!(due, 1, "{s}");
    let missed = s.lines().filter(|l| l.ends_with(" missed")).count();
    assert_eq!(missed, 2, "{s}");
}

#[test]
fn plan_json_has_the_documented_shape() {
    let out = run_plain(
        &root(),
        &["plan", "--json", "--now", "2024-03-11T13:00:00Z"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cfp"]["name"], "DjangoCon US 2024");
    assert_eq!(v["cfp"]["opens"], "2024-03-04T09:00:00-05:00");
    assert_eq!(v["cfp"]["timezone"], "America/New_York");
    let issues = v["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 12);
    assert_eq!(issues[0]["number"], 1);
    assert_eq!(issues[0]["send_at"], "2024-03-04T09:00:00-05:00");
    assert_eq!(issues[0]["kind"], "weekly");
    assert_eq!(issues[0]["categories"], serde_json::json!(["Performance"]));
    assert_eq!(issues[0]["slugs"], serde_json::json!(["performance"]));
    assert_eq!(issues[0]["days_left"], 74);
    assert_eq!(issues[1]["state"], "due");
    assert_eq!(issues[2]["state"], "upcoming");
    assert_eq!(issues[11]["kind"], "last_call");
    assert_eq!(v["unscheduled"], serde_json::json!([]));
}

#[test]
fn now_comes_from_the_environment_too() {
    let out = newsletter(&root())
        .args(["plan", "--json"])
        .env("NEWSLETTER_NOW", "2024-01-01")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["issues"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["state"] == "upcoming")
    );
}

#[test]
fn check_accepts_the_shipped_files() {
    let out = run_plain(&root(), &["check", "--now", "2024-03-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("ok: "),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn check_warns_when_the_templates_folder_is_missing() {
    // Project::new() has no templates folder: the built-ins are used, with a warning.
    let dir = Project::new().build();
    let out = run_plain(dir.path(), &["check", "--now", "2024-03-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("[templates] dir templates does not exist"),
        "{}",
        text(&out.stderr)
    );
    let shipped = run_plain(&root(), &["check", "--now", "2024-03-01"]);
    assert!(!text(&shipped.stderr).contains("[templates] dir"));
}

#[test]
fn check_warns_about_unscheduled_categories() {
    let dir = Project::new().build();
    let cfg = dir.path().join("config.toml");
    let s = std::fs::read_to_string(&cfg).unwrap().replace(
        "closes = 2024-05-17T23:59:00",
        "closes = 2024-03-20T23:59:00",
    );
    std::fs::write(&cfg, s).unwrap();
    let out = run_plain(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    // Each name quoted: names may hold commas.
    assert!(err.contains("warning: config.toml: 9 categories get no issue (more categories than send days): `Novel Uses for Django`, `API`, `How to Use/Better Popular CMS`,"), "{err}");
    let out = run_plain(dir.path(), &["plan"]);
    assert!(
        text(&out.stdout).contains("Unscheduled (no slot left): `Novel Uses for Django`, `API`,"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_missing_config_is_bad_input_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_plain(dir.path(), &["plan"]);
    assert_bad_input(&out, "cannot read config.toml: no such file or folder");
    assert!(text(&out.stderr).contains("newsletter init"));
}

#[test]
fn a_misspelled_key_names_file_line_and_key() {
    let dir = Project::new().build();
    let cfg = dir.path().join("config.toml");
    let s = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("\ntitle = ", "\ntitel = ");
    std::fs::write(&cfg, s).unwrap();
    let out = run_plain(dir.path(), &["plan"]);
    assert_bad_input(&out, "config.toml:10:1: unknown field `titel`");
}

#[test]
fn a_directory_as_config_or_topics_is_bad_input() {
    let dir = Project::new().build();
    let out = run_plain(dir.path(), &["plan", "--config", "content"]);
    assert_bad_input(&out, "cannot read content");
    std::fs::remove_file(dir.path().join("content/topics.md")).unwrap();
    std::fs::create_dir(dir.path().join("content/topics.md")).unwrap();
    let out = run_plain(dir.path(), &["plan"]);
    assert_bad_input(&out, "topics.md");
}

#[test]
fn broken_topic_lists_are_bad_input_naming_the_file() {
    let dir = Project::new().build();
    let topics = dir.path().join("content/topics.md");
    std::fs::write(&topics, "").unwrap();
    assert_bad_input(&run_plain(dir.path(), &["plan"]), "content/topics.md:1:1:");
    std::fs::write(&topics, b"\x00\x01\xff\xfe garbage").unwrap();
    assert_bad_input(&run_plain(dir.path(), &["plan"]), "content/topics.md:1:");
    std::fs::write(&topics, "API\n* a\n\nAPI\n* b\n").unwrap();
    assert_bad_input(&run_plain(dir.path(), &["plan"]), "content/topics.md:4:1:");
}

#[test]
fn a_bad_now_is_bad_input() {
    assert_bad_input(
        &run_plain(&root(), &["plan", "--now", "soon"]),
        "`soon` is not a date-time",
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    assert_eq!(run_plain(&root(), &["frobnicate"]).status.code(), Some(2));
    assert_eq!(run_plain(&root(), &["--help"]).status.code(), Some(0));
}

#[test]
fn init_writes_a_project_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_plain(dir.path(), &["init", "proj"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let proj = dir.path().join("proj");
    assert!(proj.join("config.toml").is_file());
    assert!(proj.join("content/topics.md").is_file());
    assert_eq!(
        std::fs::read_to_string(proj.join("templates/email.html")).unwrap(),
        std::fs::read_to_string(root().join("templates/email.html")).unwrap()
    );
    // A new organizer's first run warns of nothing but the secret a real
    // send will need (the shipped config has an https one-click link).
    let out = run_plain(&proj, &["check", "--now", "2024-03-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).starts_with("warning: unsubscribe.url is an https one-click link but the environment variable NEWSLETTER_UNSUBSCRIBE_SECRET")
            && text(&out.stderr).lines().count() == 1,
        "{}",
        text(&out.stderr)
    );
    // With the secret exported, nothing at all.
    let out = cli(&proj)
        .args(["check", "--now", "2024-03-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    assert!(
        text(&out.stdout).ends_with("; 0 warnings\n"),
        "{}",
        text(&out.stdout)
    );
    let before = std::fs::read(proj.join("config.toml")).unwrap();
    let out = run_plain(dir.path(), &["init", "proj"]);
    assert_bad_input(&out, "not overwriting existing files");
    assert_eq!(std::fs::read(proj.join("config.toml")).unwrap(), before);
}

#[test]
fn check_lists_every_invalid_subscriber_row() {
    // The shipped list (what `init` copies) is clean; the rows that used to
    // be bad in it live in tests/fixtures/subscribers/two-bad-rows.csv.
    let bad = std::fs::read_to_string(root().join("tests/fixtures/subscribers/two-bad-rows.csv"))
        .unwrap();
    let dir = Project::new().subscribers(&bad).build();
    let out = run_plain(dir.path(), &["check", "--now", "2024-03-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: content/subscribers.csv:8: column 2 (`email`): invalid email address `not-an-address`"),
        "{err}"
    );
    assert!(
        err.contains("warning: content/subscribers.csv:10: duplicate of line 3"),
        "{err}"
    );
    assert!(
        text(&out.stdout).contains("10 subscribers (2 invalid rows skipped)"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn check_fails_on_every_setting_a_command_would_reject() {
    let from = "from = \"DjangoCon US Program Committee <program@djangocon.us>\"\n";
    let base = "base_url = \"https://2024.djangocon.us/newsletter\"\n";
    // (lines removed, what check names, a command that exits 2 without it)
    let cases: [(&[&str], &[&str], &[&str]); 3] = [
        (
            &[from],
            &["[newsletter] from"],
            &["preview", "--format", "eml"],
        ),
        (&[base], &["[newsletter] base_url"], &["feed"]),
        (
            &[from, base],
            &["[newsletter] from", "[newsletter] base_url"],
            &["send"],
        ),
    ];
    for (removed, named, command) in cases {
        let dir = Project::new().shipped_subscribers().build();
        for line in removed {
            crate::support::project::edit(dir.path(), "config.toml", line, "");
        }
        let before = crate::support::project::tree_with_folders(dir.path());
        let o = cli(dir.path())
            .args(["check", "--now", "2024-03-20"])
            .output()
            .unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{removed:?}: {err}");
        for n in named {
            assert!(err.contains(n), "{n} missing from\n{err}");
        }
        assert!(!text(&o.stdout).contains("ok:"), "{}", text(&o.stdout));
        // The command it protects is refused too, and nothing was written.
        let o = cli(dir.path())
            .args(command)
            .args(["--now", "2024-03-20"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{command:?}: {}", text(&o.stderr));
        assert_eq!(
            crate::support::project::tree_with_folders(dir.path()),
            before
        );
    }
}

#[test]
fn check_warns_about_each_secret_a_real_send_needs() {
    let smtp = crate::support::project::Smtp {
        username: Some("program@djangocon.us".into()),
        ..crate::support::project::Smtp::new(2525)
    };
    let dir = Project::new().smtp(&smtp).shipped_subscribers().build();
    let check = |unsubscribe: Option<&str>, password: Option<&str>| {
        let mut c = newsletter(dir.path());
        c.args(["check", "--now", "2024-03-20"]);
        for (var, value) in [
            ("NEWSLETTER_UNSUBSCRIBE_SECRET", unsubscribe),
            ("NEWSLETTER_SMTP_PASSWORD", password),
        ] {
            match value {
                Some(v) => c.env(var, v),
                None => c.env_remove(var),
            };
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stderr)
    };
    let all_set = check(Some("k"), Some("pw"));
    assert!(
        !all_set.contains("a real send would be refused"),
        "{all_set}"
    );
    let none = check(None, None);
    assert!(
        none.contains("NEWSLETTER_UNSUBSCRIBE_SECRET (unsubscribe.secret_env) is not set or empty")
            && none.contains("NEWSLETTER_SMTP_PASSWORD (smtp.password_env) is not set"),
        "{none}"
    );
    let empty = check(Some(""), Some(""));
    assert!(
        empty
            .contains("NEWSLETTER_UNSUBSCRIBE_SECRET (unsubscribe.secret_env) is not set or empty")
            && empty.contains("NEWSLETTER_SMTP_PASSWORD (smtp.password_env) is empty"),
        "{empty}"
    );
}

#[test]
fn the_plan_table_lines_up_with_emoji_and_wide_characters() {
    use unicode_width::UnicodeWidthStr;
    let dir = Project::new().build();
    crate::support::project::edit(
        dir.path(),
        "content/topics.md",
        "\nPerformance\n",
        "\n🚀 Performance 日本語\n",
    );
    crate::support::project::edit(dir.path(), "content/topics.md", "\nAPI\n", "\nAPIs ✨\n");
    let o = run_plain(dir.path(), &["plan", "--now", "2024-03-20"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let s = text(&o.stdout);
    assert!(s.contains("🚀 Performance 日本語"), "{s}");
    let table: Vec<&str> = s
        .split("\n\n")
        .nth(1)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .collect();
    assert!(table.len() > 10, "{s}");
    // Every column ends at the same terminal column on every line: the
    // text before the last column (the state) is equally wide, which it
    // is only if the categories are padded by display width (the days
    // left, right-aligned, follow them).
    let widths: Vec<usize> = table
        .iter()
        .map(|l| l[..l.trim_end().rfind(' ').unwrap()].width())
        .collect();
    assert!(widths.iter().all(|&w| w == widths[0]), "{widths:?}\n{s}");
}
