//! `newsletter preview`: renders one issue for the sample subscriber.
//!
//! The body goes to standard output (or `--out FILE`, written atomically);
//! the subject goes to standard error, so `preview > issue.html` keeps a
//! clean file while the organizer still sees the subject.

use super::{Project, emit, issue};
use crate::cli::{PreviewArgs, PreviewFormat};
use crate::compose::Composer;
use crate::error::{Error, Result};
use crate::render::{IssueContext, Renderer, SubscriberContext};
use crate::state::State;

/// Renders the chosen issue in the chosen format.
pub fn run(p: &Project, args: &PreviewArgs) -> Result<u8> {
    if let Some(path) = &args.out {
        check_out(path)?;
    }
    let planned = match args.issue {
        Some(n) => p.plan.issue(n)?,
        None => p.plan.current(p.now).ok_or_else(|| {
            Error::input("the plan has no issues\nhelp: run `newsletter check` to see why")
        })?,
    };
    let renderer = Renderer::load(&p.config.templates.dir)?;
    // As subscribers get it: the frozen record once the issue is published.
    let state = State::open_existing(&p.config.state.path)?;
    let (issue, subject, _) = issue::context(p, planned, &renderer, state.as_ref())?;
    let body = match args.format {
        PreviewFormat::Eml => {
            let (message, _) = message_for(p, &renderer, &issue, &subject, args.to.as_deref())?;
            String::from_utf8_lossy(&message.formatted()).into_owned()
        }
        format => {
            let sub = personal(p, args.to.as_deref())?;
            let base = Renderer::context(&issue, None)?;
            let (html, text) = renderer.email_parts(&base, &sub)?;
            if format == PreviewFormat::Text {
                text
            } else {
                html
            }
        }
    };
    eprintln!("Subject: {subject}");
    match &args.out {
        Some(path) => {
            crate::fsutil::write_atomic(path, body.as_bytes())?;
            eprintln!("wrote issue {} to {}", planned.number, path.display());
        }
        None => emit(&body)?,
    }
    Ok(0)
}

/// The complete message for `--to` (or the sample subscriber), exactly as
/// `send` builds it; without the unsubscribe secret the token is empty.
fn message_for(
    p: &Project,
    renderer: &Renderer,
    issue: &IssueContext,
    subject: &str,
    to: Option<&str>,
) -> Result<(lettre::Message, String)> {
    let composer = Composer::new(
        &p.config,
        std::env::var(&p.config.unsubscribe.secret_env).ok(),
    )?;
    if composer.needs_secret() && !composer.has_secret() {
        eprintln!(
            "note: {} is not set, so the unsubscribe tokens in this preview are empty",
            p.config.unsubscribe.secret_env
        );
    }
    let messages =
        crate::compose::Messages::new(renderer, issue, &composer, subject.to_string(), p.now)?;
    let sub = match to {
        Some(addr) => crate::compose::one_address(addr, "--to")?,
        None => {
            let s = SubscriberContext::sample();
            let mut sub = crate::compose::one_address(&s.email, "sample")?;
            sub.name = Some(s.name);
            sub
        }
    };
    messages.message(&sub)
}

/// The subscriber context for `--to` (or the sample).
fn personal(p: &Project, to: Option<&str>) -> Result<SubscriberContext> {
    let Some(addr) = to else {
        return Ok(SubscriberContext::sample());
    };
    let sub = crate::compose::one_address(addr, "--to")?;
    let composer = Composer::new(
        &p.config,
        std::env::var(&p.config.unsubscribe.secret_env).ok(),
    )
    .ok();
    Ok(SubscriberContext {
        unsubscribe_url: composer
            .and_then(|c| c.unsubscribe_url(&sub.key))
            .unwrap_or_default(),
        email: sub.email,
        name: String::new(),
        fields: Default::default(),
    })
}

/// `--out FILE` must be a file in an existing folder; checked before
/// anything is rendered.
fn check_out(path: &std::path::Path) -> Result<()> {
    if path.is_dir() {
        return Err(Error::input(format!(
            "--out {}: it is a folder\nhelp: give --out a file name",
            path.display()
        )));
    }
    if let Some(parent) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        return Err(Error::input(format!(
            "--out {}: the folder {} does not exist\nhelp: create the folder first, or write to an existing one",
            path.display(),
            parent.display()
        )));
    }
    Ok(())
}
