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

/// `slug` cut to at most [`MAX_SLUG`] characters: after its last whole
/// word (words end at `-`) that fits, or inside a word longer than the
/// bound.
pub fn bound(slug: &str) -> &str {
    let Some((cut, next)) = slug.char_indices().nth(MAX_SLUG) else {
        return slug;
    };
    let end = if next == '-' {
        cut
    } else {
        slug[..cut].rfind('-').filter(|&i| i > 0).unwrap_or(cut)
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
