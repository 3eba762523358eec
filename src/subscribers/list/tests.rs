use super::*;
use crate::subscribers::Scan;

/// A reader over these bytes, named `list.csv` in messages.
fn read(bytes: &[u8]) -> Result<Subscribers> {
    Subscribers::from_reader(
        Box::new(io::Cursor::new(bytes.to_vec())),
        Path::new("list.csv"),
    )
}

fn rows(bytes: &[u8]) -> Vec<Row> {
    read(bytes).unwrap().collect()
}

fn valid(row: &Row) -> &Subscriber {
    match row {
        Row::Valid(s) => s,
        Row::Invalid(r) => panic!("expected a valid row, got {r:?}"),
    }
}

/// An invalid row; its kind follows from the reason's start.
fn invalid(line: u64, reason: &str) -> Row {
    Row::Invalid(invalid_row(line, reason))
}

fn invalid_row(line: u64, reason: &str) -> InvalidRow {
    let problem = if let Some(rest) = reason.strip_prefix("column ") {
        let column = rest.split(' ').next().unwrap().parse().unwrap();
        Problem::Field { column }
    } else if reason.starts_with("the row has") {
        Problem::FieldCount
    } else if reason.starts_with("duplicate") {
        Problem::Duplicate
    } else {
        Problem::Unreadable
    };
    InvalidRow {
        line,
        reason: reason.to_string(),
        problem,
    }
}

/// The file at `path` read whole: valid count and invalid rows.
fn scan(path: &Path) -> Result<(u64, Vec<InvalidRow>)> {
    let s = Scan::read(&SubscribersSettings {
        path: path.to_path_buf(),
        delimiter: b',',
    })?;
    Ok((s.valid, s.invalid))
}

fn err_message(result: Result<Subscribers>) -> (String, u8) {
    let err = result.unwrap_err();
    (err.message().to_string(), err.exit_code())
}

#[test]
fn the_shipped_list_is_clean() {
    // `newsletter init` copies it: a new organizer's first run warns of nothing.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("content/subscribers.csv");
    let (count, invalid_rows) = scan(&path).unwrap();
    assert_eq!((count, invalid_rows), (10, vec![]));
    let list = Subscribers::open(&path).unwrap();
    assert_eq!(list.columns(), ["name", "email", "city"]);
    let all: Vec<Row> = list.collect();
    assert_eq!(all.len(), 10);
    let zoe = valid(&all[2]);
    assert_eq!(zoe.line, 4);
    assert_eq!(zoe.name.as_deref(), Some("Zoë Ångström"));
    assert_eq!(zoe.fields, [("city".to_string(), "Uppsala".to_string())]);
    let ana = valid(&all[3]);
    assert_eq!(ana.email, "ana@xn--bcher-kva.example");
    let grace = valid(&all[5]);
    assert_eq!(grace.email, "grace+cfp@example.org");
    assert_eq!(
        grace.fields,
        [("city".to_string(), "Washington, D.C.".to_string())]
    );
    let devrel = valid(&all[6]);
    assert_eq!((devrel.line, devrel.name.as_ref()), (8, None));
}

#[test]
fn the_list_with_two_bad_rows_has_ten_subscribers_and_names_the_two() {
    // The list `init` used to ship, kept here with its two bad rows.
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/subscribers/two-bad-rows.csv");
    let (count, invalid_rows) = scan(&path).unwrap();
    assert_eq!(count, 10);
    assert_eq!(
        invalid_rows,
        vec![
            invalid_row(
                8,
                "column 2 (`email`): invalid email address `not-an-address`: it has no `@`"
            ),
            invalid_row(10, "duplicate of line 3 (`BOB@example.org`)"),
        ]
    );
}

#[test]
fn duplicates_are_case_insensitive_and_name_the_first_line() {
    let all = rows(
        b"email,name\n\
          ann@example.com,Ann\n\
          bob@example.com,Bob\n\
          ANN@EXAMPLE.COM,Ann again\n\
          Bob@Example.Com,Bob again\n\
          ana@b\xc3\xbccher.example,Ana\n\
          ANA@xn--bcher-kva.EXAMPLE,Ana again\n",
    );
    assert_eq!(all.len(), 6);
    assert_eq!(valid(&all[0]).line, 2);
    assert_eq!(valid(&all[1]).line, 3);
    assert_eq!(
        all[2],
        invalid(4, "duplicate of line 2 (`ANN@example.com`)")
    );
    assert_eq!(
        all[3],
        invalid(5, "duplicate of line 3 (`Bob@example.com`)")
    );
    assert_eq!(valid(&all[4]).email, "ana@xn--bcher-kva.example");
    assert_eq!(
        all[5],
        invalid(7, "duplicate of line 6 (`ANA@xn--bcher-kva.example`)")
    );
}

