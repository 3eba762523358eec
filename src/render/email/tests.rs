use std::path::Path;

use super::*;
use crate::config::Config;
use crate::render::IssueContext;
use crate::topics::TopicList;

/// Every planned issue of the shipped project.
fn shipped_issues() -> Vec<IssueContext> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = Config::from_file(&root.join("config.toml")).unwrap();
    let topics = TopicList::from_file(&config.content.topics).unwrap();
    let plan = crate::schedule::plan(&config, &topics).unwrap();
    plan.issues
        .iter()
        .map(|i| IssueContext::build(&config, &topics, &plan, i))
        .collect()
}

fn subscriber(email: &str, name: &str, unsubscribe_url: &str) -> SubscriberContext {
    SubscriberContext {
        email: email.into(),
        name: name.into(),
        fields: [("city".to_string(), "Zürich".to_string())].into(),
        unsubscribe_url: unsubscribe_url.into(),
    }
}

/// Names and addresses that change how `wrap` breaks the text part, that
/// need escaping in the HTML part, or that are missing.
fn people() -> Vec<Option<SubscriberContext>> {
    let long = format!("https://example.org/unsubscribe?token={}", "x".repeat(90));
    vec![
        None,
        Some(SubscriberContext::sample()),
        Some(subscriber("a@b.co", "", "")),
        Some(subscriber(
            "maria.concepcion.fernandez-villaverde@universidad-autonoma.example.es",
            "María de la Concepción Fernández-Villaverde y Ortega de los Ríos",
            &long,
        )),
        Some(subscriber(
            "x@example.org",
            "<b>Bob</b> & \"Eve\" {{ not a tag }}",
            "https://e.org/u?t=abc",
        )),
    ]
}

/// The whole templates rendered with the subscriber: what every message
/// was before the issue was rendered once.
fn whole(r: &Renderer, issue: &IssueContext, who: Option<&SubscriberContext>) -> (String, String) {
    let ctx = Renderer::context(issue, who).unwrap();
    (
        r.render("email.html", &ctx).unwrap(),
        tidy_text(&r.render("email.txt", &ctx).unwrap()),
    )
}

fn renderer(files: &[(&str, &str)]) -> (tempfile::TempDir, Renderer) {
    let dir = tempfile::tempdir().unwrap();
    for (name, src) in files {
        std::fs::write(dir.path().join(name), src).unwrap();
    }
    let r = Renderer::load(dir.path()).unwrap();
    (dir, r)
}

#[test]
fn the_shipped_templates_render_once_and_match_a_whole_render_byte_for_byte() {
    let r = Renderer::load(Path::new("/nonexistent-templates")).unwrap();
    assert!(r.rendered_whole().is_empty(), "{:?}", r.rendered_whole());
    for issue in shipped_issues() {
        let email = r.issue_email(&issue).unwrap();
        for who in people() {
            assert_eq!(
                email.parts(who.as_ref()).unwrap(),
                whole(&r, &issue, who.as_ref()),
                "issue {} for {who:?}",
                issue.issue.number
            );
        }
    }
}

#[test]
fn the_once_rendered_part_holds_nothing_personal() {
    let r = Renderer::load(Path::new("/nonexistent-templates")).unwrap();
    let issue = &shipped_issues()[2];
    let email = r.issue_email(issue).unwrap();
    for part in [&email.html, &email.text] {
        let Part::Once(pieces) = part else {
            panic!("rendered whole")
        };
        let blocks: Vec<&str> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Block(b, _) => Some(b.as_str()),
                Piece::Text(_) => None,
            })
            .collect();
        assert_eq!(blocks, ["greeting", "footer"]);
        assert!(pieces.iter().all(|p| !matches!(p, Piece::Block(_, None))));
        for p in pieces {
            if let Piece::Text(t) = p {
                assert!(!t.contains("Ada") && !t.contains(MARK_OPEN), "{t}");
            }
        }
    }
}

#[test]
fn an_override_of_a_personal_block_is_rendered_per_subscriber() {
    let (_dir, r) = renderer(&[(
        "email.txt",
        "{% extends \"__newsletter/email.txt\" %}{% block greeting %}{% if subscriber %}Dear reader {{ subscriber.name }},{% endif %}{% endblock greeting %}",
    )]);
    assert!(r.rendered_whole().is_empty());
    let issue = &shipped_issues()[0];
    let email = r.issue_email(issue).unwrap();
    for who in people() {
        let (_, text) = email.parts(who.as_ref()).unwrap();
        assert_eq!(text, whole(&r, issue, who.as_ref()).1);
    }
    let (_, text) = email.parts(Some(&SubscriberContext::sample())).unwrap();
    assert!(text.contains("\nDear reader Ada Lovelace,\n"), "{text}");
}

