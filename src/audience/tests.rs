use super::*;
use crate::state::SubscribeRequest;

#[test]
fn confirmed_subscribers_follow_the_list_once_and_suppressions_leave_the_export() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("s.csv");
    std::fs::write(
        &list,
        "email,name\nann@example.org,Ann\nbob@example.org,Bob\n",
    )
    .unwrap();
    let mut state = State::open(&dir.path().join("s.db")).unwrap();
    let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    for (i, key) in ["bob@example.org", "cy@example.org", "di@example.org"]
        .iter()
        .enumerate()
    {
        let req = SubscribeRequest {
            id: [i as u8; 8],
            key: key.to_string(),
            email: key.to_string(),
            name: None,
        };
        state.request_subscription(&req, now, 3).unwrap();
        state.confirm_subscription(key, now, None).unwrap();
    }
    state.suppress(&["di@example.org".into()], now).unwrap();
    let emails: Vec<String> = Audience::open(&settings(&list), Some(&state))
        .unwrap()
        .filter_map(|r| match r {
            Row::Valid(s) => Some(s.email),
            Row::Invalid(_) => None,
        })
        .collect();
    assert_eq!(
        emails,
        [
            "ann@example.org",
            "bob@example.org",
            "cy@example.org",
            "di@example.org"
        ]
    );
    assert_eq!(
        export(&settings(&list), Some(&state)).unwrap(),
        "email,name\nann@example.org,Ann\nbob@example.org,Bob\ncy@example.org,\n"
    );
    let tokens = Tokens::new(b"k").unwrap();
    remember(&mut state, &settings(&list), &tokens).unwrap();
    let id = tokens.address_id("ann@example.org");
    assert_eq!(state.address(&id).unwrap().unwrap().1, "ann@example.org");
}

fn settings(list: &std::path::Path) -> crate::config::SubscribersSettings {
    crate::config::SubscribersSettings {
        path: list.to_path_buf(),
        delimiter: b',',
    }
}
