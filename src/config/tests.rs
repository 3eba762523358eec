use super::*;

const MINIMAL: &str = r#"
[newsletter]
title = "CFP Weekly"

[cfp]
name = "DjangoCon US 2024"
opens = 2024-03-04T00:00:00
closes = 2024-04-24T23:59:00
timezone = "America/New_York"

[schedule]
weekday = "monday"
time = "09:00"
"#;

fn with(extra: &str) -> String {
    format!("{MINIMAL}\n{extra}")
}

fn err(src: &str) -> Diagnostic {
    Config::parse(src).unwrap_err()
}

#[test]
fn minimal_config_gets_defaults() {
    let c = Config::parse(MINIMAL).unwrap();
    assert_eq!(c.newsletter.language, "en");
    assert_eq!(c.schedule.weekday, Weekday::Mon);
    assert_eq!(c.schedule.time, NaiveTime::from_hms_opt(9, 0, 0).unwrap());
    assert_eq!(c.schedule.timezone.tz, chrono_tz::America::New_York);
    assert_eq!(c.schedule.categories_per_issue, 1);
    assert_eq!(c.schedule.order, Order::Listed);
    assert_eq!(c.delivery.transport, TransportKind::Outbox);
    assert_eq!(c.smtp.security, Security::Starttls);
    assert_eq!(c.smtp.port, 587);
    assert_eq!(c.content.topics, PathBuf::from("content/topics.md"));
    assert_eq!(c.state.path, PathBuf::from("state/newsletter.db"));
    assert!(c.newsletter.from.is_none());
    assert!(c.from_address().is_err());
}

#[test]
fn the_shipped_config_parses_with_every_section() {
    let src = include_str!("../../config.toml");
    let c = Config::parse(src).unwrap();
    assert_eq!(c.cfp.timezone.name, "America/New_York");
    assert_eq!(c.schedule.weekday, Weekday::Mon);
    assert_eq!(c.delivery.transport, TransportKind::Outbox);
    assert!(c.newsletter.from.is_some());
}

#[test]
fn unknown_key_names_the_key_position_and_allowed_keys() {
    let d = err(&MINIMAL.replace("title =", "titel ="));
    assert_eq!((d.line, d.col), (3, 1));
    assert!(d.message.contains("unknown field `titel`"), "{}", d.message);
    assert!(d.message.contains("`title`"), "{}", d.message);
    assert!(d.message.contains("`base_url`"), "{}", d.message);
}

#[test]
fn missing_required_section_is_reported() {
    let d = err("[newsletter]\ntitle = \"x\"\n");
    assert_eq!(d.message, "the required table [cfp] is missing");
}

#[test]
fn closes_before_opens_points_at_closes() {
    let d = err(&MINIMAL.replace(
        "closes = 2024-04-24T23:59:00",
        "closes = 2024-03-01T00:00:00",
    ));
    assert_eq!(d.line, 8);
    assert_eq!(
        d.message,
        "cfp.closes (2024-03-01 00:00:00) is not after cfp.opens (2024-03-04 00:00:00)"
    );
}

#[test]
fn offset_datetimes_and_bare_dates_are_rejected() {
    let d = err(&MINIMAL.replace(
        "opens = 2024-03-04T00:00:00",
        "opens = 2024-03-04T00:00:00Z",
    ));
    assert_eq!(d.message, "cfp.opens has a UTC offset");
    let d = err(&MINIMAL.replace("opens = 2024-03-04T00:00:00", "opens = 2024-03-04"));
    assert_eq!(d.message, "cfp.opens needs both a date and a time");
    let d = err(&MINIMAL.replace("opens = 2024-03-04T00:00:00", "opens = \"March 4\""));
    assert_eq!(
        d.message,
        "cfp.opens must be a date-time without quotes, not a string (\"March 4\")"
    );
}

#[test]
fn unknown_time_zone_suggests_names() {
    let d = err(&MINIMAL.replace("America/New_York", "America/NewYork"));
    assert_eq!(d.message, "unknown time zone `America/NewYork`");
    assert_eq!(d.line, 9);
    assert!(d.help.unwrap().contains("America/New_York"));
}

