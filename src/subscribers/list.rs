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

use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use csv::{ByteRecord, ReaderBuilder};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// What [`Subscribers::open`] says it cannot do when the file is missing,
/// a folder or unreadable.
const READ_ACTION: &str = "read the subscriber list";

/// Longest local part (before the `@`), in bytes (RFC 5321).
const MAX_LOCAL_LEN: usize = 64;
/// Longest domain, in ASCII characters (RFC 1035).
const MAX_DOMAIN_LEN: usize = 253;
/// Longest domain label, in ASCII characters (RFC 1035).
const MAX_LABEL_LEN: usize = 63;

/// A valid row of the subscriber list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// The 1-based line of the file where the row starts.
    pub line: u64,
    /// The normalized address: the local part as written, `@`, the domain in
    /// lowercase ASCII (punycode for internationalized domains).
    pub email: String,
    /// `email` in lowercase: the key for de-duplication and suppression.
    pub key: String,
    /// The `name` column, trimmed; `None` when empty or there is no such column.
    pub name: Option<String>,
    /// The other columns, in the order of the header: (column name as written
    /// in the header, trimmed; the value exactly as in the file).
    pub fields: Vec<(String, String)>,
    /// The local part has non-ASCII characters, so the mail server must
    /// support SMTPUTF8 to deliver to this address.
    pub needs_smtputf8: bool,
}

/// A row that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRow {
    /// The 1-based line of the file where the row starts.
    pub line: u64,
    /// What is wrong, for the user.
    pub reason: String,
}

/// One row of the subscriber list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A subscriber to send to.
    Valid(Subscriber),
    /// A row that is skipped, with the reason.
    Invalid(InvalidRow),
}

/// A normalized email address (see [`normalize_address`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `local@domain`: the local part as written, the domain in lowercase
    /// ASCII (punycode for internationalized domains).
    pub email: String,
    /// `email` in lowercase: the key for de-duplication and suppression.
    pub key: String,
    /// The local part has non-ASCII characters (delivery needs SMTPUTF8).
    pub needs_smtputf8: bool,
}

/// Checks and normalizes one email address; the error is the reason it is
/// not accepted, worded for the user (it does not repeat the address).
///
/// Surrounding whitespace is trimmed and the address is split at the last
/// `@`. The local part must be a dot-atom (RFC 5322 `atext` and single dots
/// between them) of at most 64 bytes; non-ASCII characters are allowed and
/// set [`Address::needs_smtputf8`]. Quoted local parts, display-name forms
/// (`Ann <ann@example.com>`) and address literals (`ann@[192.0.2.1]`) are
/// rejected. The domain is converted to ASCII (IDNA), lowercased, and must be
/// a dotted name of valid labels. The result is also checked to parse as a
/// [`lettre::Address`], so sending to it cannot fail on its syntax.
pub fn normalize_address(input: &str) -> Result<Address, String> {
    let address = input.trim();
    if address.is_empty() {
        return Err("the email address is empty".to_string());
    }
    if address.contains(['<', '>']) {
        let bare = address
            .split_once('<')
            .and_then(|(_, rest)| rest.split_once('>'))
            .map(|(inner, _)| inner.trim())
            .filter(|inner| !inner.is_empty());
        return Err(match bare {
            Some(bare) => format!(
                "display-name forms like `Ann <ann@example.com>` are not accepted; \
                 write only the address (`{bare}`) and put the name in the `name` column"
            ),
            None => "the characters `<` and `>` are not allowed in an address".to_string(),
        });
    }
    if address.contains(' ') {
        return Err("it contains a space".to_string());
    }
    if let Some(c) = address
        .chars()
        .find(|&c| c.is_whitespace() || c.is_control() || is_invisible(c))
    {
        return Err(format!(
            "it contains an invisible or control character ({})",
            codepoint(c)
        ));
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err("it has no `@`".to_string());
    };
    if local.is_empty() {
        return Err("there is nothing before the `@`".to_string());
    }
    if domain.is_empty() {
        return Err("there is no domain after the `@`".to_string());
    }
    let needs_smtputf8 = check_local(local)?;
    let domain = normalize_domain(domain)?;
    let email = format!("{local}@{domain}");
    if let Err(e) = email.parse::<lettre::Address>() {
        return Err(format!("the mail library does not accept it: {e}"));
    }
    let key = email.to_lowercase();
    Ok(Address {
        email,
        key,
        needs_smtputf8,
    })
}

/// Checks the local part; returns whether it has non-ASCII characters.
fn check_local(local: &str) -> Result<bool, String> {
    if local.starts_with('"') {
        return Err(
            "quoted local parts (`\"...\"@example.com`) are not supported; \
             use an address without quotes"
                .to_string(),
        );
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(format!(
            "the part before the `@` is {} bytes long; at most {MAX_LOCAL_LEN} are allowed",
            local.len()
        ));
    }
    if local.starts_with('.') || local.ends_with('.') {
        return Err("the part before the `@` may not start or end with a dot".to_string());
    }
    if local.contains("..") {
        return Err("the part before the `@` has two dots in a row".to_string());
    }
    let mut non_ascii = false;
    for c in local.chars() {
        if c.is_ascii() {
            if !(is_atext(c) || c == '.') {
                return Err(format!("the character `{c}` is not allowed before the `@`"));
            }
        } else {
            non_ascii = true;
        }
    }
    Ok(non_ascii)
}

