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
    assert!(d.message.contains("invalid type"), "{}", d.message);
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
    assert!(d.message.contains("invalid type"), "{}", d.message);
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
    let z = Zone::parse("AoE").unwrap();
    assert_eq!(z.name, "AoE");
    use chrono::{Offset, TimeZone};
    let off =
        z.tz.offset_from_utc_date(&chrono::NaiveDate::from_ymd_opt(2024, 4, 24).unwrap());
    assert_eq!(off.fix().local_minus_utc(), -12 * 3600);
}

#[test]
fn unknown_zones_get_suggestions() {
    let (msg, help) = Zone::parse("America/New_Yrok").unwrap_err();
    assert_eq!(msg, "unknown time zone `America/New_Yrok`");
    assert!(help.contains("America/New_York"), "{help}");
    let (_, help) = Zone::parse("New York").unwrap_err();
    assert!(help.contains("America/New_York"), "{help}");
    let (_, help) = Zone::parse("Qqqqqqqqqqqq/Zzzzzzz").unwrap_err();
    assert!(help.starts_with("write an IANA"), "{help}");
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
