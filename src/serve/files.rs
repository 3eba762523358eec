//! The web archive and the feed, as `newsletter feed` wrote them: files
//! under `feed.archive_dir` (and `feed.path`), with content types, a weak
//! `ETag` and `Last-Modified`, and `304 Not Modified` for conditional
//! requests.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::app::App;

/// A file found for a request path.
pub(crate) struct Found {
    path: PathBuf,
    len: u64,
    modified: SystemTime,
}

/// Where the request path (relative to the base, starting with `/`) is on
/// disk, if it names a file. `Err(())` when it names a folder without the
/// trailing slash (the caller redirects).
pub(crate) fn locate(app: &App, rel: &str) -> Option<std::result::Result<Found, ()>> {
    let decoded = percent_decode(rel)?;
    let feed = format!("/{}", crate::render::context::feed_file_name(&app.config));
    let path = if decoded == feed {
        app.config.feed.path.clone()
    } else {
        let mut path = app.config.feed.archive_dir.clone();
        for segment in decoded.split('/').filter(|s| !s.is_empty()) {
            if segment.starts_with('.') || segment.contains(['\\', '\0']) {
                return None;
            }
            path.push(segment);
        }
        if decoded.ends_with('/') {
            path.push("index.html");
        }
        path
    };
    let meta = std::fs::metadata(&path).ok()?;
    if meta.is_dir() {
        return Some(Err(()));
    }
    Some(Ok(Found {
        len: meta.len(),
        modified: meta.modified().unwrap_or(UNIX_EPOCH),
        path,
    }))
}

/// Answers GET or HEAD for a found file: 304 when the client's copy is
/// current, else the file. Blocking (reads the file): call it on a
/// blocking thread, with [`locate`], so a request costs one hop.
pub(crate) fn respond(found: Found, request: &HeaderMap, head: bool) -> Response {
    let mtime = found
        .modified
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let etag = format!("W/\"{:x}-{:x}\"", found.len, mtime.as_nanos());
    let modified: DateTime<Utc> = DateTime::from(found.modified);
    let last_modified = modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&found.path)),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&last_modified) {
        headers.insert(header::LAST_MODIFIED, v);
    }
    if not_modified(request, &etag, modified) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    if head {
        if let Ok(v) = HeaderValue::from_str(&found.len.to_string()) {
            headers.insert(header::CONTENT_LENGTH, v);
        }
        return (StatusCode::OK, headers).into_response();
    }
    match std::fs::read(&found.path) {
        Ok(bytes) => (StatusCode::OK, headers, bytes).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// RFC 9110 §13.1: `If-None-Match` wins over `If-Modified-Since`.
fn not_modified(request: &HeaderMap, etag: &str, modified: DateTime<Utc>) -> bool {
    if let Some(inm) = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        let bare = etag.trim_start_matches("W/");
        return inm
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.trim_start_matches("W/") == bare);
    }
    request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| modified.timestamp() <= since.timestamp())
}

/// The content type by extension.
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "xml" | "rss" => "application/rss+xml; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Decodes `%XX` escapes; `None` for a bad escape or text that is not
/// UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_and_types() {
        assert_eq!(percent_decode("/a%20b/").as_deref(), Some("/a b/"));
        assert_eq!(percent_decode("/%2"), None);
        assert_eq!(percent_decode("/%ff"), None);
        assert_eq!(
            content_type(Path::new("a/feed.xml")),
            "application/rss+xml; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("a/b")), "application/octet-stream");
    }

    #[test]
    fn conditional_requests() {
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let mut h = HeaderMap::new();
        assert!(!not_modified(&h, "W/\"1-2\"", t));
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_static("Tue, 14 Nov 2023 22:13:20 GMT"),
        );
        assert!(not_modified(&h, "W/\"1-2\"", t));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"1-3\""));
        assert!(!not_modified(&h, "W/\"1-2\"", t), "If-None-Match wins");
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"1-2\""),
        );
        assert!(not_modified(&h, "W/\"1-2\"", t));
    }
}
