//! Where components call each other in a circle, for Tera's "Maximum
//! render recursion depth for components exceeded", which names no
//! template: a light scan of `{% component Name(...) %}` definitions and
//! the `<Name ...>` calls inside their bodies.

use std::collections::HashMap;

/// A call of component `callee` inside the body of component `caller`,
/// in template `template` at byte `offset`.
#[derive(Debug, Clone)]
struct Call<'a> {
    caller: &'a str,
    callee: &'a str,
    template: &'a str,
    offset: usize,
}

/// The call that closes a circle of components: (template, byte offset
/// of the call, the circle as names `A -> B -> A`).
pub(super) fn circle<'a>(
    sources: impl Iterator<Item = (&'a str, &'a str)>,
) -> Option<(&'a str, usize, String)> {
    let mut calls: Vec<Call<'a>> = Vec::new();
    let mut sorted: Vec<(&str, &str)> = sources.collect();
    sorted.sort();
    for (template, src) in sorted {
        calls.extend(scan(template, src));
    }
    let mut by_caller: HashMap<&str, Vec<&Call>> = HashMap::new();
    for c in &calls {
        by_caller.entry(c.caller).or_default().push(c);
    }
    let mut starts: Vec<&str> = by_caller.keys().copied().collect();
    starts.sort();
    for start in starts {
        let mut path = vec![start];
        if let Some(c) = walk(start, &by_caller, &mut path) {
            path.push(c.callee);
            return Some((c.template, c.offset, path.join(" -> ")));
        }
    }
    None
}

/// Depth-first from the last of `path`: the call that leads back into it.
fn walk<'a, 'c>(
    from: &'a str,
    by_caller: &'c HashMap<&'a str, Vec<&'c Call<'a>>>,
    path: &mut Vec<&'a str>,
) -> Option<&'c Call<'a>> {
    for call in by_caller.get(from).into_iter().flatten() {
        if path.contains(&call.callee) {
            return Some(call);
        }
        path.push(call.callee);
        if let Some(found) = walk(call.callee, by_caller, path) {
            return Some(found);
        }
        path.pop();
    }
    None
}

/// The component calls inside component bodies of one template.
fn scan<'a>(template: &'a str, src: &'a str) -> Vec<Call<'a>> {
    let mut out = Vec::new();
    let mut current: Option<&str> = None;
    let mut at = 0;
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
        let inner_start = start + 2;
        let inner = &src[inner_start..inner_start + len];
        let words = inner.trim_matches(|c: char| c == '-' || c.is_whitespace());
        if close == "%}" {
            if let Some(rest) = words.strip_prefix("component ") {
                current = Some(ident(rest.trim_start()));
                continue;
            }
            if words.starts_with("endcomponent") {
                current = None;
                continue;
            }
        }
        let Some(caller) = current else { continue };
        let bytes = inner.as_bytes();
        for (i, _) in inner.match_indices('<') {
            let name = ident(&inner[i + 1..]);
            if !name.is_empty() && !bytes[i + 1].is_ascii_digit() {
                out.push(Call {
                    caller,
                    callee: name,
                    template,
                    offset: inner_start + i,
                });
            }
        }
    }
    out
}

/// The (dotted) name at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(s.len());
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_call_that_closes_a_circle() {
        let a = "{% component A(n) %}{{ n }}{{ <B n={n} /> }}{% endcomponent A %}";
        let b = "x\n{% component B(n) %}{% if n > 0 %}{{ <A n={n} /> }}{% endif %}{% endcomponent B %}{{ <A n=1 /> }}";
        let (t, offset, path) = circle([("a.html", a), ("b.html", b)].into_iter()).unwrap();
        assert_eq!((t, path.as_str()), ("b.html", "A -> B -> A"));
        assert_eq!(&b[offset..offset + 2], "<A");
        let me = "{% component Me() %}{{ <Me /> }}{% endcomponent Me %}";
        let (t, offset, path) = circle([("m.html", me)].into_iter()).unwrap();
        assert_eq!((t, offset, path.as_str()), ("m.html", 23, "Me -> Me"));
        // Calls outside bodies, and comparisons, are no circle.
        let flat = "{% component C() %}{{ 1 < 2 }}{% endcomponent C %}{{ <C /> }}";
        assert!(circle([("c.html", flat)].into_iter()).is_none());
    }
}
