use super::*;
use chrono::TimeZone;

fn monday() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc
        .with_ymd_and_hms(2024, 4, 22, 23, 59, 0)
        .unwrap()
}

#[test]
fn every_shipped_table_has_every_english_key() {
    let s = Strings::builtin();
    let en = &s.tables["en"];
    for (lang, _) in BUILTIN_STRINGS {
        let t = &s.tables[*lang];
        for key in en.keys() {
            assert!(t.contains_key(key), "{lang} lacks {key}");
        }
        assert_eq!(t.len(), en.len(), "{lang} has keys English lacks");
    }
}

#[test]
fn plurals_follow_each_language() {
    let s = Strings::builtin();
    let days = |lang, n| s.text(lang, "issue.days_left", Some(n), &[]).unwrap();
    assert_eq!(days("en", 1), "1 day left to submit");
    assert_eq!(days("en", 2), "2 days left to submit");
    assert_eq!(days("en", 0), "0 days left to submit");
    assert_eq!(days("fr", 0), "Il reste 0 jour pour proposer");
    assert_eq!(days("fr", 1), "Il reste 1 jour pour proposer");
    assert_eq!(days("fr", 2), "Il reste 2 jours pour proposer");
    assert_eq!(days("es", 1), "Queda 1 día para enviar tu propuesta");
    assert_eq!(days("es", 0), "Quedan 0 días para enviar tu propuesta");
    assert_eq!(days("de", 1), "Noch 1 Tag zum Einreichen");
    assert_eq!(days("de", 25), "Noch 25 Tage zum Einreichen");
    assert_eq!(days("pt", 1), "Falta 1 dia para enviar");
    assert_eq!(days("pt", 3), "Faltam 3 dias para enviar");
    assert!(plural_is_one("pt-BR", 0) && !plural_is_one("de-AT", 0));
}

#[test]
fn long_dates_are_in_the_language() {
    let s = Strings::builtin();
    let t = monday();
    assert_eq!(s.long_date("en", &t), "Monday, April 22, 2024");
    assert_eq!(s.long_date("fr", &t), "lundi 22 avril 2024");
    assert_eq!(s.long_date("es", &t), "lunes, 22 de abril de 2024");
    assert_eq!(s.long_date("de", &t), "Montag, 22. April 2024");
    assert_eq!(
        s.long_date("pt-BR", &t),
        "segunda-feira, 22 de abril de 2024"
    );
    assert_eq!(
        s.long_date_time("en", &t),
        "Monday, April 22, 2024 at 23:59 UTC"
    );
    assert_eq!(
        s.long_date_time("fr", &t),
        "lundi 22 avril 2024 à 23:59 UTC"
    );
}

#[test]
fn english_dates_match_chrono() {
    let s = Strings::builtin();
    let t = monday();
    assert_eq!(
        s.long_date("en", &t),
        t.format("%A, %B %-d, %Y").to_string()
    );
    assert_eq!(
        s.long_date_time("en", &t),
        t.format("%A, %B %-d, %Y at %H:%M %Z").to_string()
    );
}

#[test]
fn placeholders_are_filled_and_unknown_ones_kept() {
    assert_eq!(fill("a {x} {y} {", &[("x", "1")]), "a 1 {y} {");
    let s = Strings::builtin();
    assert_eq!(
        s.text(
            "en",
            "issue.closes",
            None,
            &[("cfp", "RustConf"), ("closes", "soon")]
        )
        .unwrap(),
        "The RustConf CFP closes soon."
    );
}

#[test]
fn an_unknown_language_falls_back_to_english() {
    let s = Strings::builtin();
    assert!(!s.knows("nl"));
    assert!(s.knows("fr-CA"));
    assert_eq!(
        s.text("nl", "issue.submit", None, &[]).unwrap(),
        "Submit your proposal"
    );
    assert!(s.text("en", "no.such.key", None, &[]).is_err());
    assert!(s.text("en", "issue.days_left", None, &[]).is_err());
}

