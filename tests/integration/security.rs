//! Security: secrets never leave the environment (not in any output, error,
//! file or message), hostile names, category names and CSV fields never add
//! a header, and HTML in them is escaped in the HTML part.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::project::{self, Project, Smtp};
use crate::support::smtp::{Config as ServerConfig, Greeting, Server};
use base64::Engine;

const PASSWORD: &str = "pw-Zq8xT-RECOGNIZABLE-SMTP-PASSWORD-4471";
const SECRET: &str = "sk-Kx3vB-RECOGNIZABLE-UNSUBSCRIBE-SECRET-9902";
const USER: &str = "cfp-user";

/// Every form in which a secret could leak.
fn needles() -> Vec<(String, Vec<u8>)> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        ("the SMTP password".into(), PASSWORD.into()),
        ("the unsubscribe secret".into(), SECRET.into()),
        ("the password in base64".into(), b64(PASSWORD).into()),
        ("the secret in base64".into(), b64(SECRET).into()),
        (
            "the AUTH PLAIN token".into(),
            b64(&format!("\0{USER}\0{PASSWORD}")).into(),
        ),
    ]
}

fn assert_no_secret(what: &str, bytes: &[u8]) {
    for (name, needle) in needles() {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
            "{name} appears in {what}"
        );
    }
}

/// Runs the CLI with both secrets in the environment and checks that
/// neither appears in what it printed. Returns the output.
fn run(dir: &Path, args: &[&str]) -> Output {
    let o = project::cli(dir)
        .env("NEWSLETTER_SMTP_PASSWORD", PASSWORD)
        .env("NEWSLETTER_UNSUBSCRIBE_SECRET", SECRET)
        .args(args)
        .output()
        .unwrap();
    assert_no_secret(&format!("the output of {args:?}"), &o.stdout);
    assert_no_secret(&format!("the errors of {args:?}"), &o.stderr);
    o
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            v.extend(files(&p));
        } else {
            v.push(p);
        }
    }
    v
}

fn config_with(smtp: &Smtp) -> String {
    project::smtp_config(smtp)
}

