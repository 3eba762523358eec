//! The TOML shape of the config: serde structs (`deny_unknown_fields`)
//! with their defaults, spans kept where validation points at a value.
//! Nothing here checks values; [`super::validate`] does.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::{Order, Security, TransportKind};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Raw {
    pub(super) newsletter: RawNewsletter,
    pub(super) cfp: RawCfp,
    pub(super) schedule: RawSchedule,
    #[serde(default)]
    pub(super) content: RawContent,
    #[serde(default)]
    pub(super) templates: RawTemplates,
    #[serde(default)]
    pub(super) feed: RawFeed,
    #[serde(default)]
    pub(super) subscribers: RawSubscribers,
    #[serde(default)]
    pub(super) delivery: RawDelivery,
    #[serde(default)]
    pub(super) smtp: RawSmtp,
    #[serde(default)]
    pub(super) unsubscribe: RawUnsubscribe,
    #[serde(default)]
    pub(super) state: RawState,
    pub(super) dkim: Option<super::dkim::RawDkim>,
    #[serde(default)]
    pub(super) serve: Option<super::serve::RawServe>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNewsletter {
    pub(super) title: Spanned<String>,
    #[serde(default)]
    pub(super) description: String,
    pub(super) base_url: Option<Spanned<String>>,
    #[serde(default = "default_language")]
    pub(super) language: Spanned<String>,
    pub(super) from: Option<Spanned<String>>,
    pub(super) reply_to: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCfp {
    pub(super) name: String,
    pub(super) opens: Spanned<toml::value::Datetime>,
    pub(super) closes: Spanned<toml::value::Datetime>,
    pub(super) timezone: Spanned<String>,
    pub(super) submit_url: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSchedule {
    pub(super) weekday: Spanned<String>,
    pub(super) time: Spanned<String>,
    pub(super) timezone: Option<Spanned<String>>,
    #[serde(default = "default_order")]
    pub(super) order: Order,
    #[serde(default)]
    pub(super) seed: u64,
    #[serde(default = "one")]
    pub(super) categories_per_issue: Spanned<usize>,
    #[serde(default)]
    pub(super) include_hidden: bool,
    #[serde(default)]
    pub(super) exclude: Vec<Spanned<String>>,
    #[serde(default = "zero")]
    pub(super) last_call_days: Spanned<u32>,
    #[serde(default)]
    pub(super) pin: Vec<RawPin>,
    #[serde(default)]
    pub(super) reminder: Vec<RawReminder>,
    #[serde(default)]
    pub(super) skip: Vec<RawSkip>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReminder {
    pub(super) before: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSkip {
    pub(super) date: Spanned<toml::value::Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPin {
    pub(super) category: Spanned<String>,
    pub(super) date: Spanned<toml::value::Datetime>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContent {
    #[serde(default = "default_topics")]
    pub(super) topics: PathBuf,
    #[serde(default)]
    pub(super) allow_html: bool,
    #[serde(default = "default_notes")]
    pub(super) notes: PathBuf,
    pub(super) tips: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplates {
    #[serde(default = "default_templates")]
    pub(super) dir: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFeed {
    #[serde(default = "default_feed")]
    pub(super) path: PathBuf,
    #[serde(default = "default_archive")]
    pub(super) archive_dir: PathBuf,
    pub(super) max_items: Option<Spanned<usize>>,
    /// A path, or `false` for none.
    pub(super) atom_path: Option<Spanned<toml::Value>>,
    /// A path, or `false` for none.
    pub(super) json_path: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSubscribers {
    #[serde(default = "default_subscribers")]
    pub(super) path: PathBuf,
    pub(super) delimiter: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDelivery {
    #[serde(default = "default_transport")]
    pub(super) transport: TransportKind,
    #[serde(default = "default_outbox")]
    pub(super) outbox_dir: PathBuf,
    #[serde(default = "default_concurrency")]
    pub(super) concurrency: Spanned<usize>,
    #[serde(default)]
    pub(super) rate_per_second: u32,
    #[serde(default = "default_attempts")]
    pub(super) max_attempts: Spanned<u32>,
    #[serde(default = "default_retry_delay")]
    pub(super) retry_delay_ms: u64,
    #[serde(default)]
    pub(super) reviewers: Vec<Spanned<String>>,
    #[serde(default = "default_soft_bounce_limit")]
    pub(super) soft_bounce_limit: Spanned<u32>,
    pub(super) return_path: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSmtp {
    #[serde(default = "default_host")]
    pub(super) host: Spanned<String>,
    pub(super) port: Option<Spanned<u16>>,
    #[serde(default = "default_security")]
    pub(super) security: Spanned<Security>,
    pub(super) username: Option<String>,
    #[serde(default = "default_password_env")]
    pub(super) password_env: String,
    #[serde(default = "default_timeout")]
    pub(super) timeout_seconds: Spanned<u64>,
    #[serde(default)]
    pub(super) allow_insecure: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUnsubscribe {
    pub(super) url: Option<Spanned<String>>,
    pub(super) mailto: Option<Spanned<String>>,
    #[serde(default = "default_secret_env")]
    pub(super) secret_env: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawState {
    #[serde(default = "default_state")]
    pub(super) path: PathBuf,
}

// serde needs functions for defaults; `Default` impls below reuse them.
fn default_language() -> Spanned<String> {
    Spanned::new(0..0, "en".into())
}
fn default_order() -> Order {
    Order::Listed
}
fn one() -> Spanned<usize> {
    Spanned::new(0..0, 1)
}
fn zero() -> Spanned<u32> {
    Spanned::new(0..0, 0)
}
fn default_topics() -> PathBuf {
    "content/topics.md".into()
}
fn default_templates() -> PathBuf {
    "templates".into()
}
fn default_feed() -> PathBuf {
    "public/feed.xml".into()
}
fn default_notes() -> PathBuf {
    "content/notes".into()
}
fn default_archive() -> PathBuf {
    "public".into()
}
fn default_subscribers() -> PathBuf {
    "content/subscribers.csv".into()
}
fn default_transport() -> TransportKind {
    TransportKind::Outbox
}
fn default_outbox() -> PathBuf {
    "outbox".into()
}
fn default_concurrency() -> Spanned<usize> {
    Spanned::new(0..0, 4)
}
fn default_attempts() -> Spanned<u32> {
    Spanned::new(0..0, 3)
}
fn default_retry_delay() -> u64 {
    1000
}
fn default_soft_bounce_limit() -> Spanned<u32> {
    Spanned::new(0..0, 3)
}
fn default_host() -> Spanned<String> {
    Spanned::new(0..0, "localhost".into())
}
fn default_security() -> Spanned<Security> {
    Spanned::new(0..0, Security::Starttls)
}
fn default_password_env() -> String {
    "NEWSLETTER_SMTP_PASSWORD".into()
}
fn default_timeout() -> Spanned<u64> {
    Spanned::new(0..0, 60)
}
fn default_secret_env() -> String {
    "NEWSLETTER_UNSUBSCRIBE_SECRET".into()
}
fn default_state() -> PathBuf {
    "state/newsletter.db".into()
}

macro_rules! from_empty_table {
    ($($t:ty),*) => {$(
        impl Default for $t {
            fn default() -> Self {
                // An empty table always deserializes: every field has a default.
                toml::from_str("").unwrap_or_else(|_| unreachable!())
            }
        }
    )*};
}
from_empty_table!(
    RawContent,
    RawTemplates,
    RawFeed,
    RawSubscribers,
    RawDelivery,
    RawSmtp,
    RawUnsubscribe,
    RawState
);
