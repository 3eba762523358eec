use crate::config::Config;

const BASE: &str = r#"
[newsletter]
title = "CFP Weekly"
base_url = "https://cfp.example.org/weekly/"

[cfp]
name = "DjangoCon US 2024"
opens = 2024-03-04T00:00:00
closes = 2024-04-24T23:59:00
timezone = "America/New_York"

[schedule]
weekday = "monday"
time = "09:00"
"#;

fn parse(extra: &str) -> Result<Config, String> {
    Config::parse(&format!("{BASE}\n{extra}")).map_err(|d| {
        d.into_error(std::path::Path::new("config.toml"))
            .to_string()
    })
}

#[test]
fn without_serve_nothing_changes() {
    let c = parse("").unwrap();
    assert!(c.serve.is_none());
    assert_eq!(c.unsubscribe.url, None);
}

#[test]
fn an_empty_serve_table_gets_the_defaults_and_the_default_link() {
    let c = parse("[serve]\n").unwrap();
    assert_eq!(c.serve, Some(super::ServeSettings::default()));
    assert_eq!(
        c.unsubscribe.url.as_deref(),
        Some("https://cfp.example.org/weekly/unsubscribe/{token}")
    );
    let c =
        parse("[unsubscribe]\nurl = \"https://cfp.example.org/u?t={token}\"\n[serve]\n").unwrap();
    assert_eq!(
        c.unsubscribe.url.as_deref(),
        Some("https://cfp.example.org/u?t={token}")
    );
}

#[test]
fn bad_values_point_at_their_line() {
    let e = parse("[serve]\nlisten = \"everywhere\"\n").unwrap_err();
    assert!(e.contains("serve.listen `everywhere`"), "{e}");
    assert!(e.starts_with("config.toml:17:10:"), "{e}");
    let e = parse("[serve]\nconfirm_hours = 0\n").unwrap_err();
    assert!(e.contains("serve.confirm_hours is 0"), "{e}");
    let e = parse("[serve]\nlisen = \"127.0.0.1:1\"\n").unwrap_err();
    assert!(e.contains("lisen"), "{e}");
    let c = parse("[serve]\nlisten = \"localhost:9000\"\nrecord_ip = true\n").unwrap();
    let s = c.serve.unwrap();
    assert_eq!(s.listen.to_string(), "127.0.0.1:9000");
    assert!(s.record_ip);
}