#[test]
fn secrets_never_appear_in_output_errors_files_or_messages() {
    let server = Server::start(ServerConfig {
        auth: Some((USER.into(), PASSWORD.into())),
        ..Default::default()
    });
    let mut smtp = Smtp::new(server.port);
    smtp.username = Some(USER.into());
    let dir = Project::new()
        .config(&config_with(&smtp))
        .subscribers(&project::list(20))
        .build();
    let d = dir.path();
    // The same project pointed at servers that fail in different ways.
    let wrong = Server::start(ServerConfig {
        auth: Some((USER.into(), "another-password".into())),
        ..Default::default()
    });
    let silent = Server::start(ServerConfig {
        greeting: Greeting::Never,
        ..Default::default()
    });
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for (name, port, timeout) in [
        ("wrong.toml", wrong.port, 5),
        ("silent.toml", silent.port, 1),
        ("closed.toml", closed, 5),
    ] {
        let mut s = smtp.clone();
        s.port = port;
        s.timeout_seconds = timeout;
        std::fs::write(d.join(name), config_with(&s)).unwrap();
    }

    let now = ["--now", "2024-03-20"];
    let ok = |args: &[&str]| {
        let args: Vec<&str> = args.iter().chain(now.iter()).copied().collect();
        let o = run(d, &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", project::out(&o));
    };
    ok(&["check"]);
    ok(&["plan"]);
    ok(&["plan", "--json"]);
    ok(&["send", "--dry-run"]);
    ok(&["preview", "--issue", "3", "--format", "eml"]);
    ok(&["preview", "--format", "eml", "--to", "ana@example.com"]);
    ok(&["preview", "--format", "html"]);
    ok(&["preview", "--format", "text"]);
    ok(&["send", "--to", "tester@example.com"]);
    ok(&["send"]);
    ok(&["status"]);
    ok(&["status", "--json"]);
    ok(&["status", "--issue", "3"]);
    ok(&["unsubscribe", "user3@example.com"]);
    // Failures: every one exits 1 and says why, without the secrets.
    for cfg in ["wrong.toml", "silent.toml", "closed.toml"] {
        for args in [
            &["send", "--issue", "4", "--force"][..],
            &["send", "--to", "tester@example.com"][..],
        ] {
            let args: Vec<&str> = ["--config", cfg]
                .iter()
                .chain(args)
                .chain(now.iter())
                .copied()
                .collect();
            let o = run(d, &args);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {}", project::out(&o));
            assert!(
                project::out(&o).contains("cannot connect"),
                "{args:?}: {}",
                project::out(&o)
            );
        }
    }
    // The wrong password did reach the server: it was refused there.
    assert!(wrong.connections() >= 1);
    // Without the password in the environment: bad input, naming the
    // variable, not a value.
    let o = project::cli(d)
        .env_remove("NEWSLETTER_SMTP_PASSWORD")
        .env("NEWSLETTER_UNSUBSCRIBE_SECRET", SECRET)
        .args(["send", "--issue", "4", "--force", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", project::out(&o));
    assert!(project::out(&o).contains("NEWSLETTER_SMTP_PASSWORD"));
    assert_no_secret("the missing-password error", project::out(&o).as_bytes());

    // 20 messages and the test message went out, authenticated.
    assert_eq!(server.accepted(), 21);
    for m in server.messages() {
        assert_no_secret("a message", m.data.as_bytes());
        assert!(m.data.contains("token="), "no unsubscribe token");
    }
    // Every file the runs left: the state database (and its WAL), the send
    // lock, the configs.
    let all = files(d);
    assert!(
        all.iter()
            .any(|p| p.file_name().unwrap() == "newsletter.db"),
        "{all:?}"
    );
    for f in &all {
        assert_no_secret(&f.display().to_string(), &std::fs::read(f).unwrap());
    }

    // The outbox transport: the .eml files and the state.
    let outbox = Project::new().subscribers(&project::list(5)).build();
    let o = run(outbox.path(), &["send", "--now", "2024-03-20"]);
    assert_eq!(o.status.code(), Some(0), "{}", project::out(&o));
    let all = files(outbox.path());
    assert_eq!(
        all.iter()
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .count(),
        5
    );
    for f in &all {
        assert_no_secret(&f.display().to_string(), &std::fs::read(f).unwrap());
    }
}

// ---- Header injection and HTML escaping ---------------------------------

/// A topic list whose category names try to break the Subject: CR/LF (as
/// HTML character references, which Markdown decodes), an RFC 2047 encoded
/// word that decodes to CR/LF, and HTML.
const EVIL_TOPICS: &str = "# Evil list

## Evil&#13;&#10;Bcc: victim@example.com
* one &#13;&#10;X-Topic: injected
* <script>alert(1)</script> scripted
* <img src=x onerror=alert(2)> imaged

## =?utf-8?q?Sneaky=0D=0ABcc:_victim@example.com?=
* two

## <b>Bold</b> & \"Quoted\" <script>alert(3)</script>
* three
";

/// Shows the name and a custom field in the HTML part.
const GREETING: &str = r#"{% extends "__newsletter/email.html" %}
{% block greeting %}<p>Hi {{ subscriber.name }} of {{ subscriber.fields.company | default(value="") }}</p>{% endblock greeting %}
"#;

/// (address, name, company, whether the row is valid).
fn evil_rows() -> Vec<(&'static str, &'static str, &'static str, bool)> {
    vec![
        (
            "mal@example.com",
            "Mallory <evil@example.com>",
            "<b>Acme</b>",
            true,
        ),
        ("comma@example.com", "a, victim@example.com", "x", true),
        (
            "enc@example.com",
            "=?utf-8?q?Eve=0D=0ABcc:_victim@example.com?=",
            "x",
            true,
        ),
        ("quote@example.com", "\"Quoted\" Name", "x", true),
        (
            "script@example.com",
            "<script>alert(4)</script>",
            "<img src=x onerror=alert(5)>",
            true,
        ),
        (
            "crlf@example.com",
            "Eve\r\nBcc: victim@example.com",
            "x",
            false,
        ),
        ("lf@example.com", "Eve\nBcc: victim@example.com", "x", false),
        (
            "nel@example.com",
            "Eve\u{85}Bcc: victim@example.com",
            "x",
            false,
        ),
        (
            "ls@example.com",
            "Eve\u{2028}Bcc: victim@example.com",
            "x",
            false,
        ),
        (
            "field@example.com",
            "Fred",
            "Acme\r\nX-Injected: yes",
            false,
        ),
    ]
}

fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The header block, unfolded, as (name, value) in order.
fn headers(data: &str) -> Vec<(String, String)> {
    let (head, _) = data.split_once("\r\n\r\n").unwrap();
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded
        .split("\r\n")
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("not a header line: {line:?}"));
            assert!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                "bad header name in {line:?}"
            );
            (name.to_string(), value.trim_start().to_string())
        })
        .collect()
}

