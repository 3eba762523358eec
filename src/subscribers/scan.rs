//! The whole list read once, for `check`: counts, warnings, a summary.

use std::path::PathBuf;

use super::list::plural;
use super::{InvalidRow, Problem, Row, Subscribers};
use crate::config::SubscribersSettings;
use crate::error::Result;

/// The whole list read once, for `check`: counts and invalid rows.
#[derive(Debug)]
pub struct Scan {
    /// The file, as given.
    pub path: PathBuf,
    /// Valid subscribers.
    pub valid: u64,
    /// The invalid rows, in file order.
    pub invalid: Vec<InvalidRow>,
    /// Columns of the header.
    pub columns: usize,
}

impl Scan {
    /// Reads the list `settings` describe.
    pub fn read(settings: &SubscribersSettings) -> Result<Scan> {
        let list = Subscribers::from_settings(settings)?;
        let columns = list.columns().len();
        let mut valid = 0u64;
        let mut invalid = Vec::new();
        for row in list {
            match row {
                Row::Valid(_) => valid += 1,
                Row::Invalid(row) => invalid.push(row),
            }
        }
        Ok(Scan {
            path: settings.path.clone(),
            valid,
            invalid,
            columns,
        })
    }

    /// Rows with more or fewer fields than the header has columns.
    pub fn wrong_field_count(&self) -> usize {
        self.invalid
            .iter()
            .filter(|r| r.problem == Problem::FieldCount)
            .count()
    }

    /// One warning per invalid row (`path:line: reason`), then, if rows
    /// had the wrong number of fields, one that counts them and says how
    /// to fix them.
    pub fn warnings(&self) -> Vec<String> {
        let path = self.path.display();
        let mut out: Vec<String> = self
            .invalid
            .iter()
            .map(|row| format!("{path}:{}: {}", row.line, row.reason))
            .collect();
        let n = self.wrong_field_count();
        if n > 0 {
            out.push(format!(
                "{path}: {n} row{} had a number of fields other than the header's {} column{} and {} skipped; \
                 put a value that holds the delimiter in double quotes (\"Washington, D.C.\") and give every row \
                 one value per column, even an empty one",
                plural(n),
                self.columns,
                plural(self.columns),
                if n == 1 { "was" } else { "were" },
            ));
        }
        out
    }
}
