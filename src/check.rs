//! Checking a project: everything any command would reject in the files
//! (the sender and base URL that `send`, `feed` and `preview --format eml`
//! need, the transport's settings, every archive path), every planned
//! issue rendered (so template errors show now rather than on send day),
//! and everything that deserves a warning collected: the topic list's,
//! unscheduled categories, missing templates, invalid subscriber rows, and
//! the secrets a real send needs from the environment.

use std::fmt;

use crate::campaign;
use crate::deliver::transport_from_config;
use crate::error::Error;
use crate::project::Project;
use crate::publish;
use crate::render::{Renderer, SubscriberContext};

/// What a check found in a usable project.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// Warnings, each naming its file.
    pub warnings: Vec<String>,
    /// The subscriber list.
    pub subscribers: SubscriberList,
    /// With `[dkim]`: the DNS TXT record that publishes the public key.
    pub dkim: Option<crate::compose::dkim::DnsRecord>,
}

/// The subscriber list as the check found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriberList {
    /// There is none yet (only `send` needs one).
    Missing,
    /// It was read.
    Read {
        /// Valid rows.
        valid: u64,
        /// Invalid rows (skipped by a send; each is a warning).
        invalid: usize,
        /// Of those, rows with a number of fields other than the header's.
        wrong_fields: usize,
    },
}

/// Why a project is not usable.
#[derive(Debug)]
pub enum CheckFailure {
    /// A planned issue does not render.
    Issue {
        /// Its number.
        number: u32,
        /// What went wrong.
        error: Error,
    },
    /// Anything else (the templates, the subscriber list, a setting a
    /// command needs).
    Other(Error),
    /// More than one of the above, in the order found.
    Several(Vec<CheckFailure>),
}

impl From<Error> for CheckFailure {
    fn from(e: Error) -> Self {
        CheckFailure::Other(e)
    }
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckFailure::Issue { number, error } => write!(f, "issue {number}: {error}"),
            CheckFailure::Other(error) => error.fmt(f),
            CheckFailure::Several(all) => {
                for (i, one) in all.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    one.fmt(f)?;
                }
                Ok(())
            }
        }
    }
}

/// Checks the project.
pub fn check(p: &Project) -> Result<CheckReport, CheckFailure> {
    let mut problems: Vec<CheckFailure> =
        rejected(p).into_iter().map(CheckFailure::Other).collect();
    let template_warnings = render_all(p).unwrap_or_else(|failure| {
        problems.push(failure);
        Vec::new()
    });
    if problems.len() > 1 {
        return Err(CheckFailure::Several(problems));
    }
    if let Some(failure) = problems.pop() {
        return Err(failure);
    }
    let mut warnings = p.topic_warnings();
    warnings.extend(template_warnings);
    warnings.extend(p.words.warnings());
    if !p.plan.unscheduled.is_empty() {
        warnings.push(format!(
            "{}: {} categor{} no issue (more categories than send days): {}",
            p.config.path.display(),
            p.plan.unscheduled.len(),
            if p.plan.unscheduled.len() == 1 {
                "y gets"
            } else {
                "ies get"
            },
            p.quoted_names(&p.plan.unscheduled)
        ));
    }
    if let Some((before, last)) = p.plan.last_call_too_close() {
        warnings.push(format!(
            "{}: the last call (issue {}, {}) goes out less than two days after issue {} ({}), so it repeats that issue's categories at once; change schedule.last_call_days or the send day",
            p.config.path.display(),
            last.number,
            last.send_at.format("%a %Y-%m-%d %H:%M"),
            before.number,
            before.send_at.format("%a %Y-%m-%d %H:%M"),
        ));
    }
    let dir = &p.config.templates.dir;
    if !dir.exists() {
        warnings.push(format!(
            "{}: [templates] dir {} does not exist, so the built-in templates are used; `newsletter init` writes them out for editing",
            p.config.path.display(),
            dir.display()
        ));
    }
    let composer = p.composer();
    let dkim = match composer.as_ref().ok().and_then(|c| c.signer()) {
        Some(signer) => Some(signer.dns_record().map_err(CheckFailure::Other)?),
        None => None,
    };
    if let Ok(composer) = composer {
        warnings.extend(
            campaign::missing_secrets(p, &composer)
                .into_iter()
                .map(|m| {
                    format!(
                        "{m}: a real send would be refused (export it before `newsletter send`)"
                    )
                }),
        );
    }
    let subscribers = subscriber_warnings(p, &mut warnings)?;
    Ok(CheckReport {
        warnings,
        subscribers,
        dkim,
    })
}

