//! The recipients of a run: the subscriber stream without its invalid
//! rows, suppressed addresses and addresses already done with.

use crate::subscribers::{KeySet, Row, Subscriber};

use super::Summary;

/// Filters the subscriber stream: invalid rows, suppressed and done
/// addresses are counted and skipped.
pub struct Recipients<I> {
    rows: I,
    skip_done: KeySet,
    suppressed: KeySet,
    /// Counts of what was skipped.
    pub summary: Summary,
}

impl<I: Iterator<Item = Row>> Recipients<I> {
    /// Wraps a row stream.
    pub fn new(rows: I, skip_done: KeySet, suppressed: KeySet) -> Self {
        Recipients {
            rows,
            skip_done,
            suppressed,
            summary: Summary::default(),
        }
    }
}

impl<I: Iterator<Item = Row>> Iterator for Recipients<I> {
    type Item = Subscriber;
    fn next(&mut self) -> Option<Subscriber> {
        loop {
            match self.rows.next()? {
                Row::Invalid(bad) => self.summary.invalid.push(bad),
                Row::Valid(s) if self.suppressed.contains(&s.key) => self.summary.suppressed += 1,
                Row::Valid(s) if self.skip_done.contains(&s.key) => self.summary.already_done += 1,
                Row::Valid(s) => return Some(s),
            }
        }
    }
}
