use super::*;
use chrono::Datelike;

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
    assert_eq!(p.state(&p.issues[1], now), IssueState::Due);
    assert_eq!(p.state(&p.issues[2], now), IssueState::Upcoming);
    assert_eq!(p.current(now).unwrap().number, 2);
    let before = "2024-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    assert_eq!(p.current(before).unwrap().number, 1);
    assert!(p.issue(9).unwrap_err().message().contains("issues 1 to 4"));
}

// ---- The published history ----

/// The first `n` issues of `p` as published (names from `t`).
fn published(t: &TopicList, p: &Plan, n: usize) -> History {
    History::new(
        p.issues
            .iter()
            .take(n)
            .map(|i| PastIssue {
                number: i.number,
                send_at: i.send_at.fixed_offset(),
                kind: i.kind,
                categories: names(t, i),
            })
            .collect(),
    )
}

fn past(number: u32, at: &str, kind: IssueKind, cats: &[&str]) -> PastIssue {
    PastIssue {
        number,
        send_at: DateTime::parse_from_rfc3339(at).unwrap(),
        kind,
        categories: cats.iter().map(|c| c.to_string()).collect(),
    }
}

fn shipped() -> (Config, TopicList) {
    (
        Config::parse(include_str!("../../config.toml")).unwrap(),
        TopicList::parse(include_str!("../../content/topics.md")).unwrap(),
    )
}

/// Each issue's category names, the last call as "LAST(n)".
fn summary(t: &TopicList, p: &Plan) -> Vec<String> {
    p.issues
        .iter()
        .map(|i| match i.kind {
            IssueKind::LastCall => format!("LAST({})", i.categories.len()),
            IssueKind::Weekly => names(t, i).join("+"),
            IssueKind::Reminder => format!("R[{}]", names(t, i).join("+")),
        })
        .collect()
}

#[test]
fn with_unchanged_files_the_history_changes_nothing() {
    let three = TopicList::parse("A\n* a\n\nB\n* b\n\nC\n* c\n").unwrap();
    let four = TopicList::parse(TOPICS).unwrap();
    let cases = [
        (
            config(
                "opens = 2024-03-01T00:00:00\ncloses = 2024-05-01T00:00:00",
                "weekday = \"monday\"\ntime = \"09:00\"\n[[schedule.pin]]\ncategory = \"A\"\ndate = 2024-03-25",
            ),
            &three,
        ),
        (
            config(
                "opens = 2024-03-01T00:00:00\ncloses = 2024-05-20T00:00:00",
                "weekday = \"monday\"\ntime = \"09:00\"\ncategories_per_issue = 2\norder = \"shuffled\"\nlast_call_days = 3",
            ),
            &four,
        ),
        (shipped().0, &shipped().1),
    ];
    for (c, t) in cases {
        let fresh = plan(&c, t).unwrap();
        for n in 0..=fresh.issues.len() {
            let mut again = plan_with_history(&c, t, &published(t, &fresh, n)).unwrap();
            for i in again.issues.iter_mut() {
                assert_eq!(i.published, i.number as usize <= n);
                i.published = false;
            }
            assert_eq!(again, fresh, "after {n} published");
        }
    }
}

#[test]
fn a_category_added_at_the_top_after_issue_7_takes_issue_8() {
    let (c, t) = shipped();
    let before = plan(&c, &t).unwrap();
    let history = published(&t, &before, 7);
    let src = include_str!("../../content/topics.md").replacen(
        "Performance\n",
        "Community\n* meetups\n\nPerformance\n",
        1,
    );
    let t2 = TopicList::parse(&src).unwrap();
    let after = plan_with_history(&c, &t2, &history).unwrap();
    let old = summary(&t, &before);
    let new = summary(&t2, &after);
    // The published issues stand; the new category takes the next slot,
    // then the ones never featured follow in order; nothing repeats.
    assert_eq!(new[..7], old[..7]);
    assert_eq!(new[7], "Community");
    assert_eq!(new[8..11], old[7..10]);
    assert_eq!(after.unscheduled, [11]); // Django Software Foundation: no slot left
    let last = after.issues.last().unwrap();
    assert_eq!(last.kind, IssueKind::LastCall);
    assert!(
        last.categories.contains(&0),
        "the last call has the new one"
    );
    assert_eq!(last.categories.len(), 11);
    // Without the history issue 8 would repeat issue 7's category.
    let naive = summary(&t2, &plan(&c, &t2).unwrap());
    assert_eq!(naive[7], old[6]);
}