#[test]
fn aoe_closing_is_accepted() {
    let c =
        Config::parse(&MINIMAL.replace("timezone = \"America/New_York\"", "timezone = \"AoE\""))
            .unwrap();
    assert_eq!(c.cfp.closes_at().to_rfc3339(), "2024-04-24T23:59:00-12:00");
}

#[test]
fn bad_weekday_and_time() {
    let d = err(&MINIMAL.replace("\"monday\"", "\"mondy\""));
    assert_eq!(d.message, "`mondy` is not a day of the week");
    assert_eq!((d.line, d.col), (12, 11));
    let d = err(&MINIMAL.replace("\"09:00\"", "\"9am\""));
    assert_eq!(d.message, "`9am` is not a time of day");
    assert!(Config::parse(&MINIMAL.replace("\"monday\"", "\"Mon\"")).is_ok());
}

#[test]
fn zero_categories_per_issue_is_an_error() {
    let src = MINIMAL.replace(
        "time = \"09:00\"",
        "time = \"09:00\"\ncategories_per_issue = 0",
    );
    assert_eq!(err(&src).message, "schedule.categories_per_issue is 0");
}

#[test]
fn pins_must_be_send_days_inside_the_cfp() {
    let pin = |date: &str| {
        with(&format!(
            "[[schedule.pin]]\ncategory = \"API\"\ndate = {date}\n"
        ))
    };
    assert!(Config::parse(&pin("2024-03-18")).is_ok());
    assert_eq!(
        err(&pin("2024-03-19")).message,
        "pin date 2024-03-19 is a tuesday, not a send day (monday)"
    );
    assert_eq!(
        err(&pin("2024-05-06")).message,
        "pin date 2024-05-06 is outside the CFP (2024-03-04 to 2024-04-24)"
    );
    assert_eq!(err(&pin("2024-05-06")).line, 17);
}

#[test]
fn last_call_must_fall_inside_the_cfp() {
    let src = MINIMAL.replace("time = \"09:00\"", "time = \"09:00\"\nlast_call_days = 60");
    assert!(
        err(&src)
            .message
            .starts_with("schedule.last_call_days = 60 falls before the CFP opens")
    );
}

#[test]
fn urls_and_mailboxes_are_validated() {
    let d = err(&MINIMAL.replace(
        "title = \"CFP Weekly\"",
        "title = \"CFP Weekly\"\nbase_url = \"javascript:alert(1)\"",
    ));
    assert_eq!(
        d.message,
        "newsletter.base_url `javascript:alert(1)` is not an absolute https or http URL"
    );
    let d = err(&MINIMAL.replace(
        "title = \"CFP Weekly\"",
        "title = \"CFP Weekly\"\nfrom = \"not an address\"",
    ));
    assert_eq!(d.message, "`not an address` is not a valid mailbox");
    let c = Config::parse(&MINIMAL.replace(
        "title = \"CFP Weekly\"",
        "title = \"CFP Weekly\"\nbase_url = \"https://example.org/news/\"",
    ))
    .unwrap();
    assert_eq!(
        c.newsletter.base_url.as_deref(),
        Some("https://example.org/news")
    );
}

#[test]
fn wrong_types_and_enum_values_are_reported() {
    let d = err(&with("[delivery]\ntransport = \"smpt\"\n"));
    assert!(d.message.contains("unknown value `smpt`"), "{}", d.message);
    assert_eq!(d.line, 16);
    let d = err(&with("[delivery]\nconcurrency = \"four\"\n"));
    assert_eq!(
        d.message,
        "delivery.concurrency must be a whole number of 0 or more, not a string (\"four\")"
    );
    let d = err(&with("[delivery]\nconcurrency = 0\n"));
    assert_eq!(d.message, "delivery.concurrency must be from 1 to 256");
}

#[test]
fn broken_toml_points_at_the_position() {
    let d = err("[newsletter]\ntitle = \"unterminated\n");
    assert_eq!(d.line, 2);
    assert!(!d.message.is_empty());
}