#[test]
fn an_override_calling_super_is_rendered_with_its_parent() {
    let (_dir, r) = renderer(&[(
        "email.html",
        "{% extends \"__newsletter/email.html\" %}{% block greeting %}{{ super() }}<p>PS {{ subscriber?.email }}</p>{% endblock greeting %}",
    )]);
    assert!(r.rendered_whole().is_empty());
    let issue = &shipped_issues()[0];
    let email = r.issue_email(issue).unwrap();
    for who in people().iter().skip(1) {
        assert_eq!(
            email.parts(who.as_ref()).unwrap(),
            whole(&r, issue, who.as_ref())
        );
    }
}

#[test]
fn an_error_in_a_personal_block_names_the_file_line_and_column() {
    let (dir, r) = renderer(&[(
        "email.txt",
        "Hello\n\n{% block footer %}\n{{ subscriber.nope }}\n{% endblock footer %}\n",
    )]);
    let issue = &shipped_issues()[0];
    // Found before rendering (the undefined-name check), or by Tera.
    let e = r
        .issue_email(issue)
        .and_then(|email| email.parts(Some(&SubscriberContext::sample())))
        .unwrap_err();
    let file = dir.path().join("email.txt").display().to_string();
    assert!(
        e.message()
            .starts_with(&format!("{file}:4:15: Field `nope`")),
        "{}",
        e.message()
    );
    assert!(
        e.message().contains("{{ subscriber.nope }}"),
        "{}",
        e.message()
    );
}

#[test]
fn a_template_reading_subscriber_elsewhere_is_rendered_whole_and_says_where() {
    let (dir, r) = renderer(&[(
        "email.html",
        "{% extends \"__newsletter/email.html\" %}\n{% block intro %}\n<p>{{ (\"Dear \" ~ subscriber.name) }}</p>\n{% endblock intro %}",
    )]);
    let why = r.rendered_whole();
    assert_eq!(why.len(), 1);
    let file = dir.path().join("email.html").display().to_string();
    assert!(
        why[0].starts_with(&format!("{file}:3: reads `subscriber` outside")),
        "{}",
        why[0]
    );
    let issue = &shipped_issues()[1];
    let email = r.issue_email(issue).unwrap();
    let ada = SubscriberContext::sample();
    let (html, _) = email.parts(Some(&ada)).unwrap();
    assert!(html.contains("<p>Dear Ada Lovelace</p>"));
    assert_eq!(
        (html, email.parts(Some(&ada)).unwrap().1),
        whole(&r, issue, Some(&ada))
    );
}

#[test]
fn an_include_that_reads_subscriber_outside_the_personal_blocks_renders_whole() {
    let (_dir, r) = renderer(&[
        (
            "hello.txt",
            "{% if subscriber %}Hi {{ subscriber.name }}{% endif %}",
        ),
        (
            "email.txt",
            "{% include \"hello.txt\" %}\n{% block footer %}{% include \"hello.txt\" %}{% endblock footer %}\n",
        ),
    ]);
    let why = r.rendered_whole();
    assert_eq!(why.len(), 1);
    assert!(
        why[0].contains("hello.txt:1: reads `subscriber`"),
        "{}",
        why[0]
    );
    let ada = SubscriberContext::sample();
    let issue = &shipped_issues()[0];
    let (_, text) = r.issue_email(issue).unwrap().parts(Some(&ada)).unwrap();
    assert_eq!(text, "Hi Ada Lovelace\nHi Ada Lovelace\n");
}

#[test]
fn a_template_without_personal_blocks_is_rendered_once_as_is() {
    let (_dir, r) = renderer(&[("email.txt", "{# subscriber #}Issue {{ issue.number }}\n")]);
    assert!(r.rendered_whole().is_empty());
    let issue = &shipped_issues()[0];
    let (_, text) = r
        .issue_email(issue)
        .unwrap()
        .parts(Some(&SubscriberContext::sample()))
        .unwrap();
    assert_eq!(text, "Issue 1\n");
}

#[test]
fn the_scan_reads_names_not_comments_strings_or_longer_names() {
    let s = scan::shape(
        "{# subscriber #}{{ \"subscriber\" }}{{ subscribers }}{% raw %}{{ subscriber }}{% endraw %}",
    );
    assert_eq!((s.outside, s.anywhere), (None, None));
    let s = scan::shape("{% block footer %}{{ subscriber.email }}{% endblock footer %}{{ x }}");
    assert_eq!((s.outside, s.anywhere), (None, Some(21)));
    assert_eq!(s.personal.len(), 1);
    assert_eq!(
        (s.personal[0].name, s.personal[0].span.clone()),
        ("footer", 0..61)
    );
    assert!(s.personal[0].standalone);
    let s = scan::shape("{% block greeting %}{{ super() }}{% endblock %}");
    assert!(!s.personal[0].standalone);
    let s = scan::shape(
        "{% extends 'base.txt' %}{% block intro %}{% if subscriber %}{% endif %}{% endblock %}",
    );
    assert_eq!((s.extends, s.outside), (Some("base.txt"), Some(47)));
    assert_eq!(scan::shape("{{ __tera_context }}").outside, Some(3));
    let s = scan::shape("{% include \"a\" %}{% block greeting %}{% include \"b\" %}{% endblock %}");
    assert_eq!(s.includes, ["a"]);
}
