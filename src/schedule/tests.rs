use super::*;

const TOPICS: &str = "# T\n\nA\n* a\n\nB\n* b\n\nC\n* c\n\nD\n* d\n\n<!--\nH\n* h\n-->\n";

fn config(cfp: &str, schedule: &str) -> Config {
    let src = format!(
        "[newsletter]\ntitle = \"T\"\n[cfp]\nname = \"X\"\ntimezone = \"America/New_York\"\n{cfp}\n[schedule]\n{schedule}\n"
    );
    Config::parse(&src).unwrap()
}

fn names(topics: &TopicList, issue: &PlannedIssue) -> Vec<String> {
    issue
        .categories
        .iter()
        .map(|&c| topics.categories[c].name.clone())
        .collect()
}

fn weekly_march() -> Config {
    config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"",
    )
}

#[test]
fn shipped_files_put_every_visible_category_on_mondays_in_order() {
    let c = Config::parse(include_str!("../../config.toml")).unwrap();
    let t = TopicList::parse(include_str!("../../content/topics.md")).unwrap();
    let p = plan(&c, &t).unwrap();
    let visible: Vec<usize> = (0..t.categories.len())
        .filter(|&i| !t.categories[i].hidden)
        .collect();
    let weekly: Vec<&PlannedIssue> = p
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::Weekly)
        .collect();
    assert_eq!(
        weekly.iter().map(|i| i.categories[0]).collect::<Vec<_>>(),
        visible
    );
    assert!(p.unscheduled.is_empty());
    for i in &weekly {
        assert_eq!(i.send_at.weekday(), chrono::Weekday::Mon);
        assert_eq!(i.send_at.format("%H:%M").to_string(), "09:00");
    }
    // The 2024 US daylight-saving change (March 10) falls between issues 1 and 2.
    assert_eq!(
        p.issues[0].send_at.to_rfc3339(),
        "2024-03-04T09:00:00-05:00"
    );
    assert_eq!(
        p.issues[1].send_at.to_rfc3339(),
        "2024-03-11T09:00:00-04:00"
    );
    let last = p.issues.last().unwrap();
    assert_eq!(last.kind, IssueKind::LastCall);
    assert_eq!(last.send_at.to_rfc3339(), "2024-05-15T09:00:00-04:00");
    assert_eq!(last.categories, visible);
    assert_eq!(last.days_left, 2);
    assert_eq!(
        p.issues.iter().map(|i| i.number).collect::<Vec<_>>(),
        (1..=12).collect::<Vec<_>>()
    );
}

#[test]
fn local_time_is_kept_across_dst_and_days_left_counts_calendar_days() {
    let t = TopicList::parse(TOPICS).unwrap();
    let p = plan(&weekly_march(), &t).unwrap();
    let at: Vec<String> = p.issues.iter().map(|i| i.send_at.to_rfc3339()).collect();
    assert_eq!(
        at,
        [
            "2024-03-04T09:00:00-05:00",
            "2024-03-11T09:00:00-04:00",
            "2024-03-18T09:00:00-04:00",
            "2024-03-25T09:00:00-04:00"
        ]
    );
    assert_eq!(
        p.issues.iter().map(|i| i.days_left).collect::<Vec<_>>(),
        [28, 21, 14, 7]
    );
    assert_eq!(names(&t, &p.issues[3]), ["D"]);
}

#[test]
fn a_time_in_the_dst_gap_moves_to_the_first_valid_instant() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-03-20T00:00:00",
        "weekday = \"sunday\"\ntime = \"02:30\"",
    );
    let p = plan(&c, &t).unwrap();
    let at: Vec<String> = p.issues.iter().map(|i| i.send_at.to_rfc3339()).collect();
    assert_eq!(
        at,
        [
            "2024-03-03T02:30:00-05:00",
            "2024-03-10T03:00:00-04:00",
            "2024-03-17T02:30:00-04:00"
        ]
    );
}

