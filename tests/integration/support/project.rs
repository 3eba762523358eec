//! Throwaway projects ([`Project`], built from the shipped one, optionally
//! pointed at the test SMTP server), and helpers to run the CLI on them and
//! read their files and state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The shipped repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Delivery settings that differ from the shipped config.
#[derive(Clone, Debug)]
pub struct Smtp {
    pub port: u16,
    pub concurrency: usize,
    pub max_attempts: u32,
    pub retry_delay_ms: u64,
    pub timeout_seconds: u64,
    /// `smtp.username`; the password comes from NEWSLETTER_SMTP_PASSWORD.
    pub username: Option<String>,
}

impl Smtp {
    pub fn new(port: u16) -> Smtp {
        Smtp {
            port,
            concurrency: 4,
            max_attempts: 3,
            retry_delay_ms: 10,
            timeout_seconds: 5,
            username: None,
        }
    }
}

/// Replaces `from` by `to` in `s`, insisting that `from` is there (so a
/// change to the shipped config breaks the tests loudly, not silently).
fn set(s: String, from: &str, to: &str) -> String {
    assert!(s.contains(from), "config.toml no longer contains {from:?}");
    s.replace(from, to)
}

/// The shipped config.toml, switched to SMTP on loopback with `smtp`.
pub fn smtp_config(smtp: &Smtp) -> String {
    let cfg = std::fs::read_to_string(root().join("config.toml")).unwrap();
    let user = match &smtp.username {
        Some(u) => format!("username = \"{u}\"\n"),
        None => String::new(),
    };
    let cfg = set(cfg, "transport = \"outbox\"", "transport = \"smtp\"");
    let cfg = set(
        cfg,
        "concurrency = 4",
        &format!("concurrency = {}", smtp.concurrency),
    );
    let cfg = set(
        cfg,
        "max_attempts = 3",
        &format!("max_attempts = {}", smtp.max_attempts),
    );
    let cfg = set(
        cfg,
        "retry_delay_ms = 1000",
        &format!("retry_delay_ms = {}", smtp.retry_delay_ms),
    );
    let cfg = set(cfg, "host = \"smtp.example.org\"", "host = \"127.0.0.1\"");
    let cfg = set(cfg, "port = 587", &format!("port = {}", smtp.port));
    let cfg = set(cfg, "security = \"starttls\"", "security = \"none\"");
    let cfg = set(cfg, "username = \"program@djangocon.us\"\n", &user);
    set(
        cfg,
        "timeout_seconds = 60",
        &format!("timeout_seconds = {}", smtp.timeout_seconds),
    )
}

/// A throwaway project in a temporary folder, built from the shipped one:
/// the one way every test makes a project.
///
/// `Project::new()` starts with the shipped `config.toml` and topic list and
/// nothing else: no subscriber list and no templates folder (so the built-in
/// templates are used). Each method changes one part; `build` writes it.
#[derive(Clone, Debug)]
pub struct Project {
    config: String,
    subscribers: Option<Vec<u8>>,
    templates: bool,
}

impl Default for Project {
    fn default() -> Project {
        Project::new()
    }
}

impl Project {
    /// The shipped config.toml, content/topics.md, content/tips.md and
    /// content/notes/.
    pub fn new() -> Project {
        Project {
            config: std::fs::read_to_string(root().join("config.toml")).unwrap(),
            subscribers: None,
            templates: false,
        }
    }

    /// `toml` as config.toml instead of the shipped one.
    pub fn config(mut self, toml: &str) -> Project {
        self.config = toml.to_string();
        self
    }

    /// The shipped config switched to SMTP on loopback with `smtp` (see
    /// [`smtp_config`]).
    pub fn smtp(self, smtp: &Smtp) -> Project {
        self.config(&smtp_config(smtp))
    }

    /// `csv` as content/subscribers.csv.
    pub fn subscribers(mut self, csv: &str) -> Project {
        self.subscribers = Some(csv.as_bytes().to_vec());
        self
    }

    /// The shipped content/subscribers.csv.
    pub fn shipped_subscribers(self) -> Project {
        let mut p = self;
        p.subscribers = Some(std::fs::read(root().join("content/subscribers.csv")).unwrap());
        p
    }

    /// A copy of the shipped templates/ folder.
    pub fn shipped_templates(mut self) -> Project {
        self.templates = true;
        self
    }

    /// Writes the project into a new temporary folder.
    pub fn build(self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), &self.config).unwrap();
        std::fs::create_dir(dir.path().join("content")).unwrap();
        std::fs::copy(
            root().join("content/topics.md"),
            dir.path().join("content/topics.md"),
        )
        .unwrap();
        // The organizer's words: the shipped config names them.
        copy_over(
            &root().join("content/tips.md"),
            &dir.path().join("content/tips.md"),
        );
        copy_over(
            &root().join("content/notes"),
            &dir.path().join("content/notes"),
        );
        if let Some(csv) = &self.subscribers {
            std::fs::write(dir.path().join("content/subscribers.csv"), csv).unwrap();
        }
        if self.templates {
            copy_over(&root().join("templates"), &dir.path().join("templates"));
        }
        dir
    }
}

