use super::*;

#[test]
fn parses_rfc3339_and_dates() {
    let t = NowArg::parse("2024-03-18T09:00:00-04:00").unwrap();
    assert_eq!(t.resolve(Tz::UTC).to_rfc3339(), "2024-03-18T13:00:00+00:00");
    let d = NowArg::parse("2024-03-18").unwrap();
    assert_eq!(
        d.resolve(chrono_tz::America::New_York).to_rfc3339(),
        "2024-03-19T03:59:59+00:00"
    );
    assert!(NowArg::parse("next tuesday").is_err());
}

#[test]
fn a_date_time_without_offset_is_told_what_is_missing() {
    for s in [
        "2024-03-18T09:00:00",
        "2024-03-18T09:00",
        "2024-03-18 09:00:00.5",
    ] {
        let e = NowArg::parse(s).unwrap_err();
        assert_eq!(
            e.message(),
            format!("--now / NEWSLETTER_NOW: `{s}` has no UTC offset, so it is not one moment")
        );
        assert!(
            e.help().unwrap().starts_with("add the offset of the time zone it is in, such as 2024-03-18T09:00:00-04:00, or Z for UTC (2024-03-18T09:00:00Z)"),
            "{:?}",
            e.help()
        );
        assert_eq!(e.exit_code(), 2);
    }
}
