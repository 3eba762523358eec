//! The send lock: an exclusive OS lock on a file next to the database, so
//! that only one process sends at a time.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::create_parent;
use crate::error::{Error, Result};

/// The path of the send lock of the database at `db_path`: `<db path>.lock`.
pub(crate) fn lock_path(db_path: &Path) -> PathBuf {
    let mut s = db_path.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

/// Proof that this process is the only one sending: an exclusive OS lock on
/// `<db path>.lock`, held until this value is dropped.
///
/// The lock is `flock(2)` (what [`File::try_lock`] uses on Linux and the
/// BSDs): the kernel releases it when the file is closed, including when the
/// process dies by SIGKILL, so a crashed send never leaves a lock behind
/// that blocks the next one. The lock file itself stays (deleting it would
/// race with a process that just opened it); its contents, the holder's
/// pid, only serve the error message of a second sender. Locks are per open
/// file, so a second [`SendLock::acquire`] fails even in the same process.
/// On network file systems the lock may not be exclusive across machines.
#[derive(Debug)]
pub struct SendLock {
    /// Held for its lock, which closing it releases.
    file: File,
}

/// How long a second sender waits for the holder's pid to appear in the
/// lock file: `PID_WAIT_STEPS` times `PID_WAIT_STEP`.
const PID_WAIT_STEPS: u32 = 20;
const PID_WAIT_STEP: Duration = Duration::from_millis(10);

impl Drop for SendLock {
    /// Clears the pid while still holding the lock, so that the file never
    /// names a finished send (a killed one leaves its pid, which the next
    /// holder overwrites at once).
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

impl SendLock {
    /// Takes an exclusive OS lock on `<db path>.lock`, creating it and its
    /// folder if needed, then writes `pid` into it (truncate, write, flush)
    /// so that a second process can name us.
    ///
    /// If another process holds the lock, fails (exit code 1) with
    /// "another send is running (pid N)", N read from the lock file
    /// ("unknown pid" if none appears within 0.2 s: the holder writes it
    /// just after locking). Never waits for the lock itself.
    pub fn acquire(db_path: &Path, pid: u32) -> Result<SendLock> {
        let path = lock_path(db_path);
        create_parent(&path, "the send lock")?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false) // the holder's pid must survive our open
            .open(&path)
            .map_err(|e| Error::io("open the send lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                // The holder writes its pid just after taking the lock: when
                // two sends start together, give it a moment to do so.
                let mut pid = read_pid(&mut file);
                for _ in 0..PID_WAIT_STEPS {
                    if pid.is_some() {
                        break;
                    }
                    std::thread::sleep(PID_WAIT_STEP);
                    pid = read_pid(&mut file);
                }
                let holder = pid
                    .map(|pid| format!("pid {pid}"))
                    .unwrap_or_else(|| "unknown pid".to_string());
                return Err(Error::failed(format!(
                    "another send is running ({holder}): it holds the lock {}; wait for it to \
                     finish",
                    path.display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::failed(format!(
                    "cannot lock the send lock {}: {e}",
                    path.display()
                ))
                .with_source(e));
            }
        }
        let write = |file: &mut File| -> std::io::Result<()> {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            writeln!(file, "{pid}")?;
            file.flush()
        };
        write(&mut file).map_err(|e| Error::io("write the pid into the send lock", &path, e))?;
        Ok(SendLock { file })
    }
}

/// The pid in a lock file, if it holds one.
fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    Read::take(&mut *file, 64).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}
