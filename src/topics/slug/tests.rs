use super::{MAX_SLUG, bound, slugify};
use crate::topics::TopicList;

/// The slug without a bound: what `slugify` made before it had one.
fn unbounded(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.join("-")
}

#[test]
fn a_long_name_is_cut_after_a_whole_word() {
    let name = "Very long category name about Django ".repeat(26); // 962 chars
    let slug = slugify(&name);
    assert!(slug.len() <= MAX_SLUG, "{slug}");
    let full = unbounded(&name);
    assert!(full.starts_with(&slug), "{slug}");
    // The next character of the full slug starts a new word.
    assert_eq!(full.as_bytes()[slug.len()], b'-', "{slug}");
    assert_eq!(
        slug,
        "very-long-category-name-about-django-very-long-category-name"
    );
}

#[test]
fn the_bound_holds_at_and_around_the_limit() {
    let word = |n: usize| "a".repeat(n);
    // Exactly the bound, one over with a word break there, one over inside
    // a word, and a single word longer than the bound.
    assert_eq!(slugify(&word(MAX_SLUG)), word(MAX_SLUG));
    assert_eq!(
        slugify(&format!("{} b", word(MAX_SLUG))),
        word(MAX_SLUG),
        "the whole first word fits"
    );
    assert_eq!(
        slugify(&format!("{} bcd", word(MAX_SLUG - 2))),
        word(MAX_SLUG - 2)
    );
    assert_eq!(slugify(&word(300)), word(MAX_SLUG));
    // Leading and trailing punctuation does not count.
    assert_eq!(
        slugify(&format!("¡¡ {} !!", word(MAX_SLUG))),
        word(MAX_SLUG)
    );
    assert_eq!(bound("short-slug"), "short-slug");
    assert_eq!(slugify("Café Déjà Vu"), "cafe-deja-vu");
}

#[test]
fn long_names_sharing_a_start_still_get_distinct_slugs() {
    let start = "Building and operating Django at a very large scale in production";
    let src = format!("{start}: part one\n* a\n\n{start}: part two\n* b\n");
    let list = TopicList::parse(&src).unwrap();
    let slugs: Vec<&str> = list.categories.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(
        slugs[0], "building-and-operating-django-at-a-very-large-scale-in",
        "{slugs:?}"
    );
    assert_eq!(slugs[1], format!("{}-2", slugs[0]));
}

#[test]
fn bound_cuts_any_text_on_a_character_boundary() {
    let s = "é".repeat(MAX_SLUG + 5);
    assert_eq!(bound(&s).chars().count(), MAX_SLUG);
    assert_eq!(bound("-"), "-");
}
