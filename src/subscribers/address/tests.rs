use super::*;

#[test]
fn idn_domains_become_punycode() {
    let a = normalize_address("ana@bücher.example").unwrap();
    assert_eq!(
        a,
        Address {
            email: "ana@xn--bcher-kva.example".to_string(),
            key: "ana@xn--bcher-kva.example".to_string(),
            needs_smtputf8: false,
        }
    );
    // Upper case in an IDN is folded too; the result is a lettre address.
    let b = normalize_address("  Ana@BÜCHER.Example ").unwrap();
    assert_eq!(b.email, "Ana@xn--bcher-kva.example");
    assert_eq!(b.key, "ana@xn--bcher-kva.example");
    assert!(b.email.parse::<lettre::Address>().is_ok());
    // Already-punycode input is accepted as is.
    assert_eq!(
        normalize_address("ana@xn--bcher-kva.example")
            .unwrap()
            .email,
        "ana@xn--bcher-kva.example"
    );
}

#[test]
fn normalization_keeps_the_local_part_and_lowercases_the_domain() {
    let a = normalize_address("Ann.Lee+cfp@Example.COM").unwrap();
    assert_eq!(a.email, "Ann.Lee+cfp@example.com");
    assert_eq!(a.key, "ann.lee+cfp@example.com");
    assert!(!a.needs_smtputf8);
    for ok in [
        "a@b.co",
        "o'brien@example.ie",
        "x!#$%&'*+-/=?^_`{|}~@example.com",
        "a.b.c@sub-domain.example.org",
        "user@123.example",
    ] {
        assert!(normalize_address(ok).is_ok(), "{ok}");
    }
}

#[test]
fn non_ascii_local_parts_are_flagged_for_smtputf8() {
    let a = normalize_address("Zoë@Example.net").unwrap();
    assert_eq!(a.email, "Zoë@example.net");
    assert_eq!(a.key, "zoë@example.net");
    assert!(a.needs_smtputf8);
    let b = normalize_address("用户@例子.example").unwrap();
    assert_eq!(b.email, "用户@xn--fsqu00a.example");
    assert!(b.needs_smtputf8);
}

#[test]
fn bad_addresses_are_rejected_with_a_reason() {
    let long_local = format!("{}@example.com", "a".repeat(65));
    let long_label = format!("a@{}.com", "b".repeat(64));
    let long_domain = format!("a@{}.com", vec!["c".repeat(60); 5].join("."));
    let cases: Vec<(&str, String)> = vec![
        ("", "the email address is empty".into()),
        ("   ", "the email address is empty".into()),
        ("not-an-address", "it has no `@`".into()),
        ("@example.com", "there is nothing before the `@`".into()),
        ("ann@", "there is no domain after the `@`".into()),
        (
            "Ann <ann@example.com>",
            "display-name forms like `Ann <ann@example.com>` are not accepted; write only \
             the address (`ann@example.com`) and put the name in the `name` column"
                .into(),
        ),
        (
            "<>",
            "the characters `<` and `>` are not allowed in an address".into(),
        ),
        ("ann lee@example.com", "it contains a space".into()),
        (
            "ann\t@example.com",
            "it contains an invisible or control character (U+0009)".into(),
        ),
        (
            "ann\u{200B}@example.com",
            "it contains an invisible or control character (U+200B)".into(),
        ),
        ("\"ann lee\"@example.com", "it contains a space".into()),
        (
            "\"ann\"@example.com",
            "quoted local parts (`\"...\"@example.com`) are not supported; use an address \
             without quotes"
                .into(),
        ),
        (
            &long_local,
            "the part before the `@` is 65 bytes long; at most 64 are allowed".into(),
        ),
        (
            ".ann@example.com",
            "the part before the `@` may not start or end with a dot".into(),
        ),
        (
            "ann.@example.com",
            "the part before the `@` may not start or end with a dot".into(),
        ),
        (
            "ann..lee@example.com",
            "the part before the `@` has two dots in a row".into(),
        ),
        (
            "ann@lee@example.com",
            "the character `@` is not allowed before the `@`".into(),
        ),
        (
            "ann(x)@example.com",
            "the character `(` is not allowed before the `@`".into(),
        ),
        (
            "ann@[192.0.2.1]",
            "address literals like `ann@[192.0.2.1]` are not supported; use a domain name".into(),
        ),
        (
            "ann@192.0.2.1",
            "the domain ends in a number; IP addresses are not accepted, use a domain name".into(),
        ),
        (
            "ann@localhost",
            "the domain `localhost` has no dot; write a full domain such as `example.com`".into(),
        ),
        (
            "ann@example..com",
            "the domain `example..com` has an empty part (a dot at the start or end, or two \
             in a row)"
                .into(),
        ),
        (
            "ann@example.com.",
            "the domain `example.com.` has an empty part (a dot at the start or end, or two \
             in a row)"
                .into(),
        ),
        (
            "ann@exa_mple.com",
            "the character `_` is not allowed in the domain (only letters, digits, hyphens \
             and dots)"
                .into(),
        ),
        (
            "ann@-example.com",
            "the domain part `-example` may not start or end with a hyphen".into(),
        ),
        (
            "ann@xn--a.com",
            "the domain `xn--a.com` is not a valid domain name".into(),
        ),
        (
            &long_label,
            format!(
                "the domain part `{}` is 64 characters long; at most 63 are allowed",
                "b".repeat(64)
            ),
        ),
        (
            &long_domain,
            "the domain is 308 characters long; at most 253 are allowed".into(),
        ),
    ];
    for (input, reason) in cases {
        assert_eq!(normalize_address(input), Err(reason), "input: {input:?}");
    }
}
