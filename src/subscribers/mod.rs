//! The subscriber list: a CSV file read as a stream, with every row checked.
//!
//! The file has a header row with an `email` column (required), an optional
//! `name` column and any other columns, which templates see as
//! `subscriber.fields.<column>`. Header names are trimmed and matched
//! case-insensitively. A UTF-8 byte-order mark before the header is accepted.
//!
//! [`Subscribers`] is an iterator over the rows: each is either a valid
//! [`Subscriber`] or an [`InvalidRow`] saying what is wrong, and an invalid
//! row never stops the stream. Only one row is held at a time; to find
//! duplicate addresses the reader keeps a 96-bit hash of each address seen
//! (plus the line it was on) in 16 bytes, not the addresses themselves, so a
//! list of a million subscribers is read in well under 64 MiB.
//!
//! Addresses are normalized by [`normalize_address`]: the domain is turned
//! into ASCII (punycode for internationalized names) and lowercased, the local
//! part is kept as written, and the whole address lowercased is the key used
//! for de-duplication and suppression.
//!
//! One file per concept: `address` (checking and normalizing an address),
//! `keys` (sets of address keys held as hashes), `reader` (the `Read`
//! adapters under the CSV parser: byte-order mark, line tracking), `list`
//! (the stream of rows), `delimiter` (recognizing another delimiter than
//! the configured one) and `scan` (the whole list read for `check`).

mod address;
mod delimiter;
mod keys;
mod list;
mod reader;
mod scan;

pub use address::{Address, normalize_address};
pub use keys::KeySet;
pub use list::{InvalidRow, Problem, Row, Subscriber, Subscribers};
pub use scan::Scan;
