//! The project configuration, `config.toml`.
//!
//! [`Config::parse`] is pure: it reads TOML text and validates everything
//! that can be checked without other files. [`Config::from_file`] adds the
//! file's path (for messages) and resolves relative paths against the
//! file's folder, not the working directory. Checks that need the topic
//! list (pins and excludes naming categories) happen when the plan is made,
//! and point back into this file through [`Config::diagnostic`].
//!
//! Secrets never live in the file: the SMTP password and the unsubscribe
//! secret are read from environment variables whose *names* it gives.
//!
//! Files: `raw.rs` the TOML shape (serde), `toml_error.rs` TOML errors
//! reworded, `validate.rs` (and `validate_delivery.rs`) the checks that turn the shape into a
//! [`Config`], `zone.rs` and `weekday.rs` the time zone and weekday names,
//! `zone_suggest.rs` the help for a UTC offset or an abbreviation given as
//! a zone, `send_days.rs` the send days a pin may name, `language.rs`
//! language tags, `dkim.rs` the `[dkim]` section.

mod dkim;
mod feed_files;
mod language;
mod raw;
mod season;
mod send_days;
mod serve;
mod toml_error;
mod validate;
mod validate_delivery;
mod weekday;
mod zone;
mod zone_suggest;

use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use crate::error::{Diagnostic, Error, Result};
pub use dkim::DkimSettings;
pub use serve::{ServeSettings, parse_listen};
pub use validate::is_loopback;
pub use weekday::{parse_weekday, weekday_name};
pub use zone::{Zone, resolve_local};

/// The whole configuration, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from (as given), for messages.
    pub path: PathBuf,
    /// The TOML text, kept to point at lines in later messages.
    source: String,
    /// `[newsletter]`
    pub newsletter: Newsletter,
    /// `[cfp]`
    pub cfp: Cfp,
    /// `[schedule]`
    pub schedule: Schedule,
    /// `[content]`
    pub content: Content,
    /// `[templates]`
    pub templates: Templates,
    /// `[feed]`
    pub feed: Feed,
    /// `[subscribers]`
    pub subscribers: SubscribersSettings,
    /// `[delivery]`
    pub delivery: Delivery,
    /// `[smtp]`
    pub smtp: SmtpSettings,
    /// `[unsubscribe]`
    pub unsubscribe: Unsubscribe,
    /// `[dkim]`, when messages are signed.
    pub dkim: Option<DkimSettings>,
    /// `[state]`
    pub state: StateSettings,
    /// `[serve]`, if present.
    pub serve: Option<ServeSettings>,
}

/// `[newsletter]`: who sends it and where it lives on the web.
#[derive(Debug, Clone)]
pub struct Newsletter {
    /// The newsletter's name, used in subjects, the feed and the archive.
    pub title: String,
    /// One sentence about it.
    pub description: String,
    /// Public URL of the archive and feed (`https://...`, no trailing slash).
    pub base_url: Option<String>,
    /// BCP 47 language tag, for `lang` and the feed (default `en`).
    pub language: String,
    /// Sender mailbox, `Name <address>` or `address`.
    pub from: Option<String>,
    /// Optional Reply-To mailbox.
    pub reply_to: Option<String>,
}

/// `[cfp]`: the Call for Proposals window.
#[derive(Debug, Clone)]
pub struct Cfp {
    /// The CFP's name, e.g. "DjangoCon US 2024".
    pub name: String,
    /// When submissions open (local to `timezone`).
    pub opens: NaiveDateTime,
    /// When submissions close (local to `timezone`).
    pub closes: NaiveDateTime,
    /// The CFP's time zone.
    pub timezone: Zone,
    /// Where speakers submit.
    pub submit_url: Option<String>,
}

impl Cfp {
    /// The opening instant.
    pub fn opens_at(&self) -> DateTime<chrono_tz::Tz> {
        self.timezone.resolve(self.opens)
    }
    /// The closing instant.
    pub fn closes_at(&self) -> DateTime<chrono_tz::Tz> {
        self.timezone.resolve(self.closes)
    }

    /// Calendar days from `at`'s date (in the CFP's zone) to the closing
    /// date: 0 on the last day, negative once closed.
    pub fn days_left(&self, at: DateTime<chrono::Utc>) -> i64 {
        let tz = self.timezone.tz;
        (self.closes_at().date_naive() - at.with_timezone(&tz).date_naive()).num_days()
    }
}

