//! Hostile conditions from issue 10, run as processes: a run killed
//! mid-write, times the tool cannot write, nesting deep enough to overflow
//! a stack, an unclosed comment, and a signal while connecting.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::project::{self, run, shipped, text};

/// A send killed between creating an outbox temporary file and renaming it
/// leaves `.tmp-XXXXXX` behind: the next send removes it, and nothing else.
#[test]
fn a_send_removes_outbox_temporary_files_a_killed_run_left() {
    let dir = shipped();
    let outbox = dir.path().join("outbox");
    std::fs::create_dir(&outbox).unwrap();
    std::fs::write(outbox.join(".tmp-Ab12Cd"), b"half a message").unwrap();
    std::fs::write(outbox.join(".tmp-a1b2c3"), b"").unwrap();
    let others = [".tmp-notes.txt", "mine.tmp-abcdef", "readme.txt", ".tmp-abc"];
    for f in others {
        std::fs::write(outbox.join(f), b"not the tool's").unwrap();
    }
    let o = run(dir.path(), &["send", "--now", "2024-03-20"]);
    assert_eq!(o.status.code(), Some(0), "{}", project::out(&o));
    assert!(!outbox.join(".tmp-Ab12Cd").exists());
    assert!(!outbox.join(".tmp-a1b2c3").exists());
    for f in others {
        assert_eq!(std::fs::read(outbox.join(f)).unwrap(), b"not the tool's", "{f}");
    }
    let emls = std::fs::read_dir(&outbox)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml"))
        .count();
    assert!(emls > 0, "{}", text(&o.stderr));
}
