use super::*;

#[test]
fn distance_counts_characters_not_bytes() {
    assert_eq!(levenshtein("", ""), 0);
    assert_eq!(levenshtein("kitten", "sitting"), 3);
    assert_eq!(levenshtein("café", "cafe"), 1);
    assert_eq!(levenshtein("abc", ""), 3);
}

#[test]
fn closeness_grows_with_the_length_of_the_name() {
    assert_eq!(max_distance("ab"), 2);
    assert_eq!(max_distance("new_york_city"), 4);
    assert!(is_close("Bee", "B"));
    assert!(!is_close("Performance", "Security"));
}
