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
    if let Some(rest) = message.strip_prefix("invalid type: ")
        && let Some((_, expected)) = rest.split_once(", expected ")
    {
        return wrong_type(src, start, at, expected);
    }
    if message.starts_with("wanted string or table") {
        let (key, ..) = key_at(src, start);
        return (
            format!(
                "{key} must be one of its values in double quotes, not {}",
                toml_kind(at)
            ),
            "use one of the values listed in README.md (Configuration), in double quotes".into(),
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

/// The value at byte `start` (text `at`) has the wrong type; serde
/// `expected` one of its words ("a string", "a sequence", "usize", ...).
/// The message names the key and both types in TOML's words; the help
/// shows the line rewritten with the value in the expected shape.
fn wrong_type(src: &str, start: usize, at: &str, expected: &str) -> (String, String) {
    let (key, short, in_list) = key_at(src, start);
    let wanted = match expected {
        "a string" => "a string in double quotes",
        "a sequence" => "a list in square brackets",
        "a boolean" => "true or false (without quotes)",
        "path string" => "a file path in double quotes",
        "a TOML datetime" => "a date-time without quotes",
        other => plain_type(other).unwrap_or(other),
    };
    if at.starts_with('[') && in_list.is_none() {
        // A [table] header where the key is something else.
        return if expected == "a sequence" {
            (
                format!("[{key}] must be written [[{key}]]: it is a list of tables"),
                format!("write each [[{key}]] header with double brackets, one per entry"),
            )
        } else {
            (
                format!("{key} must be {wanted}, not a table"),
                format!("write `{short} = ...` under its table instead of a [{key}] header"),
            )
        };
    }
    let found = toml_kind(at);
    let unquoted = at.trim_matches(|c| c == '"' || c == '\'');
    if let Some(list) = in_list {
        return (
            format!("each item of {key} must be {wanted}, not {found}"),
            format!("write the items in double quotes: {short} = {list}"),
        );
    }
    let message = format!("{key} must be {wanted}, not {found}");
    let help = if expected == "a sequence" {
        format!("write the value as a list: {short} = [{at}]")
    } else if matches!(expected, "a string" | "path string") {
        match time_of_day(at) {
            Some(hhmm) => format!("write the time in double quotes as HH:MM: {short} = \"{hhmm}\""),
            None if at.starts_with('{') => {
                format!("write the value itself in double quotes: {short} = \"...\"")
            }
            None => format!("put the value in double quotes: {short} = \"{unquoted}\""),
        }
    } else if expected == "a TOML datetime" {
        if unquoted.parse::<toml::value::Datetime>().is_ok() {
            // The value itself is a date or date-time: only the quotes are wrong.
            format!("remove the quotes: {short} = {unquoted}")
        } else if short == "date" {
            "write a date without quotes, as YYYY-MM-DD".to_string()
        } else {
            "write a date and a time without quotes, as YYYY-MM-DDTHH:MM:SS".to_string()
        }
    } else if expected == "a boolean" {
        format!("write {short} = true or {short} = false")
    } else if at.starts_with(['"', '\'']) && unquoted.parse::<u64>().is_ok() {
        format!("remove the quotes: {short} = {unquoted}")
    } else {
        format!("write {wanted}; README.md (Configuration) describes {key}")
    };
    (message, help)
}

/// The dotted name of the key (or table header) on the line of byte
/// `start`, the key as written on that line, and, when `start` is inside
/// a list (`key = [1, 2]`), the list with its items quoted.
fn key_at(src: &str, start: usize) -> (String, String, Option<String>) {
    let start = start.min(src.len());
    let line_start = src
        .get(..start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = src
        .get(line_start..)
        .unwrap_or("")
        .lines()
        .next()
        .unwrap_or("");
    let header = |l: &str| {
        l.trim()
            .trim_matches(|c| c == '[' || c == ']')
            .trim()
            .to_string()
    };
    if line.trim_start().starts_with('[') {
        let h = header(line);
        return (h.clone(), h, None);
    }
    let (key, value) = line.split_once('=').unwrap_or((line, ""));
    let key = key.trim().to_string();
    let value = value.trim();
    let in_list = (value.starts_with('[') && start > line_start + line.find('[').unwrap_or(0))
        .then(|| {
            let items: Vec<String> = value
                .trim_matches(|c| c == '[' || c == ']')
                .split(',')
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .map(|i| format!("\"{}\"", i.trim_matches(|c| c == '"' || c == '\'')))
                .collect();
            format!("[{}]", items.join(", "))
        });
    let table = src
        .get(..line_start)
        .unwrap_or("")
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('['))
        .map(header);
    match table {
        Some(t) if !t.is_empty() => (format!("{t}.{key}"), key, in_list),
        _ => (key.clone(), key, in_list),
    }
}

/// What a TOML value written `at` is, in TOML's words.
fn toml_kind(at: &str) -> String {
    let first = at.chars().next().unwrap_or(' ');
    match first {
        '"' | '\'' => format!("a string ({at})"),
        '[' => "a list".into(),
        '{' => "a table".into(),
        _ if at == "true" || at == "false" => format!("the boolean {at}"),
        _ if at.contains(':') || at.get(4..5) == Some("-") => {
            format!("a date or time written without quotes ({at})")
        }
        _ => format!("the number {at}"),
    }
}

/// `HH:MM` for a TOML local time such as `10:00` or `10:00:00`.
fn time_of_day(at: &str) -> Option<String> {
    // A date-time given where a time of day is wanted: its time part.
    let at = at.rsplit(['T', 't', ' ']).next().unwrap_or(at);
    let t = chrono::NaiveTime::parse_from_str(at, "%H:%M:%S")
        .or_else(|_| chrono::NaiveTime::parse_from_str(at, "%H:%M"))
        .ok()?;
    Some(t.format("%H:%M").to_string())
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
    match message
        .rsplit_once("expected ")
        .and_then(|(head, rust)| Some((head, plain_type(rust)?)))
    {
        Some((head, words)) => format!("{head}expected {words}"),
        None => message.to_string(),
    }
}

/// A Rust type name serde expected, in words.
fn plain_type(rust: &str) -> Option<&'static str> {
    Some(match rust {
        "usize" | "u64" => "a whole number of 0 or more",
        "u32" => "a whole number from 0 to 4294967295",
        "u16" => "a whole number from 1 to 65535",
        "path string" => "a file path in quotes",
        _ => return None,
    })
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
            "schedule.categories_per_issue must be a whole number of 0 or more, not a string (\"2\")"
        );
        assert_eq!(
            d.help.unwrap(),
            "remove the quotes: categories_per_issue = 2"
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

    #[test]
    fn a_wrong_type_names_the_key_and_shows_the_line_rewritten() {
        let base = BASE.replace("time = \"09:00\"\n", "");
        let d = err(&format!("{base}time = 10:00:00\n"));
        assert_eq!(
            d.message,
            "schedule.time must be a string in double quotes, not a date or time written without quotes (10:00:00)"
        );
        assert_eq!(
            d.help.unwrap(),
            "write the time in double quotes as HH:MM: time = \"10:00\""
        );
        let d = err(&format!("{base}time = 2024-03-04T07:30:00\n"));
        assert!(d.help.unwrap().ends_with("time = \"07:30\""));
        let d = err(&format!("{BASE}exclude = \"Security\"\n"));
        assert_eq!(
            d.message,
            "schedule.exclude must be a list in square brackets, not a string (\"Security\")"
        );
        assert_eq!(
            d.help.unwrap(),
            "write the value as a list: exclude = [\"Security\"]"
        );
        let d = err(&format!("{BASE}exclude = [\"A\", 2]\n"));
        assert_eq!(
            d.message,
            "each item of schedule.exclude must be a string in double quotes, not the number 2"
        );
        assert_eq!(
            d.help.unwrap(),
            "write the items in double quotes: exclude = [\"A\", \"2\"]"
        );
        let d = err(&format!("{BASE}include_hidden = \"yes\"\n"));
        assert_eq!(
            d.help.unwrap(),
            "write include_hidden = true or include_hidden = false"
        );
        let d = err(&format!("{BASE}[schedule.pin]\ncategory = \"A\"\n"));
        assert_eq!(
            d.message,
            "[schedule.pin] must be written [[schedule.pin]]: it is a list of tables"
        );
        let d = err(&BASE.replace("title = \"T\"", "title = 2024"));
        assert_eq!(
            d.message,
            "newsletter.title must be a string in double quotes, not the number 2024"
        );
        assert_eq!(
            d.help.unwrap(),
            "put the value in double quotes: title = \"2024\""
        );
        let d = err(&format!(
            "{BASE}[[schedule.pin]]\ncategory = \"A\"\ndate = \"2024-04-01\"\n"
        ));
        assert_eq!(d.help.unwrap(), "remove the quotes: date = 2024-04-01");
        let d = err(&BASE.replace("2024-03-04T09:00:00", "\"March 4\""));
        assert_eq!(
            d.help.unwrap(),
            "write a date and a time without quotes, as YYYY-MM-DDTHH:MM:SS"
        );
        // No help about dates where no date is involved.
        for src in [
            format!("{BASE}exclude = \"Security\"\n"),
            format!("{BASE}seed = \"x\"\n"),
            format!("{BASE}order = 1\n"),
        ] {
            let help = err(&src).help.unwrap();
            assert!(!help.contains("2024"), "{help}");
        }
    }
}