#[test]
fn from_file_resolves_paths_against_the_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("proj");
    std::fs::create_dir(&sub).unwrap();
    let p = sub.join("config.toml");
    std::fs::write(&p, with("[state]\npath = \"/abs/state.db\"\n")).unwrap();
    let c = Config::from_file(&p).unwrap();
    assert_eq!(c.content.topics, sub.join("content/topics.md"));
    assert_eq!(c.state.path, PathBuf::from("/abs/state.db"));
    assert_eq!(c.path, p);
}

#[test]
fn from_file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config.toml");
    std::fs::write(&p, MINIMAL.replace("title =", "titel =")).unwrap();
    let e = Config::from_file(&p).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("{}:3:1: unknown field `titel`", p.display())),
        "{}",
        e.to_string()
    );
    assert_eq!(e.exit_code(), 2);
    let e = Config::from_file(&dir.path().join("missing.toml")).unwrap_err();
    assert!(
        e.to_string().contains("newsletter init"),
        "{}",
        e.to_string()
    );
    assert_eq!(e.io_kind(), Some(std::io::ErrorKind::NotFound));
    assert!(e.help().is_some_and(|h| h.contains("newsletter init")));
    assert!(!e.message().contains("help:"), "{}", e.message());
    // A folder: the config inside it is suggested when there is one.
    let e = Config::from_file(dir.path()).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(
        e.to_string()
            .ends_with(&format!("help: did you mean --config {}?", p.display())),
        "{}",
        e.to_string()
    );
    std::fs::remove_file(&p).unwrap();
    let e = Config::from_file(dir.path()).unwrap_err();
    assert!(
        e.to_string().contains("not its folder"),
        "{}",
        e.to_string()
    );
}

#[test]
fn dst_gap_moves_forward_and_fold_takes_the_earlier() {
    let ny = chrono_tz::America::New_York;
    let gap = NaiveDate::from_ymd_opt(2024, 3, 10)
        .unwrap()
        .and_hms_opt(2, 30, 0)
        .unwrap();
    assert_eq!(
        resolve_local(ny, gap).to_rfc3339(),
        "2024-03-10T03:00:00-04:00"
    );
    let fold = NaiveDate::from_ymd_opt(2024, 11, 3)
        .unwrap()
        .and_hms_opt(1, 30, 0)
        .unwrap();
    assert_eq!(
        resolve_local(ny, fold).to_rfc3339(),
        "2024-11-03T01:30:00-04:00"
    );
}

#[test]
fn aoe_is_utc_minus_12_and_keeps_its_name() {
    let z = Zone::parse("AoE", NaiveDate::from_ymd_opt(2024, 3, 4).unwrap()).unwrap();
    assert_eq!(z.name, "AoE");
    use chrono::{Offset, TimeZone};
    let off =
        z.tz.offset_from_utc_date(&chrono::NaiveDate::from_ymd_opt(2024, 4, 24).unwrap());
    assert_eq!(off.fix().local_minus_utc(), -12 * 3600);
}

#[test]
fn unknown_zones_get_suggestions() {
    let (msg, help) = Zone::parse(
        "America/New_Yrok",
        NaiveDate::from_ymd_opt(2024, 3, 4).unwrap(),
    )
    .unwrap_err();
    assert_eq!(msg, "unknown time zone `America/New_Yrok`");
    assert!(help.contains("America/New_York"), "{help}");
    let (_, help) =
        Zone::parse("New York", NaiveDate::from_ymd_opt(2024, 3, 4).unwrap()).unwrap_err();
    assert!(help.contains("America/New_York"), "{help}");
    let (_, help) = Zone::parse(
        "Qqqqqqqqqqqq/Zzzzzzz",
        NaiveDate::from_ymd_opt(2024, 3, 4).unwrap(),
    )
    .unwrap_err();
    assert!(help.starts_with("write an IANA"), "{help}");
}

