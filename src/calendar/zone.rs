//! A `VTIMEZONE` for a chrono-tz zone: its offset changes in the two years
//! around the close, each as one observance with its onset (no `RRULE`:
//! the rules are the zone database's, written out as dates).

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// The `VTIMEZONE` lines of `tz` for an event at `at`.
pub(super) fn vtimezone(tz: Tz, at: DateTime<Utc>) -> Vec<String> {
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let changes = changes(tz, at - Duration::days(366), at + Duration::days(366));
    if changes.is_empty() {
        // A fixed offset: one observance since 1970.
        let o = tz.offset_from_utc_datetime(&at.naive_utc());
        let off = o.fix().local_minus_utc();
        lines.extend(observance(
            false,
            "19700101T000000".into(),
            off,
            off,
            o.abbreviation(),
        ));
    }
    for (before, after) in changes {
        let from = tz.offset_from_utc_datetime(&before.naive_utc());
        let to = tz.offset_from_utc_datetime(&after.naive_utc());
        // The onset in local time as it was before the change.
        let onset: NaiveDateTime =
            after.naive_utc() + Duration::seconds(from.fix().local_minus_utc().into());
        lines.extend(observance(
            !to.dst_offset().is_zero(),
            onset.format("%Y%m%dT%H%M%S").to_string(),
            from.fix().local_minus_utc(),
            to.fix().local_minus_utc(),
            to.abbreviation(),
        ));
    }
    lines.push("END:VTIMEZONE".into());
    lines
}

fn observance(
    daylight: bool,
    onset: String,
    from: i32,
    to: i32,
    name: Option<&str>,
) -> Vec<String> {
    let kind = if daylight { "DAYLIGHT" } else { "STANDARD" };
    let mut v = vec![
        format!("BEGIN:{kind}"),
        format!("DTSTART:{onset}"),
        format!("TZOFFSETFROM:{}", utc_offset(from)),
        format!("TZOFFSETTO:{}", utc_offset(to)),
    ];
    // Abbreviations such as "-12" are not names; leave them out.
    if let Some(n) = name.filter(|n| n.chars().all(|c| c.is_ascii_alphabetic())) {
        v.push(format!("TZNAME:{n}"));
    }
    v.push(format!("END:{kind}"));
    v
}

/// `+0530`, `-1200`, `+0000` (with seconds when the offset has them).
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// The instants in `[from, to)` where the zone's offset (or DST part)
/// changes, as (the last second before, the first second after); found
/// hour by hour, then to the second.
fn changes(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let key = |t: DateTime<Utc>| {
        let o = tz.offset_from_utc_datetime(&t.naive_utc());
        (o.fix().local_minus_utc(), o.dst_offset().num_seconds())
    };
    let mut out = Vec::new();
    let mut t = from;
    while t < to {
        let next = t + Duration::hours(1);
        if key(t) != key(next) {
            let (mut lo, mut hi) = (t, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if key(mid) == key(lo) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push((lo, hi));
        }
        t = next;
    }
    out
}
