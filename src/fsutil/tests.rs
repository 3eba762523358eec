use super::*;

#[test]
fn replaces_the_file_and_keeps_it_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sub/feed.xml");
    write_atomic(&p, b"one").unwrap();
    write_atomic(&p, b"two").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"two");
    // A folder in the way: error naming the path, nothing else changed.
    let blocked = dir.path().join("sub");
    let e = write_atomic(&blocked, b"x").unwrap_err();
    assert!(e.message().contains("sub"), "{}", e.message());
    assert_eq!(std::fs::read(&p).unwrap(), b"two");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
    assert_eq!(leftovers.len(), 1);
}

#[test]
fn unchanged_bytes_are_not_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.html");
    assert_eq!(write_if_changed(&p, b"x").unwrap(), Written::Changed);
    let before = std::fs::metadata(&p).unwrap().modified().unwrap();
    assert_eq!(write_if_changed(&p, b"x").unwrap(), Written::Unchanged);
    assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), before);
    assert_eq!(write_if_changed(&p, b"y").unwrap(), Written::Changed);
    assert_eq!(std::fs::read(&p).unwrap(), b"y");
}

#[test]
fn own_temp_names_are_exactly_the_prefix_and_six_letters_or_digits() {
    assert!(is_own_temp(".tmp-aB3xY9"));
    for other in [
        ".tmp-aB3xY",
        ".tmp-aB3xY9z",
        ".tmp-aB3x.9",
        "tmp-aB3xY9",
        ".tmp-aB3xY9.eml",
        "x.tmp-aB3xY9",
        "notes.txt",
    ] {
        assert!(!is_own_temp(other), "{other}");
    }
}

#[test]
fn stale_temps_are_removed_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // What a write killed between create and rename leaves: a real one.
    let kept = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .rand_bytes(TEMP_RANDOM)
        .tempfile_in(d)
        .unwrap()
        .keep()
        .unwrap()
        .1;
    std::fs::write(d.join(".tmp-Zz0099"), b"half").unwrap();
    for other in ["a.eml", ".tmp-notes.txt", ".tmp-abc", "keep.tmp-abcdef"] {
        std::fs::write(d.join(other), b"x").unwrap();
    }
    std::fs::create_dir(d.join(".tmp-folder")).unwrap();
    assert_eq!(remove_stale_temps(d).unwrap(), 2);
    assert!(!kept.exists());
    let mut left: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            ".tmp-abc",
            ".tmp-folder",
            ".tmp-notes.txt",
            "a.eml",
            "keep.tmp-abcdef"
        ]
    );
    assert_eq!(remove_stale_temps(&d.join("missing")).unwrap(), 0);
}
