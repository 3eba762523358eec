//! One issue as one subscriber gets it: the HTML part, the text part, or
//! the complete message exactly as a send builds it. The issue comes from
//! its frozen record once published, else from the current files.

use crate::compose::{Messages, one_address};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::publish::{self, IssueAsSent};
use crate::render::{IssueContext, Renderer, SubscriberContext};
use crate::state::State;
use crate::subscribers::Subscriber;

/// What to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The HTML part.
    Html,
    /// The plain-text part.
    Text,
    /// The complete message.
    Eml,
}

/// What to preview.
#[derive(Debug, Clone, Copy)]
pub struct PreviewRequest<'a> {
    /// The issue (default: the one due now, else the next upcoming).
    pub issue: Option<u32>,
    /// What to render.
    pub part: Part,
    /// For this address (default: the sample subscriber).
    pub to: Option<&'a str>,
}

/// A rendered preview.
#[derive(Debug, Clone)]
pub struct Preview {
    /// The issue number.
    pub number: u32,
    /// The subject.
    pub subject: String,
    /// The rendered part or message.
    pub body: String,
    /// The complete message was built without the unsubscribe secret, so
    /// its unsubscribe tokens are empty.
    pub empty_tokens: bool,
}

/// Renders the preview `req` asks for.
pub fn preview(p: &Project, req: &PreviewRequest) -> Result<Preview> {
    let planned = match req.issue {
        Some(n) => p.plan.issue(n)?,
        None => p.plan.current(p.now).ok_or_else(|| {
            Error::input("the plan has no issues\nhelp: run `newsletter check` to see why")
        })?,
    };
    let renderer = Renderer::load(&p.config.templates.dir)?;
    let state = State::open_existing(&p.config.state.path)?;
    let IssueAsSent {
        context, subject, ..
    } = publish::issue_as_sent(p, planned, &renderer, state.as_ref())?;
    let mut empty_tokens = false;
    let body = match req.part {
        Part::Eml => {
            let (message, missing) = message_for(p, &renderer, &context, &subject, req.to)?;
            empty_tokens = missing;
            String::from_utf8_lossy(&message.formatted()).into_owned()
        }
        part => {
            let sub = personal(p, req.to)?;
            let base = Renderer::context(&context, None)?;
            let (html, text) = renderer.email_parts(&base, &sub)?;
            if part == Part::Text { text } else { html }
        }
    };
    Ok(Preview {
        number: planned.number,
        subject,
        body,
        empty_tokens,
    })
}

/// The complete message for `to` (or the sample subscriber), exactly as a
/// send builds it; without the unsubscribe secret the token is empty (and
/// the second value says so).
fn message_for(
    p: &Project,
    renderer: &Renderer,
    issue: &IssueContext,
    subject: &str,
    to: Option<&str>,
) -> Result<(lettre::Message, bool)> {
    let composer = p.composer()?;
    let missing = composer.needs_secret() && !composer.has_secret();
    let messages = Messages::new(renderer, issue, &composer, subject.to_string(), p.now)?;
    let sub = match to {
        Some(addr) => one_address(addr, "--to")?,
        None => sample()?,
    };
    Ok((messages.message(&sub)?.0, missing))
}

/// The sample subscriber, as a subscriber row.
fn sample() -> Result<Subscriber> {
    let s = SubscriberContext::sample();
    let mut sub = one_address(&s.email, "sample")?;
    sub.name = Some(s.name);
    Ok(sub)
}

/// The subscriber context for `to` (or the sample).
fn personal(p: &Project, to: Option<&str>) -> Result<SubscriberContext> {
    let Some(addr) = to else {
        return Ok(SubscriberContext::sample());
    };
    let sub = one_address(addr, "--to")?;
    let composer = p.composer().ok();
    Ok(SubscriberContext {
        unsubscribe_url: composer
            .and_then(|c| c.unsubscribe_url(&sub.key))
            .unwrap_or_default(),
        email: sub.email,
        name: String::new(),
        fields: Default::default(),
    })
}