/// Copies `from` (a file or a folder) to `to`, replacing whatever is there,
/// even a folder by a file or a file by a folder.
pub fn copy_over(from: &Path, to: &Path) {
    let target_is_dir = to.is_dir();
    if from.is_dir() {
        if to.exists() && !target_is_dir {
            std::fs::remove_file(to).unwrap();
        }
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_over(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        if target_is_dir {
            std::fs::remove_dir_all(to).unwrap();
        }
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::copy(from, to).unwrap();
    }
}

/// `email,name` with `n` generated subscribers `user{i}@example.com`.
pub fn list(n: usize) -> String {
    let mut s = String::from("email,name\n");
    for i in 0..n {
        s.push_str(&format!("user{i}@example.com,User {i}\n"));
    }
    s
}

/// The CLI in `dir`, with the unsubscribe secret and the SMTP password set
/// and no NEWSLETTER_NOW from the caller's environment.
pub fn cli(dir: &Path) -> Command {
    let mut c = newsletter(dir);
    c.env("NEWSLETTER_UNSUBSCRIBE_SECRET", "k")
        .env("NEWSLETTER_SMTP_PASSWORD", "right-password");
    c
}

/// The CLI in `dir` with no NEWSLETTER_NOW from the caller's environment
/// (so only an explicit `--now` counts) and nothing else set.
pub fn newsletter(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_newsletter"));
    c.current_dir(dir).env_remove("NEWSLETTER_NOW");
    c
}

/// Runs [`newsletter`] in `dir` with `args`: no secrets set.
pub fn run_plain(dir: &Path, args: &[&str]) -> Output {
    newsletter(dir).args(args).output().unwrap()
}

/// `newsletter send --now 2024-03-20` (issue 3 is due) in `dir`.
pub fn send(dir: &Path) -> Output {
    cli(dir)
        .args(["send", "--now", "2024-03-20"])
        .output()
        .unwrap()
}

/// Standard output then standard error, as text.
pub fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `newsletter status --json` in `dir`, parsed.
pub fn status_json(dir: &Path) -> serde_json::Value {
    let o = cli(dir).args(["status", "--json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// One row of the deliveries table, read straight from the SQLite file.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub email: String,
    pub status: String,
    pub attempts: i64,
    pub reply: Option<String>,
    pub message_id: String,
}

/// Every delivery of `issue` in the project's state database, by address.
pub fn deliveries(dir: &Path, issue: u32) -> Vec<Delivery> {
    let conn = rusqlite::Connection::open_with_flags(
        dir.join("state/newsletter.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT email, status, attempts, last_reply, message_id FROM deliveries
             WHERE issue = ?1 ORDER BY email",
        )
        .unwrap();
    stmt.query_map([issue], |r| {
        Ok(Delivery {
            email: r.get(0)?,
            status: r.get(1)?,
            attempts: r.get(2)?,
            reply: r.get(3)?,
            message_id: r.get(4)?,
        })
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

/// Runs the binary in `dir` with a fixed unsubscribe secret and no
/// `NEWSLETTER_NOW` from the caller's environment.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    newsletter(dir)
        .args(args)
        .env("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret")
        .output()
        .unwrap()
}

/// Asserts that `out` is bad input (exit 2, no panic) whose stderr
/// contains `needle`.
pub fn assert_bad_input(out: &Output, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(
        err.contains(needle),
        "expected {needle:?} in stderr:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// Lossy UTF-8.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Replaces `from` with `to` in the file `rel` under `dir` (which must
/// contain `from`).
pub fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join(rel);
    let s = std::fs::read_to_string(&path).unwrap();
    assert!(s.contains(from), "{rel} does not contain {from:?}");
    std::fs::write(&path, s.replace(from, to)).unwrap();
}

/// Every file under `dir` with its bytes, by path.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Every file and folder under `dir` (relative path -> contents; `None`
/// for a folder): compare two to prove a run wrote nothing.
pub fn tree_with_folders(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if path.is_dir() {
                out.insert(rel, None);
                walk(root, &path, out);
            } else {
                out.insert(rel, Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Issue `n`'s entry in `status --json` output (`Null` when it was never
/// published): published issues are listed by number, and publishing one
/// publishes the earlier ones whose time has come too.
pub fn issue(v: &serde_json::Value, n: u64) -> serde_json::Value {
    v["issues"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["number"] == n))
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}
