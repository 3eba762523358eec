use super::text::{escape, fold};
use super::*;
use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime};

fn config(closes: &str, zone: &str) -> Config {
    Config::parse(&format!(
        "[newsletter]\ntitle = \"T\"\nbase_url = \"https://cfp.example.org/news\"\n\
         [cfp]\nname = \"PyCon; Ünïcode, Edition\"\nopens = 2024-03-01T09:00:00\ncloses = {closes}\n\
         timezone = \"{zone}\"\nsubmit_url = \"https://cfp.example.org/submit?year=2024&track=main\"\n\
         [schedule]\nweekday = \"monday\"\ntime = \"09:00\"\n"
    ))
    .unwrap()
}

fn unfold(ics: &str) -> String {
    ics.replace("\r\n ", "")
}

fn parse(ics: &str) -> Calendar {
    unfold(ics)
        .parse::<Calendar>()
        .expect("icalendar parses it")
}

#[test]
fn lines_end_in_crlf_and_fold_at_75_octets_between_characters() {
    let long = format!("DESCRIPTION:{}", "é".repeat(100));
    let folded = fold(&long);
    assert!(folded.ends_with("\r\n"));
    for line in folded.split("\r\n").filter(|l| !l.is_empty()) {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    assert_eq!(unfold(&folded), format!("{long}\r\n"));
    assert_eq!(fold("SHORT:x"), "SHORT:x\r\n");
}

#[test]
fn text_values_escape_backslash_semicolon_comma_and_newlines() {
    assert_eq!(escape("a\\b;c,d\ne\r"), "a\\\\b\\;c\\,d\\ne");
}

#[test]
fn the_event_parses_back_with_its_fields() {
    let c = config("2024-05-17T23:59:00", "America/New_York");
    let ics = ics(&c, 0);
    assert!(ics.lines().all(|l| l.len() <= 76), "folded");
    assert!(!ics.replace("\r\n", "").contains('\n'), "CRLF only");
    let cal = parse(&ics);
    let events: Vec<_> = cal
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1);
    let e = events[0];
    assert_eq!(
        e.get_uid(),
        Some("cfp-deadline-pycon-unicode-edition@cfp.example.org")
    );
    assert_eq!(e.get_sequence(), Some(0));
    assert_eq!(e.get_summary(), Some("PyCon; Ünïcode, Edition CFP closes"));
    assert_eq!(
        e.get_url(),
        Some("https://cfp.example.org/submit?year=2024&track=main")
    );
    match e.get_start() {
        Some(DatePerhapsTime::DateTime(icalendar::CalendarDateTime::WithTimezone {
            date_time,
            tzid,
        })) => {
            assert_eq!(tzid, "America/New_York");
            assert_eq!(date_time.to_string(), "2024-05-17 23:59:00");
        }
        other => panic!("DTSTART: {other:?}"),
    }
    assert_eq!(
        e.get_timestamp().map(|t| t.to_rfc3339()).as_deref(),
        Some("2024-03-01T14:00:00+00:00")
    );
    assert!(unfold(&ics).contains("\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n"));
    assert!(unfold(&ics).contains("\r\nTRIGGER:-P1D\r\n"));
    // The VTIMEZONE has the onset before the close: EDT since March 10.
    assert!(ics.contains(
        "BEGIN:DAYLIGHT\r\nDTSTART:20240310T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\n"
    ));
}

#[test]
fn the_same_inputs_give_the_same_bytes_and_an_extension_keeps_the_uid() {
    let c = config("2024-05-17T23:59:00", "America/New_York");
    assert_eq!(ics(&c, 0), ics(&c, 0));
    let later = config("2024-05-31T23:59:00", "America/New_York");
    let (a, b) = (parse(&ics(&c, 0)), parse(&ics(&later, 1)));
    let event = |cal: &Calendar| {
        cal.components
            .iter()
            .find_map(|c| match c {
                CalendarComponent::Event(e) => Some(e.clone()),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(event(&a).get_uid(), event(&b).get_uid());
    assert_eq!(event(&b).get_sequence(), Some(1));
}

#[test]
fn utc_has_no_vtimezone_and_aoe_a_fixed_one() {
    let utc = ics(&config("2024-05-17T23:59:00", "UTC"), 0);
    assert!(!utc.contains("VTIMEZONE"));
    assert!(utc.contains("\r\nDTSTART:20240517T235900Z\r\n"));
    parse(&utc);
    let aoe = ics(&config("2024-05-17T23:59:00", "AoE"), 0);
    assert!(aoe.contains(
        "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:-1200\r\nTZOFFSETTO:-1200\r\nEND:STANDARD\r\n"
    ));
    assert!(aoe.contains("\r\nDTSTART;TZID=Etc/GMT+12:20240517T235900\r\n"));
    parse(&aoe);
}

#[test]
fn the_sequence_grows_with_every_change_of_the_close() {
    let dir = tempfile::tempdir().unwrap();
    let state = State::open(&dir.path().join("s.db")).unwrap();
    let seq = |closes: &str| state.calendar_sequence("uid@x", closes).unwrap();
    let peek = |closes: &str| state.calendar_sequence_after("uid@x", closes).unwrap();
    assert_eq!(peek("2024-05-17T23:59:00-04:00"), 0);
    assert_eq!(seq("2024-05-17T23:59:00-04:00"), 0);
    assert_eq!(seq("2024-05-17T23:59:00-04:00"), 0);
    // A dry run sees the next number without recording it.
    assert_eq!(peek("2024-05-31T23:59:00-04:00"), 1);
    assert_eq!(peek("2024-05-31T23:59:00-04:00"), 1);
    assert_eq!(seq("2024-05-31T23:59:00-04:00"), 1);
    // Back to the first date: still a change, so one more.
    assert_eq!(seq("2024-05-17T23:59:00-04:00"), 2);
    assert_eq!(state.calendar_sequence("other@x", "2024-05-17").unwrap(), 0);
}

#[test]
fn publish_writes_beside_the_feed_only_when_the_bytes_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config("2024-05-17T23:59:00", "America/New_York");
    c.feed.path = dir.path().join("public/feed.xml");
    std::fs::create_dir_all(dir.path().join("public")).unwrap();
    let state = State::open(&dir.path().join("s.db")).unwrap();
    assert!(would_change(&c, Some(&state)).unwrap());
    assert_eq!(publish(&c, &state).unwrap(), Written::Changed);
    assert!(!would_change(&c, Some(&state)).unwrap());
    assert_eq!(publish(&c, &state).unwrap(), Written::Unchanged);
    let written = std::fs::read_to_string(dir.path().join("public/deadline.ics")).unwrap();
    assert_eq!(written, ics(&c, 0));
}