#[test]
fn an_invalid_row_does_not_claim_its_address() {
    // The first row is invalid (a control character), so the second,
    // with the same address, is the first valid one.
    let all = rows(b"email,name\nann@example.com,\"A\x07\"\nann@example.com,Ann\n");
    assert_eq!(
        all[0],
        invalid(
            2,
            "column 2 (`name`): it contains a control character (U+0007); remove it"
        )
    );
    assert_eq!(valid(&all[1]).line, 3);
}

#[test]
fn line_breaks_in_fields_are_rejected_and_the_stream_goes_on() {
    let all = rows(
        b"email,name,company\n\
          ann@example.com,\"Ann\r\nBcc: victim@example.org\",Acme\n\
          bob@example.com,Bob,\"Acme\nInc\"\n\
          cat@example.com,Cat,\"Acme\rInc\"\n\
          dan@example.com,Dan,Acme\n",
    );
    assert_eq!(
        all,
        vec![
            invalid(
                2,
                "column 2 (`name`): it contains a line break, which is not allowed (it could \
                 inject mail headers); remove it"
            ),
            invalid(
                4,
                "column 3 (`company`): it contains a line break, which is not allowed (it could \
                 inject mail headers); remove it"
            ),
            invalid(
                6,
                "column 3 (`company`): it contains a line break, which is not allowed (it could \
                 inject mail headers); remove it"
            ),
            // The lone CR in Cat's row counts as a line break too.
            Row::Valid(Subscriber {
                line: 8,
                email: "dan@example.com".to_string(),
                key: "dan@example.com".to_string(),
                name: Some("Dan".to_string()),
                fields: vec![("company".to_string(), "Acme".to_string())],
                needs_smtputf8: false,
            }),
        ]
    );
}

#[test]
fn control_characters_are_rejected_in_any_column() {
    let all = rows(
        b"email,name,city\n\
          \"ann@example.com\x00\",Ann,Oslo\n\
          bob@example.com,Bob,\"Os\tlo\"\n\
          cat@example.com,\"Cat \xe2\x80\xa8Lee\",Oslo\n",
    );
    assert_eq!(
        all,
        vec![
            invalid(
                2,
                "column 1 (`email`): it contains a control character (U+0000); remove it"
            ),
            invalid(
                3,
                "column 3 (`city`): it contains a control character (U+0009); remove it"
            ),
            invalid(
                4,
                "column 2 (`name`): it contains a control character (U+2028); remove it"
            ),
        ]
    );
}

#[test]
fn invalid_utf8_makes_only_that_row_invalid() {
    let all = rows(b"email,name,city\nann@example.com,Ann,Oslo\nbob@example.com,B\xffb,Oslo\ncat@example.com,Cat,Bergen\n");
    assert_eq!(valid(&all[0]).line, 2);
    assert_eq!(
        all[1],
        invalid(
            3,
            "column 2 (`name`): it is not valid UTF-8; save the file as UTF-8"
        )
    );
    let cat = valid(&all[2]);
    assert_eq!((cat.line, cat.email.as_str()), (4, "cat@example.com"));
    assert_eq!(all.len(), 3);
}

#[test]
fn invalid_addresses_in_rows_say_which_and_why() {
    let all = rows(
        b"email\n\
          not-an-address\n\
          \"Ann <ann@example.com>\"\n\
          \"  \"\n\
          ann@example.com\n",
    );
    assert_eq!(
        all,
        vec![
            invalid(
                2,
                "column 1 (`email`): invalid email address `not-an-address`: it has no `@`"
            ),
            invalid(
                3,
                "column 1 (`email`): invalid email address `Ann <ann@example.com>`: display-name forms like \
                 `Ann <ann@example.com>` are not accepted; write only the address \
                 (`ann@example.com`) and put the name in the `name` column"
            ),
            invalid(4, "column 1 (`email`): the email address is empty"),
            Row::Valid(Subscriber {
                line: 5,
                email: "ann@example.com".to_string(),
                key: "ann@example.com".to_string(),
                name: None,
                fields: vec![],
                needs_smtputf8: false,
            }),
        ]
    );
}

