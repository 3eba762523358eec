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
