//! Content-Transfer-Encoding of the text and HTML parts, in one pass each.
//!
//! lettre's `Body::new` would do the same job at a third of the cost of
//! composing a message: it converts line ends by inserting each `\r` into
//! the string (a copy of the rest of the string per line), scans the text
//! again to choose the encoding, and quoted-printable-encodes byte by byte
//! through a general encoder. The rules here:
//! - `7bit` when every byte is printable ASCII or a tab and every line is at
//!   most 78 characters (RFC 5322 2.1.1's recommended limit): the plain-text
//!   part, wrapped within 78 columns, goes out as written;
//! - else quoted-printable (RFC 2045 6.7), encoded lines at most 76
//!   characters, unless more than a third of the bytes are not ASCII
//!   (mostly non-Latin text), where base64 is smaller (lettre's rule).
//!
//! Line ends become CRLF either way.

use lettre::message::Body;
use lettre::message::header::ContentTransferEncoding;

/// The longest line sent as `7bit`.
const SEVEN_BIT_LINE: usize = 78;
/// The longest encoded quoted-printable line, `=` of a soft break included.
const QP_LINE: usize = 76;

/// `text` ready to be a MIME part: CRLF line ends, the cheapest safe
/// encoding.
pub fn body(text: &str) -> Body {
    // Branch-free inner loops over chunks, which the compiler vectorizes
    // (this runs over every part of every message). A CR counts as a
    // control character, so text with CRLF line ends goes quoted-printable,
    // which handles them (ours has LF only).
    let bytes = text.as_bytes();
    let controls = bytes.chunks(64).any(|c| {
        c.iter().fold(false, |acc, &b| {
            acc | (b < b' ' && b != b'\t' && b != b'\n') | (b == 0x7f)
        })
    });
    let non_ascii: usize = if text.is_ascii() {
        0
    } else {
        bytes
            .chunks(255)
            .map(|c| usize::from(c.iter().fold(0u8, |acc, &b| acc + (b >> 7))))
            .sum()
    };
    let longest = text.split('\n').map(str::len).max().unwrap_or(0);
    if non_ascii == 0 && !controls && longest <= SEVEN_BIT_LINE {
        return Body::dangerous_pre_encoded(
            crlf(text).into_bytes(),
            ContentTransferEncoding::SevenBit,
        );
    }
    if non_ascii > text.len() / 3 {
        // Rare (mostly non-Latin text): lettre's base64 encoder.
        return Body::new_with_encoding(crlf(text), ContentTransferEncoding::Base64)
            .unwrap_or_else(|_| Body::new(text.to_string()));
    }
    Body::dangerous_pre_encoded(
        quoted_printable(text),
        ContentTransferEncoding::QuotedPrintable,
    )
}

/// Printable ASCII and tab: written as is by both encodings (a space or
/// tab at the end of a line still needs escaping in quoted-printable).
const fn literal(b: u8) -> bool {
    matches!(b, b' '..=b'~' | b'\t')
}

/// Bytes quoted-printable writes as they are (inside a line): [`literal`]
/// but `=`. A table, as this is the inner loop.
const QP_PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = literal(b as u8) && b as u8 != b'=';
        b += 1;
    }
    t
};

/// The text with CRLF line ends.
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32 + 2);
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        if lines.peek().is_some() {
            out.push_str("\r\n");
        }
    }
    out
}