/// Decodes quoted-printable text.
fn qp_decode(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if let (b'=', Some(v)) = (b[i], hex) {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The decoded HTML part of a message.
fn html_part(data: &str) -> String {
    let start = data.find("Content-Type: text/html").unwrap();
    let rest = &data[start..];
    let (part_head, body) = rest.split_once("\r\n\r\n").unwrap();
    assert!(
        part_head.contains("quoted-printable"),
        "the HTML part is not quoted-printable: {part_head}"
    );
    let body = body.split("\r\n--").next().unwrap();
    qp_decode(body)
}

#[test]
fn hostile_names_categories_and_fields_add_no_header_and_html_is_escaped() {
    let server = Server::start(ServerConfig::default());
    let config = project::smtp_config(&Smtp::new(server.port))
        .replace("categories_per_issue = 1", "categories_per_issue = 3");
    let mut csv = String::from("email,name,company\n");
    for (email, name, company, _) in evil_rows() {
        csv.push_str(&format!(
            "{email},{},{}\n",
            csv_field(name),
            csv_field(company)
        ));
    }
    let dir = Project::new().config(&config).subscribers(&csv).build();
    std::fs::write(dir.path().join("content/topics.md"), EVIL_TOPICS).unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("templates/email.html"), GREETING).unwrap();

    let o = project::send(dir.path());
    let text = project::out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    let valid: Vec<&str> = evil_rows()
        .into_iter()
        .filter(|r| r.3)
        .map(|r| r.0)
        .collect();
    let invalid = evil_rows().len() - valid.len();
    assert!(
        text.contains(&format!("sent {}, failed 0, pending 0", valid.len()))
            && text.contains(&format!("invalid rows {invalid}")),
        "{text}"
    );

    let msgs = server.messages();
    assert_eq!(msgs.len(), valid.len());
    let expected: BTreeMap<&str, usize> = [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "List-Id",
        "Reply-To",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "MIME-Version",
        "Content-Type",
    ]
    .into_iter()
    .map(|h| (h, 1))
    .collect();
    for m in &msgs {
        // One envelope recipient, one of the valid rows.
        assert_eq!(m.rcpt.len(), 1);
        assert!(valid.contains(&m.rcpt[0].as_str()), "{:?}", m.rcpt);
        let hs = headers(&m.data);
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for (n, _) in &hs {
            *names.entry(n.as_str()).or_default() += 1;
        }
        assert_eq!(names, expected, "headers of the message to {}", m.rcpt[0]);
        let get = |name: &str| {
            hs.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        // To: exactly one mailbox, the envelope's.
        let to: lettre::message::Mailboxes = get("To").parse().unwrap();
        let to: Vec<_> = to.into_iter().collect();
        assert_eq!(to.len(), 1, "To: {}", get("To"));
        assert_eq!(to[0].email.to_string(), m.rcpt[0]);
        // The Subject is one line holding the flattened category names;
        // one that looks like an encoded word is base64-encoded whole, so
        // it reads back exactly as written.
        let subject = decode_words(&get("Subject"));
        assert!(subject.contains("=?utf-8?q?"), "{subject}");
        assert!(
            subject.contains("Evil Bcc: victim@example.com"),
            "{subject}"
        );
        let head = m
            .data
            .split("\r\n\r\n")
            .next()
            .unwrap()
            .to_ascii_lowercase();
        for injected in ["\r\nbcc:", "\r\nx-injected:", "\r\nx-topic:"] {
            assert!(!head.contains(injected), "{injected:?} in {head}");
        }

        // The HTML part: markup from names, fields and topics is text.
        let html = html_part(&m.data);
        for raw in [
            "<script",
            "<img src=x",
            "onerror=alert(2)>",
            "<b>Acme",
            "<b>Bold",
        ] {
            assert!(!html.contains(raw), "{raw} is live in the HTML part");
        }
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
        match m.rcpt[0].as_str() {
            "mal@example.com" => assert!(
                html.contains("Hi Mallory &lt;evil@example.com&gt; of &lt;b&gt;Acme&lt;/b&gt;"),
                "{html}"
            ),
            "script@example.com" => assert!(
                html.contains(
                    "Hi &lt;script&gt;alert(4)&lt;/script&gt; of &lt;img src=x onerror=alert(5)&gt;"
                ),
                "{html}"
            ),
            _ => {}
        }
    }
    // The invalid rows got nothing, and the run said why.
    for (email, _, _, ok) in evil_rows() {
        if !ok {
            assert!(!msgs.iter().any(|m| m.rcpt[0] == email), "{email}");
        }
    }
}

/// An RFC 2047 header value with base64 UTF-8 words decoded (adjacent
/// words join without the space between them); other text as is.
fn decode_words(value: &str) -> String {
    use base64::Engine;
    let words: Vec<&str> = value.split(' ').collect();
    let encoded = |w: &str| w.starts_with("=?utf-8?b?") && w.ends_with("?=");
    if !words.iter().all(|w| encoded(w)) {
        return value.to_string();
    }
    words
        .iter()
        .map(|w| {
            let b64 = &w["=?utf-8?b?".len()..w.len() - 2];
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            String::from_utf8(bytes).unwrap()
        })
        .collect()
}
