//! The audience of a send: the subscriber list (CSV) plus the subscribers
//! who confirmed through `newsletter serve`, each address once. The CSV
//! comes first, in file order, then the confirmed subscribers not in it,
//! by address. Suppressions are subtracted by the caller
//! (the delivery loop) or by [`export`].

use std::collections::HashSet;

use crate::config::SubscribersSettings;
use crate::error::{Error, Result};
use crate::state::{ConfirmedSubscriber, State};
use crate::subscribers::{KeySet, Row, Subscriber, Subscribers};
use crate::token::Tokens;

/// The rows of the CSV, then the confirmed subscribers it does not list.
#[derive(Debug)]
pub struct Audience {
    csv: Subscribers,
    confirmed: Vec<ConfirmedSubscriber>,
    /// Keys of valid CSV rows seen so far.
    listed: HashSet<String>,
    next_confirmed: usize,
}

impl Audience {
    /// The CSV rows in `csv`, then `confirmed` minus those rows.
    pub fn new(csv: Subscribers, confirmed: Vec<ConfirmedSubscriber>) -> Audience {
        Audience {
            csv,
            confirmed,
            listed: HashSet::new(),
            next_confirmed: 0,
        }
    }

    /// Opens the list `settings` describe and reads the confirmed
    /// subscribers from `state` (none without a state).
    pub fn open(settings: &SubscribersSettings, state: Option<&State>) -> Result<Audience> {
        let csv = Subscribers::from_settings(settings)?;
        let confirmed = match state {
            Some(s) => s.confirmed_subscribers()?,
            None => Vec::new(),
        };
        Ok(Audience::new(csv, confirmed))
    }
}

impl Iterator for Audience {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        if let Some(row) = self.csv.next() {
            if let Row::Valid(s) = &row
                && !self.confirmed.is_empty()
            {
                self.listed.insert(s.key.clone());
            }
            return Some(row);
        }
        while let Some(c) = self.confirmed.get(self.next_confirmed) {
            self.next_confirmed += 1;
            if !self.listed.contains(&c.key) {
                return Some(Row::Valid(Subscriber {
                    line: 0,
                    email: c.email.clone(),
                    key: c.key.clone(),
                    name: c.name.clone(),
                    fields: Vec::new(),
                    needs_smtputf8: !c.email.is_ascii(),
                }));
            }
        }
        None
    }
}

/// Stores the token id of every address of the audience, so that the
/// server resolves the tokens of the emails about to go out. One
/// transaction; addresses already known cost a lookup each.
pub fn remember(state: &mut State, list: &SubscribersSettings, tokens: &Tokens) -> Result<()> {
    // Streamed into the transaction: a million rows are never in memory.
    let rows = Audience::open(list, Some(state))?.filter_map(|row| match row {
        Row::Valid(s) => Some((tokens.address_id(&s.key), s.key, s.email)),
        Row::Invalid(_) => None,
    });
    state.remember_addresses(rows)
}

/// The merged list minus suppressions as CSV (`email,name`).
pub fn export(list: &SubscribersSettings, state: Option<&State>) -> Result<String> {
    let suppressed: KeySet = match state {
        Some(s) => s.suppressed_keys()?,
        None => KeySet::default(),
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::failed("cannot write the list as CSV").with_source(e);
    out.write_record(["email", "name"]).map_err(fail)?;
    for row in Audience::open(list, state)? {
        if let Row::Valid(s) = row
            && !suppressed.contains(&s.key)
        {
            out.write_record([s.email.as_str(), s.name.as_deref().unwrap_or("")])
                .map_err(fail)?;
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|e| Error::failed("cannot write the list as CSV").with_source(e.into_error()))?;
    String::from_utf8(bytes).map_err(|e| Error::failed("the list is not UTF-8").with_source(e))
}

#[cfg(test)]
mod tests;