#[test]
fn a_new_category_comes_before_any_second_feature_and_the_rotation_resumes() {
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-05-01T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"",
    );
    let t = TopicList::parse("A\n* a\n\nB\n* b\n\nC\n* c\n").unwrap();
    let before = plan(&c, &t).unwrap();
    assert_eq!(summary(&t, &before)[..5], ["A", "B", "C", "A", "B"]);
    let history = published(&t, &before, 5);
    // Unchanged: the rotation resumes with C, the least recently featured.
    let same = plan_with_history(&c, &t, &history).unwrap();
    assert_eq!(summary(&t, &same)[5..], ["C", "A", "B", "C"]);
    // N added last: it comes next, before anything's third time, and
    // catches up with the others (fewest features first).
    let t2 = TopicList::parse("A\n* a\n\nB\n* b\n\nC\n* c\n\nN\n* n\n").unwrap();
    let p = plan_with_history(&c, &t2, &history).unwrap();
    assert_eq!(summary(&t2, &p)[5..], ["N", "C", "N", "A"]);
    // N added first, with B (issue 5's category) first too: N still next.
    let t3 = TopicList::parse("N\n* n\n\nB\n* b\n\nA\n* a\n\nC\n* c\n").unwrap();
    let p = plan_with_history(&c, &t3, &history).unwrap();
    assert_eq!(summary(&t3, &p)[5..], ["N", "C", "N", "B"]);
}

#[test]
fn the_first_upcoming_issue_never_repeats_the_last_published_one() {
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-05-01T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"",
    );
    let t = TopicList::parse("A\n* a\n\nB\n* b\n\nC\n* c\n").unwrap();
    let history = published(&t, &plan(&c, &t).unwrap(), 3);
    // Reordered so that C, issue 3's category, comes first.
    let t2 = TopicList::parse("C\n* c\n\nA\n* a\n\nB\n* b\n").unwrap();
    let p = plan_with_history(&c, &t2, &history).unwrap();
    let got = summary(&t2, &p);
    assert_eq!(got[..4], ["A", "B", "C", "A"]);
    for w in got.windows(2) {
        assert_ne!(w[0], w[1], "{got:?}");
    }
    // Two categories per issue: neither of the last issue's comes back at once.
    let c2 = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"\ncategories_per_issue = 2",
    );
    let history = History::new(vec![past(
        1,
        "2024-03-04T09:00:00-05:00",
        IssueKind::Weekly,
        &["A", "B"],
    )]);
    let p = plan_with_history(
        &c2,
        &TopicList::parse("B\n* b\n\nA\n* a\n\nC\n* c\n\nD\n* d\n").unwrap(),
        &history,
    )
    .unwrap();
    assert_eq!(p.issues[1].categories, [2, 3]);
}

#[test]
fn a_removed_category_stays_in_history_and_is_not_scheduled_again() {
    let c = weekly_march();
    let t = TopicList::parse(TOPICS).unwrap();
    let history = published(&t, &plan(&c, &t).unwrap(), 2);
    let t2 = TopicList::parse("B\n* b\n\nC\n* c\n\nD\n* d\n").unwrap();
    let p = plan_with_history(&c, &t2, &history).unwrap();
    // Issue 1 featured A: it is still issue 1, with no category of today's list.
    assert!(p.issues[0].published && p.issues[0].categories.is_empty());
    assert_eq!(summary(&t2, &p), ["", "B", "C", "D"]);
    // Renamed with markup in the record: still the same category.
    let history = History::new(vec![past(
        1,
        "2024-03-04T09:00:00-05:00",
        IssueKind::Weekly,
        &["**B**"],
    )]);
    let p = plan_with_history(&c, &t2, &history).unwrap();
    assert_eq!(summary(&t2, &p), ["B", "C", "D", "B"]);
}

#[test]
fn published_issues_keep_number_time_kind_and_categories() {
    let c = weekly_march();
    let t = TopicList::parse(TOPICS).unwrap();
    // Sent at 10:00 under an older config, featuring C.
    let history = History::new(vec![past(
        1,
        "2024-03-04T10:00:00-05:00",
        IssueKind::Weekly,
        &["C"],
    )]);
    let p = plan_with_history(&c, &t, &history).unwrap();
    assert_eq!(
        p.issues[0].send_at.to_rfc3339(),
        "2024-03-04T10:00:00-05:00"
    );
    assert_eq!(summary(&t, &p), ["C", "A", "B", "D"]);
    assert_eq!(
        p.issues.iter().map(|i| i.number).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    // The weekday changed after issue 1: the open slots follow the new day.
    let tue = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00",
        "weekday = \"tuesday\"\ntime = \"09:00\"",
    );
    let p = plan_with_history(&tue, &t, &history).unwrap();
    let at: Vec<String> = p.issues.iter().map(|i| i.send_at.to_rfc3339()).collect();
    assert_eq!(
        at,
        [
            "2024-03-04T10:00:00-05:00",
            "2024-03-05T09:00:00-05:00",
            "2024-03-12T09:00:00-04:00",
            "2024-03-19T09:00:00-04:00",
            "2024-03-26T09:00:00-04:00"
        ]
    );
    assert_eq!(summary(&t, &p), ["C", "A", "B", "D", "A"]);
}

