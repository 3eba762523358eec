use super::*;
use base64::Engine;

fn config(extra: &str) -> Config {
    let src = format!(
        "[newsletter]\ntitle = \"CFP Weekly\"\nfrom = \"Program Committee <program@example.org>\"\nreply_to = \"help@example.org\"\n[cfp]\nname = \"X\"\ntimezone = \"UTC\"\nopens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00\n[schedule]\nweekday = \"monday\"\ntime = \"09:00\"\n{extra}"
    );
    Config::parse(&src).unwrap()
}

fn https() -> Config {
    config(
        "[unsubscribe]\nurl = \"https://example.org/u?t={token}\"\nmailto = \"unsub@example.org\"\n",
    )
}

fn date() -> DateTime<Utc> {
    "2024-03-04T14:00:00Z".parse().unwrap()
}

fn message(c: &Composer, name: Option<&str>, subject: &str) -> String {
    let to = Recipient {
        email: "ana@example.net",
        key: "ana@example.net",
        name,
    };
    let m = c
        .compose(
            3,
            subject,
            "text part".into(),
            "<p>html part</p>".into(),
            &to,
            date(),
        )
        .unwrap();
    String::from_utf8(m.formatted()).unwrap()
}

/// The unfolded values of header `name`.
fn header(msg: &str, name: &str) -> Vec<String> {
    let head = msg
        .split("\r\n\r\n")
        .next()
        .unwrap()
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ");
    head.split("\r\n")
        .filter(|l| {
            l.len() > name.len()
                && l[..name.len()].eq_ignore_ascii_case(name)
                && l.as_bytes()[name.len()] == b':'
        })
        .map(|l| l[name.len() + 1..].trim().to_string())
        .collect()
}

#[test]
fn every_required_header_is_there_once() {
    let c = Composer::new(&https(), Some("s3cret".into())).unwrap();
    let m = message(&c, Some("Ana"), "CFP Weekly #3: API");
    for h in [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "List-Id",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "Reply-To",
    ] {
        assert_eq!(header(&m, h).len(), 1, "{h} in\n{m}");
    }
    assert_eq!(header(&m, "To"), ["Ana <ana@example.net>"]);
    assert_eq!(header(&m, "Date"), ["Mon, 04 Mar 2024 14:00:00 +0000"]);
    assert_eq!(
        header(&m, "List-Unsubscribe-Post"),
        ["List-Unsubscribe=One-Click"]
    );
    assert_eq!(
        header(&m, "List-Id"),
        ["CFP Weekly <cfp-weekly.example.org>"]
    );
    let token = c.token("ana@example.net");
    assert_eq!(
        header(&m, "List-Unsubscribe"),
        [format!(
            "<https://example.org/u?t={token}>, <mailto:unsub@example.org?subject=unsubscribe%20{token}>"
        )]
    );
    assert!(m.contains("multipart/alternative"));
    assert!(m.contains("text part") && m.contains("<p>html part</p>"));
}

#[test]
fn message_id_is_stable_per_issue_and_recipient() {
    let c = Composer::new(&https(), None).unwrap();
    let a = c.message_id(3, "ana@example.net");
    assert_eq!(a, c.message_id(3, "ana@example.net"));
    assert_ne!(a, c.message_id(4, "ana@example.net"));
    assert_ne!(a, c.message_id(3, "bo@example.net"));
    assert!(
        a.starts_with("<issue3.") && a.ends_with("@example.org>"),
        "{a}"
    );
    let m = message(&c, None, "s");
    assert_eq!(header(&m, "Message-ID"), [a]);
}

#[test]
fn tokens_are_hmacs_of_the_address() {
    let c = Composer::new(&https(), Some("one".into())).unwrap();
    let d = Composer::new(&https(), Some("two".into())).unwrap();
    let t = c.token("ana@example.net");
    assert_eq!(t.len(), 43);
    assert!(
        t.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    );
    assert_ne!(t, c.token("bo@example.net"));
    assert_ne!(t, d.token("ana@example.net"));
    assert!(c.needs_secret() && c.has_secret());
    assert!(!Composer::new(&https(), None).unwrap().has_secret());
}

#[test]
fn no_post_header_without_an_https_url() {
    let c = Composer::new(
        &config("[unsubscribe]\nmailto = \"unsub@example.org\"\n"),
        None,
    )
    .unwrap();
    let m = message(&c, None, "s");
    assert!(header(&m, "List-Unsubscribe-Post").is_empty());
    assert_eq!(header(&m, "List-Unsubscribe").len(), 1);
    assert!(!c.needs_secret());
}

#[test]
fn crlf_in_names_and_subjects_never_adds_a_header() {
    let c = Composer::new(&https(), Some("k".into())).unwrap();
    let m = message(
        &c,
        Some("Eve\r\nBcc: victim@example.com"),
        "Hi\r\nBcc: x@example.com",
    );
    assert!(header(&m, "Bcc").is_empty(), "{m}");
    assert_eq!(header(&m, "Subject"), ["Hi Bcc: x@example.com"]);
}

