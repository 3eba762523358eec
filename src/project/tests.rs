use super::*;

#[test]
fn debug_never_shows_the_secrets() {
    let env = Env {
        unsubscribe_secret: Some("hunter2-unsub".into()),
        smtp_password: Some("hunter2-smtp".into()),
        no_color: true,
        stderr_is_terminal: false,
    };
    let shown = format!("{env:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("unsubscribe_secret: \"<set>\""), "{shown}");
    let unset = format!("{:?}", Env::default());
    assert!(unset.contains("smtp_password: \"<unset>\""), "{unset}");
}
