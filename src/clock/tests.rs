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

#[test]
fn accepts_the_years_1970_to_9000_and_nothing_else() {
    for ok in [
        "1970-01-01",
        "9000-12-31",
        "1970-01-01T00:00:00+05:00",
        "9000-12-31T23:59:59-12:00",
    ] {
        let arg = NowArg::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        // Whatever zone resolves it, the instant formats as a mail date and
        // as an RFC 3339 stamp that reads back.
        for tz in [
            Tz::UTC,
            chrono_tz::Pacific::Kiritimati,
            chrono_tz::Etc::GMTPlus12,
        ] {
            let t = arg.resolve(tz);
            let back = DateTime::parse_from_rfc3339(&t.to_rfc3339()).unwrap();
            assert_eq!(back, t, "{ok} in {tz}");
            let _ = t.to_rfc2822();
        }
    }
    for bad in [
        "1969-12-31",
        "9001-01-01",
        "9999-12-31",
        "0000-01-01",
        "1969-12-31T23:59:59Z",
        "9001-01-01T00:00:00Z",
        "9999-12-31T23:59:59+14:00",
    ] {
        let e = NowArg::parse(bad).unwrap_err();
        assert_eq!(e.exit_code(), 2, "{bad}");
        assert!(
            e.message()
                .contains("outside the years the tool accepts (1970 to 9000)"),
            "{bad}: {}",
            e.message()
        );
    }
}
