use super::*;

fn config(dir: &tempfile::TempDir) -> Config {
    let mut c = Config::parse(include_str!("../../config.toml")).unwrap();
    c.state.path = dir.path().join("state.db");
    c
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-03-04T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn a_list_skips_blank_lines_and_comments_and_names_each_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bounces.txt");
    std::fs::write(&path, "# bounced\nana@example.com\n\n  bo@example.com  \n").unwrap();
    let listed = read_list(&path).unwrap();
    let shown: Vec<(String, String)> = listed.into_iter().map(|g| (g.origin, g.address)).collect();
    assert_eq!(
        shown,
        [
            (format!("{}:2", path.display()), "ana@example.com".into()),
            (format!("{}:4", path.display()), "bo@example.com".into()),
        ]
    );
}

#[test]
fn one_bad_address_records_nothing_and_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(&dir);
    let given = [
        Given::direct("ana@example.com"),
        Given {
            origin: "bounces.txt:3".into(),
            address: "bo-at-example.com".into(),
        },
    ];
    let err = record(&c, &given, Change::Suppress, now()).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.message()
            .starts_with("bounces.txt:3: `bo-at-example.com`")
    );
    assert!(!c.state.path.exists(), "the state was created");
}

#[test]
fn suppressing_twice_changes_nothing_the_second_time_and_undo_removes() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(&dir);
    let given = [
        Given::direct("Ana@Example.com"),
        Given::direct("ana@example.com"),
    ];
    let first = record(&c, &given, Change::Suppress, now()).unwrap();
    assert_eq!(first.given, 2);
    assert_eq!(first.changed, 1);
    let again = record(&c, &given[..1], Change::Suppress, now()).unwrap();
    assert_eq!(again.changed, 0);
    let undone = record(&c, &given[..1], Change::Undo, now()).unwrap();
    assert_eq!(undone.changed, 1);
}
