use std::path::{Path, PathBuf};

use super::*;

#[test]
fn line_col_counts_characters_and_lines() {
    let src = "ab\nçd\r\nef";
    assert_eq!(line_col(src, 0), (1, 1));
    assert_eq!(line_col(src, 3), (2, 1));
    assert_eq!(line_col(src, 5), (2, 2)); // after the two-byte ç
    assert_eq!(line_col(src, 8), (3, 1));
    assert_eq!(line_col(src, 999), (3, 3));
}

#[test]
fn diagnostic_shows_the_line_and_a_caret() {
    let src = "one\r\n  two\n";
    let d = Diagnostic::at(src, 7, "bad").help("fix it");
    assert_eq!((d.line, d.col), (2, 3));
    let expected = "f.md:2:3: bad\n  |\n2 |   two\n  |   ^\nhelp: fix it";
    assert_eq!(d.render(Path::new("f.md")), expected);
    // As an error: the same text, from fields.
    let e = d.into_error(Path::new("f.md"));
    assert_eq!(e.to_string(), expected);
    assert_eq!(e.message(), "bad");
    assert_eq!(e.help(), Some("fix it"));
    let at = e.location().unwrap();
    assert_eq!(at.path, PathBuf::from("f.md"));
    assert_eq!(at.position.as_ref().map(|p| (p.line, p.col)), Some((2, 3)));
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn help_and_file_are_rendered_around_the_message() {
    let e = Error::input("no issue goes out")
        .in_file(Path::new("config.toml"))
        .with_help("check the dates");
    assert_eq!(
        e.to_string(),
        "config.toml: no issue goes out\nhelp: check the dates"
    );
    assert_eq!(e.message(), "no issue goes out");
}

#[test]
fn context_prefixes_the_message_and_keeps_the_rest() {
    let io = std::io::Error::other("disk on fire");
    let e = Error::failed("cannot write")
        .with_help("free some space")
        .with_source(io)
        .context("issue 3");
    assert_eq!(e.kind(), Kind::Failed);
    assert_eq!(e.exit_code(), 1);
    assert_eq!(e.message(), "issue 3: cannot write");
    assert_eq!(e.help(), Some("free some space"));
    assert!(std::error::Error::source(&e).is_some());
    assert_eq!(
        e.to_string(),
        "issue 3: cannot write\nhelp: free some space"
    );

    let located = Diagnostic::at("x = 1\n", 4, "bad")
        .into_error(Path::new("c.toml"))
        .context("while checking");
    assert_eq!(
        located.to_string(),
        "c.toml:1:5: while checking: bad\n  |\n1 | x = 1\n  |     ^"
    );
    assert_eq!(located.kind(), Kind::Input);
}

#[test]
fn io_errors_name_the_path_keep_the_io_kind_and_pick_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let err = read_text(dir.path()).unwrap_err();
    assert!(err.message().contains(&dir.path().display().to_string()));
    assert_eq!(err.io_kind(), Some(std::io::ErrorKind::IsADirectory));
    assert_eq!(err.exit_code(), 2);
    let missing = dir.path().join("nope.toml");
    let err = read_text(&missing).unwrap_err();
    assert!(err.message().contains("no such file"), "{}", err.message());
    assert_eq!(err.io_kind(), Some(std::io::ErrorKind::NotFound));
    assert_eq!(err.exit_code(), 2);
    let other = Error::io("write", &missing, std::io::Error::other("disk on fire"));
    assert_eq!(other.exit_code(), 1);
    assert_eq!(other.io_kind(), Some(std::io::ErrorKind::Other));
}

#[test]
fn read_text_rejects_invalid_utf8_with_a_position_and_drops_a_bom() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.md");
    std::fs::write(&p, b"ok\nab\xff").unwrap();
    let err = read_text(&p).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("t.md:2:3: the file is not valid UTF-8 text (byte 5); save it as UTF-8"),
        "{err}"
    );
    assert_eq!(err.location().map(|l| l.path.clone()), Some(p.clone()));
    assert_eq!(err.exit_code(), 2);
    std::fs::write(&p, "\u{feff}# T").unwrap();
    assert_eq!(read_text(&p).unwrap(), "# T");
}

#[test]
fn results_stay_small() {
    // clippy's result_large_err limit: the location is boxed to stay under it.
    assert!(std::mem::size_of::<Error>() <= 128);
}

#[test]
fn a_note_is_printed_last_and_keeps_kind_help_and_cause() {
    let failed = Error::failed("cannot read x")
        .with_help("try y")
        .with_source(std::io::Error::other("disk"))
        .with_note("in issue 2");
    assert_eq!(failed.exit_code(), 1);
    assert_eq!(
        failed.to_string(),
        "cannot read x\nhelp: try y\nnote: in issue 2"
    );
    assert!(std::error::Error::source(&failed).is_some());
    let input = Error::input("bad x").with_note("in issue 2");
    assert_eq!(input.exit_code(), 2);
}

#[test]
fn control_characters_from_files_are_escaped_where_errors_are_rendered() {
    // A config value with ESC, CR and LF in it (as TOML escapes would give).
    let src = "timezone = \"\u{1b}[31mRed\r\nZone\"\n";
    let e = Diagnostic::at(src, 11, "unknown time zone `\u{1b}[31mRed\r\nZone`")
        .help("did you mean `a\u{7}b`?")
        .into_error(Path::new("c\u{1b}.toml"));
    let shown = e.to_string();
    assert_eq!(
        shown,
        "c\\u{1b}.toml:1:12: unknown time zone `\\u{1b}[31mRed\\r\\nZone`\n  |\n1 | timezone = \"\\u{1b}[31mRed\n  |            ^\nhelp: did you mean `a\\u{7}b`?"
    );
    assert!(!shown.contains(['\u{1b}', '\r', '\u{7}']));
    // The caret stays under its character after an escape on the line.
    let d = Diagnostic::at("a\u{1b}b = x\n", 6, "bad");
    let shown = d.render(Path::new("f"));
    assert!(
        shown.contains("1 | a\\u{1b}b = x\n  |            ^"),
        "{shown}"
    );
    // An unlocated message may span lines on purpose; its other control
    // characters are escaped all the same.
    let e = Error::input("first\nnote: second \u{1b}[2J");
    assert_eq!(e.to_string(), "first\nnote: second \\u{1b}[2J");
    assert_eq!(e.message(), "first\nnote: second \u{1b}[2J");
}