/// What a command would refuse in the files, whatever the environment:
/// the sender (`send`, `preview --format eml`), the base URL (`feed`,
/// `send`), the transport's settings (`send`).
fn rejected(p: &Project) -> Vec<Error> {
    let mut out = Vec::new();
    if let Err(e) = p.composer() {
        out.push(e.with_note("`send` and `preview --format eml` need it"));
    }
    if let Err(e) = p.config.base_url() {
        out.push(e.with_note("`feed` and `send` need it"));
    }
    // A stand-in password: a missing one is the environment's (a warning).
    if let Err(e) = transport_from_config(&p.config, Some("-".into())) {
        out.push(e.with_note("`send` needs it"));
    }
    out
}

/// Reads the whole subscriber list: every invalid row becomes a warning
/// with its line. A list that cannot be read at all is an error; a missing
/// one is a warning (only `send` needs it).
fn subscriber_warnings(p: &Project, warnings: &mut Vec<String>) -> Result<SubscriberList, Error> {
    let path = &p.config.subscribers.path;
    if !path.exists() {
        warnings.push(format!(
            "{}: no subscriber list yet; `send` needs one (a CSV with an `email` column)",
            path.display()
        ));
        return Ok(SubscriberList::Missing);
    }
    let scan = crate::subscribers::Scan::read(&p.config.subscribers)?;
    warnings.extend(scan.warnings());
    Ok(SubscriberList::Read {
        valid: scan.valid,
        invalid: scan.invalid.len(),
        wrong_fields: scan.wrong_field_count(),
    })
}

/// Gmail clips an email whose HTML is longer than this ("[Message
/// clipped]"), hiding the rest, the unsubscribe link included.
pub const GMAIL_CLIP_BYTES: usize = 102 * 1024;

/// Renders every planned issue once (subject, HTML and text, for the sample
/// subscriber and for nobody; its feed item and archive page; the archive
/// index). The failure names the issue. Returns the templates' warnings:
/// an email template rendered whole for every subscriber, and each issue
/// whose HTML part is longer than Gmail shows.
fn render_all(p: &Project) -> Result<Vec<String>, CheckFailure> {
    let renderer = Renderer::load(&p.config.templates.dir)?;
    let mut warnings: Vec<String> = renderer
        .rendered_whole()
        .into_iter()
        .map(str::to_string)
        .collect();
    let language = &p.config.newsletter.language;
    if !renderer.strings().knows(language) {
        warnings.push(format!(
            "newsletter.language `{language}` has no string table, so the built-in templates are in English: use one of {}, or add {}/strings.{language}.toml (see the README's Languages section)",
            crate::render::strings::BUILTIN_STRINGS
                .iter()
                .map(|(l, _)| *l)
                .collect::<Vec<_>>()
                .join(", "),
            p.config.templates.dir.display()
        ));
    }
    let sample = SubscriberContext::sample();
    for planned in &p.plan.issues {
        let issue = publish::planned_context(p, planned);
        let rendered = renderer.subject(&issue).and_then(|_| {
            let mut longest = 0;
            for who in [Some(&sample), None] {
                longest = longest.max(renderer.email_html(&issue, who)?.len());
                renderer.email_text(&issue, who)?;
            }
            publish::check_issue(p, &renderer, issue)?;
            Ok(longest)
        });
        match rendered {
            Ok(bytes) if bytes > GMAIL_CLIP_BYTES => warnings.push(format!(
                "issue {}: its HTML part is {} KB; Gmail clips an email over {} KB (\"[Message clipped]\", hiding the rest and the unsubscribe link): shorten it (fewer topics per issue, `schedule.categories_per_issue`) or slim email.html",
                planned.number,
                bytes.div_ceil(1024),
                GMAIL_CLIP_BYTES / 1024
            )),
            Ok(_) => {}
            Err(error) => {
                return Err(CheckFailure::Issue {
                    number: planned.number,
                    error,
                });
            }
        }
    }
    Ok(warnings)
}
