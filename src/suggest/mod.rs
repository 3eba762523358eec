//! "Did you mean ...?": how close a name written by the user is to the
//! names that exist. Used for time zones (config) and category names
//! (schedule), so both suggest by the same rule.

/// Edit distance between two strings, in characters.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The largest edit distance at which a name still counts as a likely
/// typo of `wanted`: a third of its length, at least 2.
pub(crate) fn max_distance(wanted: &str) -> usize {
    (wanted.chars().count() / 3).max(2)
}

/// Whether `candidate` is close enough to `wanted` to suggest it.
pub(crate) fn is_close(candidate: &str, wanted: &str) -> bool {
    levenshtein(candidate, wanted) <= max_distance(wanted)
}

#[cfg(test)]
mod tests;
