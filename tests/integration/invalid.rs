//! The bad-input corpus: every folder under `tests/fixtures/invalid/` is a
//! malformed project (see the README there). Each is run as a process on a
//! temporary copy of the shipped project with the case's files laid over it,
//! and must exit 2 without panicking, name the file (and line:col) it was
//! given in `where`, write nothing, and print the message pinned in
//! `tests/integration/snapshots/integration__invalid__<case>.snap`.
//!
//! Subscriber rows that are bad are not fatal (they are skipped and
//! listed); `bad_rows_are_listed_with_their_lines` covers them.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::project::{Project, copy_over, newsletter, root, text, tree_with_folders};

/// Files of a case folder that describe the case rather than overlay the
/// project.
const CONTROL_FILES: &[&str] = &["cmd", "where", "delete", "env"];

/// Where the tests run, as `--now` would give it (overridable by a case).
const NOW: &str = "2024-03-20";

/// The unsubscribe secret in the environment, so `send` cases get past it.
const SECRET: &str = "corpus-test-secret";

/// A copy of the shipped project: config.toml, content/, templates/.
fn base_project() -> tempfile::TempDir {
    Project::new()
        .shipped_subscribers()
        .shipped_templates()
        .build()
}

/// One case folder, read.
struct Case {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    /// `path[:line:col]` relative to the project, or a `--flag`: what
    /// stderr must name.
    location: String,
    delete: Vec<String>,
    env: Vec<(String, Option<String>)>,
}

impl Case {
    fn read(dir: &Path) -> Case {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
        let args = read("cmd")
            .unwrap_or_else(|| "check".into())
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let location = read("where")
            .unwrap_or_else(|| panic!("case {name}: no `where` file"))
            .trim()
            .to_string();
        let lines = |f: &str| -> Vec<String> {
            read(f)
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect()
        };
        let env = lines("env")
            .into_iter()
            .map(|l| match l.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (l.trim_start_matches('-').to_string(), None),
            })
            .collect();
        Case {
            name,
            dir: dir.to_path_buf(),
            args,
            location,
            delete: lines("delete"),
            env,
        }
    }

    /// The project for this case: the base with the case laid over it.
    fn project(&self) -> tempfile::TempDir {
        let project = base_project();
        for rel in &self.delete {
            let p = project.path().join(rel);
            if p.is_dir() {
                std::fs::remove_dir_all(&p).unwrap();
            } else {
                std::fs::remove_file(&p)
                    .unwrap_or_else(|e| panic!("case {}: delete {rel}: {e}", self.name));
            }
        }
        for entry in std::fs::read_dir(&self.dir).unwrap() {
            let entry = entry.unwrap();
            let file_name = entry.file_name().to_string_lossy().into_owned();
            if !CONTROL_FILES.contains(&file_name.as_str()) {
                copy_over(&entry.path(), &project.path().join(&file_name));
            }
        }
        project
    }

    fn run(&self, project: &Path) -> Output {
        let mut cmd = newsletter(project);
        cmd.args(&self.args)
            .env("NEWSLETTER_NOW", NOW)
            .env("NEWSLETTER_UNSUBSCRIBE_SECRET", SECRET)
            .env_remove("NEWSLETTER_SMTP_PASSWORD");
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.output().unwrap()
    }
}

/// The case folders, sorted by name.
fn cases() -> Vec<Case> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.iter().map(|d| Case::read(d)).collect()
}

