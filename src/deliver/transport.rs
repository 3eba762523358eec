//! Where messages go: an outbox folder of `.eml` files, or an SMTP server
//! ([`super::smtp`]: up to `delivery.concurrency` connections kept open).

use std::path::PathBuf;

use lettre::Message;

use crate::config::{Config, TransportKind as Kind};
use crate::error::{Error, Result};

/// The result of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Accepted (the reply to DATA, or the outbox file written).
    Sent(String),
    /// Refused for good (5yz): never retried automatically.
    Permanent(String),
    /// Try again later: 4yz, 552, a dropped connection, a timeout, or an
    /// unknown outcome after DATA.
    Transient(String),
}

/// A delivery mechanism.
pub trait Transport: Sync {
    /// "outbox ./outbox" or "smtp smtp.example.org:587 (starttls)".
    fn describe(&self) -> String;
    /// Connects (and authenticates) once before anything is marked, so an
    /// unreachable server stops the run with a clear error.
    fn check(&self) -> Result<()>;
    /// One attempt at one message.
    fn send(&self, message: &Message, message_id: &str) -> Attempt;
}

/// Builds the configured transport. `password` is the SMTP password from
/// the environment (never printed).
pub fn from_config(config: &Config, password: Option<String>) -> Result<Box<dyn Transport>> {
    match config.delivery.transport {
        Kind::Outbox => Ok(Box::new(Outbox {
            dir: config.delivery.outbox_dir.clone(),
        })),
        Kind::Smtp => Ok(Box::new(super::smtp::Smtp::new(config, password)?)),
    }
}

/// Writes each message as `<dir>/<message-id>.eml`, atomically.
pub struct Outbox {
    dir: PathBuf,
}

impl Transport for Outbox {
    fn describe(&self) -> String {
        format!("outbox {}", self.dir.display())
    }

    fn check(&self) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| Error::io("create the outbox folder", &self.dir, e))
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