/// How categories are ordered in the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// As in the topic list.
    Listed,
    /// A deterministic shuffle from `seed`.
    Shuffled,
}

/// `[schedule]`: when issues go out.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The day of the week.
    pub weekday: Weekday,
    /// The local time of day.
    pub time: NaiveTime,
    /// The zone `weekday` and `time` are in (default: the CFP's).
    pub timezone: Zone,
    /// Category order.
    pub order: Order,
    /// Seed of the shuffle.
    pub seed: u64,
    /// Categories featured in each weekly issue.
    pub categories_per_issue: usize,
    /// Schedule categories found inside HTML comments too.
    pub include_hidden: bool,
    /// Category names left out, with their place in the config.
    pub exclude: Vec<Named>,
    /// Days before `closes` for a final "last call" issue (0 = none).
    pub last_call_days: u32,
    /// Categories pinned to dates.
    pub pins: Vec<Pin>,
    /// `[[schedule.reminder]]`: reminder issues before the close.
    pub reminders: Vec<Reminder>,
    /// `[[schedule.skip]]`: send days left out (holidays), in order.
    pub skips: Vec<NaiveDate>,
}

/// `[[schedule.reminder]]`: a short reminder issue `before` the CFP closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// How long before the close it goes out.
    pub before: chrono::Duration,
    /// The value as written (`"7d"`, `"24h"`).
    pub written: String,
    /// Where the value is in the config text.
    pub span: Range<usize>,
}

/// A category name written in the config, with its byte span there.
#[derive(Debug, Clone)]
pub struct Named {
    /// The name as written.
    pub name: String,
    /// Where it is in the config text.
    pub span: Range<usize>,
}

/// `[[schedule.pin]]`: a category that must go out on a date.
#[derive(Debug, Clone)]
pub struct Pin {
    /// The category.
    pub category: Named,
    /// The send date (in the schedule's zone).
    pub date: NaiveDate,
}

/// `[content]`
#[derive(Debug, Clone)]
pub struct Content {
    /// The topic list.
    pub topics: PathBuf,
    /// Pass raw HTML in the topic list through instead of escaping it.
    pub allow_html: bool,
    /// Folder of the per-category notes, `<slug>.md` (missing: no notes).
    pub notes: PathBuf,
    /// The Markdown list of rotating tips, if any.
    pub tips: Option<PathBuf>,
}

/// `[templates]`
#[derive(Debug, Clone)]
pub struct Templates {
    /// Folder whose files override the built-in templates by name.
    pub dir: PathBuf,
}

/// `[feed]`
#[derive(Debug, Clone)]
pub struct Feed {
    /// The RSS file.
    pub path: PathBuf,
    /// Folder of the static web archive.
    pub archive_dir: PathBuf,
    /// At most this many items in the feed.
    pub max_items: Option<usize>,
    /// The Atom 1.0 file (`None`: not written).
    pub atom_path: Option<PathBuf>,
    /// The JSON Feed 1.1 file (`None`: not written).
    pub json_path: Option<PathBuf>,
}

/// `[subscribers]`
#[derive(Debug, Clone)]
pub struct SubscribersSettings {
    /// The CSV file.
    pub path: PathBuf,
    /// The byte between fields: `,` unless `delimiter` says otherwise
    /// (`;`, a tab, ...).
    pub delimiter: u8,
}

/// The delivery mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// `.eml` files in `outbox_dir`.
    Outbox,
    /// An SMTP server.
    Smtp,
}

/// `[delivery]`
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Outbox or SMTP.
    pub transport: TransportKind,
    /// Where the outbox transport writes.
    pub outbox_dir: PathBuf,
    /// Parallel SMTP connections.
    pub concurrency: usize,
    /// Global cap on messages per second (0 = unlimited).
    pub rate_per_second: u32,
    /// Attempts per recipient within one run before it stays pending.
    pub max_attempts: u32,
    /// First retry delay in milliseconds; doubles per attempt, with jitter.
    pub retry_delay_ms: u64,
    /// Who gets `send --review` (normalized addresses).
    pub reviewers: Vec<String>,
    /// Soft bounces of issues in a row that suppress an address (default 3).
    pub soft_bounce_limit: u32,
    /// VERP: the envelope sender with a `{token}` placeholder
    /// (`bounces+{token}@example.org`); `None` sends from the From address.
    pub return_path: Option<String>,
}

