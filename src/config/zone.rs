//! Time zone names: IANA names, `UTC`, and `AoE` (Anywhere on Earth,
//! UTC-12, the usual CFP deadline zone).

use chrono_tz::{TZ_VARIANTS, Tz};

/// A time zone with the name the user wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// The zone.
    pub tz: Tz,
    /// The name as written in the config (`AoE` stays `AoE`).
    pub name: String,
}

impl Zone {
    /// Parses a zone name; the error says what is wrong and suggests close
    /// names.
    pub fn parse(name: &str) -> Result<Zone, (String, String)> {
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
                let close = suggestions(trimmed);
                let help = if close.is_empty() {
                    "write an IANA time zone name such as America/New_York or Europe/Berlin, or UTC, or AoE (UTC-12)".to_string()
                } else {
                    format!("did you mean {}?", close.join(" or "))
                };
                Err((format!("unknown time zone `{trimmed}`"), help))
            }
        }
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
    let limit = (w_city.chars().count() / 3).max(2);
    scored
        .into_iter()
        .filter(|(d, _)| *d <= limit)
        .take(3)
        .map(|(_, n)| n.to_string())
        .collect()
}

/// Edit distance between two strings, in characters.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aoe_is_utc_minus_12_and_keeps_its_name() {
        let z = Zone::parse("AoE").unwrap();
        assert_eq!(z.name, "AoE");
        use chrono::{Offset, TimeZone};
        let off =
            z.tz.offset_from_utc_date(&chrono::NaiveDate::from_ymd_opt(2024, 4, 24).unwrap());
        assert_eq!(off.fix().local_minus_utc(), -12 * 3600);
    }

    #[test]
    fn unknown_zones_get_suggestions() {
        let (msg, help) = Zone::parse("America/New_Yrok").unwrap_err();
        assert_eq!(msg, "unknown time zone `America/New_Yrok`");
        assert!(help.contains("America/New_York"), "{help}");
        let (_, help) = Zone::parse("New York").unwrap_err();
        assert!(help.contains("America/New_York"), "{help}");
        let (_, help) = Zone::parse("Qqqqqqqqqqqq/Zzzzzzz").unwrap_err();
        assert!(help.starts_with("write an IANA"), "{help}");
    }
}
