//! `[serve]`: the HTTP server of `newsletter serve`. Its presence also
//! makes the default `unsubscribe.url` point at the server.

use std::net::SocketAddr;

use serde::Deserialize;
use toml::Spanned;

use crate::error::Diagnostic;

/// `[serve]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeSettings {
    /// Where to listen (`127.0.0.1:8080`); `--listen` overrides it.
    pub listen: SocketAddr,
    /// Hours a confirmation link stays valid.
    pub confirm_hours: u32,
    /// Confirmation emails to one address per 24 hours.
    pub confirmations_per_address_per_day: u32,
    /// Subscribe requests per client address per hour.
    pub subscribes_per_ip_per_hour: u32,
    /// Take the client address from `X-Forwarded-For` (behind a proxy).
    pub trust_forwarded_for: bool,
    /// Store the client address with the consent record.
    pub record_ip: bool,
    /// A request (headers and body) must arrive within this many seconds.
    pub request_timeout_seconds: u64,
    /// Connections served at once; more wait in the kernel's queue.
    pub max_connections: usize,
}

/// The defaults of an empty `[serve]` table.
impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            listen: ([127, 0, 0, 1], 8080).into(),
            confirm_hours: 72,
            confirmations_per_address_per_day: 3,
            subscribes_per_ip_per_hour: 20,
            trust_forwarded_for: false,
            record_ip: false,
            request_timeout_seconds: 10,
            max_connections: 1024,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServe {
    #[serde(default = "default_listen")]
    listen: Spanned<String>,
    #[serde(default = "default_confirm_hours")]
    confirm_hours: Spanned<u32>,
    #[serde(default = "default_per_address")]
    confirmations_per_address_per_day: u32,
    #[serde(default = "default_per_ip")]
    subscribes_per_ip_per_hour: u32,
    #[serde(default)]
    trust_forwarded_for: bool,
    #[serde(default)]
    record_ip: bool,
    #[serde(default = "default_timeout")]
    request_timeout_seconds: Spanned<u64>,
    #[serde(default = "default_max_connections")]
    max_connections: Spanned<usize>,
}

fn default_listen() -> Spanned<String> {
    Spanned::new(0..0, "127.0.0.1:8080".into())
}
fn default_confirm_hours() -> Spanned<u32> {
    Spanned::new(0..0, 72)
}
fn default_per_address() -> u32 {
    3
}
fn default_per_ip() -> u32 {
    20
}
fn default_timeout() -> Spanned<u64> {
    Spanned::new(0..0, 10)
}
fn default_max_connections() -> Spanned<usize> {
    Spanned::new(0..0, 1024)
}

/// Validates `[serve]`; errors point into `src`.
pub(super) fn build(src: &str, raw: RawServe) -> Result<ServeSettings, Diagnostic> {
    let err = |span: std::ops::Range<usize>, msg: String, help: &str| {
        Diagnostic::at(src, span.start, msg).help(help)
    };
    let listen = parse_listen(raw.listen.get_ref()).ok_or_else(|| {
        err(
            raw.listen.span(),
            format!(
                "serve.listen `{}` is not an address and port",
                raw.listen.get_ref()
            ),
            "write an IP address and a port, such as \"127.0.0.1:8080\" or \"[::1]:8080\"",
        )
    })?;
    let positive = |v: u64, span, key: &str| {
        if v == 0 {
            Err(err(
                span,
                format!("serve.{key} is 0"),
                "give a number of at least 1",
            ))
        } else {
            Ok(())
        }
    };
    positive(
        u64::from(*raw.confirm_hours.get_ref()),
        raw.confirm_hours.span(),
        "confirm_hours",
    )?;
    positive(
        *raw.request_timeout_seconds.get_ref(),
        raw.request_timeout_seconds.span(),
        "request_timeout_seconds",
    )?;
    positive(
        *raw.max_connections.get_ref() as u64,
        raw.max_connections.span(),
        "max_connections",
    )?;
    Ok(ServeSettings {
        listen,
        confirm_hours: raw.confirm_hours.into_inner(),
        confirmations_per_address_per_day: raw.confirmations_per_address_per_day,
        subscribes_per_ip_per_hour: raw.subscribes_per_ip_per_hour,
        trust_forwarded_for: raw.trust_forwarded_for,
        record_ip: raw.record_ip,
        request_timeout_seconds: raw.request_timeout_seconds.into_inner(),
        max_connections: raw.max_connections.into_inner(),
    })
}

/// `host:port` with an IP address (`localhost` is accepted for 127.0.0.1).
pub fn parse_listen(s: &str) -> Option<SocketAddr> {
    let s = s.trim();
    s.parse().ok().or_else(|| {
        s.strip_prefix("localhost:")?
            .parse::<u16>()
            .ok()
            .map(|p| ([127, 0, 0, 1], p).into())
    })
}

/// The one-click URL `[serve]` implies: `<base_url>/unsubscribe/{token}`.
pub(super) fn default_unsubscribe_url(base_url: &str) -> String {
    format!("{}/unsubscribe/{{token}}", base_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests;