#[test]
fn aoe_closing_keeps_a_slot_that_is_already_the_next_day_in_utc() {
    let t = TopicList::parse(TOPICS).unwrap();
    let src = "[newsletter]\ntitle = \"T\"\n[cfp]\nname = \"X\"\ntimezone = \"AoE\"\nopens = 2024-04-01T00:00:00\ncloses = 2024-04-24T23:59:00\n[schedule]\nweekday = \"thursday\"\ntime = \"10:00\"\ntimezone = \"UTC\"\n";
    let p = plan(&Config::parse(src).unwrap(), &t).unwrap();
    let last = p.issues.last().unwrap();
    // April 25 10:00 UTC is still April 24 in AoE (UTC-12), before 23:59.
    assert_eq!(last.send_at.to_rfc3339(), "2024-04-25T10:00:00+00:00");
    assert_eq!(last.days_left, 0);
    assert_eq!(
        p.issues.first().unwrap().send_at.to_rfc3339(),
        "2024-04-04T10:00:00+00:00"
    );
}

#[test]
fn pins_take_their_slots_first() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"\n[[schedule.pin]]\ncategory = \"c\"\ndate = 2024-03-04\n[[schedule.pin]]\ncategory = \"A\"\ndate = 2024-03-25",
    );
    let p = plan(&c, &t).unwrap();
    let got: Vec<Vec<String>> = p.issues.iter().map(|i| names(&t, i)).collect();
    assert_eq!(got, [["C"], ["B"], ["D"], ["A"]]);
}

#[test]
fn pin_naming_an_unknown_category_points_into_the_config() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"\n[[schedule.pin]]\ncategory = \"Bee\"\ndate = 2024-03-04",
    );
    let e = plan(&c, &t).unwrap_err();
    assert!(
        e.to_string().starts_with(
            "config.toml:12:12: a pin names `Bee`, which is not a category of the topic list"
        ),
        "{}",
        e.to_string()
    );
    assert!(
        e.to_string().contains("did you mean `B`?"),
        "{}",
        e.to_string()
    );
    assert_eq!(e.help(), Some("did you mean `B`?"));
    assert!(!e.to_string().contains("`A`"), "{}", e.to_string());
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn exclude_leaves_categories_out_and_unknown_names_are_errors() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"\nexclude = [\"B\"]",
    );
    let p = plan(&c, &t).unwrap();
    let got: Vec<Vec<String>> = p.issues.iter().map(|i| names(&t, i)).collect();
    assert_eq!(got, [["A"], ["C"], ["D"], ["A"]]);
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"\nexclude = [\"Nope\"]",
    );
    let e = plan(&c, &t).unwrap_err();
    assert!(
        e.to_string().contains("schedule.exclude names `Nope`"),
        "{}",
        e.to_string()
    );
}

#[test]
fn hidden_categories_only_with_include_hidden() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-04-08T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"\ninclude_hidden = true",
    );
    let p = plan(&c, &t).unwrap();
    assert_eq!(names(&t, &p.issues[4]), ["H"]);
    let p = plan(&weekly_march(), &t).unwrap();
    assert!(
        p.issues
            .iter()
            .all(|i| !names(&t, i).contains(&"H".to_string()))
    );
}

#[test]
fn fewer_slots_than_categories_reports_the_rest_as_unscheduled() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-03-12T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"",
    );
    let p = plan(&c, &t).unwrap();
    assert_eq!(p.issues.len(), 2);
    let un: Vec<&str> = p
        .unscheduled
        .iter()
        .map(|&i| t.categories[i].name.as_str())
        .collect();
    assert_eq!(un, ["C", "D"]);
}

