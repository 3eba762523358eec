use std::path::Path;

use super::mailbox::{self, Place};
use super::report::{self, Format};
use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bounces")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (kind, recipient, status) of each finding.
type Found = Vec<(BounceKind, Option<String>, Option<String>)>;

/// (format, findings, original ids) of a fixture.
fn read(name: &str) -> (Format, Found, Vec<String>) {
    let r = report::parse(&fixture(name)).unwrap_or_else(|| panic!("{name} is not a report"));
    let f = r
        .findings
        .iter()
        .map(|f| (f.kind, f.recipient.clone(), f.status.clone()))
        .collect();
    (r.format, f, r.original_ids)
}

fn mid(key: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("3\n{key}").as_bytes());
    let hex: String = d.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("<issue3.{hex}@djangocon.us>")
}

fn one(
    kind: BounceKind,
    to: &str,
    status: Option<&str>,
) -> Vec<(BounceKind, Option<String>, Option<String>)> {
    vec![(kind, Some(to.to_string()), status.map(str::to_string))]
}

#[test]
fn real_postfix_bounces_are_hard_with_the_returned_message_id() {
    for (name, to, status) in [
        ("postfix-unknown-user.eml", "gone@postfix.test", "5.1.1"),
        ("postfix-headers-only.eml", "left@postfix.test", "5.1.1"),
        (
            "postfix-remote-error.eml",
            "far@remote.postfix.test",
            "5.0.0",
        ),
    ] {
        let (format, found, ids) = read(name);
        assert_eq!(format, Format::Dsn, "{name}");
        assert_eq!(found, one(BounceKind::Hard, to, Some(status)), "{name}");
        assert_eq!(ids, [mid(to)], "{name}");
    }
}

#[test]
fn a_postfix_delay_notice_is_soft() {
    let (format, found, ids) = read("postfix-delayed.eml");
    assert_eq!(format, Format::Dsn);
    assert_eq!(
        found,
        one(BounceKind::Soft, "later@slow.postfix.test", Some("4.4.1"))
    );
    assert_eq!(ids, [mid("later@slow.postfix.test")]);
}

#[test]
fn exim_bounces_as_dsn_and_as_text_and_its_delay_warning() {
    let (format, found, ids) = read("exim-dsn.eml");
    assert_eq!(format, Format::Dsn);
    assert_eq!(
        found,
        one(BounceKind::Hard, "exim.hard@example.net", Some("5.0.0"))
    );
    assert_eq!(ids, [mid("exim.hard@example.net")]);

    let (format, found, ids) = read("exim-plain.eml");
    assert_eq!(format, Format::EximText);
    assert_eq!(
        found,
        one(BounceKind::Hard, "exim.plain@example.net", Some("5.2.1"))
    );
    assert_eq!(ids, [mid("exim.plain@example.net")], "the copy in the text");

    let (format, found, ids) = read("exim-delayed.eml");
    assert_eq!(format, Format::EximText);
    assert_eq!(
        found,
        one(BounceKind::Soft, "exim.slow@example.net", Some("4.2.2"))
    );
    assert_eq!(ids, [mid("exim.slow@example.net")], "from References");
}

#[test]
fn exchange_reports_standard_and_plain() {
    let (format, found, ids) = read("exchange-ndr.eml");
    assert_eq!(format, Format::Dsn);
    assert_eq!(
        found,
        one(
            BounceKind::Hard,
            "exchange.gone@contoso.example",
            Some("5.1.10")
        )
    );
    assert_eq!(ids, [mid("exchange.gone@contoso.example")]);

    let (format, found, ids) = read("exchange-plain.eml");
    assert_eq!(format, Format::ExchangeText);
    assert_eq!(
        found,
        one(
            BounceKind::Hard,
            "exchange.old@contoso.example",
            Some("5.1.1")
        )
    );
    assert!(ids.is_empty(), "{ids:?}");
}

#[test]
fn a_soft_bounce_and_a_complaint() {
    let (_, found, ids) = read("soft-mailbox-full.eml");
    assert_eq!(
        found,
        one(BounceKind::Soft, "full@example.org", Some("4.2.2"))
    );
    assert_eq!(ids, [mid("full@example.org")]);

    let (format, found, ids) = read("arf-complaint.eml");
    assert_eq!(format, Format::Arf);
    assert_eq!(found, one(BounceKind::Complaint, "angry@example.com", None));
    assert_eq!(ids, [mid("angry@example.com")]);
}

#[test]
fn replies_and_auto_replies_are_not_reports() {
    assert!(report::parse(&fixture("not-a-bounce.eml")).is_none());
    assert!(report::parse(&fixture("auto-reply.eml")).is_none());
    assert!(report::parse(b"").is_none());
    assert!(report::parse(b"\xff\xfe garbage \x00").is_none());
}

