//! Reading messages in tests.

/// The values of header `name` in a message's header block, unfolded and
/// trimmed (one entry per occurrence).
pub fn header(msg: &str, name: &str) -> Vec<String> {
    let head = msg
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ");
    head.split("\r\n")
        .filter_map(|l| {
            l.split_once(':')
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_string())
        })
        .collect()
}
