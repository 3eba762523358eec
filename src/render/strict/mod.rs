//! Undefined names that Tera lets through, found before rendering.
//!
//! Tera 2.4 errors on `{{ cfp.nmae }}`, but an undefined value inside an
//! expression is just empty: `{{ "for the " ~ cfp.nmae }}` renders
//! "for the ", `{% if issue.nmber > 2 %}` is false. So before a template
//! is first rendered, its expressions, and those of every template it
//! extends or includes, are read (a light tokenizer, not Tera's parser)
//! and checked against the context it is rendered with:
//!
//! - an attribute path on a context object (`cfp.nmae`, `issue.next.kind`)
//!   or on a loop variable over one (`c.nmae` in `for c in
//!   issue.categories`) must name fields the object has, wherever it
//!   stands (`~`, `if`, filters' arguments, `set`);
//! - a bare name joined with `~` must be defined (a context variable, one
//!   the templates `set` or loop over, or one they test for presence with
//!   `{% if name %}`, which a context may leave out on purpose).
//!
//! What cannot be known statically is left to Tera: a value that is none
//! (`issue.next` of the last issue), the columns of `subscriber.fields`,
//! names that templates `set` (their shape is unknown), paths guarded by
//! `is defined`, subscripts, and component bodies. `subscriber` is checked
//! against the sample subscriber's fields when the context has none.
//! The error names the file, line and column, in Tera's own words.

mod tokens;

use std::collections::HashSet;

use tera::Value;

use super::SubscriberContext;
use tokens::{Tok, Token};

/// Maps whose keys are data (CSV columns), not fields.
const OPEN_MAPS: &[&str] = &["subscriber.fields"];

/// Names that are never context variables.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "for",
    "true",
    "True",
    "false",
    "False",
    "none",
    "None",
    "null",
    "loop",
    "self",
    "super",
    "__tera_context",
];

/// An undefined name: the template, the byte offset, Tera's wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Undefined {
    pub template: String,
    pub offset: usize,
    pub message: String,
}

/// The templates `name` renders: itself, what it extends and includes,
/// transitively; `source` gives a loaded template's source.
pub(super) fn closure<'a>(name: &str, source: impl Fn(&str) -> Option<&'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut todo = vec![name.to_string()];
    while let Some(n) = todo.pop() {
        if out.contains(&n) {
            continue;
        }
        if let Some(src) = source(&n) {
            todo.extend(tokens::referenced(src).into_iter().map(str::to_string));
            out.push(n);
        }
    }
    out
}

/// The first undefined name in `templates` (name, source) rendered with
/// `ctx`.
pub(super) fn check(templates: &[(&str, &str)], ctx: &tera::Context) -> Option<Undefined> {
    let sample = Value::from_serializable(&SubscriberContext::sample());
    let bound: HashSet<&str> = templates
        .iter()
        .flat_map(|(_, src)| tokens::bound_names(src))
        .collect();
    let tested: HashSet<&str> = templates
        .iter()
        .flat_map(|(_, src)| tokens::tested_names(src))
        .collect();
    let env = Env {
        ctx,
        sample,
        bound,
        tested,
    };
    templates
        .iter()
        .find_map(|(name, src)| env.template(name, src))
}

struct Env<'c, 'b> {
    ctx: &'c tera::Context,
    /// `subscriber` when the context has none.
    sample: Value,
    /// Names some template in the closure `set`s or binds in a loop:
    /// defined, of unknown shape.
    bound: HashSet<&'b str>,
    /// Names some template tests for presence (`{% if message %}`): a
    /// context may leave them out on purpose.
    tested: HashSet<&'b str>,
}

/// A loop variable in scope: its name and the values it takes (empty:
/// unknown).
type Scope<'v> = Vec<(String, Vec<&'v Value>)>;

impl Env<'_, '_> {
    fn template(&self, name: &str, src: &str) -> Option<Undefined> {
        let mut scopes: Scope = Vec::new();
        for tag in tokens::tags(src) {
            let toks = &tag.tokens;
            let found = match (tag.is_tag, toks.first().map(|t| t.text)) {
                (false, _) => self.expression(toks, &scopes),
                (true, Some("for")) => {
                    let Some(at) = toks.iter().position(|t| t.text == "in") else {
                        continue;
                    };
                    let found = self.expression(&toks[at + 1..], &scopes);
                    let names: Vec<&str> = toks[1..at]
                        .iter()
                        .filter(|t| t.kind == Tok::Ident)
                        .map(|t| t.text)
                        .collect();
                    let values = match (names.len(), &toks[at + 1..]) {
                        (1, rest) => self.path_values(rest, &scopes),
                        _ => Vec::new(),
                    };
                    for (i, n) in names.iter().enumerate() {
                        let v = if i + 1 == names.len() {
                            values.clone()
                        } else {
                            Vec::new()
                        };
                        scopes.push((n.to_string(), v));
                    }
                    // One entry per name; `endfor` pops them together.
                    scopes.push((format!("\u{0}{}", names.len()), Vec::new()));
                    found
                }
                (true, Some("endfor")) => {
                    if let Some((marker, _)) = scopes.pop()
                        && let Some(n) = marker.strip_prefix('\u{0}')
                    {
                        let n: usize = n.parse().unwrap_or(0);
                        scopes.truncate(scopes.len().saturating_sub(n));
                    }
                    None
                }
                (true, Some("set" | "set_global")) => match toks.iter().position(|t| t.text == "=")
                {
                    Some(at) => self.expression(&toks[at + 1..], &scopes),
                    None => None,
                },
                (true, Some("if" | "elif" | "filter")) => self.expression(&toks[1..], &scopes),
                (true, Some("<")) => self.expression(toks, &scopes),
                _ => None,
            };
            if let Some((offset, message)) = found {
                return Some(Undefined {
                    template: name.to_string(),
                    offset: tag.offset + offset,
                    message,
                });
            }
        }
        None
    }

