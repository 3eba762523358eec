//! Category slugs: URL-safe names for archive pages and anchors.

/// A slug has at most this many characters (before the `-2`, `-3` that
/// keeps it unique): an archive folder `issues/<n>-<slug>` stays far below
/// every file system's name limit (255 bytes), whatever the category's name.
pub const MAX_SLUG: usize = 60;

/// A URL-safe slug: ASCII letters and digits, other runs become `-`, at
/// most [`MAX_SLUG`] characters (cut after a whole word when it can be).
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
        if out.len() > MAX_SLUG + 2 {
            break;
        }
    }
    let s = bound(out.trim_matches('-'));
    if s.is_empty() {
        "category".into()
    } else {
        s.to_string()
    }
}

/// `slug` (ASCII) cut to at most [`MAX_SLUG`] characters: after its last
/// whole word that fits, or inside a word longer than the bound.
pub fn bound(slug: &str) -> &str {
    if slug.len() <= MAX_SLUG {
        return slug;
    }
    let cut = &slug[..MAX_SLUG];
    // A word ends where the next character is a `-`.
    let end = if slug.as_bytes()[MAX_SLUG] == b'-' {
        MAX_SLUG
    } else {
        cut.rfind('-').unwrap_or(MAX_SLUG)
    };
    slug[..end].trim_end_matches('-')
}

fn fold_accent(c: char) -> Vec<char> {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => return vec!['s', 's'],
        'æ' | 'Æ' => return vec!['a', 'e'],
        other => other,
    };
    vec![plain]
}

#[cfg(test)]
mod tests;
