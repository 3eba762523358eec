use super::*;

#[test]
fn a_note_keeps_the_kind_of_a_failed_operation() {
    let failed = with_note(Error::failed("cannot read x"), "help: try y");
    assert_eq!(failed.kind(), Kind::Failed);
    assert_eq!(failed.exit_code(), 1);
    assert_eq!(failed.message(), "cannot read x\nhelp: try y");
    let input = with_note(Error::input("bad x"), "note: in issue 2");
    assert_eq!(input.exit_code(), 2);
}
