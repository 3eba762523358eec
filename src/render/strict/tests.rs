use super::*;

fn ctx() -> tera::Context {
    let mut ctx = tera::Context::new();
    ctx.insert(
        "cfp",
        &serde_json::json!({"name": "X", "days_left": 3, "closes_text": "soon"}),
    );
    ctx.insert(
        "issue",
        &serde_json::json!({
            "number": 1,
            "next": null,
            "categories": [{"name": "A", "topics": [{"html": "t", "children": []}]}],
        }),
    );
    ctx
}

/// The first problem in one template `t.html`: (offset, message).
fn problem(src: &str) -> Option<(usize, String)> {
    check(&[("t.html", src)], &ctx()).map(|u| (u.offset, u.message))
}

#[track_caller]
fn flags(src: &str, name: &str) {
    let (offset, message) = problem(src).unwrap_or_else(|| panic!("nothing found in {src}"));
    assert_eq!(&src[offset..offset + name.len()], name, "{src}: {message}");
    assert!(
        message.contains(&format!("`{name}` is not defined")),
        "{message}"
    );
}

#[test]
fn a_typo_is_found_wherever_it_stands() {
    flags("{{ \"for the \" ~ cfp.nmae }}", "nmae");
    flags("{{ cfp.nmae ~ \"!\" }}", "nmae");
    flags("{% if issue.nmber > 2 %}x{% endif %}", "nmber");
    flags(
        "{%- if cfp.name and cfp.dayz_left -%}x{% endif %}",
        "dayz_left",
    );
    flags("{% set x = cfp.nmae | upper %}", "nmae");
    flags("{{ cfp.name | wrap(width=cfp.widht) }}", "widht");
    flags(
        "{% for c in issue.categories %}{{ \"- \" ~ c.nmae }}{% endfor %}",
        "nmae",
    );
    flags(
        "{% for c in issue.categories %}{% for t in c.topics %}{{ t.htm }}{% endfor %}{% endfor %}",
        "htm",
    );
    flags("{{ (\"a \" ~ subscriber.nmae) }}", "nmae");
    flags("{{ \"a\" ~ nmae }}", "nmae");
    flags("{{ 'x' ~ cfp?.nmae }}", "nmae");
    flags("{% if cfp %}{{ cfp.nmae ~ '' }}{% endif %}", "nmae");
    let (_, message) = problem("{{ cfp.nmae }}").unwrap();
    assert_eq!(
        message,
        "Field `nmae` is not defined. Available fields: closes_text, days_left, name"
    );
}

#[test]
fn what_cannot_be_known_is_left_alone() {
    for src in [
        "{{ cfp.name ~ \" \" ~ cfp.days_left }}",
        "{% if issue.next %}{{ issue.next.kind ~ issue.next.whatever }}{% endif %}",
        "{{ subscriber.fields.city ~ subscriber.name }}",
        "{% set cfp = 3 %}{{ cfp.anything }}",
        "{% set who = \"you\" %}{{ \"x\" ~ who }}",
        "{% for c in issue.categories | slice(end=1) %}{{ c.anything }}{% endfor %}",
        "{% if cfp.nmae is defined %}{{ 1 }}{% endif %}",
        "{{ loop.index ~ 'x' }}",
        "{{ undefined_but_alone | default(value=\"d\") }}",
        "{% if not_in_context %}x{% endif %}",
        "{{ \"cfp.nmae\" ~ 'issue.x' }}",
        "{# {{ cfp.nmae }} #}",
        "{% raw %}{{ cfp.nmae }}{% endraw %}",
        "{% component Btn(label) %}{{ label.whatever ~ x }}{% endcomponent Btn %}",
        "{{ cfp[\"nmae\"] }}",
        "{{ [c.name for c in issue.categories] }}",
        "{{ t.name ~ \"\" }}{% for t in issue.categories %}{% endfor %}",
        "{{ x.y ~ 'z' }}",
        "{% if message %}{{ \"Note: \" ~ message }}{% endif %}",
        "{% if flash is defined %}{{ flash ~ '!' }}{% endif %}",
    ] {
        assert_eq!(problem(src), None, "{src}");
    }
}

#[test]
fn extends_and_includes_are_followed() {
    let sources = [
        ("a.html", "{% extends \"b.html\" %}"),
        ("b.html", "x{% include 'c.html' %}"),
        ("c.html", "{{ cfp.nmae }}"),
    ];
    let get = |n: &str| sources.iter().find(|(k, _)| *k == n).map(|(_, s)| *s);
    let names = closure("a.html", get);
    assert_eq!(names, ["a.html", "b.html", "c.html"]);
    let templates: Vec<(&str, &str)> = names
        .iter()
        .map(|n| (n.as_str(), get(n).unwrap()))
        .collect();
    let found = check(&templates, &ctx()).unwrap();
    assert_eq!((found.template.as_str(), found.offset), ("c.html", 7));
    // A loop variable used in an included template is the includer's.
    let looped = [
        (
            "a.html",
            "{% for c in issue.categories %}{% include \"b.html\" %}{% endfor %}",
        ),
        ("b.html", "{{ c.whatever ~ '' }}"),
    ];
    assert_eq!(check(&looped, &ctx()), None);
}