/// SMTP connection security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Implicit TLS (port 465).
    Tls,
    /// STARTTLS, required: never silently downgraded (port 587).
    Starttls,
    /// Plain text: loopback hosts only, unless `allow_insecure`.
    None,
}

/// `[smtp]`
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// Server host name.
    pub host: String,
    /// Port (default by security: 465, 587 or 25).
    pub port: u16,
    /// Connection security.
    pub security: Security,
    /// User name for AUTH, if any.
    pub username: Option<String>,
    /// Name of the environment variable holding the password.
    pub password_env: String,
    /// Bounds the connection and each command.
    pub timeout_seconds: u64,
    /// Allow `security = "none"` to a host that is not loopback.
    pub allow_insecure: bool,
}

/// `[unsubscribe]`
#[derive(Debug, Clone)]
pub struct Unsubscribe {
    /// One-click URL with a `{token}` placeholder.
    pub url: Option<String>,
    /// Mailto address for unsubscribe requests.
    pub mailto: Option<String>,
    /// Name of the environment variable holding the HMAC secret.
    pub secret_env: String,
}

/// `[state]`
#[derive(Debug, Clone)]
pub struct StateSettings {
    /// The SQLite database.
    pub path: PathBuf,
}

impl Config {
    /// Parses and validates TOML text. Relative paths stay relative; the
    /// error is a [`Diagnostic`] into `src`.
    pub fn parse(src: &str) -> Result<Config, Diagnostic> {
        validate::parse(src)
    }

    /// Reads, parses and validates the file, resolving relative paths
    /// against its folder.
    pub fn from_file(path: &Path) -> Result<Config> {
        let src = crate::error::read_text(path).map_err(|e| match e.io_kind() {
            Some(std::io::ErrorKind::NotFound) => e.with_help(
                "run `newsletter init` to start a project here, or point --config at your config.toml",
            ),
            Some(std::io::ErrorKind::IsADirectory) => {
                let inside = path.join("config.toml");
                if inside.is_file() {
                    e.with_help(format!("did you mean --config {}?", inside.display()))
                } else {
                    e.with_help(
                        "--config names the configuration file itself (config.toml), not its folder",
                    )
                }
            }
            _ => e,
        })?;
        let mut config = Config::parse(&src).map_err(|d| d.into_error(path))?;
        config.path = path.to_path_buf();
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        config.resolve_paths(&base);
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        for p in [
            &mut self.content.topics,
            &mut self.content.notes,
            &mut self.templates.dir,
            &mut self.feed.path,
            &mut self.feed.archive_dir,
            &mut self.subscribers.path,
            &mut self.delivery.outbox_dir,
            &mut self.state.path,
        ] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        for p in [
            &mut self.content.tips,
            &mut self.feed.atom_path,
            &mut self.feed.json_path,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        if let Some(d) = &mut self.dkim
            && d.private_key.is_relative()
        {
            d.private_key = base.join(&d.private_key);
        }
    }

    /// A bad-input error pointing at `span` of this config file.
    pub fn error_at(&self, span: &Range<usize>, message: &str, help: &str) -> Error {
        self.diagnostic(span, message, help).into_error(&self.path)
    }

    /// A diagnostic pointing at `span` of this config file.
    pub fn diagnostic(&self, span: &Range<usize>, message: &str, help: &str) -> Diagnostic {
        Diagnostic::at(&self.source, span.start, message).help(help)
    }

    /// The sender address, required by commands that compose mail.
    pub fn from_address(&self) -> Result<&str> {
        self.newsletter.from.as_deref().ok_or_else(|| {
            Error::input(
                "[newsletter] from is not set; add for example from = \"Call for Proposals <cfp@example.org>\"",
            )
            .in_file(&self.path)
        })
    }

    /// The public base URL, required by the feed and the archive.
    pub fn base_url(&self) -> Result<&str> {
        self.newsletter.base_url.as_deref().ok_or_else(|| {
            Error::input(
                "[newsletter] base_url is not set; add the public address of the archive, for example base_url = \"https://example.org/newsletter\"",
            )
            .in_file(&self.path)
        })
    }
}

#[cfg(test)]
mod tests;
