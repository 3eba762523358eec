//! A light tokenizer of Tera's tags and expressions, enough to find the
//! names an expression reads (not a parser: what it cannot tell apart, the
//! checker leaves alone).

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok {
    Ident,
    Str,
    Number,
    Punct,
}

/// One token: its kind, text and byte offset in its tag's inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token<'a> {
    pub kind: Tok,
    pub text: &'a str,
    pub offset: usize,
}

/// A `{{ expression }}` or a `{% tag %}`: where its inside starts in the
/// source, and its tokens.
#[derive(Debug)]
pub(super) struct Tag<'a> {
    pub is_tag: bool,
    pub offset: usize,
    pub tokens: Vec<Token<'a>>,
}

/// The expressions and tags of `src`, in order; comments, `raw` blocks
/// and component definitions (whose names are their arguments) skipped.
pub(super) fn tags(src: &str) -> Vec<Tag<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut skip_until: Option<&str> = None;
    while let Some(found) = src[at..].find('{') {
        let start = at + found;
        let close = match src[start + 1..].chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => "#}",
            _ => {
                at = start + 1;
                continue;
            }
        };
        let Some(len) = src[start + 2..].find(close) else {
            break;
        };
        at = start + 2 + len + 2;
        if close == "#}" {
            continue;
        }
        let mut inner_start = start + 2;
        let mut inner = &src[inner_start..inner_start + len];
        if let Some(rest) = inner.strip_prefix(['-', '+']) {
            inner = rest;
            inner_start += 1;
        }
        let inner = inner.strip_suffix(['-', '+']).unwrap_or(inner);
        let tokens = tokenize(inner);
        let first = tokens.first().map(|t| t.text);
        if let Some(end) = skip_until {
            if close == "%}" && first == Some(end) {
                skip_until = None;
            }
            continue;
        }
        if close == "%}" {
            match first {
                Some("raw") => skip_until = Some("endraw"),
                Some("component") => skip_until = Some("endcomponent"),
                _ => {}
            }
        }
        out.push(Tag {
            is_tag: close == "%}",
            offset: inner_start,
            tokens,
        });
    }
    out
}

/// The templates `src` extends or includes (by literal name).
pub(super) fn referenced(src: &str) -> Vec<&str> {
    tags(src)
        .into_iter()
        .filter(|t| {
            t.is_tag
                && matches!(
                    t.tokens.first().map(|t| t.text),
                    Some("extends" | "include")
                )
        })
        .flat_map(|t| {
            t.tokens
                .into_iter()
                .filter(|t| t.kind == Tok::Str)
                .map(|t| &t.text[1..t.text.len() - 1])
        })
        .collect()
}

/// Names `src` binds: `set` and `set_global` targets, loop variables (of
/// `for` tags and list comprehensions).
pub(super) fn bound_names(src: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for tag in tags(src) {
        let toks = &tag.tokens;
        if tag.is_tag
            && matches!(toks.first().map(|t| t.text), Some("set" | "set_global"))
            && let Some(name) = toks.get(1).filter(|t| t.kind == Tok::Ident)
        {
            out.push(name.text);
        }
        for (i, t) in toks.iter().enumerate() {
            if t.text != "for" {
                continue;
            }
            out.extend(
                toks[i + 1..]
                    .iter()
                    .take_while(|t| t.text != "in")
                    .filter(|t| t.kind == Tok::Ident)
                    .map(|t| t.text),
            );
        }
    }
    out
}

/// Names `src` tests for presence (a bare name in an `if` or `elif`, or
/// before `is`): a context may leave them out on purpose, as it does
/// `subscriber`.
pub(super) fn tested_names(src: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for tag in tags(src) {
        let toks = &tag.tokens;
        let condition = tag.is_tag && matches!(toks.first().map(|t| t.text), Some("if" | "elif"));
        for (i, t) in toks.iter().enumerate() {
            let bare = t.kind == Tok::Ident && is_root(toks, i) && attributes(toks, i).is_empty();
            if bare && (condition || toks.get(i + 1).is_some_and(|n| n.text == "is")) {
                out.push(t.text);
            }
        }
    }
    out
}

/// Whether the identifier at `i` starts a path that reads a variable: not
/// an attribute, a filter, test, function or component name, a keyword
/// argument or a map key.
pub(super) fn is_root(toks: &[Token], i: usize) -> bool {
    let prev = |k: usize| i.checked_sub(k).and_then(|j| toks.get(j)).map(|t| t.text);
    let next = toks.get(i + 1).map(|t| t.text);
    let component_name = prev(1) == Some("<") && toks[i - 1].offset + 1 == toks[i].offset
        || prev(1) == Some("/") && prev(2) == Some("<");
    !(matches!(prev(1), Some("." | "?." | "|" | "is"))
        || prev(1) == Some("not") && prev(2) == Some("is")
        || component_name
        || matches!(next, Some("(" | "=" | ":")))
}

/// The attribute names after the identifier at `i` (`.a?.b`), up to
/// anything else.
pub(super) fn attributes<'t, 'a>(toks: &'t [Token<'a>], i: usize) -> Vec<&'t Token<'a>> {
    let mut out = Vec::new();
    let mut j = i + 1;
    while let (Some(dot), Some(name)) = (toks.get(j), toks.get(j + 1)) {
        if !matches!(dot.text, "." | "?.") || name.kind != Tok::Ident {
            break;
        }
        out.push(name);
        j += 2;
    }
    out
}

/// `toks` as a plain path (`a.b.c`), if that is all they are.
pub(super) fn plain_path<'t, 'a>(toks: &'t [Token<'a>]) -> Option<Vec<&'t Token<'a>>> {
    let first = toks.first().filter(|t| t.kind == Tok::Ident)?;
    let attrs = attributes(toks, 0);
    (1 + 2 * attrs.len() == toks.len()).then(|| {
        let mut path = vec![first];
        path.extend(attrs);
        path
    })
}

/// The tokens of a tag's inside.
fn tokenize(s: &str) -> Vec<Token<'_>> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = if b.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if matches!(b, b'"' | b'\'' | b'`') {
            i += 1;
            while i < bytes.len() && bytes[i] != b {
                i += 1;
            }
            i = (i + 1).min(bytes.len());
            Tok::Str
        } else if b.is_ascii_digit() {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
            {
                i += 1;
            }
            Tok::Number
        } else if b.is_ascii_alphabetic() || b == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            Tok::Ident
        } else {
            let two = s.get(i..i + 2).unwrap_or("");
            i += if matches!(two, "?." | "?[" | "==" | "!=" | "<=" | ">=" | "//" | "**") {
                2
            } else {
                // One character (UTF-8 aware).
                s[i..].chars().next().map_or(1, char::len_utf8)
            };
            Tok::Punct
        };
        out.push(Token {
            kind,
            text: &s[start..i],
            offset: start,
        });
    }
    out
}
