//! `[feed] atom_path` and `json_path`: a path, or `false` for no such
//! feed; two feed keys never name one file.

use std::path::{Path, PathBuf};

use toml::Spanned;

use crate::error::Diagnostic;

/// `[feed] atom_path` and `json_path` (raw), checked against each other
/// and the RSS `path`.
pub(super) fn paths(
    src: &str,
    rss: &Path,
    atom: Option<Spanned<toml::Value>>,
    json: Option<Spanned<toml::Value>>,
) -> Result<(Option<PathBuf>, Option<PathBuf>), Diagnostic> {
    let atom_path = feed_file(src, atom, "atom_path", "public/atom.xml", &[("path", rss)])?;
    let taken = [
        ("path", rss),
        ("atom_path", atom_path.as_deref().unwrap_or(Path::new(""))),
    ];
    let json_path = feed_file(src, json, "json_path", "public/feed.json", &taken)?;
    Ok((atom_path, json_path))
}

/// `[feed] atom_path` or `json_path`: a path, `false` for none, or
/// `default` when absent; never a file another feed key (`taken`)
/// already names.
fn feed_file(
    src: &str,
    value: Option<Spanned<toml::Value>>,
    key: &str,
    default: &str,
    taken: &[(&str, &Path)],
) -> Result<Option<PathBuf>, Diagnostic> {
    let Some(value) = value else {
        return Ok(Some(default.into()));
    };
    match value.get_ref() {
        toml::Value::String(s) if !s.trim().is_empty() => {
            if let Some((other, _)) = taken.iter().find(|(_, p)| *p == Path::new(s)) {
                return Err(Diagnostic::at(
                    src,
                    value.span().start,
                    format!("feed.{key} names the same file as feed.{other}"),
                )
                .help(format!(
                    "give each feed a file of its own, or write {key} = false"
                )));
            }
            Ok(Some(s.into()))
        }
        toml::Value::Boolean(false) => Ok(None),
        _ => Err(Diagnostic::at(
            src,
            value.span().start,
            format!("feed.{key} must be a file path or false"),
        )
        .help(format!(
            "write a path such as {key} = \"{default}\", or {key} = false to write no such feed"
        ))),
    }
}
