//! Language tags (`newsletter.language`), checked for their BCP 47 shape.

/// Whether `tag` looks like a BCP 47 language tag: a primary language of
/// 2 to 3 letters (or `i`/`x` for the grandfathered and private forms),
/// then subtags of 1 to 8 letters or digits, joined by hyphens.
pub(super) fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    let primary_ok = if primary.len() == 1 {
        // `x-...` (private use) and `i-...` (grandfathered) need a subtag.
        (primary.eq_ignore_ascii_case("x") || primary.eq_ignore_ascii_case("i"))
            && tag.contains('-')
    } else {
        (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic())
    };
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}
