use super::*;

#[test]
fn key_sets_hold_keys_by_hash() {
    let set: KeySet = ["ana@example.org", "bob@example.org"].into_iter().collect();
    assert_eq!(set.len(), 2);
    assert!(set.contains("ana@example.org"));
    assert!(!set.contains("ana@example.net"));
    assert!(
        !set.contains("Ana@example.org"),
        "keys are normalized first"
    );
    assert!(KeySet::default().is_empty());
}

#[test]
fn seen_entries_compare_by_hash_and_keep_the_line() {
    let a = Seen::new("ann@example.com", 7);
    let b = Seen::new("ann@example.com", 99);
    let c = Seen::new("bob@example.com", 7);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!((a.line(), b.line()), (7, 99));
    assert_eq!(Seen::new("x", u64::from(u32::MAX) + 5).line(), LINE_UNKNOWN);
    let set: HashSet<Seen> = [a].into_iter().collect();
    assert_eq!(set.get(&b).map(|s| s.line()), Some(7));
}
