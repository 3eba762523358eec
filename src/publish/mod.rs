//! Publishing, a stage of its own: the frozen issue, the RSS feed and the
//! web archive of the published issues, and the report of what was written.
//! `newsletter feed` runs [`publish`]; a send runs it right after freezing
//! its issue.
//!
//! An issue is published once its send time has come (or it was sent
//! early with `--force`): the feed and the email are two channels of one
//! schedule, so the feed does not wait for `send`. Publishing freezes the
//! issue in the state, exactly as a send does, so its feed item, archive
//! page and guid never change afterwards.

mod feeds;
mod frozen;
mod overview;

use chrono::{DateTime, FixedOffset};

use crate::archive::{self, ArchiveReport, Page, Site};
use crate::error::{Error, Result};
use crate::feed::{Entry, PublishedIssue};
use crate::fsutil::{self, Written};
use crate::project::Project;
use crate::render::context::{CfpContext, NewsletterContext, long_date_in};
use crate::render::{IssueContext, Renderer};
use crate::state::{FrozenIssue, State};

pub use feeds::{FeedFile, FeedWritten, Format};
pub use frozen::{IssueAsSent, decode, frozen_record, issue_as_sent, planned_context};
pub use overview::{PlanRow, plan_rows};

/// Publishes the feed and the archive as of `p.now` (what `newsletter
/// feed` does). Everything is rendered once before anything is written, so
/// a template error is bad input that leaves no state behind.
pub fn run(p: &Project) -> Result<PublishReport> {
    p.config.base_url()?;
    let renderer = Renderer::load(&p.config.templates.dir)?;
    render(
        p,
        &renderer,
        State::open_existing(&p.config.state.path)?.as_ref(),
    )?;
    let state = State::open(&p.config.state.path)?;
    publish(p, &renderer, &state)
}

/// What [`publish`] wrote.
#[derive(Debug, Clone)]
pub struct PublishReport {
    /// Issues in the archive (the feed holds at most `feed.max_items`).
    pub issues: usize,
    /// Items in the feed.
    pub items: usize,
    /// Whether any feed file (RSS, Atom, JSON Feed) changed.
    pub feed_changed: bool,
    /// Each feed file, RSS first.
    pub feeds: Vec<FeedWritten>,
    /// Whether `deadline.ics` (beside the feed) changed.
    pub calendar_changed: bool,
    /// The archive's files.
    pub archive: ArchiveReport,
}