    /// The values a plain path (`issue.categories`) takes as a loop's
    /// elements; empty when it is anything else or unknown.
    fn path_values<'v>(&'v self, toks: &[Token], scopes: &Scope<'v>) -> Vec<&'v Value> {
        let Some(path) = tokens::plain_path(toks) else {
            return Vec::new();
        };
        let mut values = self.root(path[0].text, scopes);
        for attr in &path[1..] {
            values = values
                .iter()
                .filter_map(|v| {
                    v.as_map()?
                        .iter()
                        .find(|(k, _)| k.as_str() == Some(attr.text))
                })
                .map(|(_, v)| v)
                .collect();
        }
        values
            .iter()
            .filter_map(|v| v.as_array())
            .flatten()
            .collect()
    }

    /// The values a root name takes: a loop variable's, or the context's.
    fn root<'v>(&'v self, name: &str, scopes: &Scope<'v>) -> Vec<&'v Value> {
        if let Some((_, values)) = scopes.iter().rev().find(|(n, _)| n == name) {
            return values.clone();
        }
        if self.bound.contains(name) {
            return Vec::new();
        }
        match (self.ctx.get(name), name) {
            (Some(v), _) => vec![v],
            (None, "subscriber") => vec![&self.sample],
            _ => Vec::new(),
        }
    }

    /// Whether a bare name is defined.
    fn defined(&self, name: &str, scopes: &Scope) -> bool {
        KEYWORDS.contains(&name)
            || name == "subscriber"
            || scopes.iter().any(|(n, _)| n == name)
            || self.bound.contains(name)
            || self.tested.contains(name)
            || self.ctx.get(name).is_some()
    }

    /// The first undefined name in an expression's tokens: (offset in the
    /// tag, message).
    fn expression(&self, toks: &[Token], scopes: &Scope) -> Option<(usize, String)> {
        for (i, t) in toks.iter().enumerate() {
            if t.kind != Tok::Ident || !tokens::is_root(toks, i) || KEYWORDS.contains(&t.text) {
                continue;
            }
            let path = tokens::attributes(toks, i);
            let after = i + 1 + 2 * path.len();
            let guarded = toks.get(after).is_some_and(|n| n.text == "is");
            if guarded {
                continue;
            }
            if path.is_empty() {
                let joined = (i > 0 && toks[i - 1].text == "~")
                    || toks.get(i + 1).is_some_and(|n| n.text == "~");
                if joined && !self.defined(t.text, scopes) {
                    return Some((t.offset, format!("Variable `{}` is not defined", t.text)));
                }
                continue;
            }
            if let Some(found) = self.fields(t.text, &path, scopes) {
                return Some(found);
            }
        }
        None
    }

    /// The first attribute of `root.path` that its values do not have.
    fn fields(&self, root: &str, path: &[&Token], scopes: &Scope) -> Option<(usize, String)> {
        let mut values = self.root(root, scopes);
        let mut dotted = root.to_string();
        for attr in path {
            if values.is_empty() || OPEN_MAPS.contains(&dotted.as_str()) {
                return None;
            }
            // Only maps have fields we know; anything else (none, a list,
            // a string) is left to Tera.
            let maps: Option<Vec<&tera::Map>> = values.iter().map(|v| v.as_map()).collect();
            let maps = maps?;
            let next: Vec<&Value> = maps
                .iter()
                .filter_map(|m| m.iter().find(|(k, _)| k.as_str() == Some(attr.text)))
                .map(|(_, v)| v)
                .collect();
            if next.is_empty() {
                let mut fields: Vec<String> = maps
                    .iter()
                    .flat_map(|m| m.keys().map(|k| k.to_string()))
                    .collect();
                fields.sort();
                fields.dedup();
                return Some((
                    attr.offset,
                    format!(
                        "Field `{}` is not defined. Available fields: {}",
                        attr.text,
                        fields.join(", ")
                    ),
                ));
            }
            values = next;
            dotted = format!("{dotted}.{}", attr.text);
        }
        None
    }
}

#[cfg(test)]
mod tests;
