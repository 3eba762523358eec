//! The static web archive: `index.html` listing the published issues
//! (newest first) and one page per issue at the path its feed item links
//! to (`issues/3-performance/index.html`).
//!
//! Links between pages are relative and name `index.html` explicitly, so
//! the archive works opened from disk as well as served under `base_url`.
//! Each file is written atomically and only when its bytes change. The
//! pages written are listed in [`MANIFEST`]. Every issue the state has
//! frozen is published for good, so its page is in every run's list and
//! never removed; a page the previous run listed that is gone from the
//! list (an issue no longer published because the state was deleted) is
//! removed, and nothing the tool did not write is ever touched.

use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::feed::PublishedIssue;
use crate::fsutil::{self, Written};
use crate::render::Renderer;
use crate::render::context::{CfpContext, NewsletterContext};

/// The list of pages the last run wrote, relative to the archive folder.
pub const MANIFEST: &str = ".newsletter-archive";

/// What every archive page shares.
pub struct Site {
    /// `newsletter.*`
    pub newsletter: NewsletterContext,
    /// `cfp.*` as of now (the index's countdown).
    pub cfp: CfpContext,
    /// The day the index's countdown was counted on, for people
    /// ("Monday, March 18, 2024"): the index says it, so a countdown is
    /// never stated without its date.
    pub counted_on: String,
    /// The CFP has closed: the index says so instead of counting (the same
    /// words on every later run, so the pages are rewritten once).
    pub closed: bool,
    /// The feed's address relative to the archive root when it lives
    /// inside it, else its absolute URL.
    pub feed: FeedHref,
    /// The Atom feed's address, the same way (`None`: not written).
    pub atom: Option<FeedHref>,
    /// The JSON Feed's address, the same way (`None`: not written).
    pub json_feed: Option<FeedHref>,
}

/// Where pages point for the feed.
pub enum FeedHref {
    /// Inside the archive folder: relative to its root.
    Relative(String),
    /// Elsewhere: an absolute URL.
    Absolute(String),
}

impl FeedHref {
    fn from(&self, root: &str) -> String {
        match self {
            FeedHref::Relative(rel) => format!("{root}{rel}"),
            FeedHref::Absolute(url) => url.clone(),
        }
    }
}

/// The address of an optional feed from a page ("" when not written).
fn optional(href: &Option<FeedHref>, root: &str) -> String {
    href.as_ref().map(|h| h.from(root)).unwrap_or_default()
}

/// One page: its path under the archive folder and its HTML.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Relative path, `/`-separated.
    pub path: String,
    /// The rendered page.
    pub html: String,
}

/// `page.*`: navigation, relative to the page itself.
#[derive(Serialize)]
struct PageContext {
    /// The page's title: the issue's subject, or the newsletter's title.
    title: String,
    /// From this page to the archive root: "" or "../../".
    root: String,
    /// The archive index.
    index: String,
    /// The RSS feed.
    feed: String,
    /// The Atom feed ("" when not written).
    atom: String,
    /// The JSON Feed ("" when not written).
    json_feed: String,
    /// The newer published issue, if any.
    newer: Option<Listed>,
    /// The older published issue, if any.
    older: Option<Listed>,
}

/// A published issue in a list or a navigation link.
#[derive(Serialize, Clone)]
struct Listed {
    number: u32,
    kind: String,
    subject: String,
    send_date: String,
    send_at: String,
    categories: Vec<String>,
    /// Its page, relative to the page showing the link.
    href: String,
    /// Its absolute URL.
    url: String,
}

fn listed(p: &PublishedIssue, root: &str) -> Listed {
    let i = &p.context.issue;
    Listed {
        number: i.number,
        kind: i.kind.clone(),
        subject: p.subject.clone(),
        send_date: i.send_date.clone(),
        send_at: p.date.to_rfc3339(),
        categories: i.categories.iter().map(|c| c.name.clone()).collect(),
        href: format!("{root}{}index.html", i.path),
        url: i.url.clone(),
    }
}