#[test]
fn rotation_starts_over_without_back_to_back_repeats() {
    let t = TopicList::parse("A\n* a\n\nB\n* b\n\nC\n* c\n").unwrap();
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-05-01T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"\n[[schedule.pin]]\ncategory = \"A\"\ndate = 2024-03-25",
    );
    let p = plan(&c, &t).unwrap();
    let got: Vec<String> = p.issues.iter().map(|i| names(&t, i).join("+")).collect();
    assert_eq!(got.len(), 9);
    for w in got.windows(2) {
        assert_ne!(w[0], w[1], "{got:?}");
    }
    assert_eq!(got, ["B", "C", "B", "A", "C", "A", "B", "A", "C"]);
    assert!(p.unscheduled.is_empty());
}

#[test]
fn several_categories_per_issue() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-03-19T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"\ncategories_per_issue = 2",
    );
    let p = plan(&c, &t).unwrap();
    let got: Vec<Vec<String>> = p.issues.iter().map(|i| names(&t, i)).collect();
    assert_eq!(got, [["A", "B"], ["C", "D"], ["A", "B"]]);
}

#[test]
fn last_call_features_every_scheduled_category_and_replaces_its_slot() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-03-27T23:59:00",
        "weekday = \"monday\"\ntime = \"09:00\"\nlast_call_days = 2",
    );
    let p = plan(&c, &t).unwrap();
    assert_eq!(p.issues.len(), 4);
    let last = &p.issues[3];
    assert_eq!(last.kind, IssueKind::LastCall);
    assert_eq!(last.send_at.to_rfc3339(), "2024-03-25T09:00:00-04:00");
    assert_eq!(names(&t, last), ["A", "B", "C"]);
    assert_eq!(
        p.unscheduled
            .iter()
            .map(|&i| t.categories[i].name.as_str())
            .collect::<Vec<_>>(),
        ["D"]
    );
    // Off a send day, the last call is added and later weekly slots dropped.
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-03-27T23:59:00",
        "weekday = \"monday\"\ntime = \"09:00\"\nlast_call_days = 5",
    );
    let p = plan(&c, &t).unwrap();
    assert_eq!(
        p.issues.iter().map(|i| i.kind.as_str()).collect::<Vec<_>>(),
        ["weekly", "weekly", "weekly", "last_call"]
    );
    assert_eq!(
        p.issues[3].send_at.to_rfc3339(),
        "2024-03-22T09:00:00-04:00"
    );
}

#[test]
fn shuffle_is_pinned_to_a_fixed_order() {
    assert_eq!(shuffled(&(0..11).collect::<Vec<_>>(), 2024), SHUFFLED_2024);
    assert_eq!(
        shuffled(&(0..11).collect::<Vec<_>>(), 2024),
        shuffled(&(0..11).collect::<Vec<_>>(), 2024)
    );
    assert_ne!(shuffled(&(0..11).collect::<Vec<_>>(), 1), SHUFFLED_2024);
    let mut sorted = shuffled(&(0..11).collect::<Vec<_>>(), 7);
    sorted.sort();
    assert_eq!(sorted, (0..11).collect::<Vec<_>>());
}

const SHUFFLED_2024: [usize; 11] = [8, 10, 6, 9, 5, 7, 4, 1, 0, 2, 3];

#[test]
fn no_send_day_in_the_window_is_an_error() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = config(
        "opens = 2024-03-05T00:00:00\ncloses = 2024-03-08T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"",
    );
    let e = plan(&c, &t).unwrap_err();
    assert!(
        e.to_string()
            .contains("no monday at 09:00 falls between cfp.opens and cfp.closes"),
        "{}",
        e.to_string()
    );
}

#[test]
fn state_relative_to_now_and_current_issue() {
    let t = TopicList::parse(TOPICS).unwrap();
    let p = plan(&weekly_march(), &t).unwrap();
    let now = "2024-03-12T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    assert_eq!(p.issues[1].state(now), IssueState::Due);
    assert_eq!(p.issues[2].state(now), IssueState::Upcoming);
    assert_eq!(p.current(now).unwrap().number, 2);
    let before = "2024-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    assert_eq!(p.current(before).unwrap().number, 1);
    assert!(p.issue(9).unwrap_err().message().contains("issues 1 to 4"));
}
