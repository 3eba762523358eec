use super::*;

#[test]
fn skip_bom_passes_short_input_and_non_bom_bytes_through() {
    for input in [
        &b""[..],
        b"e",
        b"em",
        b"ema",
        b"email",
        b"\xef\xbb",
        b"\xef\xbb\xbe!",
    ] {
        let mut out = Vec::new();
        SkipBom::new(input).read_to_end(&mut out).unwrap();
        assert_eq!(out, input);
    }
    let mut out = Vec::new();
    SkipBom::new(&b"\xef\xbb\xbfx"[..])
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, b"x");
}
