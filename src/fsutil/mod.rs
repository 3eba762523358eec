//! File helpers: atomic writes with the path in every error.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

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
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io("write", path, e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("replace", path, e.error))?;
    Ok(())
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
