//! The field delimiter: recognizing a list separated by another one than
//! the configured delimiter, and naming delimiters in messages.

use crate::error::Error;

/// If the header splits into an `email` column with another usual
/// delimiter, the error that says so.
pub(super) fn other_delimiter(columns: &[String], delimiter: u8, at: &str) -> Option<Error> {
    let header = columns.join(&char::from(delimiter).to_string());
    let (other, words) = [
        (b',', "commas"),
        (b';', "semicolons"),
        (b'\t', "tabs"),
        (b'|', "vertical bars"),
    ]
    .into_iter()
    .filter(|&(d, _)| d != delimiter)
    .find(|&(d, _)| {
        header
            .split(char::from(d))
            .any(|c| c.trim().eq_ignore_ascii_case("email"))
    })?;
    let current = delimiter_name(delimiter);
    let shown = delimiter_shown(other);
    Some(
        Error::input(format!(
            "{at}: the header has no `email` column (found: `{header}`): its columns are separated by {words} ({shown}), not {current}"
        ))
        .with_help(format!(
            "set delimiter = \"{}\" under [subscribers] in config.toml (spreadsheets in many languages save CSV files that way), or save the file with {current}",
            if other == b'\t' { "\\t".to_string() } else { char::from(other).to_string() }
        )),
    )
}

/// The delimiter in words: `commas`, `semicolons`, ...
fn delimiter_name(d: u8) -> String {
    match d {
        b',' => "commas".into(),
        b';' => "semicolons".into(),
        b'\t' => "tabs".into(),
        b'|' => "vertical bars".into(),
        d => format!("`{}`", char::from(d)),
    }
}

/// The delimiter as shown in a message: `;`, or `\t` for a tab.
fn delimiter_shown(d: u8) -> String {
    if d == b'\t' {
        "`\\t`".into()
    } else {
        format!("`{}`", char::from(d))
    }
}
