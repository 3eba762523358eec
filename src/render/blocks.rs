//! A light scan of a template's tags, to say *which* block is left open or
//! closed by the wrong end tag. Tera only reports "Unexpected end of input"
//! or "Unknown tag" for these, at a position that is not the cause.

/// Tags that open a block closed by `end<tag>`.
const BLOCKS: &[&str] = &["if", "for", "block", "macro", "filter", "raw"];

/// A block-structure problem found by [`scan`].
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Problem {
    /// Byte offset of the tag (or delimiter) to point at.
    pub offset: usize,
    /// What is wrong and how to fix it.
    pub message: String,
    /// A delimiter (`{{`, `{%`, `{#`) is left open, not a block.
    pub delimiter: bool,
}

/// An open tag: its keyword and where it starts.
struct Open<'a> {
    keyword: &'a str,
    offset: usize,
}

/// The first mismatched end tag, else the innermost block, tag or
/// expression still open at the end of `src`; `None` if the nesting is
/// fine (the problem is something else).
pub(super) fn scan(src: &str) -> Option<Problem> {
    let mut stack: Vec<Open> = Vec::new();
    let mut at = 0;
    while let Some(found) = src[at..].find('{') {
        let start = at + found;
        let (close, what) = match src[start + 1..].chars().next() {
            Some('{') => ("}}", "`{{`"),
            Some('%') => ("%}", "`{%`"),
            Some('#') => ("#}", "the comment `{#`"),
            _ => {
                at = start + 1;
                continue;
            }
        };
        let Some(len) = src[start + 2..].find(close) else {
            return Some(Problem {
                offset: start,
                message: format!("{what} is never closed: add `{close}`"),
                delimiter: true,
            });
        };
        let end = start + 2 + len + 2;
        at = end;
        if close != "%}" {
            continue;
        }
        let inner = src[start + 2..end - 2].trim_matches(|c: char| c == '-' || c.is_whitespace());
        let keyword = inner.split_whitespace().next().unwrap_or("");
        if keyword == "raw" {
            // Everything up to `endraw` is text.
            match src[at..].find("endraw") {
                Some(i) => {
                    at += i + "endraw".len();
                    continue;
                }
                None => return Some(never_closed("raw", start)),
            }
        }
        if BLOCKS.contains(&keyword) {
            stack.push(Open {
                keyword,
                offset: start,
            });
        } else if let Some(block) = keyword.strip_prefix("end")
            && BLOCKS.contains(&block)
        {
            match stack.pop() {
                Some(open) if open.keyword == block => {}
                Some(open) => {
                    return Some(Problem {
                        offset: start,
                        message: format!(
                            "`{{% {keyword} %}}` does not close `{{% {} %}}` on line {}: close that one first with `{{% end{} %}}`",
                            open.keyword,
                            crate::error::line_col(src, open.offset).0,
                            open.keyword
                        ),
                        delimiter: false,
                    });
                }
                None => {
                    return Some(Problem {
                        offset: start,
                        message: format!(
                            "`{{% {keyword} %}}` has no `{{% {block} %}}` to close; delete it"
                        ),
                        delimiter: false,
                    });
                }
            }
        }
    }
    stack
        .pop()
        .map(|open| never_closed(open.keyword, open.offset))
}

fn never_closed(keyword: &str, offset: usize) -> Problem {
    Problem {
        offset,
        message: format!(
            "`{{% {keyword} %}}` is never closed: add `{{% end{keyword} %}}` where the block ends"
        ),
        delimiter: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(src: &str) -> Option<(usize, String)> {
        scan(src).map(|p| (p.offset, p.message))
    }

    #[test]
    fn well_nested_templates_have_no_problem() {
        assert_eq!(
            found("{% for c in x %}{% if c %}{{ c }}{% endif %}{% endfor %}{# } #}"),
            None
        );
        assert_eq!(
            found("{%- block a -%}{% raw %}{% if %}{% endraw %}{% endblock a %}"),
            None
        );
        assert_eq!(found("a { b } {"), None);
    }

    #[test]
    fn the_innermost_open_block_is_named() {
        let (at, m) = found("{% for c in x %}\n{% if c %}\nx\n{% endif %}\n").unwrap();
        assert_eq!(at, 0);
        assert_eq!(
            m,
            "`{% for %}` is never closed: add `{% endfor %}` where the block ends"
        );
        let (at, m) = found("{{ a }}\n{% raw %}x").unwrap();
        assert_eq!((at, m.starts_with("`{% raw %}` is never")), (8, true));
    }

    #[test]
    fn a_wrong_end_tag_names_the_open_block_and_its_line() {
        let (at, m) = found("{% if x %}\n{% for a in b %}\n{% endif %}\n").unwrap();
        assert_eq!(at, 28);
        assert_eq!(
            m,
            "`{% endif %}` does not close `{% for %}` on line 2: close that one first with `{% endfor %}`"
        );
        let (_, m) = found("text {% endfor %}").unwrap();
        assert_eq!(m, "`{% endfor %}` has no `{% for %}` to close; delete it");
    }

    #[test]
    fn unclosed_delimiters_are_named() {
        assert_eq!(
            found("a {{ b ").unwrap(),
            (2, "`{{` is never closed: add `}}`".to_string())
        );
        assert_eq!(found("{# note").unwrap().0, 0);
    }
}
