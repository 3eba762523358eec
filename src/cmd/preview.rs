//! `newsletter preview`: renders one issue for the sample subscriber or
//! `--to`'s address, as that person would get it.
//!
//! The body goes to standard output (or `--out FILE`, written atomically);
//! the subject goes to standard error, so `preview > issue.html` keeps a
//! clean file while the organizer still sees the subject.

use super::emit;
use crate::cli::{PreviewArgs, PreviewFormat};
use crate::error::{Error, Result};
use crate::preview::{self, Part, PreviewRequest};
use crate::project::Project;

/// Renders the chosen issue in the chosen format.
pub fn run(p: &Project, args: &PreviewArgs) -> Result<u8> {
    if let Some(path) = &args.out {
        check_out(path)?;
    }
    let req = PreviewRequest {
        issue: args.issue,
        part: match args.format {
            PreviewFormat::Html => Part::Html,
            PreviewFormat::Text => Part::Text,
            PreviewFormat::Eml => Part::Eml,
        },
        to: args.to.as_deref(),
    };
    let preview = preview::preview(p, &req)?;
    if !super::quiet() {
        for note in &preview.notes {
            eprintln!("note: {note}");
        }
    }
    if !super::quiet() {
        eprintln!("Subject: {}", preview.subject);
    }
    match &args.out {
        Some(path) => {
            crate::fsutil::write_atomic(path, preview.body.as_bytes())?;
            if !super::quiet() {
                eprintln!("wrote issue {} to {}", preview.number, path.display());
            }
        }
        None => emit(&preview.body)?,
    }
    Ok(0)
}

/// `--out FILE` must be a file in an existing folder; checked before
/// anything is rendered.
fn check_out(path: &std::path::Path) -> Result<()> {
    if path.is_dir() {
        return Err(
            Error::input(format!("--out {}: it is a folder", path.display()))
                .with_help("give --out a file name"),
        );
    }
    if let Some(parent) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        return Err(Error::input(format!(
            "--out {}: the folder {} does not exist",
            path.display(),
            parent.display()
        ))
        .with_help("create the folder first, or write to an existing one"));
    }
    Ok(())
}
