//! File helpers: atomic writes with the path in every error.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// How [`write_atomic`] names its temporary files: this prefix, then
/// [`TEMP_RANDOM`] random ASCII letters and digits (tempfile's default).
const TEMP_PREFIX: &str = ".tmp-";
const TEMP_RANDOM: usize = 6;

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// folder, flushed to disk, then renamed over the target. A crash or a
/// full disk never leaves a half-written file; on error the old file stays.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create the folder", dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .rand_bytes(TEMP_RANDOM)
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io("write", path, e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("replace", path, e.error))?;
    Ok(())
}

/// Whether `name` is a temporary file of [`write_atomic`]: `.tmp-`
/// followed by exactly six ASCII letters or digits.
pub fn is_own_temp(name: &str) -> bool {
    name.strip_prefix(TEMP_PREFIX).is_some_and(|rest| {
        rest.len() == TEMP_RANDOM && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Removes the temporary files [`write_atomic`] left in `dir` when the
/// process was killed between creating one and renaming it (kill -9, a
/// power cut). Only files named as [`is_own_temp`] says are touched;
/// anything else in the folder stays. Call it where no other writer uses
/// the folder at the same time (under the send lock). Returns how many
/// were removed; a missing folder has none.
pub fn remove_stale_temps(dir: &Path) -> Result<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(Error::io("list", dir, e)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("list", dir, e))?;
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !is_file || !entry.file_name().to_str().is_some_and(is_own_temp) {
            continue;
        }
        let path = entry.path();
        match std::fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("remove the stale temporary file", &path, e)),
        }
    }
    Ok(removed)
}

/// Whether [`write_if_changed`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The file was new or different, and is now replaced.
    Changed,
    /// The file already held these bytes; it was left alone (its
    /// modification time too, which static-site uploads and caches use).
    Unchanged,
}

/// [`write_atomic`], skipped when `path` already holds exactly `bytes`.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<Written> {
    match std::fs::read(path) {
        Ok(old) if old == bytes => return Ok(Written::Unchanged),
        _ => {}
    }
    write_atomic(path, bytes)?;
    Ok(Written::Changed)
}

#[cfg(test)]
mod tests;