#[test]
fn a_skipped_issue_and_one_sent_early_keep_their_numbers() {
    let c = weekly_march();
    let t = TopicList::parse(TOPICS).unwrap();
    let fresh = plan(&c, &t).unwrap();
    let h = |n: usize| {
        let i = &fresh.issues[n - 1];
        PastIssue {
            number: i.number,
            send_at: i.send_at.fixed_offset(),
            kind: i.kind,
            categories: names(&t, i),
        }
    };
    // Issue 2 skipped (cron down), issue 3 sent.
    let p = plan_with_history(&c, &t, &History::new(vec![h(1), h(3)])).unwrap();
    assert_eq!(
        p.issues.iter().map(|i| i.number).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert!(!p.issues[1].published);
    let now = "2024-03-19T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    assert_eq!(p.state(&p.issues[1], now), IssueState::Missed);
    // Issue 4 sent early with --force: 2 and 3 still go out.
    let p = plan_with_history(&c, &t, &History::new(vec![h(1), h(4)])).unwrap();
    assert_eq!(summary(&t, &p), ["A", "B", "C", "D"]);
    assert_eq!(
        p.issues.iter().map(|i| i.published).collect::<Vec<_>>(),
        [true, false, false, true]
    );
}

#[test]
fn a_deadline_extension_after_the_last_call_adds_slots_and_a_new_last_call() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-03-27T23:59:00",
        "weekday = \"monday\"\ntime = \"09:00\"\nlast_call_days = 2",
    );
    let first = plan(&c, &t).unwrap();
    assert_eq!(summary(&t, &first), ["A", "B", "C", "LAST(3)"]);
    let history = published(&t, &first, 4);
    let longer = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-04-17T23:59:00",
        "weekday = \"monday\"\ntime = \"09:00\"\nlast_call_days = 2",
    );
    let p = plan_with_history(&longer, &t, &history).unwrap();
    // The new last call (Monday April 15) takes that day's weekly slot.
    assert_eq!(
        summary(&t, &p),
        ["A", "B", "C", "LAST(3)", "D", "A", "LAST(4)"]
    );
    assert_eq!(
        p.issues[4].send_at.to_rfc3339(),
        "2024-04-01T09:00:00-04:00"
    );
    assert_eq!(p.issues[6].number, 7);
    // Before the last call went out, an extension just adds slots.
    let p = plan_with_history(&longer, &t, &published(&t, &first, 2)).unwrap();
    assert_eq!(summary(&t, &p), ["A", "B", "C", "D", "A", "B", "LAST(4)"]);
}

#[test]
fn pins_win_their_dates_and_a_pin_on_a_published_date_changes_nothing() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = weekly_march();
    let history = published(&t, &plan(&c, &t).unwrap(), 2);
    let pinned = config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"\n[[schedule.pin]]\ncategory = \"A\"\ndate = 2024-03-25\n[[schedule.pin]]\ncategory = \"D\"\ndate = 2024-03-04",
    );
    let p = plan_with_history(&pinned, &t, &history).unwrap();
    assert_eq!(summary(&t, &p), ["A", "B", "C", "A"]);
    assert!(p.unscheduled == [3], "{:?}", p.unscheduled);
}

