//! The send days of a CFP, for the help of pin errors: which dates a pin
//! may name, and the one nearest to a date written.

use chrono::{NaiveDate, Weekday};

use super::{Cfp, weekday_name};

/// The help of a pin error: a send day inside the CFP, the one nearest
/// to the date written if there is one.
pub(super) fn pin_help(written: Option<NaiveDate>, cfp: &Cfp, weekday: Weekday) -> String {
    use chrono::Datelike;
    let (first, last) = (cfp.opens.date(), cfp.closes.date());
    let days_to = (7 + weekday.num_days_from_monday() - first.weekday().num_days_from_monday()) % 7;
    let first_send = first + chrono::Duration::days(i64::from(days_to));
    if first_send > last {
        return format!(
            "the CFP ({first} to {last}) has no {}: remove the pin, or change schedule.weekday",
            weekday_name(weekday)
        );
    }
    let last_send = first_send + chrono::Duration::weeks((last - first_send).num_days() / 7);
    let suggestion = match written {
        Some(w) if w <= first_send => first_send,
        Some(w) if w >= last_send => last_send,
        Some(w) => {
            // The send day nearest to w (the earlier of two as near).
            let before = first_send + chrono::Duration::weeks((w - first_send).num_days() / 7);
            let after = before + chrono::Duration::weeks(1);
            if (w - before) <= (after - w) {
                before
            } else {
                after
            }
        }
        None => first_send,
    };
    let near = match written {
        Some(w) if w != suggestion => format!(", the {} nearest to {w}", weekday_name(weekday)),
        _ => String::new(),
    };
    format!(
        "write a {} from {first_send} to {last_send} (the send days inside the CFP), such as date = {suggestion}{near}",
        weekday_name(weekday)
    )
}
