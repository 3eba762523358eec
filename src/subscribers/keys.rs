//! Sets of address keys held as 96-bit hashes: [`KeySet`] for the keys a
//! send skips, and the de-duplication set of the list reader.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use sha2::{Digest, Sha256};

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

/// An entry of the de-duplication set: the top 96 bits are a hash of the
/// address key, the low 32 bits the line of the row it was first seen on.
/// Hashing and equality look at the hash bits only, so a lookup with any
/// line finds the stored entry and with it the first line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Seen(u128);

/// The line stored for rows past line `u32::MAX` (reported as "an earlier row").
pub(super) const LINE_UNKNOWN: u32 = u32::MAX;

impl Seen {
    pub(super) fn new(key: &str, line: u64) -> Seen {
        let line = u32::try_from(line).unwrap_or(LINE_UNKNOWN);
        Seen((key_hash(key) << 32) | u128::from(line))
    }

    fn hash_bits(self) -> u128 {
        self.0 >> 32
    }

    pub(super) fn line(self) -> u32 {
        // The low 32 bits, by construction.
        (self.0 & u128::from(u32::MAX)) as u32
    }
}

/// The de-duplication set, split into 256 sets by the hash's first byte.
/// A hash set doubles its table as it grows, and while it does both tables
/// exist: one big set would briefly need half as much again as it holds
/// (about 18 MB at a million rows); 256 small ones double one at a time.
#[derive(Debug)]
pub(super) struct SeenSet(Vec<HashSet<Seen>>);

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

    pub(super) fn get(&self, e: &Seen) -> Option<&Seen> {
        self.0.get(self.shard(e)).and_then(|s| s.get(e))
    }

    pub(super) fn insert(&mut self, e: Seen) {
        let i = self.shard(&e);
        if let Some(s) = self.0.get_mut(i) {
            s.insert(e);
        }
    }

    pub(super) fn len(&self) -> usize {
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

#[cfg(test)]
mod tests;