#[test]
fn project_files_override_strings_and_add_languages() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("strings.fr.toml"),
        "[issue]\nsubmit = \"Proposez votre sujet\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("strings.nl.toml"),
        "[issue]\ndays_left = { one = \"Nog {n} dag\", other = \"Nog {n} dagen\" }\n",
    )
    .unwrap();
    let s = Strings::load(dir.path()).unwrap();
    assert_eq!(
        s.text("fr", "issue.submit", None, &[]).unwrap(),
        "Proposez votre sujet"
    );
    assert_eq!(
        s.text("fr", "issue.last_day", None, &[]).unwrap(),
        "Dernier jour pour proposer"
    );
    assert!(s.knows("nl"));
    assert_eq!(
        s.text("nl", "issue.days_left", Some(2), &[]).unwrap(),
        "Nog 2 dagen"
    );
    // Keys it does not give are English.
    assert_eq!(
        s.text("nl", "issue.submit", None, &[]).unwrap(),
        "Submit your proposal"
    );
}

#[test]
fn a_bad_override_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("strings.de.toml"), "[issue]\nsubmit = 3\n").unwrap();
    let e = Strings::load(dir.path()).unwrap_err().to_string();
    assert!(e.contains("strings.de.toml"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("strings.de.toml"), "[issue\n").unwrap();
    let e = Strings::load(dir.path()).unwrap_err().to_string();
    assert!(e.contains("strings.de.toml:1:"), "{e}");
}

fn render(name: &str, src: &str, lang: &str, arg: &str) -> String {
    let mut tera = tera::Tera::new();
    register(&mut tera, std::sync::Arc::new(Strings::builtin()));
    tera.add_raw_template(name, src).unwrap();
    let mut ctx = tera::Context::new();
    ctx.insert("newsletter", &serde_json::json!({ "language": lang }));
    ctx.insert("arg", arg);
    tera.render(name, &ctx).unwrap()
}

#[test]
fn t_escapes_in_html_and_writes_plain_text_elsewhere() {
    let src = r#"{{ t(key="issue.intro_weekly", cfp=arg) }}|{{ t(key="email.and_more", n=3) }}"#;
    let html = render("t.html", src, "en", "<b>&");
    assert!(
        html.starts_with("Here is this week&rsquo;s inspiration for your &lt;b&gt;&amp; talk"),
        "{html}"
    );
    assert!(html.ends_with("|and&nbsp;3&nbsp;more"), "{html}");
    let text = render("t.txt", src, "en", "<b>&");
    assert!(
        text.starts_with("Here is this week's inspiration for your <b>& talk"),
        "{text}"
    );
    assert!(text.ends_with("|and\u{a0}3\u{a0}more"), "{text}");
    // An argument marked safe is not escaped again.
    let safe = render(
        "s.html",
        r#"{{ t(key="issue.tip") }} {{ t(key="archive.none_yet", feed=arg | safe) }}"#,
        "fr",
        "<a>x</a>",
    );
    assert!(safe.contains("Suivez le <a>x</a> pour"), "{safe}");
}

#[test]
fn t_follows_newsletter_language_and_names_an_unknown_key() {
    let src = r#"{{ t(key="issue.days_left", n=1) }}"#;
    assert_eq!(render("a.txt", src, "de", ""), "Noch 1 Tag zum Einreichen");
    assert_eq!(render("b.txt", src, "pt-BR", ""), "Falta 1 dia para enviar");
    let mut tera = tera::Tera::new();
    register(&mut tera, std::sync::Arc::new(Strings::builtin()));
    tera.add_raw_template("c.txt", r#"{{ t(key="no.such") }}"#)
        .unwrap();
    let e = tera.render("c.txt", &tera::Context::new()).unwrap_err();
    assert!(format!("{e:?}").contains("no string `no.such`"), "{e:?}");
}
