//! Reading mail from where `fetchmail`, `getmail` or `mbsync` leave it: a
//! Maildir folder (the files in `new/` and `cur/`), an mbox file, or one
//! message in a file of its own (`.eml`); and removing messages from them.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsutil::write_atomic;

/// Where one message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// A file of its own: a Maildir message or an `.eml` file.
    File(PathBuf),
    /// The bytes `start..end` of an mbox file, its `From ` line included.
    Mbox {
        /// The mbox file.
        path: PathBuf,
        /// Where the message starts.
        start: usize,
        /// Where it ends (the next `From ` line, or the end of the file).
        end: usize,
    },
}

impl Place {
    /// Where it is, for messages: the file, or the mbox and the byte offset.
    pub(crate) fn describe(&self) -> String {
        match self {
            Place::File(p) => p.display().to_string(),
            Place::Mbox { path, start, .. } => format!("{} at byte {start}", path.display()),
        }
    }
}

/// One message as read.
#[derive(Debug, Clone)]
pub(crate) struct Mail {
    /// Where it is.
    pub(crate) place: Place,
    /// The message itself (for an mbox, without the `From ` line and with
    /// `>From ` unescaped).
    pub(crate) bytes: Vec<u8>,
}

/// Every message at `path`: a Maildir (a folder with `cur/` or `new/`), an
/// mbox file (starting with `From `) or one message in a file. A path that
/// is none of these is bad input.
pub(crate) fn read(path: &Path) -> Result<Vec<Mail>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::io("read the mailbox", path, e).with_help(
            "give the Maildir folder or the mbox file where your mail fetcher puts the bounces",
        )
    })?;
    if meta.is_dir() {
        return read_maildir(path);
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io("read the mailbox", path, e))?;
    if bytes.starts_with(b"From ") {
        // One name per file, so that `--delete` rewrites it once even when
        // it is given twice under different names.
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        Ok(split_mbox(&path, &bytes))
    } else {
        Ok(vec![Mail {
            place: Place::File(path.to_path_buf()),
            bytes,
        }])
    }
}

fn read_maildir(dir: &Path) -> Result<Vec<Mail>> {
    let subs: Vec<PathBuf> = ["new", "cur"]
        .iter()
        .map(|s| dir.join(s))
        .filter(|p| p.is_dir())
        .collect();
    if subs.is_empty() {
        return Err(Error::input(format!(
            "{} is a folder but not a Maildir: it has no cur/ or new/ folder",
            dir.display()
        ))
        .with_help("give a Maildir folder (the one holding cur/, new/ and tmp/) or an mbox file"));
    }
    let mut mails = Vec::new();
    for sub in subs {
        let entries =
            std::fs::read_dir(&sub).map_err(|e| Error::io("read the Maildir", &sub, e))?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("read the Maildir", &sub, e))?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') || !entry.path().is_file() {
                continue;
            }
            files.push(entry.path());
        }
        files.sort();
        for path in files {
            let bytes =
                std::fs::read(&path).map_err(|e| Error::io("read the message", &path, e))?;
            mails.push(Mail {
                place: Place::File(path),
                bytes,
            });
        }
    }
    Ok(mails)
}

/// The messages of an mbox: each starts at a `From ` line at the start of
/// the file or after an empty line; `>From ` (and `>>From `...) in a body
/// lose one `>` (mboxrd).
pub(crate) fn split_mbox(path: &Path, bytes: &[u8]) -> Vec<Mail> {
    let mut starts = Vec::new();
    let mut pos = 0;
    let mut prev_blank = true;
    while pos < bytes.len() {
        let end = bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| pos + i + 1);
        let line = &bytes[pos..end];
        if prev_blank && line.starts_with(b"From ") {
            starts.push(pos);
        }
        prev_blank = line == b"\n" || line == b"\r\n";
        pos = end;
    }
    let mut mails = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(bytes.len());
        let chunk = &bytes[start..end];
        let body_at = chunk
            .iter()
            .position(|&b| b == b'\n')
            .map_or(chunk.len(), |i| i + 1);
        mails.push(Mail {
            place: Place::Mbox {
                path: path.to_path_buf(),
                start,
                end,
            },
            bytes: unescape_from(&chunk[body_at..]),
        });
    }
    mails
}

fn unescape_from(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    for line in body.split_inclusive(|&b| b == b'\n') {
        let quotes = line.iter().take_while(|&&b| b == b'>').count();
        if quotes > 0 && line[quotes..].starts_with(b"From ") {
            out.extend_from_slice(&line[1..]);
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Removes these messages: a file of its own is deleted; an mbox is
/// rewritten (atomically) without them. Mail appended to an mbox since it
/// was read is kept; an mbox changed in any other way is left alone, with
/// an error.
pub(crate) fn remove(places: &[Place]) -> Result<usize> {
    let mut removed = 0;
    let mut mboxes: Vec<(&Path, Vec<(usize, usize)>)> = Vec::new();
    for place in places {
        match place {
            Place::File(p) => match std::fs::remove_file(p) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("delete the message", p, e)),
            },
            Place::Mbox { path, start, end } => match mboxes.iter_mut().find(|(p, _)| p == path) {
                Some((_, ranges)) => ranges.push((*start, *end)),
                None => mboxes.push((path, vec![(*start, *end)])),
            },
        }
    }
    for (path, mut ranges) in mboxes {
        ranges.sort_unstable();
        ranges.dedup();
        let bytes = std::fs::read(path).map_err(|e| Error::io("read the mbox", path, e))?;
        let read_len = ranges.last().map_or(0, |r| r.1);
        // The read messages are a prefix of the file; check it is unchanged.
        let now = split_mbox(path, &bytes);
        let unchanged = ranges.iter().all(|&(s, e)| {
            now.iter().any(
                |m| matches!(&m.place, Place::Mbox { start, end, .. } if *start == s && *end == e),
            )
        });
        if bytes.len() < read_len || !unchanged {
            return Err(Error::failed(format!(
                "{} changed while it was read; nothing was deleted from it",
                path.display()
            ))
            .with_help("run the command again"));
        }
        let mut kept = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for (s, e) in &ranges {
            kept.extend_from_slice(&bytes[at..*s]);
            at = *e;
        }
        kept.extend_from_slice(&bytes[at..]);
        write_atomic(path, &kept)?;
        removed += ranges.len();
    }
    Ok(removed)
}