/// Renders the index and every issue page. `published` is newest first.
pub fn pages(renderer: &Renderer, site: &Site, published: &[PublishedIssue]) -> Result<Vec<Page>> {
    let mut out = Vec::with_capacity(published.len() + 1);
    for (pos, p) in published.iter().enumerate() {
        let path = checked_path(&p.context.issue.path, p.context.issue.number)?;
        let root = "../".repeat(path.components().count());
        let page = PageContext {
            title: p.subject.clone(),
            index: format!("{root}index.html"),
            feed: site.feed.from(&root),
            atom: optional(&site.atom, &root),
            json_feed: optional(&site.json_feed, &root),
            newer: pos
                .checked_sub(1)
                .and_then(|n| published.get(n))
                .map(|n| listed(n, &root)),
            older: published.get(pos + 1).map(|o| listed(o, &root)),
            root,
        };
        let mut ctx = Renderer::context(&p.context, None)?;
        ctx.insert("page", &page);
        let html = renderer.render("archive_issue.html", &ctx)?;
        out.push(Page {
            path: format!("{}index.html", p.context.issue.path),
            html,
        });
    }
    let mut ctx = tera::Context::new();
    ctx.insert("newsletter", &site.newsletter);
    ctx.insert("cfp", &site.cfp);
    ctx.insert("counted_on", &site.counted_on);
    ctx.insert("closed", &site.closed);
    ctx.insert(
        "issues",
        &published.iter().map(|p| listed(p, "")).collect::<Vec<_>>(),
    );
    ctx.insert(
        "page",
        &PageContext {
            title: site.newsletter.title.clone(),
            root: String::new(),
            index: "index.html".into(),
            feed: site.feed.from(""),
            atom: optional(&site.atom, ""),
            json_feed: optional(&site.json_feed, ""),
            newer: None,
            older: None,
        },
    );
    let html = renderer.render("archive_index.html", &ctx)?;
    out.push(Page {
        path: "index.html".into(),
        html,
    });
    Ok(out)
}

/// An issue's archive path, which must stay inside the archive folder.
fn checked_path(path: &str, number: u32) -> Result<PathBuf> {
    let p = Path::new(path);
    let safe = !path.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
    if safe {
        Ok(p.to_path_buf())
    } else {
        Err(Error::failed(format!(
            "issue {number} has the archive path {path:?}, which leaves the archive folder; the state database may have been edited by hand"
        )))
    }
}

/// The longest file or folder name the archive writes, in bytes: the
/// limit of ext4, XFS, Btrfs, APFS and NTFS.
pub const MAX_NAME: usize = 255;
/// The longest whole path the archive writes, in bytes: macOS's limit
/// (1024), the smallest of the common systems, less room for the temporary
/// name a file is written under before it is renamed.
pub const MAX_PATH: usize = 1024 - 16;

/// Whether the file system can hold a file at `path`: no name longer than
/// [`MAX_NAME`], the whole (absolute) path no longer than [`MAX_PATH`],
/// and no NUL character (which no file system takes). The error is bad
/// input that names the path and the limit.
pub fn writable(path: &Path) -> Result<()> {
    let full = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let bad = |what: String| {
        Err(Error::input(format!(
            "the archive cannot write {}: {what}",
            shown(path)
        ))
        .with_help(
            "shorten [feed] path or archive_dir in config.toml, or the category's name in the topic list",
        ))
    };
    for c in full.components() {
        let name = c.as_os_str();
        if name.len() > MAX_NAME {
            return bad(format!(
                "the name {} is {} bytes long, more than the {MAX_NAME} a file system allows",
                shown(Path::new(name)),
                name.len()
            ));
        }
        if name.as_encoded_bytes().contains(&0) {
            return bad("a name contains the NUL character, which no file system allows".into());
        }
    }
    let len = full.as_os_str().len();
    if len > MAX_PATH {
        return bad(format!(
            "the path is {len} bytes long, more than the {MAX_PATH} every common file system allows"
        ));
    }
    Ok(())
}

/// A path for a message: at most 80 characters of it, NULs made visible.
fn shown(path: &Path) -> String {
    let s = path.display().to_string().replace('\0', "\\0");
    if s.chars().count() <= 80 {
        format!("`{s}`")
    } else {
        let head: String = s.chars().take(60).collect();
        format!("`{head}...` ({} characters)", s.chars().count())
    }
}

