//! The only place that reads the system clock.
//!
//! Everything else takes `now` as a parameter. `--now` and `NEWSLETTER_NOW`
//! replace the clock for a whole run, so every command is reproducible.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// The real current time. Clippy forbids every other way of reading it.
#[allow(clippy::disallowed_methods)]
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A `--now` value before the config (and so the time zone) is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NowArg {
    /// An RFC 3339 date-time: an exact instant.
    Instant(DateTime<Utc>),
    /// A bare `YYYY-MM-DD`: the end of that day in the schedule's time zone,
    /// so "as of March 18" includes everything sent on March 18.
    Date(NaiveDate),
}

impl NowArg {
    /// Parses an RFC 3339 date-time or a `YYYY-MM-DD` date.
    pub fn parse(s: &str) -> Result<NowArg> {
        let s = s.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(NowArg::Instant(t.with_timezone(&Utc)));
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(NowArg::Date(d));
        }
        if let Some(local) = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok())
        {
            // A date-time without an offset: say that is what is missing.
            let t = local.format("%Y-%m-%dT%H:%M:%S");
            return Err(Error::input(format!(
                "--now / NEWSLETTER_NOW: `{s}` has no UTC offset, so it is not one moment"
            ))
            .with_help(format!(
                "add the offset of the time zone it is in, such as {t}-04:00, or Z for UTC ({t}Z); a date alone (such as {}) means the end of that day in the schedule's time zone",
                local.format("%Y-%m-%d")
            )));
        }
        Err(Error::input(format!(
            "--now / NEWSLETTER_NOW: `{s}` is not a date-time; write an RFC 3339 date-time such as \
             2024-03-18T09:00:00-04:00, or a date such as 2024-03-18"
        )))
    }

    /// The instant this stands for, a bare date resolved in `tz`.
    pub fn resolve(self, tz: Tz) -> DateTime<Utc> {
        match self {
            NowArg::Instant(t) => t,
            NowArg::Date(d) => {
                let end = d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
                tz.from_local_datetime(&end)
                    .latest()
                    .map(|t| t.with_timezone(&Utc))
                    // 23:59:59 never falls in a gap in practice; if it does, use UTC.
                    .unwrap_or_else(|| Utc.from_utc_datetime(&end))
            }
        }
    }
}

#[cfg(test)]
mod tests;
