//! The calendar event's revision: the close last written to
//! `deadline.ics` and its `SEQUENCE`.

use rusqlite::{OptionalExtension, params};

use super::State;
use crate::error::Result;

impl State {
    /// The `SEQUENCE` of event `uid` closing at `closes` (RFC 3339): 0 the
    /// first time, the same while the close stays, one more each time it
    /// changes (to any other value, an earlier one included).
    pub(crate) fn calendar_sequence(&self, uid: &str, closes: &str) -> Result<u32> {
        let err = self.err("record the calendar event in");
        self.conn
            .prepare_cached(
                "INSERT INTO calendar (uid, closes, sequence) VALUES (?1, ?2, 0)
                 ON CONFLICT (uid) DO UPDATE SET closes = excluded.closes,
                     sequence = sequence + 1
                 WHERE closes <> excluded.closes",
            )
            .and_then(|mut stmt| stmt.execute(params![uid, closes]))
            .map_err(&err)?;
        let sequence: Option<i64> = self
            .conn
            .prepare_cached("SELECT sequence FROM calendar WHERE uid = ?1")
            .and_then(|mut stmt| stmt.query_row([uid], |row| row.get(0)).optional())
            .map_err(&err)?;
        Ok(sequence.and_then(|s| u32::try_from(s).ok()).unwrap_or(0))
    }

    /// The `SEQUENCE` [`State::calendar_sequence`] would give, without
    /// recording anything (for a dry run).
    pub(crate) fn calendar_sequence_after(&self, uid: &str, closes: &str) -> Result<u32> {
        let last: Option<(String, i64)> = self
            .conn
            .prepare_cached("SELECT closes, sequence FROM calendar WHERE uid = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([uid], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
            })
            .map_err(self.err("read the calendar event from"))?;
        let next = match last {
            None => 0,
            Some((c, s)) if c == closes => s,
            Some((_, s)) => s + 1,
        };
        Ok(u32::try_from(next).unwrap_or(0))
    }
}