/// Runs one case; returns what is wrong with the outcome, if anything.
fn check_case(case: &Case) -> Vec<String> {
    let project = case.project();
    let before = tree_with_folders(project.path());
    let out = case.run(project.path());
    let after = tree_with_folders(project.path());
    let dir = project.path().display().to_string();
    let stderr = text(&out.stderr).replace(&dir, "[PROJECT]");
    let mut problems = Vec::new();
    if out.status.code() != Some(2) {
        problems.push(format!("exit code {:?}, not 2", out.status.code()));
    }
    if stderr.contains("panicked") {
        problems.push("it panicked".into());
    }
    let named = if case.location.starts_with('-') {
        stderr.contains(&case.location)
    } else {
        // `content/x.md:3:1` must be followed by `:` or the end of a word,
        // so `:3:1` does not match `:3:12`.
        stderr.match_indices(&case.location).any(|(i, _)| {
            let rest = &stderr[i + case.location.len()..];
            rest.is_empty() || rest.starts_with([':', ' ', '\n', ',', '`'])
        })
    };
    if !named {
        problems.push(format!("stderr does not name `{}`", case.location));
    }
    if before != after {
        let changed: Vec<String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|k| k.display().to_string())
            .collect();
        problems.push(format!("files changed: {}", changed.join(", ")));
    }
    let snapshot = std::panic::catch_unwind(|| {
        insta::with_settings!({ description => case.args.join(" ") }, {
            insta::assert_snapshot!(case.name.as_str(), stderr.trim_end());
        });
    });
    if snapshot.is_err() {
        problems.push("the message differs from its snapshot".into());
    }
    if !problems.is_empty() {
        problems.push(format!("stderr was:\n{stderr}"));
    }
    problems
}

