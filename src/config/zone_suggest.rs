//! Help for a time zone name that is not one: a UTC offset (`GMT+1`,
//! `UTC-05:00`) or an abbreviation (`WAT`, `CST`). Both are answered from
//! chrono-tz's own data (each zone's offset and abbreviation around the
//! CFP's dates), so the table is as current as the zone database.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Offset, TimeZone};
use chrono_tz::{OffsetName, TZ_VARIANTS};

/// Zone areas whose names are places (not `US/Eastern`, `Cuba`, `EST5EDT`).
const AREAS: &[&str] = &[
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
];

/// How many place names to show for one offset.
const PLACES: usize = 3;

/// The help for `name` if it is a UTC offset such as `GMT+1`, `UTC-5`,
/// `UTC+05:30` or `+01:00`.
pub(super) fn offset(name: &str, near: NaiveDate) -> Option<String> {
    let seconds = parse_offset(name)?;
    let shown = utc(seconds);
    let places = places_at(seconds, near);
    let places = if places.is_empty() {
        String::new()
    } else {
        format!(
            "; but a fixed offset never changes for daylight saving time and a place's zone does: better write yours, such as {} ({shown} around {near})",
            places.join(" or ")
        )
    };
    if seconds % 3600 != 0 || !(-12..=14).contains(&(seconds / 3600)) {
        return Some(format!("there is no fixed-offset zone for {shown}{places}"));
    }
    let hours = seconds / 3600;
    let etc = match hours {
        0 => "Etc/GMT".to_string(),
        h if h > 0 => format!("Etc/GMT-{h}"),
        h => format!("Etc/GMT+{}", -h),
    };
    let reversed = if hours == 0 {
        String::new()
    } else {
        let other = if hours > 0 {
            format!("Etc/GMT+{hours}")
        } else {
            format!("Etc/GMT-{}", -hours)
        };
        format!(
            " (the Etc/GMT zones count the other way round: {other} is {})",
            utc(-seconds)
        )
    };
    Some(format!("for {shown} write {etc}{reversed}{places}"))
}

/// The help for `name` if it is an abbreviation some zones use around
/// `near`, such as `WAT` or `CST`: those zones, grouped by offset.
pub(super) fn abbreviation(name: &str, near: NaiveDate) -> Option<String> {
    if !(2..=6).contains(&name.len()) || !name.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    // Offset -> zones using the abbreviation at that offset.
    let mut by_offset: BTreeMap<i32, Vec<&'static str>> = BTreeMap::new();
    for tz in TZ_VARIANTS {
        for day in samples(near) {
            let off = tz.offset_from_utc_date(&day);
            if off
                .abbreviation()
                .is_some_and(|a| a.eq_ignore_ascii_case(name))
            {
                let names = by_offset.entry(off.fix().local_minus_utc()).or_default();
                if !names.contains(&tz.name()) {
                    names.push(tz.name());
                }
            }
        }
    }
    if by_offset.is_empty() {
        return None;
    }
    let groups: Vec<String> = by_offset
        .into_iter()
        .map(|(seconds, names)| {
            let more = names.len().saturating_sub(PLACES);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("{}{more} at {}", pick(names).join(", "), utc(seconds))
        })
        .collect();
    Some(format!(
        "{} is an abbreviation, not a zone name; the zones that use it: {}; write the zone of your place",
        name.to_uppercase(),
        groups.join("; ")
    ))
}

/// The two days whose offsets are sampled: `near` and half a year later,
/// so both sides of daylight saving time are seen.
fn samples(near: NaiveDate) -> [NaiveDate; 2] {
    [near, near + chrono::Duration::days(182)]
}

/// Seconds east of UTC written in `name`, if it is an offset.
fn parse_offset(name: &str) -> Option<i32> {
    let upper = name.trim().to_ascii_uppercase();
    let rest = ["UTC", "GMT", "Z", ""]
        .iter()
        .find_map(|p| upper.strip_prefix(p).filter(|r| r.starts_with(['+', '-'])))?;
    let sign = if rest.starts_with('-') { -1 } else { 1 };
    let digits = rest.get(1..)?.trim();
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() > 2 => digits.split_at(digits.len() - 2),
        None => (digits, "0"),
    };
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60 && !digits.is_empty()).then_some(sign * (h * 3600 + m * 60))
}

/// `UTC+1`, `UTC-5`, `UTC+5:30`, `UTC`.
fn utc(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let (h, m) = (seconds.abs() / 3600, seconds.abs() % 3600 / 60);
    match (h, m) {
        (0, 0) => "UTC".into(),
        (h, 0) => format!("UTC{sign}{h}"),
        (h, m) => format!("UTC{sign}{h}:{m:02}"),
    }
}

/// Up to [`PLACES`] zones at `seconds` east of UTC on `near`.
fn places_at(seconds: i32, near: NaiveDate) -> Vec<&'static str> {
    let at: Vec<&'static str> = TZ_VARIANTS
        .iter()
        .filter(|tz| tz.offset_from_utc_date(&near).fix().local_minus_utc() == seconds)
        .map(|tz| tz.name())
        .collect();
    pick(at)
}

/// Up to [`PLACES`] names, places first, in alphabetical order.
fn pick(mut names: Vec<&'static str>) -> Vec<&'static str> {
    names.sort_by_key(|n| (!AREAS.iter().any(|a| n.starts_with(a)), *n));
    names.truncate(PLACES);
    names
}