#[test]
fn email_and_name_are_trimmed_and_other_fields_kept_in_column_order() {
    let all = rows(
        b" Company , EMAIL ,Name,city\n\
          \"Acme, Inc.\",  Ann@Example.com  ,  Ann Lee  , Oslo\n\
          Initech,bob@example.com,   ,Bergen\n",
    );
    let ann = valid(&all[0]);
    assert_eq!(ann.email, "Ann@example.com");
    assert_eq!(ann.name.as_deref(), Some("Ann Lee"));
    assert_eq!(
        ann.fields,
        [
            ("Company".to_string(), "Acme, Inc.".to_string()),
            ("city".to_string(), " Oslo".to_string()),
        ]
    );
    assert_eq!(valid(&all[1]).name, None);
}

#[test]
fn quoted_fields_with_commas_and_quotes() {
    let all = rows(
        b"email,name,note\n\
          ann@example.com,\"Lee, Ann\",\"says \"\"hi\"\", often\"\n",
    );
    let ann = valid(&all[0]);
    assert_eq!(ann.name.as_deref(), Some("Lee, Ann"));
    assert_eq!(
        ann.fields,
        [("note".to_string(), "says \"hi\", often".to_string())]
    );
}

#[test]
fn ragged_rows_are_reported_and_skipped() {
    let all = rows(
        b"email,name,city\n\
          ann@example.com,Ann\n\
          bob@example.com,Bob,Oslo,extra\n\
          cat@example.com\n\
          dan@example.com,Dan,Oslo\n",
    );
    assert_eq!(
        all[..3],
        [
            invalid(2, "the row has 2 fields but the header has 3 columns"),
            invalid(3, "the row has 4 fields but the header has 3 columns"),
            invalid(4, "the row has 1 field but the header has 3 columns"),
        ]
    );
    assert_eq!(valid(&all[3]).line, 5);
    assert_eq!(all.len(), 4);
}

#[test]
fn lines_count_physical_lines_including_blank_ones_and_crlf() {
    let all = rows(b"email\r\n\r\nann@example.com\r\n\r\n\r\nbob@example.com\r\n");
    assert_eq!(valid(&all[0]).line, 3);
    assert_eq!(valid(&all[1]).line, 6);
    assert_eq!(all.len(), 2);
    // Old Mac line ends (a lone CR), and a multi-line quoted field: the
    // next row's line counts the lines inside the field.
    let all =
        rows(b"email,note\r\rann@example.com,x\rbob@example.com,\"a\n\nb\"\ncat@example.com,y");
    let lines: Vec<u64> = all
        .iter()
        .map(|r| match r {
            Row::Valid(s) => s.line,
            Row::Invalid(r) => r.line,
        })
        .collect();
    assert_eq!(lines, [3, 4, 7]);
}

/// Hands out one byte per read, so that every boundary case (a CR at
/// the end of one read and its LF in the next, a BOM split in three)
/// is met.
struct OneByte(io::Cursor<Vec<u8>>);

impl Read for OneByte {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match buf.first_mut() {
            Some(first) => self.0.read(std::slice::from_mut(first)),
            None => Ok(0),
        }
    }
}

#[test]
fn lines_and_bom_are_right_when_reads_are_one_byte_long() {
    let bytes = b"\xef\xbb\xbfemail,note\r\n\r\nann@example.com,x\r\r\nbob@example.com,\"a\r\nb\"\r\ncat@example.com,y\r\n";
    let reader = OneByte(io::Cursor::new(bytes.to_vec()));
    let list = Subscribers::from_reader(Box::new(reader), Path::new("list.csv")).unwrap();
    assert_eq!(list.columns(), ["email", "note"]);
    let lines: Vec<u64> = list
        .map(|r| match r {
            Row::Valid(s) => s.line,
            Row::Invalid(r) => r.line,
        })
        .collect();
    assert_eq!(lines, [3, 5, 7]);
}

#[test]
fn a_bom_before_the_header_is_accepted() {
    let list = read(b"\xef\xbb\xbfemail,name\nann@example.com,Ann\n").unwrap();
    assert_eq!(list.columns(), ["email", "name"]);
    let all: Vec<Row> = list.collect();
    assert_eq!(valid(&all[0]).email, "ann@example.com");
    // Also before a quoted header name.
    let list = read(b"\xef\xbb\xbf\"Email\"\nann@example.com\n").unwrap();
    assert_eq!(list.columns(), ["Email"]);
    // A file that is only a BOM has no header.
    let (msg, _) = err_message(read(b"\xef\xbb\xbf"));
    assert!(msg.contains("has no header row"), "{msg}");
}

