//! The send slots of the CFP window: every weekly slot (less the skipped
//! days), the last call and the reminders.

use chrono::{DateTime, Datelike, Duration, NaiveDate};
use chrono_tz::Tz;

use super::IssueKind;
use crate::config::{Config, resolve_local};
use crate::error::{Error, Result};

/// A send slot, with the categories pinned to it so far.
pub(super) struct Slot {
    pub(super) at: DateTime<Tz>,
    pub(super) kind: IssueKind,
    pub(super) cats: Vec<usize>,
    /// Takes categories from the rotation: a weekly slot, or a reminder
    /// that fell on a weekly slot's day (and took its place).
    pub(super) rotation: bool,
}

/// Every send slot of the CFP window, the last call included.
pub(super) fn send_slots(config: &Config) -> Result<Vec<Slot>> {
    let s = &config.schedule;
    let tz = s.timezone.tz;
    let opens = config.cfp.opens_at();
    let closes = config.cfp.closes_at();
    let first = opens.with_timezone(&tz).date_naive();
    let ahead = (7 + s.weekday.num_days_from_monday() - first.weekday().num_days_from_monday()) % 7;
    let mut slots = Vec::new();
    let mut day = first + Duration::days(i64::from(ahead));
    loop {
        let at = resolve_local(tz, day.and_time(s.time));
        if at >= closes {
            break;
        }
        if at >= opens && !s.skips.contains(&day) {
            slots.push(Slot {
                at,
                kind: IssueKind::Weekly,
                cats: Vec::new(),
                rotation: true,
            });
        }
        day += Duration::days(7);
    }
    if s.last_call_days > 0 {
        let date: NaiveDate =
            config.cfp.closes.date() - Duration::days(i64::from(s.last_call_days));
        let at = resolve_local(tz, date.and_time(s.time));
        if at < opens || at >= closes {
            return Err(Error::input(format!(
                "the last call ({} at {}) falls outside the CFP",
                date,
                s.time.format("%H:%M")
            ))
            .in_file(&config.path)
            .with_help("change schedule.last_call_days"));
        }
        slots.retain(|sl| sl.at.date_naive() < date);
        slots.push(Slot {
            at,
            kind: IssueKind::LastCall,
            cats: Vec::new(),
            rotation: false,
        });
    }
    add_reminders(config, &mut slots);
    if slots.is_empty() {
        return Err(Error::input(format!(
            "no {} at {} falls between cfp.opens and cfp.closes, so there is nothing to send",
            crate::config::weekday_name(s.weekday),
            s.time.format("%H:%M")
        ))
        .in_file(&config.path)
        .with_help("check [cfp] opens/closes and [schedule] weekday/time"));
    }
    Ok(slots)
}

/// Adds a slot per `[[schedule.reminder]]`, at the close minus its offset.
/// A reminder on a weekly slot's day takes that slot's place (and its
/// rotation categories); one on the last call's day is dropped (the last
/// call is the reminder of that day). The slots end sorted by time.
fn add_reminders(config: &Config, slots: &mut Vec<Slot>) {
    let tz = config.schedule.timezone.tz;
    let closes = config.cfp.closes_at();
    let mut reminders: Vec<DateTime<Tz>> = config
        .schedule
        .reminders
        .iter()
        .map(|r| (closes - r.before).with_timezone(&tz))
        .collect();
    reminders.sort();
    for at in reminders {
        let day = at.date_naive();
        let same_day = slots
            .iter_mut()
            .find(|sl| sl.at.date_naive() == day && sl.kind != IssueKind::Reminder);
        match same_day {
            Some(sl) if sl.kind == IssueKind::LastCall => {}
            Some(sl) => {
                sl.at = at;
                sl.kind = IssueKind::Reminder;
            }
            None => slots.push(Slot {
                at,
                kind: IssueKind::Reminder,
                cats: Vec::new(),
                rotation: false,
            }),
        }
    }
    slots.sort_by_key(|sl| sl.at);
}