/// [`writable`] for every page under `dir`.
pub fn check_pages(dir: &Path, pages: &[Page]) -> Result<()> {
    pages
        .iter()
        .try_for_each(|page| writable(&dir.join(&page.path)))
}

/// What [`write()`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ArchiveReport {
    /// Files written because they were new or changed.
    pub written: usize,
    /// Files already up to date.
    pub unchanged: usize,
    /// Pages of issues no longer published, removed.
    pub removed: usize,
}

/// Writes `pages` under `dir`, then the manifest, then removes the pages
/// the previous manifest lists that are gone from `pages`.
pub fn write(dir: &Path, pages: &[Page]) -> Result<ArchiveReport> {
    let mut report = ArchiveReport::default();
    let manifest_path = dir.join(MANIFEST);
    let previous = match std::fs::read_to_string(&manifest_path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io("read", &manifest_path, e)),
    };
    for page in pages {
        match fsutil::write_if_changed(&dir.join(&page.path), page.html.as_bytes())? {
            Written::Changed => report.written += 1,
            Written::Unchanged => report.unchanged += 1,
        }
    }
    let mut listing: Vec<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    listing.sort_unstable();
    let manifest = listing.iter().map(|p| format!("{p}\n")).collect::<String>();
    fsutil::write_if_changed(&manifest_path, manifest.as_bytes())?;
    for old in previous.lines().filter(|l| !listing.contains(l)) {
        // Only plain relative paths from our own manifest; never `..`.
        let Ok(rel) = checked_path(old, 0) else {
            continue;
        };
        let file = dir.join(&rel);
        match std::fs::remove_file(&file) {
            Ok(()) => report.removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("remove the stale page", &file, e)),
        }
        // Its folder goes too when empty (never the archive root).
        if let Some(parent) = file.parent().filter(|p| *p != dir) {
            let _ = std::fs::remove_dir(parent);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_stay_inside_the_archive() {
        assert!(checked_path("issues/3-api/", 3).is_ok());
        for bad in ["", "../x/", "/etc/", "issues/../../x/"] {
            assert!(checked_path(bad, 1).is_err(), "{bad}");
        }
    }

    #[test]
    fn writable_paths_respect_name_and_path_limits_and_refuse_nul() {
        let dir = tempfile::tempdir().unwrap();
        let at = |rel: &str| dir.path().join(rel);
        assert!(writable(&at(&format!("issues/{}/index.html", "a".repeat(MAX_NAME)))).is_ok());
        let err = writable(&at(&format!(
            "issues/{}/index.html",
            "a".repeat(MAX_NAME + 1)
        )))
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message().contains("256 bytes long"),
            "{}",
            err.message()
        );
        let deep = vec!["b".repeat(200); 5].join("/");
        let err = writable(&at(&format!("{deep}/index.html"))).unwrap_err();
        assert!(
            err.message().contains(&format!("more than the {MAX_PATH}")),
            "{}",
            err.message()
        );
        let err = writable(&at("pub\0lic/index.html")).unwrap_err();
        assert!(err.message().contains("NUL"), "{}", err.message());
    }

    #[test]
    fn a_second_write_removes_pages_no_longer_listed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let page = |p: &str| Page {
            path: p.into(),
            html: format!("<p>{p}</p>"),
        };
        let first = [page("index.html"), page("issues/1-a/index.html")];
        let r = write(dir.path(), &first).unwrap();
        assert_eq!((r.written, r.unchanged, r.removed), (2, 0, 0));
        std::fs::write(dir.path().join("issues/1-a/photo.png"), b"mine").unwrap();
        std::fs::write(dir.path().join("robots.txt"), b"mine").unwrap();
        let second = [page("index.html"), page("issues/2-b/index.html")];
        let r = write(dir.path(), &second).unwrap();
        assert_eq!((r.written, r.unchanged, r.removed), (1, 1, 1));
        assert!(!dir.path().join("issues/1-a/index.html").exists());
        // A file we did not write keeps its folder alive.
        assert!(dir.path().join("issues/1-a/photo.png").exists());
        assert!(dir.path().join("robots.txt").exists());
        assert!(dir.path().join("issues/2-b/index.html").exists());
    }
}