#[test]
fn states_due_missed_published_and_upcoming() {
    let t = TopicList::parse(TOPICS).unwrap();
    let c = weekly_march();
    let p = plan_with_history(&c, &t, &published(&t, &plan(&c, &t).unwrap(), 1)).unwrap();
    let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let states = |now: &str| {
        p.issues
            .iter()
            .map(|i| p.state(i, at(now)).as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        states("2024-03-11T00:00:00Z"),
        ["published", "upcoming", "upcoming", "upcoming"]
    );
    assert_eq!(
        states("2024-03-11T13:00:00Z"),
        ["published", "due", "upcoming", "upcoming"]
    );
    // Issue 3's time came too: a send would send 3, so 2 is missed.
    assert_eq!(
        states("2024-03-18T13:00:00Z"),
        ["published", "missed", "due", "upcoming"]
    );
    // After the CFP closed nothing is due any more.
    assert_eq!(
        states("2024-04-02T00:00:00Z"),
        ["published", "missed", "missed", "missed"]
    );
}

#[test]
fn a_last_call_less_than_two_days_after_the_previous_issue_is_reported() {
    let t = TopicList::parse(TOPICS).unwrap();
    let close = |days: u32| {
        let c = config(
            "opens = 2024-03-01T00:00:00\ncloses = 2024-03-27T23:59:00",
            &format!("weekday = \"monday\"\ntime = \"09:00\"\nlast_call_days = {days}"),
        );
        plan(&c, &t)
            .unwrap()
            .last_call_too_close()
            .map(|(a, b)| (a.number, b.number))
    };
    // Last call on Tuesday 26th, the day after Monday 25th's issue.
    assert_eq!(close(1), Some((4, 5)));
    // Wednesday: two days later, fine; on the Monday itself it replaces it.
    assert_eq!(close(0), None);
    let (c, t) = shipped();
    assert_eq!(plan(&c, &t).unwrap().last_call_too_close(), None);
}

#[test]
fn history_from_frozen_records_reads_them_and_refuses_bad_values() {
    let record = |kind: &str, at: &str| crate::state::FrozenIssue {
        number: 3,
        kind: kind.into(),
        send_at: at.into(),
        categories: vec!["A".into()],
        slugs: vec!["a".into()],
        subject: "s".into(),
        context_json: "{}".into(),
        published_at: at.into(),
    };
    let path = std::path::Path::new("state/newsletter.db");
    let h =
        History::from_frozen(&[record("last_call", "2024-03-04T09:00:00-05:00")], path).unwrap();
    assert_eq!(
        h.issues(),
        [past(
            3,
            "2024-03-04T09:00:00-05:00",
            IssueKind::LastCall,
            &["A"]
        )]
    );
    let e =
        History::from_frozen(&[record("daily", "2024-03-04T09:00:00-05:00")], path).unwrap_err();
    assert!(
        e.message().contains("state/newsletter.db"),
        "{}",
        e.message()
    );
    assert!(
        e.message().contains("\"daily\" for issue 3"),
        "{}",
        e.message()
    );
    let e = History::from_frozen(&[record("weekly", "yesterday")], path).unwrap_err();
    assert!(
        e.message().contains("send time \"yesterday\""),
        "{}",
        e.message()
    );
}

#[test]
fn ten_thousand_categories_plan_in_one_pass() {
    let mut src = String::new();
    for i in 0..10_000 {
        src.push_str(&format!("**Category {i}**\n* topic\n\n"));
    }
    let t = TopicList::parse(&src).unwrap();
    let c = config(
        "opens = 2024-01-01T00:00:00\ncloses = 2024-12-20T00:00:00",
        "weekday = \"monday\"\ntime = \"09:00\"\ncategories_per_issue = 3\nlast_call_days = 2\nexclude = [\"Category 5\"]",
    );
    let started = std::time::Instant::now();
    let p = plan(&c, &t).unwrap();
    let history = published(&t, &p, 20);
    let again = plan_with_history(&c, &t, &history).unwrap();
    let took = started.elapsed();
    assert_eq!(t.categories[9_999].name, "Category 9999");
    let last = p.issues.last().unwrap();
    assert_eq!(last.categories.len(), 3 * (p.issues.len() - 1));
    assert_eq!(p.unscheduled.len(), 9_999 - last.categories.len());
    assert_eq!(again.issues.len(), p.issues.len());
    // Generous for a debug build on a busy machine; quadratic took minutes.
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
}

// ---- Reminders and skips ----

/// Mondays 09:00 from March 1 to Friday March 29, 2024 at 23:59 (New York).
fn season(extra: &str) -> Config {
    config(
        "opens = 2024-03-01T00:00:00\ncloses = 2024-03-29T23:59:00",
        &format!("weekday = \"monday\"\ntime = \"09:00\"\n{extra}"),
    )
}

fn reminders(offsets: &[&str]) -> String {
    offsets
        .iter()
        .map(|o| format!("[[schedule.reminder]]\nbefore = \"{o}\"\n"))
        .collect()
}

fn times(p: &Plan) -> Vec<String> {
    p.issues
        .iter()
        .map(|i| i.send_at.format("%a %m-%d %H:%M").to_string())
        .collect()
}

#[test]
fn reminders_go_out_at_the_close_minus_their_offset_without_categories() {
    let t = TopicList::parse(TOPICS).unwrap();
    let p = plan(&season(&reminders(&["7d", "24h", "3h"])), &t).unwrap();
    assert_eq!(
        times(&p),
        [
            "Mon 03-04 09:00",
            "Mon 03-11 09:00",
            "Mon 03-18 09:00",
            "Fri 03-22 23:59",
            "Mon 03-25 09:00",
            "Thu 03-28 23:59",
            "Fri 03-29 20:59"
        ]
    );
    assert_eq!(summary(&t, &p), ["A", "B", "C", "R[]", "D", "R[]", "R[]"]);
    assert_eq!(
        p.issues.iter().map(|i| i.number).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6, 7]
    );
    assert_eq!(p.issues[5].days_left, 1);
    assert_eq!(p.issues[6].days_left, 0);
}

