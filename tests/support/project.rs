//! Throwaway projects: a copy of the shipped one, or one pointed at the
//! test SMTP server, and helpers to run the CLI on them and read their
//! files and state.

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

/// A project in a temporary folder: `config` as config.toml, the shipped
/// topic list, and `subscribers` as the CSV.
pub fn project(config: &str, subscribers: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    std::fs::create_dir(dir.path().join("content")).unwrap();
    std::fs::copy(
        root().join("content/topics.md"),
        dir.path().join("content/topics.md"),
    )
    .unwrap();
    std::fs::write(dir.path().join("content/subscribers.csv"), subscribers).unwrap();
    dir
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
    let mut c = Command::new(env!("CARGO_BIN_EXE_newsletter"));
    c.current_dir(dir)
        .env("NEWSLETTER_UNSUBSCRIBE_SECRET", "k")
        .env("NEWSLETTER_SMTP_PASSWORD", "right-password")
        .env_remove("NEWSLETTER_NOW");
    c
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

/// A copy of the shipped config.toml and content/ (topics and subscribers)
/// in a temporary folder; no templates folder, so the built-ins are used.
pub fn shipped() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("config.toml"), dir.path().join("config.toml")).unwrap();
    std::fs::create_dir(dir.path().join("content")).unwrap();
    for f in ["topics.md", "subscribers.csv"] {
        std::fs::copy(
            root().join("content").join(f),
            dir.path().join("content").join(f),
        )
        .unwrap();
    }
    dir
}

/// Runs the binary in `dir` with a fixed unsubscribe secret and no
/// `NEWSLETTER_NOW` from the caller's environment.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsletter"))
        .current_dir(dir)
        .args(args)
        .env_remove("NEWSLETTER_NOW")
        .env("NEWSLETTER_UNSUBSCRIBE_SECRET", "test-secret")
        .output()
        .unwrap()
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
pub fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
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
