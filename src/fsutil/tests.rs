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
