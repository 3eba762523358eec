//! A category's name: the text of its line with inline markup removed.

use pulldown_cmark::{Event, Parser};

use super::blocks::Events;

/// Reads the inline content of the element just started (a heading or a
/// paragraph) up to its end, and returns its text: emphasis, strong,
/// strikethrough and link markup dropped, code spans and entities as the
/// text they stand for, line breaks as spaces, raw HTML left out.
pub(crate) fn inline_text(events: &mut Events) -> String {
    let mut text = String::new();
    let mut depth = 1usize;
    for (ev, _) in events.by_ref() {
        match ev {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
        if depth == 0 {
            break;
        }
    }
    text
}

/// The plain text of a one-line inline Markdown name, whitespace
/// collapsed: `**Community & Education**` gives `Community & Education`,
/// the same name the parser gives that line. Used to match names recorded
/// before markup was removed from them.
pub fn plain_name(markdown: &str) -> String {
    // An escaped `&` in front keeps the line a paragraph (never a list,
    // heading or quote) without changing how the markup after it parses.
    let src = format!("\\&{}", markdown.trim());
    let mut events = Parser::new(&src).into_offset_iter().peekable();
    let mut text = String::new();
    while let Some((ev, _)) = events.next() {
        if let Event::Start(_) = ev {
            text.push_str(&inline_text(&mut events));
            text.push(' ');
        }
    }
    super::collapse(text.strip_prefix('&').unwrap_or(&text))
}
