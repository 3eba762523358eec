//! A light scan of a template's tags: which template it extends, which
//! blocks it defines, what it includes, and where it reads `subscriber`
//! outside the personal blocks. Conservative on purpose: a use it cannot
//! rule out counts as a use (the cost is only a slower render).

use super::PERSONAL_BLOCKS;

/// Names that reach the subscriber: the variable itself and Tera's dump of
/// the whole context.
const READS_SUBSCRIBER: &[&str] = &["subscriber", "__tera_context"];

/// What [`shape`] found in one template source.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Shape<'a> {
    /// The template named by `{% extends %}`.
    pub extends: Option<&'a str>,
    /// Personal blocks this template defines (see [`PERSONAL_BLOCKS`]).
    pub personal: Vec<Personal<'a>>,
    /// Templates it includes outside the personal blocks.
    pub includes: Vec<&'a str>,
    /// Byte offset of the first read of `subscriber` outside the personal
    /// blocks.
    pub outside: Option<usize>,
    /// Byte offset of the first read of `subscriber` anywhere.
    pub anywhere: Option<usize>,
    /// Whether it defines a component (whose implicit arguments may read
    /// the context wherever it is called).
    pub component: bool,
}

/// A personal block as written in one template.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Personal<'a> {
    /// Its name.
    pub name: &'a str,
    /// From the `{` of its `block` tag to after the `}` of its `endblock`.
    pub span: std::ops::Range<usize>,
    /// Neither calls `super()` nor holds a block of its own: it renders
    /// the same on its own as inside the template.
    pub standalone: bool,
}

/// Scans `src` (expressions `{{ }}` and tags `{% %}`; comments and raw
/// blocks are skipped, and string literals are not read as names).
pub(super) fn shape(src: &str) -> Shape<'_> {
    let mut out = Shape::default();
    // The names of the blocks we are inside, innermost last.
    let mut blocks: Vec<&str> = Vec::new();
    // The outermost personal block we are inside, as found so far.
    let mut open: Option<Personal> = None;
    // How many blocks were open around it.
    let mut open_depth = 0;
    for tag in super::super::tags::raw_tags(src) {
        let (start, at, inner_start, inner) = (tag.start, tag.end, tag.inner_start, tag.inner);
        let personal = open.is_some();
        if let Some(p) = open.as_mut()
            && first_name(inner, &["super"]).is_some()
        {
            p.standalone = false;
        }
        if let Some(offset) = first_name(inner, READS_SUBSCRIBER) {
            let offset = inner_start + offset;
            out.anywhere.get_or_insert(offset);
            if !personal {
                out.outside.get_or_insert(offset);
            }
        }
        if !tag.statement {
            continue;
        }
        let words = inner.trim_matches(|c: char| c == '-' || c.is_whitespace());
        let mut parts = words.split_whitespace();
        match parts.next().unwrap_or("") {
            "block" => {
                let name = parts.next().unwrap_or("");
                match open.as_mut() {
                    Some(p) => p.standalone = false,
                    None if PERSONAL_BLOCKS.contains(&name) => {
                        open_depth = blocks.len();
                        open = Some(Personal {
                            name,
                            span: start..start,
                            standalone: true,
                        });
                    }
                    None => {}
                }
                blocks.push(name);
            }
            "endblock" => {
                blocks.pop();
                if blocks.len() == open_depth
                    && let Some(p) = open.take()
                {
                    out.personal.push(Personal {
                        span: p.span.start..at,
                        ..p
                    });
                }
            }
            "extends" => out.extends = literal(words),
            "include" if !personal => out.includes.extend(literal(words)),
            "component" => out.component = true,
            _ => {}
        }
    }
    out
}

/// The first string literal in a tag.
fn literal(tag: &str) -> Option<&str> {
    let start = tag.find(['"', '\'', '`'])?;
    let quote = tag[start..].chars().next()?;
    let rest = &tag[start + 1..];
    rest.find(quote).map(|end| &rest[..end])
}

/// The offset of the first of `names` in a tag's inside, outside string
/// literals.
fn first_name(inner: &str, names: &[&str]) -> Option<usize> {
    let bytes = inner.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if matches!(b, b'"' | b'\'' | b'`') => quote = Some(b),
            None if is_name(b) && (i == 0 || !is_name(bytes[i - 1])) => {
                let end = bytes[i..]
                    .iter()
                    .position(|&c| !is_name(c))
                    .map_or(bytes.len(), |n| i + n);
                if names.contains(&&inner[i..end]) {
                    return Some(i);
                }
                i = end;
                continue;
            }
            None => {}
        }
        i += 1;
    }
    None
}

fn is_name(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
