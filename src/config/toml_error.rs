//! TOML syntax and shape errors of the config, reworded for organizers:
//! what is wrong in their terms (tables, keys, whole numbers, not serde's
//! `usize` or "variant") and how to fix it.

use crate::error::Diagnostic;

/// The diagnostic for a `toml` parse or deserialization error in `src`.
pub(super) fn diagnostic(src: &str, e: &toml::de::Error) -> Diagnostic {
    let span = e.span().unwrap_or(0..0);
    let message = e.message().trim();
    let at = src.get(span.clone()).unwrap_or("").trim();
    let (message, help) = reword(src, span.start, at, message);
    let mut d = Diagnostic::at(src, span.start, message).help(help);
    if span.start == 0 && !at.starts_with('[') {
        // About the whole file (a missing table): no line to show.
        d.snippet.clear();
    }
    d
}

/// (message, help) for serde's `message`; `at` is the text the error's
/// span covers, starting at byte `start` of `src`.
fn reword(src: &str, start: usize, at: &str, message: &str) -> (String, String) {
    if let Some(field) = quoted_after(message, "missing field ") {
        return missing(at, field);
    }
    if message.starts_with("duplicate key") {
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let key = at.trim_matches(|c| c == '[' || c == ']' || c == '"').trim();
        return if src[line_start..].trim_start().starts_with('[') {
            (
                format!("the table [{key}] appears twice"),
                "a [table] header may appear only once: move these keys into the first one and delete this header".into(),
            )
        } else {
            (
                format!("the key `{key}` is set twice in this table"),
                "keep one of the two lines and delete the other".into(),
            )
        };
    }
    if message.starts_with("unknown field") {
        return (
            message.to_string(),
            "check the spelling; the allowed keys are listed above (see README.md, Configuration)"
                .into(),
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return (
            format!("unknown value {rest}"),
            "use one of the values listed above (in double quotes)".into(),
        );
    }
    if message.starts_with("invalid type") {
        return (
            plain_types(message),
            "check the value's type: strings are quoted, numbers and booleans are not, dates are written 2024-03-04T09:00:00".into(),
        );
    }
    if message.starts_with("invalid value") {
        return (
            plain_types(message),
            "write a whole number in that range".into(),
        );
    }
    if message.starts_with("invalid date") || message.starts_with("invalid time") {
        return (
            message.to_string(),
            "write a date that exists and a 24-hour time, such as 2024-03-04T09:00:00".into(),
        );
    }
    (
        message.to_string(),
        "fix the TOML syntax at this position: strings in double quotes, one `key = value` per line, [table] headers in brackets".into(),
    )
}

/// A required key or table is missing. serde points at the header of the
/// table it is missing from, or at the whole file for a top-level table.
fn missing(at: &str, field: &str) -> (String, String) {
    let table = at.lines().next().filter(|l| l.starts_with('[')).map(|l| {
        l.trim_matches(|c| c == '[' || c == ']' || c == ' ')
            .to_string()
    });
    match table {
        Some(table) => (
            format!("[{table}] has no `{field}`, which is required"),
            format!(
                "add `{field} = ...` under [{table}]; README.md (Configuration) describes each key"
            ),
        ),
        None => (
            format!("the required table [{field}] is missing"),
            format!(
                "add a [{field}] table; `newsletter init` writes a config.toml with every table and key explained"
            ),
        ),
    }
}

/// The first backquoted word after `prefix` in `message`.
fn quoted_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split('`').next()
}

/// Replaces Rust type names in a serde message by words.
fn plain_types(message: &str) -> String {
    let mut out = message.to_string();
    for (rust, words) in [
        ("expected usize", "expected a whole number of 0 or more"),
        ("expected u64", "expected a whole number of 0 or more"),
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected path string", "expected a file path in quotes"),
    ] {
        if let Some(head) = out.strip_suffix(rust) {
            out = format!("{head}{words}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use crate::error::Diagnostic;

    const BASE: &str = "[newsletter]\ntitle = \"T\"\n\n[cfp]\nname = \"C\"\nopens = 2024-03-04T09:00:00\ncloses = 2024-05-17T23:59:00\ntimezone = \"UTC\"\n\n[schedule]\nweekday = \"monday\"\ntime = \"09:00\"\n";

    fn err(src: &str) -> Diagnostic {
        Config::parse(src).unwrap_err()
    }

    #[test]
    fn a_missing_table_is_named_without_pointing_at_a_line() {
        let d = err(&BASE.replace("[cfp]", "[cfp_]").replace("name = \"C\"", ""));
        assert!(
            d.message.starts_with("unknown field `cfp_`"),
            "{}",
            d.message
        );
        let without_cfp = BASE.split("[cfp]").next().unwrap().to_string()
            + "[schedule]\nweekday = \"monday\"\ntime = \"09:00\"\n";
        let d = err(&without_cfp);
        assert_eq!(d.message, "the required table [cfp] is missing");
        assert!(d.help.unwrap().contains("add a [cfp] table"));
        assert_eq!(d.snippet, "");
        let d = err("");
        assert_eq!(d.message, "the required table [newsletter] is missing");
    }

    #[test]
    fn a_missing_key_names_its_table_and_points_at_the_header() {
        let d = err(&BASE.replace("title = \"T\"\n", ""));
        assert_eq!(d.message, "[newsletter] has no `title`, which is required");
        assert_eq!((d.line, d.snippet.as_str()), (1, "[newsletter]"));
        let d = err(&format!("{BASE}\n[[schedule.pin]]\ndate = 2024-03-18\n"));
        assert_eq!(
            d.message,
            "[schedule.pin] has no `category`, which is required"
        );
    }

    #[test]
    fn duplicate_keys_and_tables_are_named() {
        let d = err(&BASE.replace("time = \"09:00\"", "time = \"09:00\"\ntime = \"10:00\""));
        assert_eq!(d.message, "the key `time` is set twice in this table");
        assert_eq!(d.line, 13);
        let d = err(&format!("{BASE}\n[cfp]\nname = \"D\"\n"));
        assert_eq!(d.message, "the table [cfp] appears twice");
        assert_eq!(d.line, 14);
    }

    #[test]
    fn numbers_and_choices_are_described_in_words() {
        let d = err(&format!("{BASE}last_call_days = -2\n"));
        assert_eq!(
            d.message,
            "invalid value: integer `-2`, expected a whole number from 0 to 4294967295"
        );
        let d = err(&format!("{BASE}categories_per_issue = \"2\"\n"));
        assert_eq!(
            d.message,
            "invalid type: string \"2\", expected a whole number of 0 or more"
        );
        let d = err(&format!("{BASE}order = \"random\"\n"));
        assert_eq!(
            d.message,
            "unknown value `random`, expected `listed` or `shuffled`"
        );
        assert!(d.help.unwrap().starts_with("use one of the values"));
    }

    #[test]
    fn impossible_dates_get_date_help() {
        let d = err(&BASE.replace("2024-05-17T23:59:00", "2024-02-30T23:59:00"));
        assert_eq!(d.line, 7);
        assert!(d.message.starts_with("invalid date"), "{}", d.message);
        assert!(d.help.unwrap().contains("a date that exists"));
    }
}