impl PublishReport {
    /// One line for people: each feed file, then the archive.
    pub fn summary(&self, p: &Project) -> String {
        let state = |changed: bool| if changed { "written" } else { "unchanged" };
        let mut out = String::new();
        for (i, f) in self.feeds.iter().enumerate() {
            let items = if i == 0 {
                format!(
                    "{} item{}, ",
                    self.items,
                    if self.items == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            };
            out.push_str(&format!(
                "{}: {} ({items}{}); ",
                f.format.label(),
                f.path.display(),
                state(f.changed)
            ));
        }
        format!(
            "{out}archive: {} ({} issue page{}, {} written, {} unchanged, {} removed); calendar: {} ({})\n",
            p.config.feed.archive_dir.display(),
            self.issues,
            if self.issues == 1 { "" } else { "s" },
            self.archive.written,
            self.archive.unchanged,
            self.archive.removed,
            crate::calendar::path(&p.config).display(),
            if self.calendar_changed {
                "written"
            } else {
                "unchanged"
            },
        )
    }
}

/// The feed and the archive, rendered but not written.
pub struct Rendered {
    /// The published issues, newest first.
    pub published: Vec<PublishedIssue>,
    /// The records of the issues that publishing freezes now.
    pub freeze: Vec<FrozenIssue>,
    /// The archive's pages.
    pub pages: Vec<Page>,
    /// The feed files, RSS first.
    pub feeds: Vec<FeedFile>,
    /// Items in the feed.
    pub items: usize,
}

/// Renders the feed and the archive as of `p.now`, reading the state (if
/// any) but changing nothing: `send --dry-run` uses it as is.
pub fn render(p: &Project, renderer: &Renderer, state: Option<&State>) -> Result<Rendered> {
    let (published, freeze) = published(p, renderer, state)?;
    let mut entries = Vec::with_capacity(published.len());
    for issue in &published {
        let ctx = Renderer::context(&issue.context, None)?;
        let html = renderer.render("feed_item.html", &ctx)?.trim().to_string();
        entries.push(Entry { issue, html });
    }
    let site = site(p);
    let pages = archive::pages(renderer, &site, &published)?;
    archive::check_pages(&p.config.feed.archive_dir, &pages)?;
    let (feeds, items) = feeds::render(p, &site.newsletter, &entries)?;
    Ok(Rendered {
        published,
        freeze,
        pages,
        feeds,
        items,
    })
}

/// Freezes every issue whose time has come, then writes the archive pages
/// and, last, the feeds (so no feed item ever links to a missing page).
pub fn publish(p: &Project, renderer: &Renderer, state: &State) -> Result<PublishReport> {
    let mut rendered = render(p, renderer, Some(state))?;
    let mut raced = false;
    for record in &rendered.freeze {
        // Another process may have frozen it first: its record wins.
        raced |= state.freeze(record)? != *record;
    }
    if raced {
        rendered = render(p, renderer, Some(state))?;
    }
    let archive = archive::write(&p.config.feed.archive_dir, &rendered.pages)?;
    let mut feeds = Vec::with_capacity(rendered.feeds.len());
    for f in &rendered.feeds {
        feeds.push(FeedWritten {
            format: f.format,
            path: f.path.clone(),
            changed: fsutil::write_if_changed(&f.path, &f.bytes)? == Written::Changed,
        });
    }
    let calendar = crate::calendar::publish(&p.config, state)?;
    Ok(PublishReport {
        issues: rendered.published.len(),
        items: rendered.items,
        feed_changed: feeds.iter().any(|f| f.changed),
        feeds,
        calendar_changed: calendar == Written::Changed,
        archive,
    })
}

/// What [`publish`] would write as of `p.now`, found by comparing the
/// rendered files with those on disk; nothing is written or frozen (for
/// `send --dry-run`).
pub fn would_publish(
    p: &Project,
    renderer: &Renderer,
    state: Option<&State>,
) -> Result<PublishReport> {
    let rendered = render(p, renderer, state)?;
    let dir = &p.config.feed.archive_dir;
    let same = |path: &std::path::Path, bytes: &[u8]| std::fs::read(path).is_ok_and(|b| b == bytes);
    let mut report = ArchiveReport::default();
    for page in &rendered.pages {
        if same(&dir.join(&page.path), page.html.as_bytes()) {
            report.unchanged += 1;
        } else {
            report.written += 1;
        }
    }
    let listed = std::fs::read_to_string(dir.join(archive::MANIFEST)).unwrap_or_default();
    report.removed = listed
        .lines()
        .filter(|l| !rendered.pages.iter().any(|p| p.path == *l) && dir.join(l).is_file())
        .count();
    let feeds: Vec<FeedWritten> = rendered
        .feeds
        .iter()
        .map(|f| FeedWritten {
            format: f.format,
            path: f.path.clone(),
            changed: !same(&f.path, &f.bytes),
        })
        .collect();
    Ok(PublishReport {
        issues: rendered.published.len(),
        items: rendered.items,
        feed_changed: feeds.iter().any(|f| f.changed),
        feeds,
        calendar_changed: crate::calendar::would_change(&p.config, state)?,
        archive: report,
    })
}

/// Renders the feed item and the archive page of one planned issue (for
/// `check`: template errors show before the issue is published), and the
/// index with it.
pub fn check_issue(p: &Project, renderer: &Renderer, context: IssueContext) -> Result<()> {
    let subject = renderer.subject(&context)?;
    let published = [PublishedIssue {
        date: DateTime::parse_from_rfc3339(&context.issue.send_at)
            .unwrap_or_else(|_| p.now.fixed_offset()),
        context,
        subject,
    }];
    renderer.render(
        "feed_item.html",
        &Renderer::context(&published[0].context, None)?,
    )?;
    let pages = archive::pages(renderer, &site(p), &published)?;
    archive::check_pages(&p.config.feed.archive_dir, &pages)?;
    feeds::configured(&p.config)
        .into_iter()
        .try_for_each(|(_, path)| archive::writable(path))
}

/// What archive pages share, from the current configuration.
pub fn site(p: &Project) -> Site {
    let newsletter = NewsletterContext::from_config(&p.config);
    let feed = feeds::href(&p.config, &p.config.feed.path);
    let atom = p.config.feed.atom_path.as_deref();
    let json = p.config.feed.json_path.as_deref();
    let cfp = &p.config.cfp;
    Site {
        cfp: CfpContext::from_config(&p.config, cfp.days_left(p.now)),
        counted_on: long_date_in(
            &p.config.newsletter.language,
            &p.now.with_timezone(&cfp.timezone.tz),
        ),
        closed: p.now >= cfp.closes_at(),
        newsletter,
        feed,
        atom: atom.map(|path| feeds::href(&p.config, path)),
        json_feed: json.map(|path| feeds::href(&p.config, path)),
    }
}

/// The published issues, newest first: every frozen one (published for
/// good, whatever `p.now` says: a run with an earlier `--now` never takes
/// an issue back), and every planned one whose send time has come, with
/// the records that freeze the latter. A frozen record wins over the plan.
fn published(
    p: &Project,
    renderer: &Renderer,
    state: Option<&State>,
) -> Result<(Vec<PublishedIssue>, Vec<FrozenIssue>)> {
    let mut out = Vec::new();
    let mut freeze = Vec::new();
    let frozen = match state {
        Some(s) => s.frozen_issues()?,
        None => Vec::new(),
    };
    for f in &frozen {
        let send_at = parse_time(p, f.number, &f.send_at)?;
        let published_at = parse_time(p, f.number, &f.published_at)?;
        // Sent early with --force: it went out when it was published.
        out.push(PublishedIssue {
            context: frozen::writable_path(decode(p, f)?),
            subject: f.subject.clone(),
            date: send_at.min(published_at),
        });
    }
    for planned in p.plan.issues.iter().filter(|i| i.send_at <= p.now) {
        if frozen.iter().any(|f| f.number == planned.number) {
            continue;
        }
        let context = planned_context(p, planned);
        let subject = renderer.subject(&context)?;
        freeze.push(frozen_record(planned, &context, &subject, p.now)?);
        out.push(PublishedIssue {
            context,
            subject,
            date: planned.send_at.fixed_offset(),
        });
    }
    out.sort_by_key(|i| std::cmp::Reverse((i.date, i.context.issue.number)));
    Ok((out, freeze))
}

fn parse_time(p: &Project, number: u32, s: &str) -> Result<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).map_err(|e| {
        Error::failed(format!(
            "{}: issue {number} has an unreadable time {s:?} in the state",
            p.config.state.path.display()
        ))
        .with_source(e)
    })
}

#[cfg(test)]
mod tests;
