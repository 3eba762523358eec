//! The send lock: one sender at a time, across processes, released by death.

use super::*;
use crate::state::lock::lock_path;

#[test]
fn a_second_send_lock_fails_naming_the_holder_until_the_first_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/state.db");
    let first = SendLock::acquire(&path, 4242).unwrap();
    let lock_file = dir.path().join("data/state.db.lock");
    assert_eq!(lock_path(&path), lock_file);
    assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), "4242\n");

    let err = SendLock::acquire(&path, 99).unwrap_err();
    assert!(
        err.message()
            .starts_with("another send is running (pid 4242)"),
        "{}",
        err.message()
    );
    assert_names_file(&err, &path);
    assert_eq!(err.exit_code(), 1);
    // The failed attempt did not overwrite the holder's pid.
    assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), "4242\n");

    drop(first);
    assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), "");
    let again = SendLock::acquire(&path, 99).unwrap();
    assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), "99\n");
    drop(again);
    // A released lock names nobody.
    assert_eq!(std::fs::read_to_string(&lock_file).unwrap(), "");
}

#[test]
fn an_unreadable_pid_is_reported_as_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let _first = SendLock::acquire(&path, 1).unwrap();
    std::fs::write(lock_path(&path), "garbage").unwrap();
    let err = SendLock::acquire(&path, 2).unwrap_err();
    assert!(
        err.message()
            .starts_with("another send is running (unknown pid)"),
        "{}",
        err.message()
    );
}

#[test]
fn a_stale_lock_file_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    // Left behind by a crashed send with a long pid; nobody holds it.
    std::fs::write(lock_path(&path), "1234567890\n").unwrap();
    let _lock = SendLock::acquire(&path, 7).unwrap();
    assert_eq!(std::fs::read_to_string(lock_path(&path)).unwrap(), "7\n");
}

#[test]
fn the_send_lock_holds_across_processes_and_dies_with_its_holder() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let child = ChildProcess::spawn("lock", &path);
    let err = SendLock::acquire(&path, std::process::id()).unwrap_err();
    let expected = format!("another send is running (pid {})", child.0.id());
    assert!(err.message().starts_with(&expected), "{}", err.message());

    child.kill(); // SIGKILL: no destructor runs, the kernel drops the lock
    let _lock = SendLock::acquire(&path, std::process::id()).unwrap();
    assert_eq!(
        std::fs::read_to_string(lock_path(&path)).unwrap().trim(),
        std::process::id().to_string()
    );
}

#[test]
fn the_send_lock_conflicts_with_the_flock_utility() {
    // Only where flock(1) is installed: proves the lock is flock(2).
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let lock = SendLock::acquire(&path, 1).unwrap();
    let Ok(status) = Command::new("flock")
        .args(["--nonblock", "--exclusive"])
        .arg(lock_path(&path))
        .arg("true")
        .stderr(Stdio::null())
        .status()
    else {
        return; // no flock(1) here
    };
    assert_eq!(status.code(), Some(1), "flock(1) got the lock we hold");
    drop(lock);
    let status = Command::new("flock")
        .args(["--nonblock", "--exclusive"])
        .arg(lock_path(&path))
        .arg("true")
        .status()
        .unwrap();
    assert!(status.success());
}