#[test]
fn header_errors_name_the_file_and_are_bad_input() {
    assert_eq!(
        err_message(read(b"")),
        (
            "list.csv: the subscriber list has no header row; the first line must name the \
             columns, such as `email,name`"
                .to_string(),
            2
        )
    );
    assert_eq!(
        err_message(read(b"\n\n")).0,
        "list.csv: the subscriber list has no header row; the first line must name the \
         columns, such as `email,name`"
    );
    assert_eq!(
        err_message(read(b"name,address\nAnn,ann@example.com\n")),
        (
            "list.csv:1: the header has no `email` column (found: `name`, `address`); add \
             an `email` column with the addresses"
                .to_string(),
            2
        )
    );
    assert_eq!(
        err_message(read(b"ann@example.com,Ann\n")).0,
        "list.csv:1: the header has no `email` column (found: `ann@example.com`, `Ann`); \
         the first line looks like a subscriber, not a header: add a header line such as \
         `email,name` above it"
    );
    assert_eq!(
        err_message(read(b"email,n\xe4me\n")),
        (
            "list.csv:1: column 2 of the header is not valid UTF-8; save the file as UTF-8"
                .to_string(),
            2
        )
    );
    assert_eq!(
        err_message(read(b"email,Name,city,NAME\n")),
        (
            "list.csv:1: the header names the column `NAME` twice (columns 2 and 4); column \
             names must be unique, ignoring case"
                .to_string(),
            2
        )
    );
    assert_eq!(
        err_message(read(b"email,name,\n")).0,
        "list.csv:1: column 3 of the header has no name; name it or delete the column"
    );
}

#[test]
fn a_header_only_file_has_no_rows() {
    let list = read(b"email,name\n").unwrap();
    assert_eq!(list.columns(), ["email", "name"]);
    assert_eq!(list.count(), 0);
}

#[test]
fn open_rejects_a_missing_file_and_a_directory() {
    const HINT: &str = "`path` under [subscribers] in config.toml names the list, \
                        a CSV file with an `email` column; create it or correct the path";
    let dir = tempfile::tempdir().unwrap();
    let err = Subscribers::open(dir.path()).unwrap_err();
    assert_eq!(
        err.message(),
        format!(
            "cannot read the subscriber list {}: it is a folder, not a file",
            dir.path().display()
        )
    );
    assert_eq!(err.help(), Some(HINT));
    assert_eq!(err.exit_code(), 2);

    let missing = dir.path().join("subscribers.csv");
    let err = scan(&missing).unwrap_err();
    assert_eq!(
        err.message(),
        format!(
            "cannot read the subscriber list {}: no such file or folder",
            missing.display()
        )
    );
    assert_eq!(err.help(), Some(HINT));
    assert_eq!(err.exit_code(), 2);

    std::fs::write(&missing, "").unwrap();
    let err = scan(&missing).unwrap_err();
    assert_eq!(
        err.message(),
        format!(
            "{}: the subscriber list has no header row; the first line must name the \
             columns, such as `email,name`",
            missing.display()
        )
    );
}

/// Serves `data`, then fails.
struct FailAfter {
    data: io::Cursor<Vec<u8>>,
}

impl Read for FailAfter {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.data.read(buf)? {
            0 => Err(io::Error::other("disk on fire")),
            n => Ok(n),
        }
    }
}

#[test]
fn an_io_error_mid_file_ends_the_stream_with_an_invalid_row() {
    let reader = FailAfter {
        data: io::Cursor::new(b"email\nann@example.com\nbob@example.com\n".to_vec()),
    };
    let all: Vec<Row> = Subscribers::from_reader(Box::new(reader), Path::new("list.csv"))
        .unwrap()
        .collect();
    assert_eq!(all.len(), 3);
    assert_eq!(valid(&all[1]).line, 3);
    assert_eq!(
        all[2],
        invalid(
            4,
            "reading list.csv stopped at line 4: disk on fire; the rows after it were not read"
        )
    );
}

#[test]
fn an_io_error_in_the_header_is_a_failed_operation() {
    let reader = FailAfter {
        data: io::Cursor::new(b"ema".to_vec()),
    };
    let err = Subscribers::from_reader(Box::new(reader), Path::new("list.csv")).unwrap_err();
    assert_eq!(
        (err.message(), err.exit_code()),
        ("cannot read the subscriber list list.csv: disk on fire", 1)
    );
}

/// Generates a header and `total` distinct rows on the fly, one row in
/// memory at a time.
struct Generated {
    next: u64,
    total: u64,
    line: Vec<u8>,
    pos: usize,
}