#[test]
fn a_complaint_of_another_type_and_a_success_notice_are_not_counted() {
    let arf = String::from_utf8(fixture("arf-complaint.eml")).unwrap();
    let not_spam = arf.replace("Feedback-Type: abuse", "Feedback-Type: not-spam");
    assert!(report::parse(not_spam.as_bytes()).is_none());
    let dsn = String::from_utf8(fixture("soft-mailbox-full.eml")).unwrap();
    let delivered = dsn
        .replace("Action: delayed", "Action: delivered")
        .replace("Status: 4.2.2", "Status: 2.0.0")
        .replace("SMTP; 452 4.2.2 Mailbox full", "SMTP; 250 2.0.0 OK");
    assert!(report::parse(delivered.as_bytes()).is_none());
}

#[test]
fn a_report_without_message_id_is_known_by_its_hash() {
    let text = String::from_utf8(fixture("soft-mailbox-full.eml")).unwrap();
    let bare = text.replace("Message-Id: <202403201700.42ABCDEF@mx.example.org>\n", "");
    let a = report::parse(bare.as_bytes()).unwrap();
    assert!(
        a.id.starts_with("sha256:") && a.id.len() == 7 + 64,
        "{}",
        a.id
    );
    assert_eq!(report::parse(bare.as_bytes()).unwrap().id, a.id);
    let with = report::parse(text.as_bytes()).unwrap();
    assert_eq!(with.id, "<202403201700.42ABCDEF@mx.example.org>");
}

#[test]
fn delivery_status_blocks_unfold_and_classify() {
    let text = "Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822;\n  a@x.org\nAction: failed\nStatus: 5.7.1 (blocked)\n\n\
                final-recipient: RFC822; <b@x.org>\naction: Failed\nstatus: 4.4.7\n\n\
                Final-Recipient: rfc822; c@x.org\nAction: delivered\nStatus: 2.0.0\n";
    let r = dsn::delivery_status(text);
    let got: Vec<_> = r
        .iter()
        .map(|r| (r.recipient.as_deref(), r.kind, r.status.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (Some("a@x.org"), Some(BounceKind::Hard), Some("5.7.1")),
            (Some("b@x.org"), Some(BounceKind::Soft), Some("4.4.7")),
            (Some("c@x.org"), None, Some("2.0.0")),
        ]
    );
}

#[test]
fn status_codes_are_found_in_text_but_not_in_numbers() {
    assert_eq!(
        dsn::status_code("550 5.1.1 <a@b>").as_deref(),
        Some("5.1.1")
    );
    assert_eq!(
        dsn::status_code("#550 5.1.10 RESOLVER").as_deref(),
        Some("5.1.10")
    );
    assert_eq!(dsn::status_code("version 15.20.7386.31"), None);
    assert_eq!(dsn::status_code("ip 10.4.4.1"), None);
    assert_eq!(
        dsn::kind_of_text("452 Mailbox full").0,
        Some(BounceKind::Soft)
    );
    assert_eq!(dsn::kind_of_text("nothing here").0, None);
}

#[test]
fn an_mbox_splits_on_from_lines_after_blank_lines_and_unescapes() {
    let mbox = b"From a@x Wed Mar 20 13:00:00 2024\nSubject: one\n\nbody\n>From the start\nFrom inside\n\nFrom b@x Wed Mar 20 13:00:01 2024\nSubject: two\n\nsecond\n";
    let mails = mailbox::split_mbox(Path::new("m"), mbox);
    assert_eq!(mails.len(), 2);
    assert_eq!(
        String::from_utf8_lossy(&mails[0].bytes),
        "Subject: one\n\nbody\nFrom the start\nFrom inside\n\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&mails[1].bytes),
        "Subject: two\n\nsecond\n"
    );
}

#[test]
fn removing_from_an_mbox_keeps_the_other_messages_and_mail_appended_since() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mbox");
    let a = "From a@x Wed Mar 20 13:00:00 2024\nSubject: a\n\none\n\n";
    let b = "From b@x Wed Mar 20 13:00:01 2024\nSubject: b\n\ntwo\n\n";
    std::fs::write(&path, format!("{a}{b}")).unwrap();
    let mails = mailbox::read(&path).unwrap();
    let late = "From c@x Wed Mar 20 13:00:02 2024\nSubject: c\n\nthree\n";
    std::fs::write(&path, format!("{a}{b}{late}")).unwrap();
    assert_eq!(mailbox::remove(&[mails[0].place.clone()]).unwrap(), 1);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{b}{late}")
    );
}

#[test]
fn a_folder_that_is_not_a_maildir_and_a_missing_path_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let err = mailbox::read(dir.path()).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.message().contains("not a Maildir"), "{}", err.message());
    let err = mailbox::read(&dir.path().join("nope")).unwrap_err();
    assert_eq!(err.exit_code(), 2, "{}", err.message());
}