/// RFC 5322 `atext`, ASCII part.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// Converts the domain to lowercase ASCII and checks it is a host name.
fn normalize_domain(domain: &str) -> Result<String, String> {
    if domain.starts_with('[') {
        return Err(
            "address literals like `ann@[192.0.2.1]` are not supported; use a domain name"
                .to_string(),
        );
    }
    let ascii = idna::domain_to_ascii(domain)
        .map_err(|_| format!("the domain `{domain}` is not a valid domain name"))?;
    if ascii.is_empty() {
        return Err(format!("the domain `{domain}` is not a valid domain name"));
    }
    if ascii.len() > MAX_DOMAIN_LEN {
        return Err(format!(
            "the domain is {} characters long; at most {MAX_DOMAIN_LEN} are allowed",
            ascii.len()
        ));
    }
    if !ascii.contains('.') {
        return Err(format!(
            "the domain `{domain}` has no dot; write a full domain such as `example.com`"
        ));
    }
    let mut last = "";
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(format!(
                "the domain `{domain}` has an empty part (a dot at the start or end, or two in a row)"
            ));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(format!(
                "the domain part `{label}` is {} characters long; at most {MAX_LABEL_LEN} are allowed",
                label.len()
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(format!(
                "the character `{c}` is not allowed in the domain (only letters, digits, hyphens and dots)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "the domain part `{label}` may not start or end with a hyphen"
            ));
        }
        last = label;
    }
    if last.chars().all(|c| c.is_ascii_digit()) {
        return Err(
            "the domain ends in a number; IP addresses are not accepted, use a domain name"
                .to_string(),
        );
    }
    Ok(ascii)
}

/// Characters that show as nothing (zero-width, bidirectional controls and
/// the like); an address containing one is not what it looks like.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
    )
}