#[test]
fn a_reminder_on_a_weekly_day_takes_its_place_and_its_category() {
    let t = TopicList::parse(TOPICS).unwrap();
    // 4 days before Friday 23:59 is Monday March 25 at 23:59.
    let p = plan(&season(&reminders(&["4d"])), &t).unwrap();
    assert_eq!(
        times(&p),
        [
            "Mon 03-04 09:00",
            "Mon 03-11 09:00",
            "Mon 03-18 09:00",
            "Mon 03-25 23:59"
        ]
    );
    assert_eq!(summary(&t, &p), ["A", "B", "C", "R[D]"]);
}

#[test]
fn the_last_call_is_the_reminder_of_its_day_and_later_reminders_stay() {
    let t = TopicList::parse(TOPICS).unwrap();
    let p = plan(
        &season(&format!("last_call_days = 4\n{}", reminders(&["4d", "3h"]))),
        &t,
    )
    .unwrap();
    assert_eq!(summary(&t, &p), ["A", "B", "C", "LAST(3)", "R[]"]);
    assert_eq!(
        p.issues[3].send_at.format("%m-%d %H:%M").to_string(),
        "03-25 09:00"
    );
}

#[test]
fn a_skipped_day_leaves_a_week_out_and_the_rotation_goes_on() {
    let t = TopicList::parse(TOPICS).unwrap();
    let p = plan(&season("[[schedule.skip]]\ndate = 2024-03-11\n"), &t).unwrap();
    assert_eq!(
        times(&p),
        ["Mon 03-04 09:00", "Mon 03-18 09:00", "Mon 03-25 09:00"]
    );
    assert_eq!(summary(&t, &p), ["A", "B", "C"]);
    // A pin on a skipped day has no issue to go in (the config refuses
    // the pair; the plan's own error covers a hand-built config).
}

#[test]
fn a_published_reminder_keeps_its_slot_when_the_reminders_change() {
    let t = TopicList::parse(TOPICS).unwrap();
    let before = plan(&season(&reminders(&["4d", "7d"])), &t).unwrap();
    assert_eq!(summary(&t, &before), ["A", "B", "C", "R[]", "R[D]"]);
    // Issues 1 to 4 went out, the 7-day reminder last; then the organizer
    // drops it and asks for one 24 hours before.
    let history = published(&t, &before, 4);
    let after = plan_with_history(&season(&reminders(&["4d", "24h"])), &t, &history).unwrap();
    assert_eq!(summary(&t, &after), ["A", "B", "C", "R[]", "R[D]", "R[]"]);
    assert!(after.issues[3].published);
    assert_eq!(after.issues[3].kind, IssueKind::Reminder);
    assert_eq!(
        times(&after)[3..],
        ["Fri 03-22 23:59", "Mon 03-25 23:59", "Thu 03-28 23:59"]
    );
    // A reminder that featured the week's category keeps it too.
    let history = published(&t, &before, 5);
    let again = plan_with_history(&season(""), &t, &history).unwrap();
    assert_eq!(summary(&t, &again), ["A", "B", "C", "R[]", "R[D]"]);
}

#[test]
fn history_reads_reminder_records() {
    let records = [crate::state::FrozenIssue {
        number: 4,
        kind: "reminder".into(),
        send_at: "2024-03-22T23:59:00-04:00".into(),
        categories: vec![],
        slugs: vec![],
        subject: "s".into(),
        context_json: "{}".into(),
        published_at: "2024-03-22T23:59:00-04:00".into(),
    }];
    let h = History::from_frozen(&records, std::path::Path::new("s.db")).unwrap();
    assert_eq!(h.issues()[0].kind, IssueKind::Reminder);
}
