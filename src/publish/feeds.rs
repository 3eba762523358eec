//! The feed files: RSS always, Atom and JSON Feed unless turned off, all
//! built from the same entries, and how each was written.

use std::path::{Path, PathBuf};

use crate::archive::{self, FeedHref};
use crate::config::Config;
use crate::error::Result;
use crate::feed::{self, Entry, Source};
use crate::project::Project;
use crate::render::context::{NewsletterContext, public_name, public_url};

/// A feed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RSS 2.0 (`[feed] path`).
    Rss,
    /// Atom 1.0 (`[feed] atom_path`).
    Atom,
    /// JSON Feed 1.1 (`[feed] json_path`).
    Json,
}

impl Format {
    /// How the summary line names it.
    pub fn label(self) -> &'static str {
        match self {
            Format::Rss => "feed",
            Format::Atom => "atom",
            Format::Json => "json feed",
        }
    }
}

/// One feed file, rendered.
#[derive(Debug, Clone)]
pub struct FeedFile {
    /// Its format.
    pub format: Format,
    /// Where it goes.
    pub path: PathBuf,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// How one feed file was (or would be) written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedWritten {
    /// Its format.
    pub format: Format,
    /// Where it is.
    pub path: PathBuf,
    /// Whether its bytes changed.
    pub changed: bool,
}

/// The feed files the configuration asks for, RSS first.
pub(super) fn configured(config: &Config) -> Vec<(Format, &Path)> {
    let mut out = vec![(Format::Rss, config.feed.path.as_path())];
    if let Some(p) = &config.feed.atom_path {
        out.push((Format::Atom, p));
    }
    if let Some(p) = &config.feed.json_path {
        out.push((Format::Json, p));
    }
    out
}

/// Every configured feed of `entries` (newest first, all published
/// issues): the feed itself keeps at most `feed.max_items`.
pub(super) fn render(
    p: &Project,
    newsletter: &NewsletterContext,
    entries: &[Entry<'_>],
) -> Result<(Vec<FeedFile>, usize)> {
    let author = p
        .config
        .newsletter
        .from
        .as_deref()
        .and_then(feed::Author::from_mailbox);
    let kept = &entries[..entries
        .len()
        .min(p.config.feed.max_items.unwrap_or(usize::MAX))];
    let mut files = Vec::new();
    for (format, path) in configured(&p.config) {
        archive::writable(path)?;
        let source = Source {
            newsletter,
            author: author.as_ref(),
            entries: kept,
            self_url: public_url(&p.config, path),
            empty_date: p.config.cfp.opens_at().fixed_offset(),
        };
        let bytes = match format {
            Format::Rss => feed::to_xml(&feed::channel(newsletter, author.as_ref(), kept, None))?,
            Format::Atom => feed::atom(&source)?,
            Format::Json => feed::json_feed(&source)?,
        };
        files.push(FeedFile {
            format,
            path: path.to_path_buf(),
            bytes,
        });
    }
    Ok((files, kept.len()))
}

/// Where archive pages point for the feed at `path`: relative inside the
/// archive folder, else its absolute URL.
pub(super) fn href(config: &Config, path: &Path) -> FeedHref {
    if path.strip_prefix(&config.feed.archive_dir).is_ok() {
        FeedHref::Relative(public_name(config, path))
    } else {
        FeedHref::Absolute(public_url(config, path))
    }
}
