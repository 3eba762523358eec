//! Topic Markdown to HTML and to plain text, from the same source.
//!
//! Raw HTML in the topic list is escaped (shown as text) unless
//! `[content] allow_html = true`. Links whose scheme is not http, https or
//! mailto (`javascript:` and friends) lose their link and keep their text,
//! whatever `allow_html` says.
//!
//! Allowed HTML is safe HTML: the fragment is cleaned with `ammonia`
//! ([`sanitize`]): `<script>`, `<style>` and the like go with their
//! content, other unknown tags lose their tags and keep their text, event
//! handlers (`onclick`...), `style` and other unlisted attributes are
//! dropped, images are dropped (as Markdown images are), and an `href` or
//! `src` must be http, https, mailto or a `#fragment` (no `javascript:`,
//! `data:` or relative URLs, which feed readers and mail clients resolve
//! to nothing or worse).

use std::borrow::Cow;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
use unicode_width::UnicodeWidthStr;

fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH
}

/// Whether a link target is safe to put in `href`.
pub fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|s| lower.starts_with(s))
        || lower.starts_with('#')
}

/// Inline Markdown (one topic) as an HTML fragment without a wrapping `<p>`.
pub fn to_html(md: &str, allow_html: bool) -> String {
    let mut unsafe_link_depth = 0usize;
    let events = Parser::new_ext(md, options()).filter_map(|ev| match ev {
        Event::Html(h) | Event::InlineHtml(h) if !allow_html => Some(Event::Text(h)),
        Event::Start(Tag::Link { ref dest_url, .. }) if !safe_url(dest_url) => {
            unsafe_link_depth += 1;
            None
        }
        Event::End(TagEnd::Link) if unsafe_link_depth > 0 => {
            unsafe_link_depth -= 1;
            None
        }
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    if allow_html {
        html = sanitize(&html);
    }
    let trimmed = html.trim_end();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => trimmed.to_string(),
    }
}

/// The cleaner of allowed HTML (see the module's documentation).
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Custom(Box::new(fragment_only)))
        .rm_tags(["img"])
        .link_rel(None);
    b
});

/// Relative URLs: only `#fragment` stays.
fn fragment_only(url: &str) -> Option<Cow<'_, str>> {
    url.starts_with('#').then_some(Cow::Borrowed(url))
}

