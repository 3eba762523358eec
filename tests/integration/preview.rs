//! `preview`, the email templates and the Renderer API: the binary run as a
//! process on the shipped files and on fixture projects, plus the library's
//! Renderer for what the binary cannot vary (the subscriber).

use std::process::Output;

use newsletter::config::Config;
use newsletter::render::{IssueContext, Renderer, SubscriberContext};
use newsletter::schedule::{self, Plan};
use newsletter::topics::TopicList;

use crate::support::project::{Project, assert_bad_input, root, run_plain, text};

/// The moment the snapshots are taken at: issue 3 is the latest due.
const NOW: &str = "2024-03-20";

/// Runs `preview` on the shipped files; returns (stdout, subject).
fn preview(args: &[&str]) -> (String, String) {
    let mut all = vec!["preview", "--now", NOW];
    all.extend_from_slice(args);
    let out = run_plain(&root(), &all);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
    let subject = err
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or_else(|| panic!("no subject in stderr: {err}"))
        .to_string();
    (text(&out.stdout), subject)
}

/// The shipped project loaded through the library.
fn shipped() -> (Config, TopicList, Plan, Renderer) {
    let config = Config::from_file(&root().join("config.toml")).unwrap();
    let topics = TopicList::from_file(&config.content.topics).unwrap();
    let plan = schedule::plan(&config, &topics).unwrap();
    let renderer = Renderer::load(&config.templates.dir).unwrap();
    (config, topics, plan, renderer)
}

fn issue(n: u32) -> IssueContext {
    let (config, topics, plan, _) = shipped();
    IssueContext::build(&config, &topics, &plan, plan.issue(n).unwrap())
}

#[test]
fn weekly_issue_snapshots() {
    let (html, subject) = preview(&["--issue", "3", "--format", "html"]);
    let (txt, _) = preview(&["--issue", "3", "--format", "text"]);
    assert_eq!(
        subject,
        "DjangoCon US 2024 CFP Weekly #3: Novel Uses for Django"
    );
    insta::assert_snapshot!("issue3_subject", subject);
    insta::assert_snapshot!("issue3_html", html);
    insta::assert_snapshot!("issue3_text", txt);
}

#[test]
fn last_call_snapshots() {
    let (html, subject) = preview(&["--issue", "12", "--format", "html"]);
    let (txt, _) = preview(&["--issue", "12", "--format", "text"]);
    assert_eq!(
        subject,
        "Last call: 2 days left to submit to DjangoCon US 2024"
    );
    insta::assert_snapshot!("issue12_subject", subject);
    insta::assert_snapshot!("issue12_html", html);
    insta::assert_snapshot!("issue12_text", txt);
}

