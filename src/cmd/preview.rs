//! `newsletter preview`: renders one issue for the sample subscriber.
//!
//! The body goes to standard output (or `--out FILE`, written atomically);
//! the subject goes to standard error, so `preview > issue.html` keeps a
//! clean file while the organizer still sees the subject.

use std::io::Write;
use std::path::Path;

use super::{Project, emit};
use crate::cli::{PreviewArgs, PreviewFormat};
use crate::error::{Error, Result};
use crate::render::{IssueContext, Renderer, SubscriberContext};

/// Renders the chosen issue in the chosen format.
pub fn run(p: &Project, args: &PreviewArgs) -> Result<u8> {
    if args.format == PreviewFormat::Eml {
        return Err(Error::input(
            "`preview --format eml` arrives with the delivery issue (#4)\nhelp: use --format html or --format text for now",
        ));
    }
    if args.to.is_some() {
        return Err(Error::input(
            "`preview --to` arrives with the delivery issue (#4)\nhelp: leave out --to; the preview is rendered for a sample subscriber",
        ));
    }
    let planned = match args.issue {
        Some(n) => p.plan.issue(n)?,
        None => p.plan.current(p.now).ok_or_else(|| {
            Error::input("the plan has no issues\nhelp: run `newsletter check` to see why")
        })?,
    };
    let renderer = Renderer::load(&p.config.templates.dir)?;
    let issue = IssueContext::build(&p.config, &p.topics, &p.plan, planned);
    let sample = SubscriberContext::sample();
    let subject = renderer.subject(&issue)?;
    let body = match args.format {
        PreviewFormat::Text => renderer.email_text(&issue, Some(&sample))?,
        _ => renderer.email_html(&issue, Some(&sample))?,
    };
    eprintln!("Subject: {subject}");
    match &args.out {
        Some(path) => {
            write_atomic(path, &body)?;
            eprintln!("wrote issue {} to {}", planned.number, path.display());
        }
        None => emit(&body)?,
    }
    Ok(0)
}

/// Writes `text` to `path` through a temporary file in the same folder, so
/// the file is either the old one or the complete new one.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if path.is_dir() {
        return Err(Error::input(format!(
            "cannot write {}: it is a folder\nhelp: give --out a file name",
            path.display()
        )));
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io("write", tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("write", path, e.error))?;
    Ok(())
}
