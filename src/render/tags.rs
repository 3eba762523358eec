//! The tags of a Tera template's source, found by scanning for `{{ }}` and
//! `{% %}` (comments `{# #}` and the inside of `{% raw %}` blocks skipped).
//! Not a parser: the checks that read templates before Tera renders them
//! (the strict variable check, the personal blocks, component recursion)
//! walk these and read what they need from each tag's inside.

/// One `{{ expression }}` or `{% statement %}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTag<'a> {
    /// Byte offset of its opening `{`.
    pub start: usize,
    /// Byte offset just after its closing `}`.
    pub end: usize,
    /// `{% %}` rather than `{{ }}`.
    pub statement: bool,
    /// Byte offset of its inside (just after `{{` or `{%`).
    pub inner_start: usize,
    /// Its inside, whitespace-control marks included.
    pub inner: &'a str,
}

impl<'a> RawTag<'a> {
    /// The inside without whitespace-control marks and surrounding space.
    pub fn words(&self) -> &'a str {
        self.inner
            .trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace())
    }
}

/// The tags of `src`, in order. An unclosed tag ends the scan.
pub(crate) fn raw_tags(src: &str) -> RawTags<'_> {
    RawTags { src, at: 0 }
}

/// The iterator of [`raw_tags`].
pub(crate) struct RawTags<'a> {
    src: &'a str,
    at: usize,
}

impl<'a> Iterator for RawTags<'a> {
    type Item = RawTag<'a>;

    fn next(&mut self) -> Option<RawTag<'a>> {
        let src = self.src;
        loop {
            let start = self.at + src.get(self.at..)?.find('{')?;
            let close = match src[start + 1..].chars().next() {
                Some('{') => "}}",
                Some('%') => "%}",
                Some('#') => "#}",
                _ => {
                    self.at = start + 1;
                    continue;
                }
            };
            let Some(len) = src[start + 2..].find(close) else {
                self.at = src.len();
                return None;
            };
            self.at = start + 2 + len + 2;
            if close == "#}" {
                continue;
            }
            let tag = RawTag {
                start,
                end: self.at,
                statement: close == "%}",
                inner_start: start + 2,
                inner: &src[start + 2..start + 2 + len],
            };
            if tag.statement && tag.words() == "raw" {
                // Everything up to `{% endraw %}` is text.
                self.at = match src[self.at..].find("endraw") {
                    Some(i) => self.at + i + "endraw".len(),
                    None => src.len(),
                };
            }
            return Some(tag);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_expressions_and_statements_and_skips_comments_and_raw_text() {
        let src = "a {{ x }} {# {{ no }} #} {%- if y -%} { b {% raw %}{{ z }}{% endraw %} {{ w }}";
        let tags: Vec<_> = raw_tags(src).collect();
        let words: Vec<_> = tags.iter().map(|t| (t.statement, t.words())).collect();
        assert_eq!(
            words,
            [(false, "x"), (true, "if y"), (true, "raw"), (false, "w")]
        );
        assert_eq!(&src[tags[0].start..tags[0].end], "{{ x }}");
        assert_eq!(&src[tags[0].inner_start..][..3], " x ");
        // An unclosed tag ends the scan.
        assert_eq!(raw_tags("{{ x }} {{ y").count(), 1);
    }
}