/// `U+000A`.
fn codepoint(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// A character that must not appear in any field: it could end a mail
/// header early (header injection) or is otherwise a control character.
fn is_forbidden_in_field(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// An entry of the de-duplication set: the top 96 bits are a hash of the
/// address key, the low 32 bits the line of the row it was first seen on.
/// Hashing and equality look at the hash bits only, so a lookup with any
/// line finds the stored entry and with it the first line.
#[derive(Debug, Clone, Copy)]
struct Seen(u128);

/// The line stored for rows past line `u32::MAX` (reported as "an earlier row").
const LINE_UNKNOWN: u32 = u32::MAX;

/// A 96-bit hash of an address key (the first 12 bytes of its SHA-256):
/// with a million addresses the chance of any two colliding is about one
/// in 10^17.
fn key_hash(key: &str) -> u128 {
    Sha256::digest(key.as_bytes())
        .iter()
        .take(12)
        .fold(0u128, |acc, &b| (acc << 8) | u128::from(b))
}

/// A set of address keys held as 96-bit hashes: 16 bytes a key instead of
/// a `String` (about 60 bytes), so the keys a send skips (already done,
/// unsuppressed) cost little even at a million subscribers.
#[derive(Debug, Default, Clone)]
pub struct KeySet(HashSet<u128>);

impl KeySet {
    /// Adds a normalized address key.
    pub fn insert(&mut self, key: &str) {
        self.0.insert(key_hash(key));
    }

    /// Whether the normalized address key is in the set.
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains(&key_hash(key))
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds no key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<S: AsRef<str>> FromIterator<S> for KeySet {
    fn from_iter<T: IntoIterator<Item = S>>(iter: T) -> Self {
        let mut set = KeySet::default();
        for key in iter {
            set.insert(key.as_ref());
        }
        set
    }
}

impl Seen {
    fn new(key: &str, line: u64) -> Seen {
        let line = u32::try_from(line).unwrap_or(LINE_UNKNOWN);
        Seen((key_hash(key) << 32) | u128::from(line))
    }

    fn hash_bits(self) -> u128 {
        self.0 >> 32
    }

    fn line(self) -> u32 {
        // The low 32 bits, by construction.
        (self.0 & u128::from(u32::MAX)) as u32
    }
}

/// The de-duplication set, split into 256 sets by the hash's first byte.
/// A hash set doubles its table as it grows, and while it does both tables
/// exist: one big set would briefly need half as much again as it holds
/// (about 18 MB at a million rows); 256 small ones double one at a time.
#[derive(Debug)]
struct SeenSet(Vec<HashSet<Seen>>);

impl Default for SeenSet {
    fn default() -> Self {
        SeenSet((0..256).map(|_| HashSet::new()).collect())
    }
}

impl SeenSet {
    fn shard(&self, e: &Seen) -> usize {
        // The top 8 of the 96 hash bits (bits 120..128 of the entry).
        (e.0 >> 120) as usize & 0xff
    }

    fn get(&self, e: &Seen) -> Option<&Seen> {
        self.0.get(self.shard(e)).and_then(|s| s.get(e))
    }

    fn insert(&mut self, e: Seen) {
        let i = self.shard(&e);
        if let Some(s) = self.0.get_mut(i) {
            s.insert(e);
        }
    }

    fn len(&self) -> usize {
        self.0.iter().map(HashSet::len).sum()
    }
}

impl PartialEq for Seen {
    fn eq(&self, other: &Seen) -> bool {
        self.hash_bits() == other.hash_bits()
    }
}

impl Eq for Seen {}

impl Hash for Seen {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.hash_bits().hash(state);
    }
}

/// Drops a UTF-8 byte-order mark at the start of the stream (the `csv` crate
/// would keep it as part of the first column name).
struct SkipBom<R> {
    inner: R,
    /// Bytes read while looking for the mark that turned out not to be one.
    pending: [u8; 3],
    pending_len: usize,
    pending_pos: usize,
    checked: bool,
}

impl<R: Read> SkipBom<R> {
    fn new(inner: R) -> Self {
        SkipBom {
            inner,
            pending: [0; 3],
            pending_len: 0,
            pending_pos: 0,
            checked: false,
        }
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            while self.pending_len < 3 {
                let Some(rest) = self.pending.get_mut(self.pending_len..) else {
                    break;
                };
                match self.inner.read(rest) {
                    Ok(0) => break,
                    Ok(n) => self.pending_len += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.checked = true;
            if self.pending_len == 3 && self.pending == [0xEF, 0xBB, 0xBF] {
                self.pending_len = 0;
            }
        }
        if self.pending_pos < self.pending_len {
            let pending = self
                .pending
                .get(self.pending_pos..self.pending_len)
                .unwrap_or(&[]);
            let n = pending.len().min(buf.len());
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), pending.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.pending_pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// Counts physical lines in the bytes the CSV parser reads, and remembers
/// where each line's first non-empty content starts, so that a record's
/// position (which the `csv` crate gives as the end of the previous record,
/// before the `\n` of a `\r\n` and before any blank lines) can be turned
/// into the line the record really starts on. A line ends at `\n`, `\r\n`
/// or a lone `\r`.
///
/// Only the starts inside the parser's read-ahead buffer and the current
/// record are kept: [`LineTracker::line_at`] drops the ones before it.
struct LineTracker<R> {
    inner: R,
    /// Offset of the next byte to be read.
    offset: u64,
    /// 1-based line of the next byte, not counting a pending `\r`.
    line: u64,
    /// The last byte was `\r`; whether it ends a line depends on the next.
    pending_cr: bool,
    /// The last byte was a line break (or nothing has been read yet).
    at_line_start: bool,
    /// (offset, line) of every content byte that follows a line break.
    starts: VecDeque<(u64, u64)>,
}

impl<R: Read> LineTracker<R> {
    fn new(inner: R) -> Self {
        LineTracker {
            inner,
            offset: 0,
            line: 1,
            pending_cr: false,
            at_line_start: true,
            starts: VecDeque::new(),
        }
    }

    /// The line of the first content byte at or after `offset` (the start of
    /// a record); forgets the starts before `offset`. If that byte has not
    /// been read yet, the line the next byte will be on.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.starts.front().is_some_and(|&(at, _)| at < offset) {
            self.starts.pop_front();
        }
        match self.starts.front() {
            Some(&(_, line)) => line,
            None => self.line + u64::from(self.pending_cr),
        }
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in buf.get(..n).unwrap_or(&[]) {
            if self.pending_cr {
                self.pending_cr = false;
                if b != b'\n' {
                    self.line += 1;
                }
            }
            match b {
                b'\n' => {
                    self.line += 1;
                    self.at_line_start = true;
                }
                b'\r' => {
                    self.pending_cr = true;
                    self.at_line_start = true;
                }
                _ if self.at_line_start => {
                    self.starts.push_back((self.offset, self.line));
                    self.at_line_start = false;
                }
                _ => {}
            }
            self.offset += 1;
        }
        Ok(n)
    }
}

/// The subscriber list, read row by row. Iterate to get the rows.
pub struct Subscribers {
    reader: csv::Reader<LineTracker<SkipBom<Box<dyn Read + Send>>>>,
    origin: PathBuf,
    columns: Vec<String>,
    email_col: usize,
    name_col: Option<usize>,
    /// The reused buffer for the current row.
    record: ByteRecord,
    seen: SeenSet,
    done: bool,
}

impl std::fmt::Debug for Subscribers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscribers")
            .field("origin", &self.origin)
            .field("columns", &self.columns)
            .field("seen", &self.seen.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Subscribers {
    /// Opens the file and reads the header.
    ///
    /// Errors (bad input, exit code 2; the message names the file): the file
    /// is missing or a folder, it is empty ("has no header row"), the header
    /// has no `email` column, is not UTF-8, or names a column twice.
    pub fn open(path: &Path) -> Result<Subscribers> {
        let file = File::open(path).map_err(|e| open_error(path, e))?;
        let meta = file.metadata().map_err(|e| open_error(path, e))?;
        if meta.is_dir() {
            return Err(open_error(
                path,
                io::Error::from(io::ErrorKind::IsADirectory),
            ));
        }
        Subscribers::from_reader(Box::new(file), path)
    }

    /// Like [`Subscribers::open`], reading from any reader; `origin` names
    /// the source in messages.
    pub fn from_reader(reader: Box<dyn Read + Send>, origin: &Path) -> Result<Subscribers> {
        let mut reader = ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(LineTracker::new(SkipBom::new(reader)));
        let header = reader
            .byte_headers()
            .map_err(|e| csv_error(e, origin))?
            .clone();
        let start = header.position().map_or(0, |p| p.byte());
        let line = reader.get_mut().line_at(start);
        let at = format!("{}:{line}", origin.display());
        if header.is_empty() {
            return Err(Error::input(format!(
                "{}: the subscriber list has no header row; the first line must name the columns, such as `email,name`",
                origin.display()
            )));
        }
        let mut columns = Vec::with_capacity(header.len());
        for (i, raw) in header.iter().enumerate() {
            let Ok(name) = std::str::from_utf8(raw) else {
                return Err(Error::input(format!(
                    "{at}: column {} of the header is not valid UTF-8; save the file as UTF-8",
                    i + 1
                )));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(Error::input(format!(
                    "{at}: column {} of the header has no name; name it or delete the column",
                    i + 1
                )));
            }
            if let Some(first) = columns
                .iter()
                .position(|c: &String| c.to_lowercase() == name.to_lowercase())
            {
                return Err(Error::input(format!(
                    "{at}: the header names the column `{name}` twice (columns {} and {}); \
                     column names must be unique, ignoring case",
                    first + 1,
                    i + 1
                )));
            }
            columns.push(name.to_string());
        }
        let find = |wanted: &str| columns.iter().position(|c| c.eq_ignore_ascii_case(wanted));
        let Some(email_col) = find("email") else {
            let found = columns
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let hint = if columns.iter().any(|c| c.contains('@')) {
                "; the first line looks like a subscriber, not a header: add a header line such as `email,name` above it"
            } else {
                "; add an `email` column with the addresses"
            };
            return Err(Error::input(format!(
                "{at}: the header has no `email` column (found: {found}){hint}"
            )));
        };
        let name_col = find("name");
        Ok(Subscribers {
            reader,
            origin: origin.to_path_buf(),
            columns,
            email_col,
            name_col,
            record: ByteRecord::new(),
            seen: SeenSet::default(),
            done: false,
        })
    }

    /// The column names of the header, trimmed, in file order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The line where the record in `self.record` (just read, or being read
    /// when an error happened) starts.
    fn record_line(&mut self) -> u64 {
        let start = self.record.position().map_or(0, |p| p.byte());
        self.reader.get_mut().line_at(start)
    }

    /// Checks the row in `self.record`, which starts on `line`.
    fn check_row(&mut self, line: u64) -> Row {
        let invalid = |reason: String| Row::Invalid(InvalidRow { line, reason });
        let record = &self.record;
        if record.len() != self.columns.len() {
            return invalid(format!(
                "the row has {} field{} but the header has {} column{}",
                record.len(),
                plural(record.len()),
                self.columns.len(),
                plural(self.columns.len())
            ));
        }
        let mut email = "";
        let mut name = None;
        let mut fields = Vec::with_capacity(self.columns.len().saturating_sub(1));
        for (i, (raw, column)) in record.iter().zip(&self.columns).enumerate() {
            let Ok(value) = std::str::from_utf8(raw) else {
                return invalid(format!(
                    "column `{column}` is not valid UTF-8; save the file as UTF-8"
                ));
            };
            if let Some(c) = value.chars().find(|&c| is_forbidden_in_field(c)) {
                return invalid(if c == '\r' || c == '\n' {
                    format!(
                        "column `{column}` contains a line break, which is not allowed \
                         (it could inject mail headers); remove it"
                    )
                } else {
                    format!(
                        "column `{column}` contains a control character ({}); remove it",
                        codepoint(c)
                    )
                });
            }
            if i == self.email_col {
                email = value;
            } else if Some(i) == self.name_col {
                let value = value.trim();
                name = (!value.is_empty()).then(|| value.to_string());
            } else {
                fields.push((column.clone(), value.to_string()));
            }
        }
        let address = match normalize_address(email) {
            Ok(address) => address,
            Err(reason) if email.trim().is_empty() => return invalid(reason),
            Err(reason) => {
                return invalid(format!(
                    "invalid email address `{}`: {reason}",
                    email.trim()
                ));
            }
        };
        let entry = Seen::new(&address.key, line);
        if let Some(first) = self.seen.get(&entry) {
            let first = match first.line() {
                LINE_UNKNOWN => "an earlier row".to_string(),
                n => format!("line {n}"),
            };
            return invalid(format!("duplicate of {first} (`{}`)", address.email));
        }
        self.seen.insert(entry);
        Row::Valid(Subscriber {
            line,
            email: address.email,
            key: address.key,
            name,
            fields,
            needs_smtputf8: address.needs_smtputf8,
        })
    }
}

impl Iterator for Subscribers {
    type Item = Row;

    /// The next row. A read error ends the stream with an invalid row that
    /// says what happened and where.
    fn next(&mut self) -> Option<Row> {
        if self.done {
            return None;
        }
        match self.reader.read_byte_record(&mut self.record) {
            Ok(true) => {
                let line = self.record_line();
                Some(self.check_row(line))
            }
            Ok(false) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                let line = self.record_line();
                Some(Row::Invalid(InvalidRow {
                    line,
                    reason: format!(
                        "reading {} stopped at line {line}: {}; the rows after it were not read",
                        self.origin.display(),
                        describe_csv_error(&e)
                    ),
                }))
            }
        }
    }
}

/// Reads the whole list at `path`: the number of valid subscribers and the
/// invalid rows, for `check`.
pub fn scan(path: &Path) -> Result<(u64, Vec<InvalidRow>)> {
    let mut valid = 0u64;
    let mut invalid = Vec::new();
    for row in Subscribers::open(path)? {
        match row {
            Row::Valid(_) => valid += 1,
            Row::Invalid(row) => invalid.push(row),
        }
    }
    Ok((valid, invalid))
}

/// Why the list at `path` cannot be opened; a missing file or a folder
/// gets a hint about where the path comes from.
fn open_error(path: &Path, err: io::Error) -> Error {
    let hint = matches!(
        err.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::IsADirectory
    );
    let e = Error::io(READ_ACTION, path, err);
    if hint {
        Error::input(format!(
            "{}\nhelp: `path` under [subscribers] in config.toml names the list, a CSV file with an `email` column; create it or correct the path",
            e.message()
        ))
    } else {
        e
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A csv error while reading the header, as an [`Error`] naming `origin`.
fn csv_error(err: csv::Error, origin: &Path) -> Error {
    if err.is_io_error() {
        match err.into_kind() {
            csv::ErrorKind::Io(e) => Error::io(READ_ACTION, origin, e),
            other => Error::failed(format!(
                "cannot {READ_ACTION} {}: {other:?}",
                origin.display()
            )),
        }
    } else {
        Error::input(format!(
            "{}: {}",
            origin.display(),
            describe_csv_error(&err)
        ))
    }
}

/// The cause of a csv error, without the position (the caller gives it).
fn describe_csv_error(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Io(e) => e.to_string(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader over these bytes, named `list.csv` in messages.
    fn read(bytes: &[u8]) -> Result<Subscribers> {
        Subscribers::from_reader(
            Box::new(io::Cursor::new(bytes.to_vec())),
            Path::new("list.csv"),
        )
    }

    fn rows(bytes: &[u8]) -> Vec<Row> {
        read(bytes).unwrap().collect()
    }

    fn valid(row: &Row) -> &Subscriber {
        match row {
            Row::Valid(s) => s,
            Row::Invalid(r) => panic!("expected a valid row, got {r:?}"),
        }
    }

    fn invalid(line: u64, reason: &str) -> Row {
        Row::Invalid(InvalidRow {
            line,
            reason: reason.to_string(),
        })
    }

    fn err_message(result: Result<Subscribers>) -> (String, u8) {
        let err = result.unwrap_err();
        (err.message().to_string(), err.exit_code())
    }

    #[test]
    fn example_file_has_ten_subscribers_and_two_invalid_rows() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/subscribers.csv");
        let (count, invalid_rows) = scan(&path).unwrap();
        assert_eq!(count, 10);
        assert_eq!(
            invalid_rows,
            vec![
                InvalidRow {
                    line: 8,
                    reason: "invalid email address `not-an-address`: it has no `@`".to_string()
                },
                InvalidRow {
                    line: 10,
                    reason: "duplicate of line 3 (`BOB@example.org`)".to_string()
                },
            ]
        );

        let list = Subscribers::open(&path).unwrap();
        assert_eq!(list.columns(), ["name", "email", "city"]);
        let all: Vec<Row> = list.collect();
        assert_eq!(all.len(), 12);
        let zoe = valid(&all[2]);
        assert_eq!(zoe.line, 4);
        assert_eq!(zoe.name.as_deref(), Some("Zoë Ångström"));
        assert_eq!(zoe.fields, [("city".to_string(), "Uppsala".to_string())]);
        let ana = valid(&all[3]);
        assert_eq!(ana.email, "ana@xn--bcher-kva.example");
        let grace = valid(&all[5]);
        assert_eq!(grace.email, "grace+cfp@example.org");
        assert_eq!(
            grace.fields,
            [("city".to_string(), "Washington, D.C.".to_string())]
        );
        let devrel = valid(&all[7]);
        assert_eq!((devrel.line, devrel.name.as_ref()), (9, None));
    }

    #[test]
    fn idn_domains_become_punycode() {
        let a = normalize_address("ana@bücher.example").unwrap();
        assert_eq!(
            a,
            Address {
                email: "ana@xn--bcher-kva.example".to_string(),
                key: "ana@xn--bcher-kva.example".to_string(),
                needs_smtputf8: false,
            }
        );
        // Upper case in an IDN is folded too; the result is a lettre address.
        let b = normalize_address("  Ana@BÜCHER.Example ").unwrap();
        assert_eq!(b.email, "Ana@xn--bcher-kva.example");
        assert_eq!(b.key, "ana@xn--bcher-kva.example");
        assert!(b.email.parse::<lettre::Address>().is_ok());
        // Already-punycode input is accepted as is.
        assert_eq!(
            normalize_address("ana@xn--bcher-kva.example")
                .unwrap()
                .email,
            "ana@xn--bcher-kva.example"
        );
    }

    #[test]
    fn normalization_keeps_the_local_part_and_lowercases_the_domain() {
        let a = normalize_address("Ann.Lee+cfp@Example.COM").unwrap();
        assert_eq!(a.email, "Ann.Lee+cfp@example.com");
        assert_eq!(a.key, "ann.lee+cfp@example.com");
        assert!(!a.needs_smtputf8);
        for ok in [
            "a@b.co",
            "o'brien@example.ie",
            "x!#$%&'*+-/=?^_`{|}~@example.com",
            "a.b.c@sub-domain.example.org",
            "user@123.example",
        ] {
            assert!(normalize_address(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn non_ascii_local_parts_are_flagged_for_smtputf8() {
        let a = normalize_address("Zoë@Example.net").unwrap();
        assert_eq!(a.email, "Zoë@example.net");
        assert_eq!(a.key, "zoë@example.net");
        assert!(a.needs_smtputf8);
        let b = normalize_address("用户@例子.example").unwrap();
        assert_eq!(b.email, "用户@xn--fsqu00a.example");
        assert!(b.needs_smtputf8);
    }

    #[test]
    fn bad_addresses_are_rejected_with_a_reason() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "b".repeat(64));
        let long_domain = format!("a@{}.com", vec!["c".repeat(60); 5].join("."));
        let cases: Vec<(&str, String)> = vec![
            ("", "the email address is empty".into()),
            ("   ", "the email address is empty".into()),
            ("not-an-address", "it has no `@`".into()),
            ("@example.com", "there is nothing before the `@`".into()),
            ("ann@", "there is no domain after the `@`".into()),
            (
                "Ann <ann@example.com>",
                "display-name forms like `Ann <ann@example.com>` are not accepted; write only \
                 the address (`ann@example.com`) and put the name in the `name` column"
                    .into(),
            ),
            (
                "<>",
                "the characters `<` and `>` are not allowed in an address".into(),
            ),
            ("ann lee@example.com", "it contains a space".into()),
            (
                "ann\t@example.com",
                "it contains an invisible or control character (U+0009)".into(),
            ),
            (
                "ann\u{200B}@example.com",
                "it contains an invisible or control character (U+200B)".into(),
            ),
            ("\"ann lee\"@example.com", "it contains a space".into()),
            (
                "\"ann\"@example.com",
                "quoted local parts (`\"...\"@example.com`) are not supported; use an address \
                 without quotes"
                    .into(),
            ),
            (
                &long_local,
                "the part before the `@` is 65 bytes long; at most 64 are allowed".into(),
            ),
            (
                ".ann@example.com",
                "the part before the `@` may not start or end with a dot".into(),
            ),
            (
                "ann.@example.com",
                "the part before the `@` may not start or end with a dot".into(),
            ),
            (
                "ann..lee@example.com",
                "the part before the `@` has two dots in a row".into(),
            ),
            (
                "ann@lee@example.com",
                "the character `@` is not allowed before the `@`".into(),
            ),
            (
                "ann(x)@example.com",
                "the character `(` is not allowed before the `@`".into(),
            ),
            (
                "ann@[192.0.2.1]",
                "address literals like `ann@[192.0.2.1]` are not supported; use a domain name"
                    .into(),
            ),
            (
                "ann@192.0.2.1",
                "the domain ends in a number; IP addresses are not accepted, use a domain name"
                    .into(),
            ),
            (
                "ann@localhost",
                "the domain `localhost` has no dot; write a full domain such as `example.com`"
                    .into(),
            ),
            (
                "ann@example..com",
                "the domain `example..com` has an empty part (a dot at the start or end, or two \
                 in a row)"
                    .into(),
            ),
            (
                "ann@example.com.",
                "the domain `example.com.` has an empty part (a dot at the start or end, or two \
                 in a row)"
                    .into(),
            ),
            (
                "ann@exa_mple.com",
                "the character `_` is not allowed in the domain (only letters, digits, hyphens \
                 and dots)"
                    .into(),
            ),
            (
                "ann@-example.com",
                "the domain part `-example` may not start or end with a hyphen".into(),
            ),
            (
                "ann@xn--a.com",
                "the domain `xn--a.com` is not a valid domain name".into(),
            ),
            (
                &long_label,
                format!(
                    "the domain part `{}` is 64 characters long; at most 63 are allowed",
                    "b".repeat(64)
                ),
            ),
            (
                &long_domain,
                "the domain is 308 characters long; at most 253 are allowed".into(),
            ),
        ];
        for (input, reason) in cases {
            assert_eq!(normalize_address(input), Err(reason), "input: {input:?}");
        }
    }

    #[test]
    fn duplicates_are_case_insensitive_and_name_the_first_line() {
        let all = rows(
            b"email,name\n\
              ann@example.com,Ann\n\
              bob@example.com,Bob\n\
              ANN@EXAMPLE.COM,Ann again\n\
              Bob@Example.Com,Bob again\n\
              ana@b\xc3\xbccher.example,Ana\n\
              ANA@xn--bcher-kva.EXAMPLE,Ana again\n",
        );
        assert_eq!(all.len(), 6);
        assert_eq!(valid(&all[0]).line, 2);
        assert_eq!(valid(&all[1]).line, 3);
        assert_eq!(
            all[2],
            invalid(4, "duplicate of line 2 (`ANN@example.com`)")
        );
        assert_eq!(
            all[3],
            invalid(5, "duplicate of line 3 (`Bob@example.com`)")
        );
        assert_eq!(valid(&all[4]).email, "ana@xn--bcher-kva.example");
        assert_eq!(
            all[5],
            invalid(7, "duplicate of line 6 (`ANA@xn--bcher-kva.example`)")
        );
    }

    #[test]
    fn an_invalid_row_does_not_claim_its_address() {
        // The first row is invalid (a control character), so the second,
        // with the same address, is the first valid one.
        let all = rows(b"email,name\nann@example.com,\"A\x07\"\nann@example.com,Ann\n");
        assert_eq!(
            all[0],
            invalid(
                2,
                "column `name` contains a control character (U+0007); remove it"
            )
        );
        assert_eq!(valid(&all[1]).line, 3);
    }

    #[test]
    fn line_breaks_in_fields_are_rejected_and_the_stream_goes_on() {
        let all = rows(
            b"email,name,company\n\
              ann@example.com,\"Ann\r\nBcc: victim@example.org\",Acme\n\
              bob@example.com,Bob,\"Acme\nInc\"\n\
              cat@example.com,Cat,\"Acme\rInc\"\n\
              dan@example.com,Dan,Acme\n",
        );
        assert_eq!(
            all,
            vec![
                invalid(
                    2,
                    "column `name` contains a line break, which is not allowed (it could \
                     inject mail headers); remove it"
                ),
                invalid(
                    4,
                    "column `company` contains a line break, which is not allowed (it could \
                     inject mail headers); remove it"
                ),
                invalid(
                    6,
                    "column `company` contains a line break, which is not allowed (it could \
                     inject mail headers); remove it"
                ),
                // The lone CR in Cat's row counts as a line break too.
                Row::Valid(Subscriber {
                    line: 8,
                    email: "dan@example.com".to_string(),
                    key: "dan@example.com".to_string(),
                    name: Some("Dan".to_string()),
                    fields: vec![("company".to_string(), "Acme".to_string())],
                    needs_smtputf8: false,
                }),
            ]
        );
    }

    #[test]
    fn control_characters_are_rejected_in_any_column() {
        let all = rows(
            b"email,name,city\n\
              \"ann@example.com\x00\",Ann,Oslo\n\
              bob@example.com,Bob,\"Os\tlo\"\n\
              cat@example.com,\"Cat \xe2\x80\xa8Lee\",Oslo\n",
        );
        assert_eq!(
            all,
            vec![
                invalid(
                    2,
                    "column `email` contains a control character (U+0000); remove it"
                ),
                invalid(
                    3,
                    "column `city` contains a control character (U+0009); remove it"
                ),
                invalid(
                    4,
                    "column `name` contains a control character (U+2028); remove it"
                ),
            ]
        );
    }

    #[test]
    fn invalid_utf8_makes_only_that_row_invalid() {
        let all = rows(b"email,name,city\nann@example.com,Ann,Oslo\nbob@example.com,B\xffb,Oslo\ncat@example.com,Cat,Bergen\n");
        assert_eq!(valid(&all[0]).line, 2);
        assert_eq!(
            all[1],
            invalid(
                3,
                "column `name` is not valid UTF-8; save the file as UTF-8"
            )
        );
        let cat = valid(&all[2]);
        assert_eq!((cat.line, cat.email.as_str()), (4, "cat@example.com"));
        assert_eq!(all.len(), 3);
    }

    #[test]
    fn invalid_addresses_in_rows_say_which_and_why() {
        let all = rows(
            b"email\n\
              not-an-address\n\
              \"Ann <ann@example.com>\"\n\
              \"  \"\n\
              ann@example.com\n",
        );
        assert_eq!(
            all,
            vec![
                invalid(2, "invalid email address `not-an-address`: it has no `@`"),
                invalid(
                    3,
                    "invalid email address `Ann <ann@example.com>`: display-name forms like \
                     `Ann <ann@example.com>` are not accepted; write only the address \
                     (`ann@example.com`) and put the name in the `name` column"
                ),
                invalid(4, "the email address is empty"),
                Row::Valid(Subscriber {
                    line: 5,
                    email: "ann@example.com".to_string(),
                    key: "ann@example.com".to_string(),
                    name: None,
                    fields: vec![],
                    needs_smtputf8: false,
                }),
            ]
        );
    }

    #[test]
    fn email_and_name_are_trimmed_and_other_fields_kept_in_column_order() {
        let all = rows(
            b" Company , EMAIL ,Name,city\n\
              \"Acme, Inc.\",  Ann@Example.com  ,  Ann Lee  , Oslo\n\
              Initech,bob@example.com,   ,Bergen\n",
        );
        let ann = valid(&all[0]);
        assert_eq!(ann.email, "Ann@example.com");
        assert_eq!(ann.name.as_deref(), Some("Ann Lee"));
        assert_eq!(
            ann.fields,
            [
                ("Company".to_string(), "Acme, Inc.".to_string()),
                ("city".to_string(), " Oslo".to_string()),
            ]
        );
        assert_eq!(valid(&all[1]).name, None);
    }

    #[test]
    fn quoted_fields_with_commas_and_quotes() {
        let all = rows(
            b"email,name,note\n\
              ann@example.com,\"Lee, Ann\",\"says \"\"hi\"\", often\"\n",
        );
        let ann = valid(&all[0]);
        assert_eq!(ann.name.as_deref(), Some("Lee, Ann"));
        assert_eq!(
            ann.fields,
            [("note".to_string(), "says \"hi\", often".to_string())]
        );
    }

    #[test]
    fn ragged_rows_are_reported_and_skipped() {
        let all = rows(
            b"email,name,city\n\
              ann@example.com,Ann\n\
              bob@example.com,Bob,Oslo,extra\n\
              cat@example.com\n\
              dan@example.com,Dan,Oslo\n",
        );
        assert_eq!(
            all[..3],
            [
                invalid(2, "the row has 2 fields but the header has 3 columns"),
                invalid(3, "the row has 4 fields but the header has 3 columns"),
                invalid(4, "the row has 1 field but the header has 3 columns"),
            ]
        );
        assert_eq!(valid(&all[3]).line, 5);
        assert_eq!(all.len(), 4);
    }

    #[test]
    fn lines_count_physical_lines_including_blank_ones_and_crlf() {
        let all = rows(b"email\r\n\r\nann@example.com\r\n\r\n\r\nbob@example.com\r\n");
        assert_eq!(valid(&all[0]).line, 3);
        assert_eq!(valid(&all[1]).line, 6);
        assert_eq!(all.len(), 2);
        // Old Mac line ends (a lone CR), and a multi-line quoted field: the
        // next row's line counts the lines inside the field.
        let all =
            rows(b"email,note\r\rann@example.com,x\rbob@example.com,\"a\n\nb\"\ncat@example.com,y");
        let lines: Vec<u64> = all
            .iter()
            .map(|r| match r {
                Row::Valid(s) => s.line,
                Row::Invalid(r) => r.line,
            })
            .collect();
        assert_eq!(lines, [3, 4, 7]);
    }

    /// Hands out one byte per read, so that every boundary case (a CR at
    /// the end of one read and its LF in the next, a BOM split in three)
    /// is met.
    struct OneByte(io::Cursor<Vec<u8>>);

    impl Read for OneByte {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match buf.first_mut() {
                Some(first) => self.0.read(std::slice::from_mut(first)),
                None => Ok(0),
            }
        }
    }

    #[test]
    fn lines_and_bom_are_right_when_reads_are_one_byte_long() {
        let bytes = b"\xef\xbb\xbfemail,note\r\n\r\nann@example.com,x\r\r\nbob@example.com,\"a\r\nb\"\r\ncat@example.com,y\r\n";
        let reader = OneByte(io::Cursor::new(bytes.to_vec()));
        let list = Subscribers::from_reader(Box::new(reader), Path::new("list.csv")).unwrap();
        assert_eq!(list.columns(), ["email", "note"]);
        let lines: Vec<u64> = list
            .map(|r| match r {
                Row::Valid(s) => s.line,
                Row::Invalid(r) => r.line,
            })
            .collect();
        assert_eq!(lines, [3, 5, 7]);
    }

    #[test]
    fn a_bom_before_the_header_is_accepted() {
        let list = read(b"\xef\xbb\xbfemail,name\nann@example.com,Ann\n").unwrap();
        assert_eq!(list.columns(), ["email", "name"]);
        let all: Vec<Row> = list.collect();
        assert_eq!(valid(&all[0]).email, "ann@example.com");
        // Also before a quoted header name.
        let list = read(b"\xef\xbb\xbf\"Email\"\nann@example.com\n").unwrap();
        assert_eq!(list.columns(), ["Email"]);
        // A file that is only a BOM has no header.
        let (msg, _) = err_message(read(b"\xef\xbb\xbf"));
        assert!(msg.contains("has no header row"), "{msg}");
    }

    #[test]
    fn skip_bom_passes_short_input_and_non_bom_bytes_through() {
        for input in [
            &b""[..],
            b"e",
            b"em",
            b"ema",
            b"email",
            b"\xef\xbb",
            b"\xef\xbb\xbe!",
        ] {
            let mut out = Vec::new();
            SkipBom::new(input).read_to_end(&mut out).unwrap();
            assert_eq!(out, input);
        }
        let mut out = Vec::new();
        SkipBom::new(&b"\xef\xbb\xbfx"[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"x");
    }

    #[test]
    fn header_errors_name_the_file_and_are_bad_input() {
        assert_eq!(
            err_message(read(b"")),
            (
                "list.csv: the subscriber list has no header row; the first line must name the \
                 columns, such as `email,name`"
                    .to_string(),
                2
            )
        );
        assert_eq!(
            err_message(read(b"\n\n")).0,
            "list.csv: the subscriber list has no header row; the first line must name the \
             columns, such as `email,name`"
        );
        assert_eq!(
            err_message(read(b"name,address\nAnn,ann@example.com\n")),
            (
                "list.csv:1: the header has no `email` column (found: `name`, `address`); add \
                 an `email` column with the addresses"
                    .to_string(),
                2
            )
        );
        assert_eq!(
            err_message(read(b"ann@example.com,Ann\n")).0,
            "list.csv:1: the header has no `email` column (found: `ann@example.com`, `Ann`); \
             the first line looks like a subscriber, not a header: add a header line such as \
             `email,name` above it"
        );
        assert_eq!(
            err_message(read(b"email,n\xe4me\n")),
            (
                "list.csv:1: column 2 of the header is not valid UTF-8; save the file as UTF-8"
                    .to_string(),
                2
            )
        );
        assert_eq!(
            err_message(read(b"email,Name,city,NAME\n")),
            (
                "list.csv:1: the header names the column `NAME` twice (columns 2 and 4); column \
                 names must be unique, ignoring case"
                    .to_string(),
                2
            )
        );
        assert_eq!(
            err_message(read(b"email,name,\n")).0,
            "list.csv:1: column 3 of the header has no name; name it or delete the column"
        );
    }

    #[test]
    fn a_header_only_file_has_no_rows() {
        let list = read(b"email,name\n").unwrap();
        assert_eq!(list.columns(), ["email", "name"]);
        assert_eq!(list.count(), 0);
    }

    #[test]
    fn open_rejects_a_missing_file_and_a_directory() {
        const HINT: &str = "help: `path` under [subscribers] in config.toml names the list, \
                            a CSV file with an `email` column; create it or correct the path";
        let dir = tempfile::tempdir().unwrap();
        let err = Subscribers::open(dir.path()).unwrap_err();
        assert_eq!(
            err.message(),
            format!(
                "cannot read the subscriber list {}: it is a folder, not a file\n{HINT}",
                dir.path().display()
            )
        );
        assert_eq!(err.exit_code(), 2);

        let missing = dir.path().join("subscribers.csv");
        let err = scan(&missing).unwrap_err();
        assert_eq!(
            err.message(),
            format!(
                "cannot read the subscriber list {}: no such file or folder\n{HINT}",
                missing.display()
            )
        );
        assert_eq!(err.exit_code(), 2);

        std::fs::write(&missing, "").unwrap();
        let err = scan(&missing).unwrap_err();
        assert_eq!(
            err.message(),
            format!(
                "{}: the subscriber list has no header row; the first line must name the \
                 columns, such as `email,name`",
                missing.display()
            )
        );
    }

    /// Serves `data`, then fails.
    struct FailAfter {
        data: io::Cursor<Vec<u8>>,
    }

    impl Read for FailAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.data.read(buf)? {
                0 => Err(io::Error::other("disk on fire")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn an_io_error_mid_file_ends_the_stream_with_an_invalid_row() {
        let reader = FailAfter {
            data: io::Cursor::new(b"email\nann@example.com\nbob@example.com\n".to_vec()),
        };
        let all: Vec<Row> = Subscribers::from_reader(Box::new(reader), Path::new("list.csv"))
            .unwrap()
            .collect();
        assert_eq!(all.len(), 3);
        assert_eq!(valid(&all[1]).line, 3);
        assert_eq!(
            all[2],
            invalid(
                4,
                "reading list.csv stopped at line 4: disk on fire; the rows after it were not read"
            )
        );
    }

    #[test]
    fn an_io_error_in_the_header_is_a_failed_operation() {
        let reader = FailAfter {
            data: io::Cursor::new(b"ema".to_vec()),
        };
        let err = Subscribers::from_reader(Box::new(reader), Path::new("list.csv")).unwrap_err();
        assert_eq!(
            (err.message(), err.exit_code()),
            ("cannot read the subscriber list list.csv: disk on fire", 1)
        );
    }

    /// Generates a header and `total` distinct rows on the fly, one row in
    /// memory at a time.
    struct Generated {
        next: u64,
        total: u64,
        line: Vec<u8>,
        pos: usize,
    }

    impl Generated {
        fn new(total: u64) -> Self {
            Generated {
                next: 0,
                total,
                line: b"email,name,city\n".to_vec(),
                pos: 0,
            }
        }
    }

    impl Read for Generated {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.pos == self.line.len() {
                if self.next == self.total {
                    return Ok(0);
                }
                let n = self.next;
                self.next += 1;
                self.line.clear();
                self.line.extend_from_slice(
                    format!(
                        "user{n}@example{}.com,\"User {n}, Esq.\",City {}\n",
                        n % 97,
                        n % 13
                    )
                    .as_bytes(),
                );
                self.pos = 0;
            }
            let rest = &self.line[self.pos..];
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.pos += n;
            Ok(n)
        }
    }

    #[test]
    fn a_generated_stream_of_200_000_rows_is_all_valid() {
        const TOTAL: u64 = 200_000;
        let list = Subscribers::from_reader(Box::new(Generated::new(TOTAL)), Path::new("gen.csv"))
            .unwrap();
        let mut count = 0u64;
        let mut last_line = 0;
        for row in list {
            let s = valid(&row);
            assert_eq!(s.line, count + 2);
            count += 1;
            last_line = s.line;
        }
        assert_eq!(count, TOTAL);
        assert_eq!(last_line, TOTAL + 1);
    }

    #[test]
    fn key_sets_hold_keys_by_hash() {
        let set: KeySet = ["ana@example.org", "bob@example.org"].into_iter().collect();
        assert_eq!(set.len(), 2);
        assert!(set.contains("ana@example.org"));
        assert!(!set.contains("ana@example.net"));
        assert!(
            !set.contains("Ana@example.org"),
            "keys are normalized first"
        );
        assert!(KeySet::default().is_empty());
    }

    #[test]
    fn seen_entries_compare_by_hash_and_keep_the_line() {
        let a = Seen::new("ann@example.com", 7);
        let b = Seen::new("ann@example.com", 99);
        let c = Seen::new("bob@example.com", 7);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!((a.line(), b.line()), (7, 99));
        assert_eq!(Seen::new("x", u64::from(u32::MAX) + 5).line(), LINE_UNKNOWN);
        let set: HashSet<Seen> = [a].into_iter().collect();
        assert_eq!(set.get(&b).map(|s| s.line()), Some(7));
    }
}
