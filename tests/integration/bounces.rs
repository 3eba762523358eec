//! `newsletter bounces` as a process: the fixture reports (real Postfix
//! bounces from bench/postfix-bounces.sh, and the Exim, Exchange, soft,
//! complaint and non-report ones) read from a Maildir and an mbox against
//! a project whose state holds the deliveries they return; VERP over SMTP.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::project::{
    Project, Smtp, assert_bad_input, cli, deliveries, out, root, smtp_config, status_json, text,
};
use crate::support::smtp::{Config as ServerConfig, Server};

/// The addresses the fixtures are about, and what each one says.
const HARD: &[&str] = &[
    "gone@postfix.test",
    "left@postfix.test",
    "far@remote.postfix.test",
    "exim.hard@example.net",
    "exim.plain@example.net",
    "exchange.gone@contoso.example",
    "exchange.old@contoso.example",
];
const SOFT: &[&str] = &[
    "later@slow.postfix.test",
    "exim.slow@example.net",
    "full@example.org",
];
const COMPLAINED: &str = "angry@example.com";
/// Reports among the fixtures, and the rest (a reply, an auto-reply).
const REPORTS: usize = 11;
const NOT_REPORTS: usize = 2;

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/bounces"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    v.sort();
    v
}

/// A project with every fixture address (and two more) on the list, and
/// issue 3 sent to them through the outbox.
fn sent_project(extra_config: &str) -> tempfile::TempDir {
    let mut csv =
        String::from("email,name\nstill.here@example.com,Here\nana.lima@example.com,Ana\n");
    for a in HARD.iter().chain(SOFT).chain([&COMPLAINED]) {
        csv.push_str(&format!("{a},\n"));
    }
    let config = std::fs::read_to_string(root().join("config.toml"))
        .unwrap()
        .replace("soft_bounce_limit = 3\n", extra_config);
    let dir = Project::new().config(&config).subscribers(&csv).build();
    let o = cli(dir.path())
        .args(["send", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    dir
}

/// A Maildir at `dir/Maildir` holding every fixture (half in new/, half in cur/).
fn maildir(dir: &Path) -> PathBuf {
    let md = dir.join("Maildir");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    for (i, f) in fixtures().iter().enumerate() {
        let sub = if i % 2 == 0 { "new" } else { "cur" };
        let name = format!("17109{i:05}.M1P1.host:2,S");
        std::fs::copy(f, md.join(sub).join(name)).unwrap();
    }
    md
}

fn bounces(dir: &Path, args: &[&str]) -> std::process::Output {
    cli(dir)
        .arg("bounces")
        .args(args)
        .args(["--now", "2024-03-22"])
        .output()
        .unwrap()
}

/// The suppressions table: key -> reason.
fn suppressions(dir: &Path) -> BTreeMap<String, String> {
    let conn = rusqlite::Connection::open_with_flags(
        dir.join("state/newsletter.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut stmt = conn
        .prepare("SELECT key, reason FROM suppressions")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// Every row of the tables `bounces` writes, as text.
fn bounce_tables(dir: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open_with_flags(
        dir.join("state/newsletter.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut rows = Vec::new();
    for sql in [
        "SELECT key || ' ' || suppressed_at || ' ' || reason FROM suppressions ORDER BY key",
        "SELECT report_id || ' ' || processed_at FROM bounce_reports ORDER BY report_id",
        "SELECT key || ' ' || issue || ' ' || kind || ' ' || IFNULL(status, '-') || ' ' || at FROM bounces ORDER BY key, kind",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let got: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        rows.extend(got);
    }
    rows
}

fn expected_suppressions() -> BTreeMap<String, String> {
    let mut m: BTreeMap<String, String> = HARD
        .iter()
        .map(|a| (a.to_string(), "bounced".to_string()))
        .collect();
    m.insert(COMPLAINED.to_string(), "complained".to_string());
    m
}

#[test]
fn the_fixtures_suppress_exactly_the_hard_bounced_and_complaining_and_a_second_run_changes_nothing()
{
    let dir = sent_project("soft_bounce_limit = 3\n");
    // The fixtures return the Message-IDs this send gave.
    let ids: Vec<String> = deliveries(dir.path(), 3)
        .into_iter()
        .map(|d| d.message_id)
        .collect();
    for f in fixtures() {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let body = std::fs::read_to_string(&f).unwrap();
        let quotes_one = ids.iter().any(|id| body.contains(id.as_str()));
        let expected = !matches!(
            name.as_str(),
            "exchange-plain.eml" | "not-a-bounce.eml" | "auto-reply.eml"
        );
        assert_eq!(quotes_one, expected, "{name}");
    }
    let md = maildir(dir.path());
    let md_arg = md.to_str().unwrap();

    let o = bounces(dir.path(), &[md_arg]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let s = text(&o.stdout);
    assert!(
        s.contains(&format!(
            "read {} messages: 7 hard bounces, 3 soft bounces, 1 complaint",
            REPORTS + NOT_REPORTS
        )),
        "{s}"
    );
    assert!(
        s.contains(&format!(
            "0 reports already recorded, 0 matching no delivery, {NOT_REPORTS} not a bounce"
        )),
        "{s}"
    );
    assert!(s.contains("suppressed 8 addresses"), "{s}");
    assert_eq!(suppressions(dir.path()), expected_suppressions());
    let v = status_json(dir.path());
    assert_eq!(v["suppressed"], 8);
    assert_eq!(v["suppressed_by_reason"]["bounced"], 7);
    assert_eq!(v["suppressed_by_reason"]["complained"], 1);
    assert_eq!(v["suppressed_by_reason"]["manual"], 0);
    let st = cli(dir.path()).arg("status").output().unwrap();
    assert!(
        text(&st.stdout).contains("suppressed addresses: 8 (bounced 7, complained 1)"),
        "{}",
        out(&st)
    );

    // Again: everything was recorded already; nothing changes, nothing is deleted.
    let tables = bounce_tables(dir.path());
    assert_eq!(tables.len(), 8 + REPORTS + REPORTS, "{tables:#?}");
    let o = bounces(dir.path(), &[md_arg]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let s = text(&o.stdout);
    assert!(
        s.contains("0 hard bounces, 0 soft bounces, 0 complaints"),
        "{s}"
    );
    assert!(
        s.contains(&format!("{REPORTS} reports already recorded")),
        "{s}"
    );
    assert!(s.contains("suppressed 0 addresses"), "{s}");
    assert_eq!(bounce_tables(dir.path()), tables);
    let files = std::fs::read_dir(md.join("new")).unwrap().count()
        + std::fs::read_dir(md.join("cur")).unwrap().count();
    assert_eq!(
        files,
        REPORTS + NOT_REPORTS,
        "mail was deleted without --delete"
    );
}

#[test]
fn soft_bounces_suppress_once_the_limit_is_reached() {
    let dir = sent_project("soft_bounce_limit = 1\n");
    let md = maildir(dir.path());
    let o = bounces(dir.path(), &[md.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let mut expected = expected_suppressions();
    for a in SOFT {
        expected.insert(a.to_string(), "bounced".to_string());
    }
    assert_eq!(suppressions(dir.path()), expected);
}

#[test]
fn delete_removes_the_recorded_reports_from_a_maildir_and_an_mbox_and_nothing_else() {
    let dir = sent_project("soft_bounce_limit = 3\n");
    let md = maildir(dir.path());
    // An mbox of the same fixtures: every report is already recorded once
    // the Maildir is read, and is deleted all the same.
    let mut mbox = String::new();
    for f in fixtures() {
        let body = std::fs::read_to_string(&f)
            .unwrap()
            .replace("\nFrom ", "\n>From ");
        mbox.push_str("From MAILER-DAEMON Fri Mar 22 10:00:00 2024\n");
        mbox.push_str(&body);
        mbox.push('\n');
    }
    let mbox_path = dir.path().join("bounces.mbox");
    std::fs::write(&mbox_path, &mbox).unwrap();

    let o = bounces(
        dir.path(),
        &[
            md.to_str().unwrap(),
            mbox_path.to_str().unwrap(),
            "--delete",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let s = text(&o.stdout);
    assert!(
        s.contains(&format!("{REPORTS} reports already recorded")),
        "{s}"
    );
    assert!(
        s.contains(&format!("deleted {} reports", 2 * REPORTS)),
        "{s}"
    );
    assert_eq!(suppressions(dir.path()), expected_suppressions());

    let mut left: Vec<String> = Vec::new();
    for sub in ["new", "cur"] {
        for e in std::fs::read_dir(md.join(sub)).unwrap() {
            let body = std::fs::read_to_string(e.unwrap().path()).unwrap();
            left.push(
                body.lines()
                    .find(|l| l.starts_with("Subject:"))
                    .unwrap()
                    .to_string(),
            );
        }
    }
    left.sort();
    assert_eq!(
        left,
        [
            "Subject: Out of office: DjangoCon US 2024 CFP Weekly #3: Novel Uses for Django",
            "Subject: Re: DjangoCon US 2024 CFP Weekly #3: Novel Uses for Django",
        ]
    );
    let rest = std::fs::read_to_string(&mbox_path).unwrap();
    assert_eq!(
        rest.matches("From MAILER-DAEMON ").count(),
        NOT_REPORTS,
        "{rest}"
    );
    assert!(rest.contains("Subject: Re: DjangoCon") && rest.contains("Subject: Out of office"));
}

#[test]
fn a_path_that_is_no_mailbox_is_bad_input_and_writes_nothing() {
    let dir = Project::new().build();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let o = bounces(dir.path(), &["empty"]);
    assert_bad_input(&o, "is a folder but not a Maildir");
    let o = bounces(dir.path(), &["missing.mbox"]);
    assert_bad_input(&o, "missing.mbox");
    assert!(!dir.path().join("state").exists(), "the state was created");
    let o = cli(dir.path()).arg("bounces").output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
}

#[test]
fn without_a_state_every_report_matches_nothing_and_nothing_is_written() {
    let dir = Project::new().build();
    let md = maildir(dir.path());
    let o = bounces(dir.path(), &[md.to_str().unwrap(), "--delete"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let s = text(&o.stdout);
    assert!(
        s.contains(&format!("{REPORTS} matching no delivery")),
        "{s}"
    );
    assert!(s.contains("deleted 0 reports"), "{s}");
    assert!(!dir.path().join("state").exists());
}

/// A bounce that quotes nothing of the message and names a forwarding
/// address: only the VERP address it came back to tells who it was.
fn headerless_bounce(to: &str) -> String {
    format!(
        "Return-Path: <>\nDelivered-To: {to}\nFrom: MAILER-DAEMON@mx.forward.example\nTo: {to}\n\
         Subject: Undelivered Mail Returned to Sender\nMessage-ID: <verp-bounce-1@mx.forward.example>\n\
         MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
         --b\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n\
         --b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.forward.example\n\n\
         Final-Recipient: rfc822; someone.else@forward.example\nAction: failed\nStatus: 5.1.1\n\n--b--\n"
    )
}

#[test]
fn verp_gives_each_message_its_return_path_and_a_bounce_to_it_names_the_recipient() {
    let server = Server::start(ServerConfig::default());
    let config = smtp_config(&Smtp::new(server.port)).replace(
        "# return_path = \"bounces+{token}@djangocon.us\"",
        "return_path = \"bounces+{token}@djangocon.us\"",
    );
    let dir = Project::new()
        .config(&config)
        .subscribers("email\nfirst@example.com\nsecond@example.com\n")
        .build();
    let o = cli(dir.path())
        .args(["send", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    // (MAIL FROM, RCPT TO) of each transaction: sent in one write (PIPELINING).
    let pairs: BTreeMap<String, String> = server
        .reads()
        .concat()
        .iter()
        .filter_map(|r| {
            let arg = |verb: &str| {
                let rest = &r[r.find(verb)? + verb.len()..];
                Some(rest.split('>').next()?.to_string())
            };
            Some((arg("RCPT TO:<")?, arg("MAIL FROM:<")?))
        })
        .collect();
    assert_eq!(pairs.len(), 2, "{pairs:?}");
    let senders: Vec<&String> = pairs.values().collect();
    assert_ne!(senders[0], senders[1]);
    for s in &senders {
        assert!(
            s.starts_with("bounces+3-") && s.ends_with("@djangocon.us"),
            "{s}"
        );
        assert!(!s.contains("example.com"), "{s}");
    }
    let md = dir.path().join("Maildir");
    std::fs::create_dir_all(md.join("new")).unwrap();
    std::fs::write(
        md.join("new/1.host"),
        headerless_bounce(&pairs["second@example.com"]),
    )
    .unwrap();

    // Without the secret the token cannot be checked: nothing is recorded.
    let o = crate::support::project::newsletter(dir.path())
        .args(["bounces", "Maildir", "--now", "2024-03-22"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert!(
        text(&o.stderr).contains("without the unsubscribe secret"),
        "{}",
        out(&o)
    );
    assert!(suppressions(dir.path()).is_empty());

    let o = bounces(dir.path(), &["Maildir"]);
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let mut expected = BTreeMap::new();
    expected.insert("second@example.com".to_string(), "bounced".to_string());
    assert_eq!(suppressions(dir.path()), expected, "{}", out(&o));
}

#[test]
fn a_send_with_a_return_path_needs_the_secret_and_says_why() {
    let config = std::fs::read_to_string(root().join("config.toml"))
        .unwrap()
        .replace(
            "url = \"https://2024.djangocon.us/newsletter/unsubscribe?token={token}\"\n",
            "",
        )
        .replace(
            "# return_path = \"bounces+{token}@djangocon.us\"",
            "return_path = \"bounces+{token}@djangocon.us\"",
        );
    let dir = Project::new()
        .config(&config)
        .subscribers("email\nfirst@example.com\n")
        .build();
    let o = crate::support::project::newsletter(dir.path())
        .args(["send", "--now", "2024-03-20"])
        .output()
        .unwrap();
    assert_bad_input(
        &o,
        "delivery.return_path (VERP) is set but the environment variable NEWSLETTER_UNSUBSCRIBE_SECRET is empty",
    );
    assert!(!dir.path().join("outbox").exists());
}
