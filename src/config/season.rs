//! The season's extra keys of `[schedule]`: `[[schedule.reminder]]`
//! (`before = "7d"`) and `[[schedule.skip]]` (`date = 2024-04-01`), checked
//! against the CFP window and the send day.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use super::raw::{RawReminder, RawSkip};
use super::send_days::pin_help;
use super::{Cfp, Pin, Reminder, weekday_name};
use crate::error::Diagnostic;

/// The longest offset a reminder may name: ten years, far beyond any CFP
/// (it keeps the arithmetic on dates in range).
const MAX_HOURS: i64 = 24 * 3660;

/// `"7d"`, `"24h"`, `"1d12h"`: a whole number of days and/or hours, as
/// hours; `None` when the text is not of that shape or is zero.
pub(crate) fn parse_offset(text: &str) -> Option<i64> {
    let t = text.trim();
    let (days, rest) = match t.split_once('d') {
        Some((d, rest)) => (Some(d), rest),
        None => (None, t),
    };
    let hours = match rest {
        "" => None,
        h => Some(h.strip_suffix('h')?),
    };
    if days.is_none() && hours.is_none() {
        return None;
    }
    let number = |s: &str| -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 6 {
            return None;
        }
        s.parse().ok()
    };
    let d = days.map_or(Some(0), number)?;
    let h = hours.map_or(Some(0), number)?;
    let total = d * 24 + h;
    (total > 0 && total <= MAX_HOURS).then_some(total)
}

/// Every `[[schedule.reminder]]`, in the order written: each a positive
/// offset whose reminder falls after the CFP opens, none twice.
pub(super) fn reminders(
    src: &str,
    raw: &[RawReminder],
    cfp: &Cfp,
) -> Result<Vec<Reminder>, Diagnostic> {
    let mut out: Vec<Reminder> = Vec::new();
    for r in raw {
        let written = r.before.get_ref();
        let at =
            |msg: String, help: &str| Diagnostic::at(src, r.before.span().start, msg).help(help);
        let hours = parse_offset(written).ok_or_else(|| {
            at(
                format!("schedule.reminder before = {written:?} is not a time before the close"),
                "write days and/or hours, such as \"7d\", \"24h\" or \"1d12h\" (more than zero)",
            )
        })?;
        let before = Duration::hours(hours);
        if cfp.closes_at() - before <= cfp.opens_at() {
            let length = (cfp.closes_at() - cfp.opens_at()).num_hours();
            return Err(at(
                format!(
                    "the reminder {written:?} before the close falls before the CFP opens ({})",
                    cfp.opens
                ),
                &format!("use an offset under {length} hours (the CFP's length)"),
            ));
        }
        if out.iter().any(|o| o.before == before) {
            return Err(at(
                format!("a reminder {written:?} before the close is already configured"),
                "remove one of the two [[schedule.reminder]] tables",
            ));
        }
        out.push(Reminder {
            before,
            written: written.clone(),
            span: r.before.span(),
        });
    }
    Ok(out)
}

/// Every `[[schedule.skip]]`, sorted: plain dates inside the CFP that are
/// send days, none twice and none pinned.
pub(super) fn skips(
    src: &str,
    raw: &[RawSkip],
    cfp: &Cfp,
    weekday: Weekday,
    pins: &[Pin],
) -> Result<Vec<NaiveDate>, Diagnostic> {
    let mut out = Vec::new();
    for s in raw {
        let d = s.date.get_ref();
        let written = d
            .date
            .and_then(|d| NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()));
        let help = pin_help(written, cfp, weekday).replace("remove the pin", "remove the skip");
        let at = |msg: String| Diagnostic::at(src, s.date.span().start, msg).help(help.clone());
        let date = match (written, d.time, d.offset) {
            (Some(date), None, None) => date,
            _ => return Err(at("a skip's date must be a plain date (YYYY-MM-DD)".into())),
        };
        if date < cfp.opens.date() || date > cfp.closes.date() {
            return Err(at(format!(
                "skip date {date} is outside the CFP ({} to {})",
                cfp.opens.date(),
                cfp.closes.date()
            )));
        }
        if date.weekday() != weekday {
            return Err(at(format!(
                "skip date {date} is a {}, not a send day ({}), so there is no issue to leave out",
                weekday_name(date.weekday()),
                weekday_name(weekday)
            )));
        }
        if out.contains(&date) {
            return Err(at(format!("skip date {date} is listed twice")));
        }
        if pins.iter().any(|p| p.date == date) {
            return Err(Diagnostic::at(
                src,
                s.date.span().start,
                format!("skip date {date} has a category pinned to it"),
            )
            .help("remove the skip or move the pin to another send day"));
        }
        out.push(date);
    }
    out.sort();
    Ok(out)
}