/// The keys the parser knows in `table` (`""` for the top level), read
/// from its own "unknown field" message; `None` when `table` is not a
/// table of the parser.
fn known_keys(table: &str) -> Option<Vec<String>> {
    const PROBE: &str = "zzz_probe";
    let header = format!("[{table}]\n");
    let src = if table.is_empty() {
        format!("{PROBE} = 1\n{MINIMAL}")
    } else if MINIMAL.contains(&header) {
        MINIMAL.replace(&header, &format!("{header}{PROBE} = 1\n"))
    } else {
        // An array of tables (`[[schedule.pin]]`) or a plain one.
        let probe = format!("{MINIMAL}\n[[{table}]]\n{PROBE} = 1\n");
        match Config::parse(&probe) {
            Err(d) if d.message.starts_with(&format!("unknown field `{PROBE}`")) => probe,
            _ => format!("{MINIMAL}\n{header}{PROBE} = 1\n"),
        }
    };
    let message = Config::parse(&src).err()?.message;
    let expected = message
        .strip_prefix(&format!("unknown field `{PROBE}`, expected "))?
        .to_string();
    Some(
        expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn the_shipped_config_shows_every_key_the_parser_knows() {
    // The shipped config.toml promises "every option is present here".
    let shipped = include_str!("../../config.toml");
    // Section name (commented-out headers count) -> the keys written in it,
    // commented out or not.
    let mut sections: Vec<(String, Vec<String>)> = vec![(String::new(), Vec::new())];
    for line in shipped.lines() {
        let line = line.trim_start_matches('#').trim();
        if line.starts_with('[') {
            let name = line.trim_matches(|c| c == '[' || c == ']').trim();
            sections.push((name.to_string(), Vec::new()));
        } else if let Some((key, _)) = line.split_once(" = ")
            && !key.contains(' ')
            && let Some((_, keys)) = sections.last_mut()
        {
            keys.push(key.to_string());
        }
    }
    let tables = known_keys("").unwrap();
    assert!(tables.contains(&"delivery".to_string()), "{tables:?}");
    let mut checked = 0;
    for table in &tables {
        for key in known_keys(table).unwrap() {
            let nested = format!("{table}.{key}");
            let (section, key) = match known_keys(&nested) {
                Some(sub) => {
                    for k in sub {
                        assert!(
                            sections
                                .iter()
                                .any(|(s, ks)| *s == nested && ks.contains(&k)),
                            "config.toml does not show `{k}` under [[{nested}]]"
                        );
                        checked += 1;
                    }
                    continue;
                }
                None => (table.clone(), key),
            };
            assert!(
                sections
                    .iter()
                    .any(|(s, ks)| *s == section && ks.contains(&key)),
                "config.toml does not show `{key}` under [{section}]"
            );
            checked += 1;
        }
    }
    assert!(checked > 40, "only {checked} keys checked");
}

#[test]
fn language_must_be_a_language_tag() {
    for ok in [
        "en",
        "de",
        "pt-BR",
        "zh-Hant",
        "zh-Hant-TW",
        "sr-Latn-RS",
        "es-419",
        "x-klingon",
    ] {
        let c = Config::parse(&MINIMAL.replace(
            "title = \"CFP Weekly\"",
            &format!("title = \"T\"\nlanguage = \"{ok}\""),
        ))
        .unwrap();
        assert_eq!(c.newsletter.language, ok);
    }
    for bad in [
        "not a tag!",
        "",
        "e",
        "english",
        "en_US",
        "en-",
        "-en",
        "en--US",
        "en-toolongsubtag",
        "x",
    ] {
        let d = err(&MINIMAL.replace(
            "title = \"CFP Weekly\"",
            &format!("title = \"T\"\nlanguage = \"{bad}\""),
        ));
        assert_eq!(
            d.message,
            format!("newsletter.language `{bad}` is not a language tag"),
            "{bad}"
        );
        assert_eq!((d.line, d.col), (4, 12));
    }
}

#[test]
fn port_zero_is_rejected_and_other_ports_kept() {
    let d = err(&with("[smtp]\nport = 0\n"));
    assert!(d.message.starts_with("smtp.port is 0"), "{}", d.message);
    assert!(d.help.unwrap().contains("from 1 to 65535"));
    for port in [1u16, 2525, 65535] {
        let c = Config::parse(&with(&format!("[smtp]\nport = {port}\n"))).unwrap();
        assert_eq!(c.smtp.port, port);
    }
    let d = err(&with("[smtp]\nport = 65536\n"));
    assert!(
        d.message
            .ends_with("expected a whole number from 1 to 65535"),
        "{}",
        d.message
    );
}

#[test]
fn a_url_with_a_character_it_cannot_hold_says_which_and_where() {
    let d = err(&MINIMAL.replace(
        "timezone = \"America/New_York\"",
        "timezone = \"America/New_York\"\nsubmit_url = \"https://x.org/cfp\\\"\"",
    ));
    assert_eq!(
        d.message,
        "cfp.submit_url has `\"` at character 18, which a URL cannot contain as is"
    );
    assert!(
        d.help
            .unwrap()
            .starts_with("write it percent-encoded as %22")
    );
    let d = err(&with(
        "[unsubscribe]\nurl = \"https://x.org/u?t={token} x\"\n",
    ));
    assert!(
        d.message.contains("has a space at character 26"),
        "{}",
        d.message
    );
    assert!(d.help.unwrap().contains("%20"));
    // Not absolute: said so, as before.
    let d = err(&with("[unsubscribe]\nurl = \"x.org/u\"\n"));
    assert!(
        d.message.ends_with("is not an absolute https or http URL"),
        "{}",
        d.message
    );
}

#[test]
fn pin_errors_suggest_a_send_day_of_this_cfp() {
    // MINIMAL: the CFP runs 2024-03-04 to 2024-04-24, sends on mondays.
    let pin = |date: &str| {
        err(&with(&format!(
            "[[schedule.pin]]\ncategory = \"A\"\ndate = {date}\n"
        )))
    };
    let d = pin("2024-04-02");
    assert_eq!(
        d.help.unwrap(),
        "write a monday from 2024-03-04 to 2024-04-22 (the send days inside the CFP), such as date = 2024-04-01, the monday nearest to 2024-04-02"
    );
    assert!(
        pin("2024-04-05")
            .help
            .unwrap()
            .contains("date = 2024-04-08,")
    );
    assert!(
        pin("2024-01-02")
            .help
            .unwrap()
            .contains("date = 2024-03-04,")
    );
    assert!(
        pin("2024-06-03")
            .help
            .unwrap()
            .contains("date = 2024-04-22,")
    );
    // Another weekday and another CFP: the suggestion follows them.
    let src = with("[[schedule.pin]]\ncategory = \"A\"\ndate = 2024-03-04\n")
        .replace("weekday = \"monday\"", "weekday = \"friday\"");
    assert!(
        err(&src)
            .help
            .unwrap()
            .contains("a friday from 2024-03-08 to 2024-04-19")
    );
    let short = with("[[schedule.pin]]\ncategory = \"A\"\ndate = 2024-03-06\n")
        .replace("2024-03-04T00:00:00", "2024-03-05T00:00:00")
        .replace("2024-04-24T23:59:00", "2024-03-08T23:59:00");
    assert_eq!(
        err(&short).help.unwrap(),
        "the CFP (2024-03-05 to 2024-03-08) has no monday: remove the pin, or change schedule.weekday"
    );
}

#[test]
fn a_utc_offset_as_zone_suggests_the_etc_zone_and_says_its_sign_is_reversed() {
    let near = NaiveDate::from_ymd_opt(2024, 3, 4).unwrap();
    let (msg, help) = Zone::parse("GMT+1", near).unwrap_err();
    assert_eq!(msg, "unknown time zone `GMT+1`");
    assert!(
        help.starts_with("for UTC+1 write Etc/GMT-1 (the Etc/GMT zones count the other way round: Etc/GMT+1 is UTC-1)"),
        "{help}"
    );
    // The suggested zone is what was meant.
    use chrono::{Offset, TimeZone};
    let etc: chrono_tz::Tz = "Etc/GMT-1".parse().unwrap();
    assert_eq!(
        etc.offset_from_utc_date(&near).fix().local_minus_utc(),
        3600
    );
    for (name, start) in [
        ("UTC-5", "for UTC-5 write Etc/GMT+5 "),
        ("utc+05:00", "for UTC+5 write Etc/GMT-5 "),
        ("+0100", "for UTC+1 write Etc/GMT-1 "),
        ("UTC+00:00", "for UTC write Etc/GMT;"),
        ("UTC+5:30", "there is no fixed-offset zone for UTC+5:30; "),
    ] {
        let (_, help) = Zone::parse(name, near).unwrap_err();
        assert!(help.starts_with(start), "{name}: {help}");
    }
    let (_, help) = Zone::parse("UTC+5:30", near).unwrap_err();
    assert!(help.contains("Asia/Kolkata"), "{help}");
}

#[test]
fn an_abbreviation_as_zone_suggests_the_zones_that_use_it() {
    let near = NaiveDate::from_ymd_opt(2024, 3, 4).unwrap();
    let (_, help) = Zone::parse("WAT", near).unwrap_err();
    assert!(
        help.starts_with("WAT is an abbreviation, not a zone name; the zones that use it: Africa/"),
        "{help}"
    );
    assert!(help.contains(" at UTC+1"), "{help}");
    assert!(!help.contains("WET"), "{help}");
    // One abbreviation, several offsets: each offset named.
    let (_, help) = Zone::parse("cst", near).unwrap_err();
    for part in ["America/Chicago", "at UTC-6", "at UTC+8", "at UTC-5"] {
        assert!(help.contains(part), "{part}: {help}");
    }
    // Summer abbreviations are found half a year on.
    let (_, help) = Zone::parse("CEST", near).unwrap_err();
    assert!(
        help.contains("Europe/") && help.contains("at UTC+2"),
        "{help}"
    );
    // Not an abbreviation: close names, as before.
    let (_, help) = Zone::parse("Europe/Berln", near).unwrap_err();
    assert_eq!(help, "did you mean Europe/Berlin?");
}

#[test]
fn the_subscribers_delimiter_is_one_punctuation_character() {
    assert_eq!(Config::parse(MINIMAL).unwrap().subscribers.delimiter, b',');
    for (written, byte) in [(";", b';'), ("\\t", b'\t'), ("|", b'|')] {
        let c = Config::parse(&with(&format!(
            "[subscribers]\ndelimiter = \"{written}\"\n"
        )))
        .unwrap();
        assert_eq!(c.subscribers.delimiter, byte);
    }
    for bad in ["", ";;", "a", "\\\"", "\\n", "é"] {
        let d = err(&with(&format!("[subscribers]\ndelimiter = \"{bad}\"\n")));
        assert!(
            d.message.starts_with("subscribers.delimiter"),
            "{bad}: {}",
            d.message
        );
        assert!(
            d.message.ends_with("is not one punctuation character"),
            "{}",
            d.message
        );
    }
}

#[test]
fn cfp_dates_must_fall_in_the_years_the_tool_accepts() {
    for (from, to, line) in [
        (
            "closes = 2024-04-24T23:59:00",
            "closes = 9999-12-31T23:59:00",
            8,
        ),
        (
            "closes = 2024-04-24T23:59:00",
            "closes = 9001-01-01T00:00:00",
            8,
        ),
        (
            "opens = 2024-03-04T00:00:00",
            "opens = 1969-12-31T00:00:00",
            7,
        ),
    ] {
        let d = err(&MINIMAL.replace(from, to));
        assert_eq!(d.line, line, "{to}");
        assert!(
            d.message
                .contains("outside the years the tool accepts (1970 to 9000)"),
            "{to}: {}",
            d.message
        );
    }
    // The boundaries themselves are fine.
    let edge = MINIMAL
        .replace("opens = 2024-03-04T00:00:00", "opens = 1970-01-01T00:00:00")
        .replace(
            "closes = 2024-04-24T23:59:00",
            "closes = 9000-12-31T23:59:59",
        );
    let c = Config::parse(&edge).unwrap();
    assert_eq!(chrono::Datelike::year(&c.cfp.closes), 9000);
}

#[test]
fn bounce_settings_default_and_are_checked() {
    let c = Config::parse(MINIMAL).unwrap();
    assert_eq!(c.delivery.soft_bounce_limit, 3);
    assert_eq!(c.delivery.return_path, None);
    let c = Config::parse(&with(
        "[delivery]\nsoft_bounce_limit = 5\nreturn_path = \"bounces+{token}@example.org\"",
    ))
    .unwrap();
    assert_eq!(c.delivery.soft_bounce_limit, 5);
    assert_eq!(
        c.delivery.return_path.as_deref(),
        Some("bounces+{token}@example.org")
    );
    for (bad, says) in [
        ("soft_bounce_limit = 0", "soft_bounce_limit is 0"),
        (
            "return_path = \"bounces@example.org\"",
            "exactly one {token}",
        ),
        (
            "return_path = \"bounces@{token}.example.org\"",
            "exactly one {token}",
        ),
        (
            "return_path = \"{token}{token}@example.org\"",
            "exactly one {token}",
        ),
        ("return_path = \"bounces+{token}\"", "exactly one {token}"),
        (
            "return_path = \"bou nces+{token}@example.org\"",
            "not an email address",
        ),
    ] {
        let d = err(&with(&format!("[delivery]\n{bad}")));
        assert!(d.message.contains(says), "{bad}: {}", d.message);
    }
}

// ---- [[schedule.reminder]] and [[schedule.skip]] ----

#[test]
fn reminder_offsets_are_days_and_hours() {
    use super::season::parse_offset;
    assert_eq!(parse_offset("7d"), Some(7 * 24));
    assert_eq!(parse_offset("24h"), Some(24));
    assert_eq!(parse_offset("1d12h"), Some(36));
    for bad in [
        "", "0d", "0h", "7", "d", "h", "7days", "-1d", "1.5d", "3h2d", "7 d",
    ] {
        assert_eq!(parse_offset(bad), None, "{bad:?}");
    }
    let c = Config::parse(&with(
        "[[schedule.reminder]]\nbefore = \"7d\"\n[[schedule.reminder]]\nbefore = \"3h\"\n",
    ))
    .unwrap();
    let hours: Vec<i64> = c
        .schedule
        .reminders
        .iter()
        .map(|r| r.before.num_hours())
        .collect();
    assert_eq!(hours, [168, 3]);
}

#[test]
fn bad_reminders_point_at_their_value() {
    let d = err(&with("[[schedule.reminder]]\nbefore = \"a week\"\n"));
    assert_eq!(
        d.message,
        "schedule.reminder before = \"a week\" is not a time before the close"
    );
    assert_eq!((d.line, d.col), (16, 10));
    assert!(d.help.as_deref().unwrap().contains("\"7d\""));
    // The CFP is 51 days long: a reminder 60 days before would come first.
    let d = err(&with("[[schedule.reminder]]\nbefore = \"60d\"\n"));
    assert!(
        d.message.contains("falls before the CFP opens"),
        "{}",
        d.message
    );
    let d = err(&with(
        "[[schedule.reminder]]\nbefore = \"24h\"\n[[schedule.reminder]]\nbefore = \"1d\"\n",
    ));
    assert_eq!(
        d.message,
        "a reminder \"1d\" before the close is already configured"
    );
    assert_eq!(d.line, 18);
}

#[test]
fn skips_must_be_send_days_inside_the_cfp() {
    let skip = |date: &str| with(&format!("[[schedule.skip]]\ndate = {date}\n"));
    let c = Config::parse(&skip("2024-04-01")).unwrap();
    assert_eq!(
        c.schedule.skips,
        [NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()]
    );
    let d = err(&skip("2024-04-02"));
    assert_eq!(
        d.message,
        "skip date 2024-04-02 is a tuesday, not a send day (monday), so there is no issue to leave out"
    );
    assert_eq!((d.line, d.col), (16, 8));
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .contains("such as date = 2024-04-01, the monday nearest to 2024-04-02"),
        "{:?}",
        d.help
    );
    assert!(err(&skip("2024-06-03")).message.contains("outside the CFP"));
    assert!(
        err(&skip("2024-04-01T09:00:00"))
            .message
            .contains("plain date")
    );
    let twice =
        with("[[schedule.skip]]\ndate = 2024-04-01\n[[schedule.skip]]\ndate = 2024-04-01\n");
    assert_eq!(err(&twice).message, "skip date 2024-04-01 is listed twice");
    let pinned = with(
        "[[schedule.pin]]\ncategory = \"API\"\ndate = 2024-04-01\n[[schedule.skip]]\ndate = 2024-04-01\n",
    );
    assert_eq!(
        err(&pinned).message,
        "skip date 2024-04-01 has a category pinned to it"
    );
}