/// `html` with only safe tags, attributes and URLs left.
pub fn sanitize(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

/// `html` (a topic's or note's fragment) with `style` on every link, for
/// an email: mail clients that drop `<style>` (or force a dark scheme)
/// otherwise show links in their own colour, unreadable on the email's
/// background. The fragment's links carry no `style` of their own (Markdown
/// writes none, and the cleaning of allowed HTML drops them).
pub fn style_links(html: &str, style: &str) -> String {
    let attr = format!(
        " style=\"{}\"",
        style
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    );
    let mut out = String::with_capacity(html.len() + attr.len() * 4);
    let mut rest = html;
    while let Some(i) = rest.find("<a") {
        let after = &rest[i + 2..];
        out.push_str(&rest[..i + 2]);
        if after.starts_with([' ', '>', '\n', '\t']) {
            out.push_str(&attr);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Inline Markdown as plain text: emphasis dropped, code kept, links
/// written as `text <url>` (just `<url>` when the text is the URL).
pub fn to_text(md: &str) -> String {
    let mut out = String::new();
    let mut link: Option<(CowStr, usize)> = None;
    for ev in Parser::new_ext(md, options()) {
        match ev {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::Start(Tag::Link { dest_url, .. }) => link = Some((dest_url, out.len())),
            Event::End(TagEnd::Link) => {
                if let Some((url, start)) = link.take() {
                    let text = out.get(start..).unwrap_or("").to_string();
                    if text == url.as_ref() || text.is_empty() {
                        out.truncate(start);
                        out.push_str(&format!("<{url}>"));
                    } else {
                        out.push_str(&format!(" <{url}>"));
                    }
                }
            }
            Event::End(TagEnd::Paragraph) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Wraps `text` at `width` columns (display width: an emoji or a CJK
/// character takes two), never breaking a word (a
/// long URL stays whole on its own line). The first line starts with
/// `first`, the others with `rest`.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::from(first);
    let mut col = first.width();
    let mut at_line_start = true;
    for word in text.split_whitespace() {
        let len = word.width();
        if !at_line_start && col + 1 + len > width {
            out.push('\n');
            out.push_str(rest);
            col = rest.width();
            at_line_start = true;
        }
        if !at_line_start {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
        at_line_start = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_emphasis_and_code_become_html() {
        assert_eq!(
            to_html(
                "New *uv* [package manager](https://github.com/astral-sh/uv) and `pip`",
                false
            ),
            "New <em>uv</em> <a href=\"https://github.com/astral-sh/uv\">package manager</a> and <code>pip</code>"
        );
    }

    #[test]
    fn raw_html_is_escaped_unless_allowed() {
        assert_eq!(
            to_html("a <script>x</script> b", false),
            "a &lt;script&gt;x&lt;/script&gt; b"
        );
        assert_eq!(to_html("a <b>bold</b>", true), "a <b>bold</b>");
        assert_eq!(
            to_html("<img src=x onerror=alert(1)>", false),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
    }

    #[test]
    fn allowed_html_is_sanitized() {
        let cases = [
            // Scripts and styles go with their content.
            ("a <script>alert(1)</script> b", "a  b"),
            ("<style>p{display:none}</style>x", "x"),
            ("<SCRIPT SRC=//x.example/a.js></SCRIPT>y", "y"),
            // Event handlers and style attributes are dropped.
            ("<b onclick=\"alert(1)\">bold</b>", "<b>bold</b>"),
            (
                "<span onmouseover=x style=\"color:red\">s</span>",
                "<span>s</span>",
            ),
            ("<i style=\"display:none\">hidden</i>", "<i>hidden</i>"),
            // Images are dropped, with or without a handler.
            ("<img src=x onerror=alert(1)>t", "t"),
            // Only http, https, mailto and #fragments stay as URLs.
            ("<a href=\"javascript:alert(1)\">j</a>", "<a>j</a>"),
            ("<a href=\" JaVaScRiPt:alert(1)\">j</a>", "<a>j</a>"),
            (
                "<a href=\"data:text/html,<script>alert(1)</script>\">d</a>",
                "<a>d</a>",
            ),
            ("<a href=\"vbscript:x\">v</a>", "<a>v</a>"),
            ("<a href=\"/relative\">r</a>", "<a>r</a>"),
            (
                "<a href=\"https://ok.example/\">ok</a>",
                "<a href=\"https://ok.example/\">ok</a>",
            ),
            (
                "<a href=\"mailto:a@b.example\">m</a>",
                "<a href=\"mailto:a@b.example\">m</a>",
            ),
            ("<a href=\"#top\">f</a>", "<a href=\"#top\">f</a>"),
            // Unknown tags lose the tag, keep the text; frames go.
            ("<blink>x</blink>", "x"),
            ("<iframe src=\"https://x.example\"></iframe>z", "z"),
            ("<svg><script>alert(1)</script></svg>w", "w"),
            ("<form action=https://x.example><input name=p></form>", ""),
        ];
        for (md, want) in cases {
            assert_eq!(to_html(md, true), want, "{md}");
        }
        // Markdown links and markup are untouched by the cleaning.
        assert_eq!(
            to_html("New *uv* [pm](https://github.com/astral-sh/uv) `x`", true),
            "New <em>uv</em> <a href=\"https://github.com/astral-sh/uv\">pm</a> <code>x</code>"
        );
    }

    #[test]
    fn style_links_styles_every_link_and_nothing_else() {
        let html = to_html(
            "[a](https://a.example) <abbr>x</abbr> and [b](mailto:b@c.example)",
            false,
        );
        let styled = style_links(&html, "color:#0b5d3e");
        assert_eq!(
            styled,
            "<a style=\"color:#0b5d3e\" href=\"https://a.example\">a</a> &lt;abbr&gt;x&lt;/abbr&gt; and <a style=\"color:#0b5d3e\" href=\"mailto:b@c.example\">b</a>"
        );
        let allowed = to_html("<abbr>x</abbr> <a href=\"javascript:x\">j</a>", true);
        assert_eq!(
            style_links(&allowed, "a\"b"),
            "<abbr>x</abbr> <a style=\"a&quot;b\">j</a>"
        );
    }

    #[test]
    fn unsafe_link_schemes_lose_the_link() {
        assert_eq!(to_html("[click](javascript:alert(1))", true), "click");
        assert_eq!(
            to_html("[mail](mailto:a@b.c)", false),
            "<a href=\"mailto:a@b.c\">mail</a>"
        );
    }

    #[test]
    fn plain_text_writes_links_with_their_urls() {
        assert_eq!(
            to_text(
                "New developments, including [uv package manager](https://github.com/astral-sh/uv)"
            ),
            "New developments, including uv package manager <https://github.com/astral-sh/uv>"
        );
        assert_eq!(to_text("<https://x.org>"), "<https://x.org>");
        assert_eq!(to_text("**Bold** and `code`"), "Bold and code");
    }

    #[test]
    fn wrap_counts_wide_characters_as_two_columns() {
        let w = wrap("日本 日本 日本", 10, "", "");
        assert_eq!(w, "日本 日本\n日本");
        assert!(w.lines().all(|l| l.width() <= 10));
    }

    #[test]
    fn wrap_respects_the_width_and_keeps_long_words() {
        let w = wrap("aaa bbb ccc ddd", 9, "- ", "  ");
        assert_eq!(w, "- aaa bbb\n  ccc ddd");
        let long = "x".repeat(100);
        let w = wrap(&format!("see {long} now"), 20, "", "");
        assert_eq!(w, format!("see\n{long}\nnow"));
        assert!(
            wrap("a b c d e f g h i j k l m n o p", 10, "", "")
                .lines()
                .all(|l| l.chars().count() <= 10)
        );
    }
}