#[test]
fn a_maildir_reads_new_and_cur_and_skips_tmp() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("1.host"), sub).unwrap();
    }
    let mails = mailbox::read(dir.path()).unwrap();
    let places: Vec<_> = mails.iter().map(|m| m.place.clone()).collect();
    assert_eq!(
        places,
        [
            Place::File(dir.path().join("new/1.host")),
            Place::File(dir.path().join("cur/1.host")),
        ]
    );
}

#[test]
fn verp_tokens_verify_only_for_their_recipient_and_secret() {
    let keys = vec!["a@x.org".to_string(), "b@x.org".to_string()];
    let k = verp::keyed(b"k").unwrap();
    let other = verp::keyed(b"other").unwrap();
    let addr = verp::return_path("bounces+{token}@djangocon.us", &k, 3, "b@x.org");
    assert!(
        addr.starts_with("bounces+3-") && addr.ends_with("@djangocon.us"),
        "{addr}"
    );
    assert!(
        !addr.contains("x.org"),
        "the token gives the address away: {addr}"
    );
    let (issue, mac) =
        verp::token_in("bounces+{token}@djangocon.us", &addr.to_uppercase()).unwrap();
    assert_eq!(issue, 3);
    assert_eq!(verp::verify(&k, 3, &mac, &keys), Some(&keys[1]));
    assert_eq!(verp::verify(&other, 3, &mac, &keys), None);
    assert_eq!(verp::verify(&k, 4, &mac, &keys), None);
    assert_eq!(
        verp::token_in("bounces+{token}@djangocon.us", "program@djangocon.us"),
        None
    );
    assert_eq!(
        verp::token_in("bounces+{token}@djangocon.us", "bounces+3-zz@djangocon.us"),
        None
    );
}

/// The human-readable part of the real Postfix bounce, alone.
fn postfix_text_only(subject: &str) -> String {
    let full = String::from_utf8(fixture("postfix-unknown-user.eml")).unwrap();
    let start = full.find("This is the mail system").unwrap();
    let end = start + full[start..].find("\n--").unwrap();
    format!(
        "From: MAILER-DAEMON@postfix.test\nSubject: {subject}\nMessage-Id: <x@postfix.test>\n\n{}\n",
        &full[start..end]
    )
}

#[test]
fn postfix_text_without_the_status_part_is_still_recognized() {
    let r =
        report::parse(postfix_text_only("Undelivered Mail Returned to Sender").as_bytes()).unwrap();
    assert_eq!(r.format, Format::PostfixText);
    let f: Found = r
        .findings
        .iter()
        .map(|f| (f.kind, f.recipient.clone(), f.status.clone()))
        .collect();
    assert_eq!(f, one(BounceKind::Hard, "gone@postfix.test", None));
    assert_eq!(
        r.findings[0].detail.as_deref(),
        Some("unknown user: \"gone\"")
    );
    let r =
        report::parse(postfix_text_only("Delayed Mail (still being retried)").as_bytes()).unwrap();
    assert_eq!(r.findings[0].kind, BounceKind::Soft);
}

#[test]
fn an_exchange_report_in_html_only_is_recognized() {
    let html = "From: postmaster@contoso.example\nSubject: Undeliverable: x\nX-MS-Exchange-Message-Is-Ndr:\n\
                MIME-Version: 1.0\nContent-Type: text/html; charset=us-ascii\n\n\
                <html><body><p><b>Delivery has failed to these recipients or groups:</b></p>\
                <p><a href=\"mailto:who@contoso.example\">who@contoso.example</a><br>\
                The email address couldn't be found.</p><p>Diagnostic information for administrators:</p>\
                <p>who@contoso.example<br>Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'</p>\
                </body></html>\n";
    let r = report::parse(html.as_bytes()).unwrap();
    assert_eq!(r.format, Format::ExchangeText);
    let f: Found = r
        .findings
        .iter()
        .map(|f| (f.kind, f.recipient.clone(), f.status.clone()))
        .collect();
    assert_eq!(
        f,
        one(BounceKind::Hard, "who@contoso.example", Some("5.1.1"))
    );
}

#[test]
fn an_mbox_given_twice_is_rewritten_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mbox");
    let a = "From a@x Wed Mar 20 13:00:00 2024\nSubject: a\n\none\n\n";
    let b = "From b@x Wed Mar 20 13:00:01 2024\nSubject: b\n\ntwo\n";
    std::fs::write(&path, format!("{a}{b}")).unwrap();
    let first = mailbox::read(&path).unwrap();
    let again = mailbox::read(&dir.path().join(".").join("mbox")).unwrap();
    let places = [first[0].place.clone(), again[0].place.clone()];
    mailbox::remove(&places).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), b);
}

#[test]
fn no_prefix_of_any_fixture_makes_the_parser_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bounces");
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for end in (0..bytes.len()).step_by(23) {
            let _ = report::parse(&bytes[..end]);
            let mut flipped = bytes[..end].to_vec();
            flipped.iter_mut().step_by(7).for_each(|b| *b ^= 0x80);
            let _ = report::parse(&flipped);
        }
    }
}
