//! The outbox transport: each message written as an `.eml` file into a
//! folder, for a look before a real send or for another program to pick up.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use lettre::Message;

use super::{Attempt, Checked, Transport};
use crate::error::{Error, Result};

/// Writes each message as `<dir>/<message-id>.eml`, atomically.
pub struct OutboxTransport {
    dir: PathBuf,
}

impl OutboxTransport {
    /// Writes into `dir` (created by [`Transport::check`]).
    pub fn new(dir: PathBuf) -> OutboxTransport {
        OutboxTransport { dir }
    }
}

impl Transport for OutboxTransport {
    fn describe(&self) -> String {
        format!("outbox {}", self.dir.display())
    }

    /// Creates the folder, and removes the temporary files an earlier
    /// run killed mid-write left there (only those: see
    /// [`crate::fsutil::remove_stale_temps`]).
    fn check(&self, _stop: &AtomicBool) -> Result<Checked> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| Error::io("create the outbox folder", &self.dir, e))?;
        crate::fsutil::remove_stale_temps(&self.dir)?;
        Ok(Checked::Ready)
    }

    fn send(&self, message: &Message, message_id: &str) -> Attempt {
        let name: String = message_id
            .trim_matches(['<', '>'])
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path = self.dir.join(format!("{name}.eml"));
        match crate::fsutil::write_atomic(&path, &message.formatted()) {
            Ok(()) => Attempt::Sent(format!("written to {}", path.display())),
            Err(e) => Attempt::Transient(e.to_string()),
        }
    }
}