/// Quoted-printable (RFC 2045 6.7): `=` and bytes outside printable ASCII
/// as `=XX`, a space or tab at the end of a line too, soft line breaks
/// (`=` CRLF) keeping every line within 76 characters, hard line breaks
/// as CRLF.
fn quoted_printable(text: &str) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(text.len() + text.len() / 8 + 8);
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        let bytes = line.strip_suffix('\r').unwrap_or(line).as_bytes();
        let n = bytes.len();
        // A space or tab that ends the line must be escaped.
        let plain_end = match bytes.last() {
            Some(b' ' | b'\t') => n - 1,
            _ => n,
        };
        let (mut i, mut col) = (0, 0);
        while i < n {
            // A run of bytes written as they are, copied in pieces that fit:
            // a line's last byte may reach column 76, others leave room for
            // the `=` of a soft break.
            let j = plain_run(bytes, i, plain_end);
            while i < j {
                let rest = j - i;
                let take = if j == n && rest <= QP_LINE - col {
                    rest
                } else {
                    rest.min(QP_LINE - 1 - col)
                };
                out.extend_from_slice(&bytes[i..i + take]);
                col += take;
                i += take;
                if i < j {
                    out.extend_from_slice(b"=\r\n");
                    col = 0;
                }
            }
            if i == n {
                break;
            }
            let b = bytes[i];
            let room = if i + 1 == n { QP_LINE } else { QP_LINE - 1 };
            if col + 3 > room {
                out.extend_from_slice(b"=\r\n");
                col = 0;
            }
            out.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            col += 3;
            i += 1;
        }
        if lines.peek().is_some() {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// The end of the run of [`QP_PLAIN`] bytes from `i` (at most `end`): eight
/// bytes at a time while none of them can be special (SWAR bit tricks:
/// no byte below space, `=`, DEL or above 127), then byte by byte.
fn plain_run(bytes: &[u8], mut i: usize, end: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    while i + 8 <= end {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        let x = u64::from_le_bytes(word);
        let special = (x.wrapping_sub(ONES * 0x20) & !x & HIGH)
            | has_zero(x ^ (ONES * u64::from(b'=')))
            | has_zero(x ^ (ONES * 0x7f))
            | (x & HIGH);
        if special != 0 {
            break;
        }
        i += 8;
    }
    while i < end && QP_PLAIN[usize::from(bytes[i])] {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A strict decoder for the tests.
    fn decode_qp(encoded: &[u8]) -> Vec<u8> {
        let text = std::str::from_utf8(encoded).unwrap();
        let mut out = Vec::new();
        let mut lines = text.split("\r\n").peekable();
        while let Some(line) = lines.next() {
            assert!(line.len() <= QP_LINE, "line too long: {line:?}");
            assert!(
                !line.ends_with(' ') && !line.ends_with('\t'),
                "trailing whitespace: {line:?}"
            );
            let (body, soft) = match line.strip_suffix('=') {
                Some(b) => (b, true),
                None => (line, false),
            };
            let b = body.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i] == b'=' {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                    assert_eq!(hex, hex.to_uppercase());
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                } else {
                    assert!(literal(b[i]), "raw byte {:#x}", b[i]);
                    out.push(b[i]);
                    i += 1;
                }
            }
            if !soft && lines.peek().is_some() {
                out.extend_from_slice(b"\r\n");
            }
        }
        out
    }

    fn kind(text: &str) -> ContentTransferEncoding {
        body(text).encoding()
    }

    #[test]
    fn short_ascii_lines_go_as_7bit_with_crlf() {
        let b = body("Hello,\nworld \n\n-- \nend\n");
        assert_eq!(b.encoding(), ContentTransferEncoding::SevenBit);
        assert_eq!(b.as_ref(), b"Hello,\r\nworld \r\n\r\n-- \r\nend\r\n");
        assert_eq!(kind(&"x".repeat(78)), ContentTransferEncoding::SevenBit);
    }

    #[test]
    fn long_lines_non_ascii_and_controls_go_quoted_printable() {
        assert_eq!(
            kind(&"x".repeat(79)),
            ContentTransferEncoding::QuotedPrintable
        );
        assert_eq!(
            kind("caf\u{e9} au lait"),
            ContentTransferEncoding::QuotedPrintable
        );
        assert_eq!(kind("bell\u{7}"), ContentTransferEncoding::QuotedPrintable);
        assert_eq!(kind("a\rb"), ContentTransferEncoding::QuotedPrintable);
    }

    #[test]
    fn mostly_non_latin_text_goes_base64() {
        assert_eq!(
            kind("\u{65e5}\u{672c}\u{8a9e}\u{306e}\u{6587}"),
            ContentTransferEncoding::Base64
        );
    }

    #[test]
    fn quoted_printable_round_trips_within_76_columns() {
        let samples = [
            format!("{}\n", "a = b ".repeat(40)),
            format!(
                "<p style=\"x\">{}</p>\r\n",
                "Zo\u{eb} \u{c5}ngstr\u{f6}m\u{a0}".repeat(9)
            ),
            "trailing space \ntrailing tab\t\n\n.leading dot\n".to_string(),
            format!("{}=\n", "x".repeat(75)),
            format!("{} \n", "y".repeat(75)),
            "x".repeat(76),
            "no newline at the end \u{2014}".to_string(),
            "\u{1f4ec}".repeat(30),
        ];
        for s in samples {
            let encoded = quoted_printable(&s);
            let want = crlf(&s);
            assert_eq!(
                String::from_utf8(decode_qp(&encoded)).unwrap(),
                want,
                "{s:?}"
            );
        }
    }

    #[test]
    fn quoted_printable_round_trips_random_text() {
        let alphabet = [
            "a",
            "b",
            " ",
            "\t",
            "=",
            "\u{e9}",
            "\n",
            "\r\n",
            ".",
            "\u{1f600}",
            "xyz ",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let len = (next() % 240) as usize;
            let s: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let decoded = decode_qp(&quoted_printable(&s));
            assert_eq!(String::from_utf8(decoded).unwrap(), crlf(&s), "{s:?}");
        }
    }

    #[test]
    fn quoted_printable_escapes_exactly_what_it_must() {
        assert_eq!(
            quoted_printable("a=b c \n\u{e9}\t"),
            b"a=3Db c=20\r\n=C3=A9=09"
        );
        // 75 characters and `=`: the escape does not fit, so a soft break
        // comes first.
        let s = format!("{}=", "x".repeat(74));
        assert_eq!(
            String::from_utf8(quoted_printable(&s)).unwrap(),
            format!("{}=\r\n=3D", "x".repeat(74))
        );
        // Exactly 76 plain characters fit on one line.
        assert_eq!(quoted_printable(&"x".repeat(76)), "x".repeat(76).as_bytes());
    }
}
