//! Time zone names: IANA names, `UTC`, and `AoE` (Anywhere on Earth,
//! UTC-12, the usual CFP deadline zone).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::{TZ_VARIANTS, Tz};

use super::zone_suggest as suggest;
use crate::suggest::{levenshtein, max_distance};

/// A time zone with the name the user wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// The zone.
    pub tz: Tz,
    /// The name as written in the config (`AoE` stays `AoE`).
    pub name: String,
}

impl Zone {
    /// Parses a zone name; the error says what is wrong and suggests
    /// names: for a UTC offset (`GMT+1`) the `Etc/` zone of that offset,
    /// whose sign is the other way round, and places at that offset; for
    /// an abbreviation (`WAT`) the zones that use it; otherwise close
    /// names. Offsets and abbreviations are those in force around `near`
    /// (the CFP's dates).
    pub fn parse(name: &str, near: NaiveDate) -> Result<Zone, (String, String)> {
        let trimmed = name.trim();
        let tz = if trimmed.eq_ignore_ascii_case("aoe") {
            Some(Tz::Etc__GMTPlus12)
        } else if trimmed.eq_ignore_ascii_case("utc") {
            Some(Tz::UTC)
        } else {
            trimmed.parse::<Tz>().ok()
        };
        match tz {
            Some(tz) => Ok(Zone {
                tz,
                name: trimmed.to_string(),
            }),
            None => {
                let help = suggest::offset(trimmed, near)
                    .or_else(|| suggest::abbreviation(trimmed, near))
                    .unwrap_or_else(|| {
                        let close = suggestions(trimmed);
                        if close.is_empty() {
                            "write an IANA time zone name such as America/New_York or Europe/Berlin, or UTC, or AoE (UTC-12)".to_string()
                        } else {
                            format!("did you mean {}?", close.join(" or "))
                        }
                    });
                Err((format!("unknown time zone `{trimmed}`"), help))
            }
        }
    }

    /// Resolves a local date-time here: a time that does not exist (a
    /// daylight-saving gap) moves forward to the first valid instant; an
    /// ambiguous one (a fold) takes the earlier.
    pub fn resolve(&self, local: NaiveDateTime) -> DateTime<chrono_tz::Tz> {
        resolve_local(self.tz, local)
    }
}

/// Up to three zone names close to `wanted`: same name ignoring case and
/// separators, then by edit distance on the city part and the whole name.
fn suggestions(wanted: &str) -> Vec<String> {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric() || *c == '/')
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let w = norm(wanted);
    let w_city = w.rsplit('/').next().unwrap_or(&w).to_string();
    let mut scored: Vec<(usize, &str)> = TZ_VARIANTS
        .iter()
        .map(|tz| {
            let name = tz.name();
            let n = norm(name);
            let city = n.rsplit('/').next().unwrap_or(&n);
            let d = if n == w || city == w_city {
                0
            } else {
                levenshtein(&n, &w).min(levenshtein(city, &w_city))
            };
            (d, name)
        })
        .collect();
    scored.sort();
    let limit = max_distance(&w_city);
    scored
        .into_iter()
        .filter(|(d, _)| *d <= limit)
        .take(3)
        .map(|(_, n)| n.to_string())
        .collect()
}

/// See [`Zone::resolve`].
pub fn resolve_local(tz: chrono_tz::Tz, local: NaiveDateTime) -> DateTime<chrono_tz::Tz> {
    let mut t = local;
    // Gaps are at most a day long; walk forward a minute at a time.
    for _ in 0..=(26 * 60) {
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt;
        }
        t += chrono::Duration::minutes(1);
    }
    tz.from_utc_datetime(&local)
}
