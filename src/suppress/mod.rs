//! Suppressions: addresses that must never receive anything again,
//! recorded (or removed) in the state. Every front door that unsubscribes
//! someone goes through [`record`].

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::state::{Reason, State};
use crate::subscribers::normalize_address;

/// An address as given, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given {
    /// `path:line` for an address read from a file; empty when it was
    /// given directly (a command-line argument).
    pub origin: String,
    /// The address as written.
    pub address: String,
}

impl Given {
    /// An address given directly.
    pub fn direct(address: impl Into<String>) -> Given {
        Given {
            origin: String::new(),
            address: address.into(),
        }
    }
}

/// Add or remove suppressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Suppress: never send to these addresses again.
    Suppress,
    /// Re-subscribe: remove the suppressions.
    Undo,
}

/// What [`record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuppressReport {
    /// Addresses whose suppression was added (or removed).
    pub changed: usize,
    /// Addresses given.
    pub given: usize,
}

/// The addresses in a text file, one a line; blank lines and lines
/// starting with `#` are skipped.
pub fn read_list(path: &Path) -> Result<Vec<Given>> {
    let text = crate::error::read_text(path)?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, line)| (i, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(i, line)| Given {
            origin: format!("{}:{}", path.display(), i + 1),
            address: line.to_string(),
        })
        .collect())
}

/// The address an unsubscribe token stands for (a token from an email's
/// link or a mailto subject, handled by hand). A token that is forged,
/// altered or for an address the state does not know is bad input.
pub fn from_token(p: &Project, token: &str) -> Result<Given> {
    let tokens = crate::membership::tokens(
        p.env.unsubscribe_secret.as_deref(),
        &p.config.unsubscribe.secret_env,
        "--token",
    )?;
    let invalid = || {
        Error::input(
            "--token: the token is not valid (forged, altered, or for an address this state does not know)",
        )
        .with_help("copy the whole token from the link or the subject; nothing was recorded")
    };
    let state = State::open_existing(&p.config.state.path)?.ok_or_else(invalid)?;
    let member = crate::membership::resolve(&state, &tokens, token)?.ok_or_else(invalid)?;
    Ok(Given {
        origin: "--token".into(),
        address: member.email,
    })
}

/// Records the change for every address, or for none: an address that is
/// not one is bad input, and nothing is recorded.
pub fn record(
    config: &Config,
    given: &[Given],
    change: Change,
    now: DateTime<Utc>,
) -> Result<SuppressReport> {
    let mut keys = Vec::with_capacity(given.len());
    for g in given {
        let addr = normalize_address(&g.address).map_err(|r| {
            let at = if g.origin.is_empty() {
                String::new()
            } else {
                format!("{}: ", g.origin)
            };
            Error::input(format!("{at}`{}` is not an email address: {r}", g.address))
                .with_help("correct or remove it; nothing was recorded")
        })?;
        keys.push(addr.key);
    }
    let mut state = State::open(&config.state.path)?;
    let changed = match change {
        Change::Suppress => state.suppress_with_reason(&keys, Reason::Manual, now)?,
        Change::Undo => state.unsuppress(&keys)?,
    };
    Ok(SuppressReport {
        changed,
        given: keys.len(),
    })
}

#[cfg(test)]
mod tests;
