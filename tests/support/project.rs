//! Copies of the shipped project in temporary folders, and the binary run
//! in them as a process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (the shipped project).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