impl Generated {
    fn new(total: u64) -> Self {
        Generated {
            next: 0,
            total,
            line: b"email,name,city\n".to_vec(),
            pos: 0,
        }
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.line.len() {
            if self.next == self.total {
                return Ok(0);
            }
            let n = self.next;
            self.next += 1;
            self.line.clear();
            self.line.extend_from_slice(
                format!(
                    "user{n}@example{}.com,\"User {n}, Esq.\",City {}\n",
                    n % 97,
                    n % 13
                )
                .as_bytes(),
            );
            self.pos = 0;
        }
        let rest = &self.line[self.pos..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn a_generated_stream_of_200_000_rows_is_all_valid() {
    const TOTAL: u64 = 200_000;
    let list =
        Subscribers::from_reader(Box::new(Generated::new(TOTAL)), Path::new("gen.csv")).unwrap();
    let mut count = 0u64;
    let mut last_line = 0;
    for row in list {
        let s = valid(&row);
        assert_eq!(s.line, count + 2);
        count += 1;
        last_line = s.line;
    }
    assert_eq!(count, TOTAL);
    assert_eq!(last_line, TOTAL + 1);
}

#[test]
fn a_semicolon_separated_list_is_recognized_and_the_setting_named() {
    let list = b"name;email;city\nAna;ana@example.com;Lisbon\n";
    let err = read(list).unwrap_err();
    assert_eq!(
        err.message(),
        "list.csv:1: the header has no `email` column (found: `name;email;city`): its columns are separated by semicolons (`;`), not commas"
    );
    assert!(
        err.help()
            .unwrap()
            .starts_with("set delimiter = \";\" under [subscribers] in config.toml"),
        "{:?}",
        err.help()
    );
    assert_eq!(err.exit_code(), 2);
    // Tabs and vertical bars too; and the other way round.
    let err = read(b"name\temail\n").unwrap_err();
    assert!(
        err.message()
            .ends_with("separated by tabs (`\\t`), not commas"),
        "{}",
        err.message()
    );
    assert!(err.help().unwrap().starts_with("set delimiter = \"\\t\""));
    let err = Subscribers::from_reader_with(
        Box::new(io::Cursor::new(b"name,email\n".to_vec())),
        Path::new("list.csv"),
        b';',
    )
    .unwrap_err();
    assert!(
        err.message()
            .ends_with("separated by commas (`,`), not semicolons"),
        "{}",
        err.message()
    );
    // No usual delimiter finds an email column: the message as before.
    let err = read(b"name;mail\n").unwrap_err();
    assert!(
        err.message()
            .contains("no `email` column (found: `name;mail`); add"),
        "{}",
        err.message()
    );
}

#[test]
fn the_delimiter_setting_reads_a_semicolon_separated_list() {
    let all: Vec<Row> = Subscribers::from_reader_with(
        Box::new(io::Cursor::new(
            "name;email;city\nGrace;grace@example.org;\"Washington; D.C.\"\n"
                .as_bytes()
                .to_vec(),
        )),
        Path::new("list.csv"),
        b';',
    )
    .unwrap()
    .collect();
    let grace = valid(&all[0]);
    assert_eq!(grace.email, "grace@example.org");
    assert_eq!(
        grace.fields,
        [("city".to_string(), "Washington; D.C.".to_string())]
    );
}

#[test]
fn a_scan_counts_rows_with_the_wrong_number_of_fields_and_says_how_to_fix_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    std::fs::write(
        &path,
        "email,name,city\na@example.com,A,Oslo\nb@example.com,B,Washington, D.C.\nc@example.com\nnot-an-address,D,Oslo\n",
    )
    .unwrap();
    let scan = Scan::read(&SubscribersSettings {
        path: path.clone(),
        delimiter: b',',
    })
    .unwrap();
    assert_eq!(
        (scan.valid, scan.invalid.len(), scan.wrong_field_count()),
        (1, 3, 2)
    );
    let warnings = scan.warnings();
    let p = path.display();
    assert_eq!(
        warnings[..3],
        [
            format!("{p}:3: the row has 4 fields but the header has 3 columns"),
            format!("{p}:4: the row has 1 field but the header has 3 columns"),
            format!(
                "{p}:5: column 1 (`email`): invalid email address `not-an-address`: it has no `@`"
            ),
        ]
    );
    assert!(
        warnings[3].starts_with(&format!(
            "{p}: 2 rows had a number of fields other than the header's 3 columns and were skipped; put a value that holds the delimiter in double quotes"
        )),
        "{}",
        warnings[3]
    );
    assert_eq!(warnings.len(), 4);
}