#[test]
fn non_ascii_names_and_subjects_are_encoded() {
    let c = Composer::new(&https(), Some("k".into())).unwrap();
    let m = message(&c, Some("Zoë Ångström"), "Café: déjà vu");
    let to = &header(&m, "To")[0];
    assert!(to.starts_with("=?utf-8?"), "{to}");
    let subject = &header(&m, "Subject")[0];
    assert!(subject.starts_with("=?utf-8?"), "{subject}");
    assert!(m.is_ascii() || m.split("\r\n\r\n").next().unwrap().is_ascii());
}

#[test]
fn a_missing_sender_is_bad_input() {
    let src = "[newsletter]\ntitle = \"T\"\n[cfp]\nname = \"X\"\ntimezone = \"UTC\"\nopens = 2024-03-01T00:00:00\ncloses = 2024-04-01T00:00:00\n[schedule]\nweekday = \"monday\"\ntime = \"09:00\"\n";
    let e = Composer::new(&Config::parse(src).unwrap(), None)
        .err()
        .unwrap();
    assert_eq!(e.exit_code(), 2);
    assert!(e.message().contains("[newsletter] from is not set"));
}

#[test]
fn a_subject_that_looks_encoded_is_encoded_whole_and_reads_back_as_written() {
    let c = Composer::new(&https(), Some("k".into())).unwrap();
    let subject = "CFP #3: =?utf-8?q?Hi=0D=0ABcc:_x@example.org?= and a long tail of words";
    let msg = message(&c, None, subject);
    let raw = header(&msg, "Subject");
    assert_eq!(raw.len(), 1);
    // Only base64 encoded words, which decode to exactly the subject.
    let decoded: String = raw[0]
        .split_whitespace()
        .map(|w| {
            let b64 = w
                .strip_prefix("=?utf-8?b?")
                .and_then(|w| w.strip_suffix("?="))
                .unwrap_or_else(|| panic!("not a base64 word: {w}"));
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            String::from_utf8(bytes).unwrap()
        })
        .collect();
    assert_eq!(decoded, subject);
    assert!(header(&msg, "Bcc").is_empty());
    // An ordinary subject stays readable.
    let plain = message(&c, None, "CFP Weekly #3: API");
    assert_eq!(header(&plain, "Subject"), ["CFP Weekly #3: API"]);
}

/// Parses a `List-Id` value back as a reader would (RFC 5322 phrase: atoms,
/// quoted strings, RFC 2047 base64 words; then the `<id>`).
fn parse_list_id(value: &str) -> (String, String) {
    let open = value.rfind('<').expect("an id in <>");
    let (phrase, id) = value.split_at(open);
    assert!(id.ends_with('>'), "{value}");
    let id = id[1..id.len() - 1].to_string();
    let mut words: Vec<String> = Vec::new();
    let mut encoded = String::new();
    let mut chars = phrase.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' => {}
            '"' => {
                let mut w = String::new();
                loop {
                    match chars.next().expect("a closed quoted string") {
                        '\\' => w.push(chars.next().unwrap()),
                        '"' => break,
                        ch => {
                            assert!(ch != '\r' && ch != '\n');
                            w.push(ch)
                        }
                    }
                }
                words.push(w);
            }
            _ => {
                let mut w = String::from(c);
                while let Some(&n) = chars.peek() {
                    if n == ' ' {
                        break;
                    }
                    w.push(n);
                    chars.next();
                }
                if let Some(b64) = w
                    .strip_prefix("=?utf-8?b?")
                    .and_then(|r| r.strip_suffix("?="))
                {
                    encoded.push_str(
                        &String::from_utf8(
                            base64::engine::general_purpose::STANDARD
                                .decode(b64)
                                .unwrap(),
                        )
                        .unwrap(),
                    );
                    continue;
                }
                assert!(
                    w.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(ch)),
                    "an atom with specials: {w} in {value}"
                );
                words.push(w);
            }
        }
    }
    if !encoded.is_empty() {
        words.push(encoded);
    }
    (words.join(" "), id)
}

#[test]
fn list_id_phrase_parses_back_to_the_title() {
    for title in [
        "CFP Weekly",
        "CFP <Weekly>",
        "The \"Best\" CFP",
        "a\\b, c; d: e@f (g) [h].",
        "Ünïcode CFP ☃ Weekly, with a title long enough to need two encoded words",
        "<>",
        "x\"",
    ] {
        let mut cfg = config("");
        cfg.newsletter.title = title.to_string();
        let c = Composer::new(&cfg, None).unwrap();
        let m = message(&c, None, "s");
        let values = header(&m, "List-Id");
        assert_eq!(values.len(), 1, "{m}");
        let (phrase, id) = parse_list_id(&values[0]);
        assert_eq!(phrase, title, "{}", values[0]);
        assert_eq!(
            id,
            format!("{}.example.org", crate::topics::slugify(title)),
            "{}",
            values[0]
        );
        // RFC 2047: an encoded word is at most 75 characters.
        assert!(
            values[0]
                .split(' ')
                .all(|w| !w.starts_with("=?") || w.len() <= 75),
            "{}",
            values[0]
        );
    }
}