#[test]
fn the_default_issue_is_the_one_due_now() {
    let (default, _) = preview(&["--format", "text"]);
    let (third, _) = preview(&["--issue", "3", "--format", "text"]);
    assert_eq!(default, third);
    let out = run_plain(&root(), &["preview", "--now", "2024-01-01"]);
    assert!(
        text(&out.stdout).contains("Issue #1 "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn every_text_line_fits_78_columns_in_every_issue() {
    let (config, topics, plan, renderer) = shipped();
    let with_link = SubscriberContext {
        unsubscribe_url: "https://2024.djangocon.us/u?t=abc".into(),
        ..SubscriberContext::sample()
    };
    for planned in &plan.issues {
        let ctx = IssueContext::build(&config, &topics, &plan, planned);
        for who in [Some(&SubscriberContext::sample()), Some(&with_link), None] {
            let txt = renderer.email_text(&ctx, who).unwrap();
            for line in txt.lines() {
                assert!(
                    line.chars().count() <= 78,
                    "issue {}: {} columns: {line:?}",
                    planned.number,
                    line.chars().count()
                );
            }
            assert!(txt.ends_with('\n') && !txt.ends_with("\n\n"));
            // The footer keeps its lines apart (a trimming tag once joined them).
            assert!(txt.contains("\n-- \nYou get this email because"), "{txt}");
            assert!(
                txt.lines().any(|l| l.starts_with("Past issues <https://")),
                "{txt}"
            );
        }
    }
}

#[test]
fn every_issue_renders_without_a_subscriber() {
    let (config, topics, plan, renderer) = shipped();
    for planned in &plan.issues {
        let ctx = IssueContext::build(&config, &topics, &plan, planned);
        let html = renderer.email_html(&ctx, None).unwrap();
        let txt = renderer.email_text(&ctx, None).unwrap();
        assert!(!html.contains("Hi "), "{html}");
        assert!(txt.contains("because you subscribed"), "{txt}");
        assert!(!renderer.subject(&ctx).unwrap().is_empty());
    }
}

#[test]
fn countdown_wording_for_one_day_and_the_last_day() {
    let (_, _, _, renderer) = shipped();
    let mut ctx = issue(12);
    ctx.cfp.days_left = 1;
    assert_eq!(
        renderer.subject(&ctx).unwrap(),
        "Last call: 1 day left to submit to DjangoCon US 2024"
    );
    assert!(
        renderer
            .email_text(&ctx, None)
            .unwrap()
            .contains("1 DAY LEFT")
    );
    ctx.cfp.days_left = 0;
    assert_eq!(
        renderer.subject(&ctx).unwrap(),
        "Last call: last day to submit to DjangoCon US 2024"
    );
    let html = renderer.email_html(&ctx, None).unwrap();
    assert!(html.contains("Last day to submit"), "{html}");
    let mut weekly = issue(3);
    weekly.cfp.days_left = 1;
    assert!(
        renderer
            .email_html(&weekly, None)
            .unwrap()
            .contains("1 day left to submit")
    );
}

#[test]
fn the_last_call_has_no_teaser_and_weekly_issues_do() {
    let (_, _, _, renderer) = shipped();
    let last = renderer.email_html(&issue(12), None).unwrap();
    assert!(!last.contains("Coming next"));
    let weekly = renderer.email_html(&issue(3), None).unwrap();
    assert!(weekly.contains("Coming next week"));
    assert!(weekly.contains("<strong style=\"font-weight:bold;\">API</strong>"));
    let before_last = renderer.email_text(&issue(11), None).unwrap();
    assert!(
        before_last.contains("Coming next, Wednesday, May 15, 2024: the last call"),
        "{before_last}"
    );
}

#[test]
fn a_subscriber_name_is_escaped_in_html_and_the_unsubscribe_link_is_optional() {
    let (_, _, _, renderer) = shipped();
    let ctx = issue(3);
    let mut who = SubscriberContext::sample();
    who.name = "<b>Ada</b> & \"co\"".into();
    let html = renderer.email_html(&ctx, Some(&who)).unwrap();
    assert!(html.contains("Hi &lt;b&gt;Ada&lt;/b&gt; &amp; &quot;co&quot;,"));
    assert!(!html.contains("<b>Ada"));
    assert!(!html.contains("Unsubscribe"));
    assert!(
        !renderer
            .email_text(&ctx, Some(&who))
            .unwrap()
            .contains("Unsubscribe")
    );
    who.unsubscribe_url = "https://example.org/unsubscribe?token=a&b".into();
    let html = renderer.email_html(&ctx, Some(&who)).unwrap();
    assert!(
        html.contains("href=\"https://example.org/unsubscribe?token=a&amp;b\""),
        "{html}"
    );
    let txt = renderer.email_text(&ctx, Some(&who)).unwrap();
    assert!(txt.contains("Unsubscribe <https://example.org/unsubscribe?token=a&b>"));
}

#[test]
fn a_category_name_cannot_break_the_subject_line() {
    let (_, _, _, renderer) = shipped();
    let mut ctx = issue(3);
    ctx.issue.categories[0].name = "Evil\r\nBcc: victim@example.org\t\u{0}x".into();
    let subject = renderer.subject(&ctx).unwrap();
    assert_eq!(
        subject,
        "DjangoCon US 2024 CFP Weekly #3: Evil Bcc: victim@example.org x"
    );
}

#[test]
fn raw_html_in_topics_is_escaped_in_the_html_email() {
    let dir = Project::new().build();
    std::fs::write(
        dir.path().join("content/topics.md"),
        "# T\n\nPerformance\n* Profiling <script>alert(1)</script> now\n* [x](javascript:alert(1)) and <img src=x onerror=alert(1)>\n* <script>alert(2)</script>\n\nAPI\n* Ninja\n",
    )
    .unwrap();
    let out = run_plain(
        dir.path(),
        &["preview", "--now", NOW, "--issue", "1", "--format", "html"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = text(&out.stdout);
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(html.contains("Profiling &lt;script&gt;alert(1)&lt;/script&gt; now"));
    assert!(html.contains("x and &lt;img src=x onerror=alert(1)&gt;"));
    let out = run_plain(
        dir.path(),
        &["preview", "--now", NOW, "--issue", "1", "--format", "text"],
    );
    assert!(text(&out.stdout).contains("Profiling <script>alert(1)</script> now"));
}

/// Writes `src` as the project's `templates/<name>` and runs preview.
fn with_template(name: &str, src: &str) -> Output {
    let dir = Project::new().build();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("templates").join(name), src).unwrap();
    let format = if name.ends_with(".txt") {
        "text"
    } else {
        "html"
    };
    run_plain(
        dir.path(),
        &["preview", "--now", NOW, "--issue", "2", "--format", format],
    )
}

#[test]
fn template_errors_name_file_line_and_column() {
    // Syntax error: found when loading.
    let out = with_template("email.html", "<p>\n  {% if %}x{% endif %}\n");
    assert_bad_input(&out, "templates/email.html:2:9: Found `%}`");
    assert!(text(&out.stderr).contains("2 |   {% if %}"));
    // Unknown variable: found when rendering.
    let out = with_template("email.txt", "one\ntwo {{ issue.nmber }}\n");
    assert_bad_input(
        &out,
        "templates/email.txt:2:14: Field `nmber` is not defined. Available fields:",
    );
    let out = with_template("email.html", "{{ nope }}");
    assert_bad_input(
        &out,
        "templates/email.html:1:4: Variable `nope` is not defined",
    );
    // Unknown filter: found when loading, reported by Tera as text.
    let out = with_template("subject.txt", "x\n\n   {{ cfp.name | shout }}");
    assert_bad_input(&out, "templates/subject.txt:3:18: Unknown filter `shout`");
    assert!(text(&out.stderr).contains("help: "));
    // A missing parent points at the extends tag.
    let out = with_template("email.html", "{% extends \"nothere.html\" %}");
    assert_bad_input(&out, "templates/email.html:1:13: it extends `nothere.html`");
    // `subscriber` used without a test gets a specific hint (from check,
    // which also renders for nobody).
    let dir = Project::new().build();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/email.txt"),
        "{{ subscriber.name }}",
    )
    .unwrap();
    let out = run_plain(dir.path(), &["check", "--now", NOW]);
    assert_bad_input(&out, "templates/email.txt:1:4: Variable `subscriber`");
    assert!(text(&out.stderr).contains("{% if subscriber %}"));
    assert!(text(&out.stderr).contains("rendering issue 1"));
}

#[test]
fn overrides_replace_built_ins_by_name_and_can_extend_them() {
    let out = with_template("subject.txt", "Weekly {{ issue.number }}\n\n  !");
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("Subject: Weekly 2 !\n"));
    let dir = Project::new().build();
    let t = dir.path().join("templates");
    std::fs::create_dir_all(t.join("parts")).unwrap();
    std::fs::write(
        t.join("email.html"),
        "{% extends \"__newsletter/email.html\" %}{% block footer %}<tr><td>{% include \"parts/foot.html\" %}</td></tr>{% endblock footer %}",
    )
    .unwrap();
    std::fs::write(
        t.join("parts/foot.html"),
        "Bye from {{ cfp.name }} ({% include \"__newsletter/subject.txt\" %})",
    )
    .unwrap();
    let out = run_plain(dir.path(), &["preview", "--now", NOW, "--issue", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let html = text(&out.stdout);
    assert!(
        html.contains(
            "<tr><td>Bye from DjangoCon US 2024 (DjangoCon US 2024 CFP Weekly #2: Alternative Django Use Cases"
        ),
        "{html}"
    );
    assert!(html.contains("Alternative Django Use Cases"));
    assert!(!html.contains("You get this email"));
}

#[test]
fn check_renders_every_issue() {
    let out = with_template("email.txt", "ok");
    assert_eq!(out.status.code(), Some(0));
    let dir = Project::new().build();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    // Only the last call trips over this: it has no next issue (a field
    // of none, which only rendering finds; a misspelt field is found
    // before, with issue 1).
    std::fs::write(
        dir.path().join("templates/email.txt"),
        "{% if issue.kind == \"last_call\" %}{{ issue.next.kind }}{% endif %}",
    )
    .unwrap();
    let out = run_plain(dir.path(), &["check", "--now", NOW]);
    assert_bad_input(&out, "templates/email.txt:1:");
    assert!(
        text(&out.stderr).contains("rendering issue 12"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(
        dir.path().join("templates/email.txt"),
        "{% if issue.kind == \"last_call\" %}{{ issue.missing_field }}{% endif %}",
    )
    .unwrap();
    let out = run_plain(dir.path(), &["check", "--now", NOW]);
    assert_bad_input(&out, "templates/email.txt:1:44: Field `missing_field`");
    assert!(
        text(&out.stderr).contains("rendering issue 1 "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unknown_issue_is_bad_input_naming_the_range() {
    let out = run_plain(&root(), &["preview", "--now", NOW, "--issue", "99"]);
    assert_bad_input(
        &out,
        "--issue 99: there is no issue 99; the plan has issues 1 to 12",
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn eml_and_to_render_for_one_address() {
    let out = run_plain(&root(), &["preview", "--now", NOW, "--format", "eml"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("To: \"Ada Lovelace\" <ada@example.org>"),
        "{}",
        text(&out.stdout)
    );
    let out = run_plain(
        &root(),
        &[
            "preview",
            "--now",
            NOW,
            "--format",
            "text",
            "--to",
            "grace@example.org",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("Ada Lovelace"));
    assert_bad_input(
        &run_plain(
            &root(),
            &["preview", "--now", NOW, "--to", "not-an-address"],
        ),
        "--to not-an-address",
    );
}

#[test]
fn out_writes_the_file_atomically_and_nothing_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("issue.html");
    std::fs::write(&file, "old").unwrap();
    let out = run_plain(
        &root(),
        &[
            "preview",
            "--now",
            NOW,
            "--issue",
            "3",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let (expected, _) = preview(&["--issue", "3"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // A folder, or a folder that does not exist, is bad input.
    let out = run_plain(
        &root(),
        &[
            "preview",
            "--now",
            NOW,
            "--out",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_bad_input(&out, "it is a folder");
    let missing = dir.path().join("no/such/dir/x.html");
    let out = run_plain(
        &root(),
        &["preview", "--now", NOW, "--out", missing.to_str().unwrap()],
    );
    assert_bad_input(&out, "does not exist");
}

/// Runs `preview --now NOW args` on the shipped files, with the
/// unsubscribe secret set or not; returns (stdout, stderr).
fn preview_with(secret: Option<&str>, args: &[&str]) -> (String, String) {
    let mut cmd = crate::support::project::newsletter(&root());
    cmd.env_remove("NEWSLETTER_UNSUBSCRIBE_SECRET");
    if let Some(s) = secret {
        cmd.env("NEWSLETTER_UNSUBSCRIBE_SECRET", s);
    }
    let out = cmd
        .args(["preview", "--now", NOW])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (text(&out.stdout), text(&out.stderr))
}

const PLACEHOLDER: &str = "token=UNSUBSCRIBE-TOKEN-NEEDS-SECRET";

#[test]
fn the_preview_has_the_unsubscribe_link_a_send_would_have() {
    for format in ["html", "text"] {
        // The sample subscriber, without the secret: a visible placeholder
        // and a note.
        let (body, err) = preview_with(None, &["--format", format]);
        assert!(body.contains(PLACEHOLDER), "{format}: {body}");
        assert!(
            err.contains("note: NEWSLETTER_UNSUBSCRIBE_SECRET is not set, so the unsubscribe link shows UNSUBSCRIBE-TOKEN-NEEDS-SECRET where ada@example.org's token goes"),
            "{err}"
        );
        // With the secret: the real token, as a send computes it, no note.
        let (body, err) = preview_with(Some("s3cret"), &["--format", format]);
        assert!(
            !body.contains("NEEDS-SECRET") && body.contains("token="),
            "{body}"
        );
        assert!(!err.contains("note:"), "{err}");
        // `--to` without the secret: the placeholder, never `token=` bare.
        let (body, err) = preview_with(None, &["--format", format, "--to", "ana.lima@example.com"]);
        assert!(body.contains(PLACEHOLDER), "{body}");
        assert!(
            !body.contains("token=\n") && !body.contains("token=\""),
            "{body}"
        );
        assert!(
            err.contains("where ana.lima@example.com's token goes"),
            "{err}"
        );
    }
    // The whole message: headers (List-Unsubscribe, the mailto's subject)
    // and parts.
    let (eml, err) = preview_with(None, &["--format", "eml", "--to", "ana.lima@example.com"]);
    let unfolded = eml.replace("\r\n ", " ");
    let header = unfolded
        .lines()
        .find(|l| l.starts_with("List-Unsubscribe:"))
        .unwrap();
    assert!(header.contains(PLACEHOLDER), "{header}");
    assert!(
        header.contains("subject=unsubscribe%20UNSUBSCRIBE-TOKEN-NEEDS-SECRET"),
        "{header}"
    );
    assert!(
        err.contains("note: NEWSLETTER_UNSUBSCRIBE_SECRET is not set"),
        "{err}"
    );
    // The same token a send computes with the secret.
    let (with, _) = preview_with(
        Some("s3cret"),
        &["--format", "text", "--to", "ana.lima@example.com"],
    );
    let (sample, _) = preview_with(Some("s3cret"), &["--format", "text"]);
    let token = |t: &str| {
        t.split("token=")
            .nth(1)
            .unwrap()
            .split('>')
            .next()
            .unwrap()
            .to_string()
    };
    assert_ne!(token(&with), token(&sample));
    assert_eq!(token(&with).len(), 43);
}

#[test]
fn to_uses_the_name_from_the_subscriber_list() {
    // Listed (the address in another case): their name and no note about it.
    for to in ["ana.lima@example.com", "Ana.Lima@EXAMPLE.com"] {
        let (txt, err) = preview_with(Some("s"), &["--format", "text", "--to", to]);
        assert!(txt.contains("Hi Ana Lima,"), "{txt}");
        assert!(!err.contains("note:"), "{err}");
        let (html, _) = preview_with(Some("s"), &["--format", "html", "--to", to]);
        assert!(html.contains("Hi Ana Lima,"), "{html}");
        let (eml, _) = preview_with(Some("s"), &["--format", "eml", "--to", to]);
        assert!(eml.contains("To: \"Ana Lima\" <"), "{eml}");
    }
    // Not listed: no name, and a note saying why.
    let (txt, err) = preview_with(
        Some("s"),
        &["--format", "text", "--to", "grace@example.org"],
    );
    assert!(!txt.contains("Hi "), "{txt}");
    assert!(
        err.contains(
            "note: grace@example.org is not in the subscriber list (content/subscribers.csv)"
        ),
        "{err}"
    );
    // No list at all: a note too.
    let dir = Project::new().build();
    let _ = std::fs::remove_file(dir.path().join("content/subscribers.csv"));
    let out = run_plain(
        dir.path(),
        &[
            "preview",
            "--now",
            NOW,
            "--format",
            "text",
            "--to",
            "ana.lima@example.com",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("there is no subscriber list"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn allowed_html_is_sanitized_in_the_email_the_feed_and_the_archive() {
    let config = std::fs::read_to_string(root().join("config.toml"))
        .unwrap()
        .replace("allow_html = false", "allow_html = true");
    let dir = Project::new().config(&config).build();
    std::fs::write(
        dir.path().join("content/topics.md"),
        "# T\n\nPerformance\n* Profiling <script>alert(1)</script> <b onclick=\"alert(2)\">now</b>\n* <a href=\"javascript:alert(3)\">js</a>, <a href=\"data:text/html;base64,PHNjcmlwdD4=\">data</a> and <img src=x onerror=alert(4)>\n* <i style=\"display:none\">hidden</i> <a href=\"https://ok.example/\">fine</a>\n\nNote with <script>alert(5)</script> and <em>emphasis</em>.\n\nAPI\n* Ninja\n",
    )
    .unwrap();
    let out = run_plain(
        dir.path(),
        &["preview", "--now", NOW, "--issue", "1", "--format", "html"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out_feed = crate::support::project::run(dir.path(), &["feed", "--now", NOW]);
    assert_eq!(
        out_feed.status.code(),
        Some(0),
        "{}",
        text(&out_feed.stderr)
    );
    let mut outputs = vec![("the email".to_string(), text(&out.stdout))];
    for (path, bytes) in crate::support::project::tree(&dir.path().join("public")) {
        outputs.push((path.display().to_string(), text(&bytes)));
    }
    assert!(outputs.len() > 2, "no feed or archive written");
    for (what, out) in &outputs {
        // Markup only: the feed's plain-text description holds the same
        // words as escaped text (`&lt;script&gt;`), which readers show.
        let html = out;
        for bad in [
            "<script",
            "alert(5)",
            "onclick=\"",
            "href=\"javascript:",
            "href=\"data:",
            "<img",
            "<i style",
        ] {
            assert!(!html.contains(bad), "{bad} in {what}:\n{html}");
        }
        if what == "the email" || what.contains("performance") {
            assert!(html.contains("<b>now</b>"), "{what}: {html}");
            assert!(
                html.contains("href=\"https://ok.example/\">fine</a>"),
                "{what}: {html}"
            );
        }
    }
}

/// The texts of `html`'s body that get no colour from an inline style:
/// text with no ancestor that sets `color:` inline, or inside a link that
/// does not set it itself (a link's colour is the client's, not
/// inherited). Hidden elements (`display:none`) are skipped.
fn uncoloured_text(html: &str) -> Vec<String> {
    let mut src = html.to_string();
    while let Some(a) = src.find("<!--") {
        let b = src[a..].find("-->").map_or(src.len(), |i| a + i + 3);
        src.replace_range(a..b, "");
    }
    let body = &src[src.find("<body").unwrap()..];
    const VOID: &[&str] = &["meta", "br", "img", "hr", "link", "input", "col", "wbr"];
    // (tag, sets a colour, hidden)
    let mut stack: Vec<(String, bool, bool)> = Vec::new();
    let mut bad = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        if let Some(tag_src) = rest.strip_prefix('<') {
            let end = tag_src.find('>').unwrap();
            let tag = &tag_src[..end];
            rest = &tag_src[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let name = name.trim().to_ascii_lowercase();
                if let Some(at) = stack.iter().rposition(|(t, ..)| *t == name) {
                    stack.truncate(at);
                }
                continue;
            }
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if VOID.contains(&name.as_str()) || tag.ends_with('/') {
                continue;
            }
            let style = tag
                .split("style=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("")
                .replace(' ', "");
            let colour = style.split(';').any(|d| d.starts_with("color:"));
            let hidden = style.contains("display:none");
            stack.push((name, colour, hidden));
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            rest = &rest[end..];
            let visible = text
                .replace("&nbsp;", "")
                .replace("&#847;", "")
                .replace("&zwnj;", "");
            if visible.trim().is_empty() || stack.iter().any(|(.., h)| *h) {
                continue;
            }
            let ok = match stack.iter().rposition(|(t, ..)| t == "a") {
                Some(link) => stack[link].1,
                None => stack.iter().any(|(_, c, _)| *c),
            };
            if !ok {
                let path: Vec<&str> = stack.iter().map(|(t, ..)| t.as_str()).collect();
                bad.push(format!("{} > {:?}", path.join(" > "), text.trim()));
            }
        }
    }
    bad
}

#[test]
fn every_text_and_link_in_the_email_has_an_inline_colour() {
    let (config, topics, plan, renderer) = shipped();
    let mut with_link = SubscriberContext::sample();
    with_link.unsubscribe_url = "https://example.org/u?t=x".into();
    let mut links = 0;
    for planned in &plan.issues {
        let mut ctx = IssueContext::build(&config, &topics, &plan, planned);
        // A note with a link, as the topic list may have.
        ctx.notes.push(newsletter::render::context::NoteContext {
            html: newsletter::render::markdown::to_html(
                "See [the guide](https://example.org/g).",
                false,
            ),
            text: String::new(),
            hidden: false,
        });
        let html = renderer.email_html(&ctx, Some(&with_link)).unwrap();
        links += html.matches("<a ").count();
        let bad = uncoloured_text(&html);
        assert!(
            bad.is_empty(),
            "issue {}: no inline colour for {bad:#?}",
            planned.number
        );
    }
    assert!(links > 20, "the shipped issues have links");
    // The walker finds what it should: a bare link in a coloured cell.
    assert_eq!(
        uncoloured_text("<body><td style=\"color:#111\"><a href=\"x\">t</a> u</td></body>"),
        ["body > td > a > \"t\""]
    );
}

/// `check --now NOW` on the shipped project with `templates/<name>` = `src`;
/// returns (exit code, stderr and stdout).
fn check_with_template(name: &str, src: &str) -> (Option<i32>, String) {
    let dir = Project::new().build();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("templates").join(name), src).unwrap();
    let out = run_plain(dir.path(), &["check", "--now", NOW]);
    (
        out.status.code(),
        format!("{}{}", text(&out.stderr), text(&out.stdout)),
    )
}

#[test]
fn check_warns_when_an_email_is_longer_than_gmail_shows() {
    // About 130 KB of padding in the intro of every issue.
    let big = "{% extends \"__newsletter/email.html\" %}{% block intro %}{% for i in range(end=2600) %}<p>{{ cfp.name }} padding padding padding padding</p>{% endfor %}{% endblock intro %}";
    let (code, out) = check_with_template("email.html", big);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("issue 1: its HTML part is")
            && out.contains("Gmail clips an email over 102 KB"),
        "{out}"
    );
    // Just under: no warning.
    let small = big.replace("2600", "1000");
    let (code, out) = check_with_template("email.html", &small);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("Gmail clips"), "{out}");
}

#[test]
fn check_warns_when_an_email_is_rendered_whole_for_every_subscriber() {
    let src = "{% extends \"__newsletter/email.html\" %}{% block intro %}{% if subscriber %}<p>Hi</p>{% endif %}{% endblock intro %}";
    let (code, out) = check_with_template("email.html", src);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains(
            "warning: templates/email.html:1: reads `subscriber` outside the personal blocks"
        ),
        "{out}"
    );
    let (_, out) = check_with_template("email.html", "{% extends \"__newsletter/email.html\" %}");
    assert!(!out.contains("rendered whole"), "{out}");
}