#[test]
fn every_bad_input_exits_2_names_the_file_and_writes_nothing() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let problems = check_case(case);
            (!problems.is_empty())
                .then(|| format!("case {}:\n  {}", case.name, problems.join("\n  ")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The bad rows of `tests/fixtures/bad-rows/content/subscribers.csv`: line
/// and the start of the reason. Lines 2, 8 and 16 are valid (8 because the
/// earlier row with that address, line 5, is itself invalid); line 10 is
/// blank.
const BAD_ROWS: &[(u32, &str)] = &[
    (
        3,
        "column 1 (`email`): invalid email address `not-an-address`: it has no `@`",
    ),
    (
        4,
        "column 1 (`email`): invalid email address `Bob <bob@example.org>`: display-name forms",
    ),
    (5, "column 2 (`name`): it contains a line break"),
    (7, "column 2 (`name`): it is not valid UTF-8"),
    (9, "the row has 2 fields but the header has 3 columns"),
    (11, "column 3 (`city`): it contains a line break"),
    (13, "column 1 (`email`): the email address is empty"),
    (
        14,
        "column 2 (`name`): it contains a control character (U+0007)",
    ),
    (15, "duplicate of line 2 (`ana.lima@example.com`)"),
    (
        17,
        "column 1 (`email`): invalid email address `priya@example..net`",
    ),
];

/// A project whose subscriber list has bad rows (and three good ones).
fn bad_rows_project() -> tempfile::TempDir {
    let project = base_project();
    copy_over(
        &root().join("tests/fixtures/bad-rows/content"),
        &project.path().join("content"),
    );
    project
}

fn run(project: &Path, args: &[&str]) -> Output {
    newsletter(project)
        .args(args)
        .env("NEWSLETTER_NOW", NOW)
        .env("NEWSLETTER_UNSUBSCRIBE_SECRET", SECRET)
        .output()
        .unwrap()
}

/// Bad rows are not fatal: `check` exits 0 and lists every one with its
/// line, in file order, writing nothing.
#[test]
fn bad_rows_are_listed_with_their_lines_by_check() {
    let project = bad_rows_project();
    let before = tree_with_folders(project.path());
    let out = run(project.path(), &["check"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        tree_with_folders(project.path()),
        before,
        "check wrote something"
    );
    let rows: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("warning: content/subscribers.csv:"))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(rows.len(), BAD_ROWS.len(), "{stderr}");
    for (row, (line, reason)) in rows.iter().zip(BAD_ROWS) {
        assert!(
            row.starts_with(&format!("{line}: {reason}")),
            "expected line {line}: {reason}\ngot {row}"
        );
    }
    assert!(
        text(&out.stdout).contains(
            "3 subscribers (10 invalid rows skipped, 1 of them with the wrong number of fields)"
        ),
        "{}",
        text(&out.stdout)
    );
    insta::assert_snapshot!("bad_rows_check", stderr.trim_end());
}

/// `send` skips bad rows, delivers to the valid ones, exits 0, and names
/// the first bad rows with their lines; the dry run says the same and
/// writes nothing.
#[test]
fn bad_rows_are_skipped_and_reported_by_send() {
    let project = bad_rows_project();
    let before = tree_with_folders(project.path());
    let out = run(project.path(), &["send", "--dry-run"]);
    let all = text(&out.stdout) + &text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert_eq!(
        tree_with_folders(project.path()),
        before,
        "the dry run wrote something"
    );
    assert!(all.contains("recipients: 3 "), "{all}");
    assert!(all.contains("10 invalid rows"), "{all}");
    for (line, reason) in &BAD_ROWS[..5] {
        let want = format!("warning: content/subscribers.csv:{line}: {reason}");
        assert!(all.contains(&want), "{want} missing from\n{all}");
    }
    assert!(all.contains("and 5 more invalid rows"), "{all}");

    let out = run(project.path(), &["send"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stdout.contains("sent 3, failed 0, pending 0"), "{stdout}");
    assert!(stdout.contains("invalid rows 10"), "{stdout}");
    for (line, reason) in &BAD_ROWS[..5] {
        let want = format!("content/subscribers.csv:{line}: {reason}");
        assert!(stdout.contains(&want), "{want} missing from\n{stdout}");
    }
    assert!(stdout.contains("and 5 more invalid rows"), "{stdout}");
    let sent = std::fs::read_dir(project.path().join("outbox"))
        .unwrap()
        .count();
    assert_eq!(sent, 3);
}

/// Rows with a number of fields other than the header's are skipped, but
/// not silently: `check` lists each, counts them in a warning of their own
/// and in its summary, and exits 0 (the rest of the list is usable, and
/// `send` skips them the same way).
#[test]
fn rows_with_the_wrong_number_of_fields_are_counted_by_check() {
    let project = base_project();
    std::fs::write(
        project.path().join("content/subscribers.csv"),
        "name,email,city\nAna,ana@example.com,Lisbon\nGrace,grace@example.org,Washington, D.C.\nBob,bob@example.org\nKofi,kofi@example.com,Accra\n",
    )
    .unwrap();
    let out = run(project.path(), &["check"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("warning: content/subscribers.csv:3: the row has 4 fields but the header has 3 columns\n"), "{stderr}");
    assert!(stderr.contains("warning: content/subscribers.csv:4: the row has 2 fields but the header has 3 columns\n"), "{stderr}");
    assert!(
        stderr.contains("warning: content/subscribers.csv: 2 rows had a number of fields other than the header's 3 columns and were skipped;"),
        "{stderr}"
    );
    assert!(
        stdout.contains("2 subscribers (2 invalid rows skipped, 2 of them with the wrong number of fields); 3 warnings"),
        "{stdout}"
    );
}

/// With `delimiter = ";"` under [subscribers], a semicolon-separated list
/// reads like a comma-separated one.
#[test]
fn the_subscribers_delimiter_setting_reads_a_semicolon_list() {
    let project = base_project();
    std::fs::write(
        project.path().join("content/subscribers.csv"),
        "name;email;city\nAna;ana@example.com;Lisbon\nGrace;grace@example.org;Washington, D.C.\n",
    )
    .unwrap();
    let config = project.path().join("config.toml");
    let text_of = std::fs::read_to_string(&config)
        .unwrap()
        .replace("delimiter = \",\"", "delimiter = \";\"");
    assert!(text_of.contains("delimiter = \";\""));
    std::fs::write(&config, text_of).unwrap();
    let out = run(project.path(), &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    assert!(
        text(&out.stdout).contains("2 subscribers (0 invalid rows skipped)"),
        "{}",
        text(&out.stdout)
    );
}
