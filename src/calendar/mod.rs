//! `deadline.ics`: the CFP's close as one iCalendar event (RFC 5545),
//! written beside the feed by the publishing stage.
//!
//! The file is a function of the configuration and one number kept in the
//! state, so reruns write the same bytes:
//! - `UID` is derived from the CFP's name and the newsletter's host, so it
//!   stays when the deadline moves (an extension updates the same event).
//! - `SEQUENCE` is the number of times the close changed since the state
//!   first saw it: the state records the last close published with its
//!   sequence, and a different close bumps it (see
//!   `State::calendar_sequence`). It grows with every change, a move
//!   back to an earlier date included, which a number derived from the
//!   date alone could not do; it survives a deleted `public/` folder.
//! - `DTSTAMP` is the CFP's opening time in UTC: the event exists since
//!   then, and a stamp read from the clock would change every rerun.
//!   Calendar clients order revisions by `SEQUENCE` first.
//! - `DTSTART` is the close in the CFP's zone, with a `VTIMEZONE` made from
//!   the zone's rules around it (or in UTC for `UTC`); the event has no
//!   `DTEND` (a deadline is an instant). An alarm goes off a day before.

mod text;
mod zone;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::error::Result;
use crate::fsutil::{self, Written};
use crate::state::State;
use crate::topics::slugify;
use text::{escape, fold};

/// The calendar's file name, beside the feed.
pub const FILE_NAME: &str = "deadline.ics";

/// Where `deadline.ics` goes: beside the feed file.
pub fn path(config: &Config) -> PathBuf {
    config.feed.path.with_file_name(FILE_NAME)
}

/// The event's stable `UID`: `cfp-deadline-<cfp slug>@<host>` (the host of
/// `base_url`, else `newsletter.invalid`).
pub fn uid(config: &Config) -> String {
    let host = config
        .newsletter
        .base_url
        .as_deref()
        .and_then(|b| b.split_once("://").map(|(_, rest)| rest))
        .map(|rest| rest.split(['/', ':', '?', '#']).next().unwrap_or(""))
        .filter(|h| !h.is_empty())
        .unwrap_or("newsletter.invalid");
    format!("cfp-deadline-{}@{host}", slugify(&config.cfp.name))
}

/// The calendar file's bytes for `sequence`: CRLF line ends, lines folded
/// at 75 octets, text escaped.
pub fn ics(config: &Config, sequence: u32) -> String {
    let tz = config.cfp.timezone.tz;
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//newsletter//CFP deadline//EN".into(),
        "CALSCALE:GREGORIAN".into(),
    ];
    if tz.name() != "UTC" {
        lines.extend(zone::vtimezone(
            tz,
            config.cfp.closes_at().with_timezone(&Utc),
        ));
    }
    lines.extend(event(config, sequence));
    lines.push("END:VCALENDAR".into());
    lines.iter().map(|l| fold(l)).collect()
}

/// The `VEVENT` with its alarm, unfolded.
fn event(config: &Config, sequence: u32) -> Vec<String> {
    let cfp = &config.cfp;
    let closes = cfp.closes_at();
    let tz = cfp.timezone.tz;
    let start = if tz.name() == "UTC" {
        format!("DTSTART:{}", stamp(closes.with_timezone(&Utc)))
    } else {
        format!(
            "DTSTART;TZID={}:{}",
            tz.name(),
            closes.naive_local().format("%Y%m%dT%H%M%S")
        )
    };
    let closes_text = closes.format("%A, %B %-d, %Y at %H:%M %Z");
    let mut description = format!("The {} Call for Proposals closes {closes_text}.", cfp.name);
    if let Some(url) = &cfp.submit_url {
        description.push_str(&format!(" Submit your proposal: {url}"));
    }
    let mut lines = vec![
        "BEGIN:VEVENT".into(),
        format!("UID:{}", escape(&uid(config))),
        format!("SEQUENCE:{sequence}"),
        format!("DTSTAMP:{}", stamp(cfp.opens_at().with_timezone(&Utc))),
        start,
        format!("SUMMARY:{}", escape(&format!("{} CFP closes", cfp.name))),
        format!("DESCRIPTION:{}", escape(&description)),
    ];
    if let Some(url) = &cfp.submit_url {
        lines.push(format!("URL:{url}"));
    }
    let alarm = format!("The {} CFP closes in one day", cfp.name);
    lines.extend([
        "STATUS:CONFIRMED".into(),
        "TRANSP:TRANSPARENT".into(),
        "BEGIN:VALARM".into(),
        "ACTION:DISPLAY".into(),
        format!("DESCRIPTION:{}", escape(&alarm)),
        "TRIGGER:-P1D".into(),
        "END:VALARM".into(),
        "END:VEVENT".into(),
    ]);
    lines
}

/// Writes `deadline.ics` (atomically, only when its bytes change), with
/// the `SEQUENCE` the state gives the current close.
pub(crate) fn publish(config: &Config, state: &State) -> Result<Written> {
    let closes = config.cfp.closes_at().to_rfc3339();
    let sequence = state.calendar_sequence(&uid(config), &closes)?;
    write(&path(config), &ics(config, sequence))
}

/// Whether [`publish`] would change `deadline.ics`, found without writing
/// the file or the state (for `send --dry-run`).
pub(crate) fn would_change(config: &Config, state: Option<&State>) -> Result<bool> {
    let closes = config.cfp.closes_at().to_rfc3339();
    let sequence = match state {
        Some(s) => s.calendar_sequence_after(&uid(config), &closes)?,
        None => 0,
    };
    let bytes = ics(config, sequence);
    Ok(std::fs::read(path(config)).map_or(true, |old| old != bytes.as_bytes()))
}

fn write(path: &Path, ics: &str) -> Result<Written> {
    fsutil::write_if_changed(path, ics.as_bytes())
}

/// A UTC time in the iCalendar form `20240517T235900Z`.
fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests;
