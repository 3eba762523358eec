//! One issue as one subscriber gets it: the HTML part, the text part, or
//! the complete message exactly as a send builds it. The issue comes from
//! its frozen record once published, else from the current files.
//!
//! The person is the sample subscriber, or `--to`'s address with its row
//! of the subscriber list (name and other columns) when it has one. Their
//! unsubscribe link is in the preview as in a send; without the
//! unsubscribe secret the token is the visible [`TOKEN_PLACEHOLDER`], and
//! a note says so.

use crate::compose::{Messages, one_address, subscriber_context};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::publish::{self, IssueAsSent};
use crate::render::{Renderer, SubscriberContext};
use crate::state::State;
use crate::subscribers::{Row, Subscriber, Subscribers};

/// Stands where an unsubscribe token goes when the secret is not set.
pub const TOKEN_PLACEHOLDER: &str = "UNSUBSCRIBE-TOKEN-NEEDS-SECRET";

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
    /// Where the preview differs from what the person would get, or what
    /// it could not know (a missing secret, an address not in the list).
    pub notes: Vec<String>,
}

/// Renders the preview `req` asks for.
pub fn preview(p: &Project, req: &PreviewRequest) -> Result<Preview> {
    let planned = match req.issue {
        Some(n) => p.plan.issue(n)?,
        None => p.plan.current(p.now).ok_or_else(|| {
            Error::input("the plan has no issues").with_help("run `newsletter check` to see why")
        })?,
    };
    let renderer = Renderer::load(&p.config.templates.dir)?;
    let state = State::open_existing(&p.config.state.path)?;
    let IssueAsSent {
        context, subject, ..
    } = publish::issue_as_sent(p, planned, &renderer, state.as_ref())?;
    let mut notes = Vec::new();
    let who = recipient(p, req.to, &mut notes)?;
    // The message needs the sender; the parts alone do not.
    let composer = match req.part {
        Part::Eml => Some(p.composer()?),
        _ => p.composer().ok(),
    }
    .map(|c| c.with_token_placeholder(TOKEN_PLACEHOLDER));
    if let Some(c) = &composer
        && !c.has_secret()
        && shows_token(p, req.part)
    {
        notes.push(format!(
            "{} is not set, so the unsubscribe link shows {TOKEN_PLACEHOLDER} where {}'s token goes; export the secret to see the real link",
            p.config.unsubscribe.secret_env, who.email
        ));
    }
    let body = match (req.part, &composer) {
        (Part::Eml, Some(c)) => {
            let messages = Messages::new(&renderer, &context, c, subject.clone(), p.now)?;
            String::from_utf8_lossy(&messages.message(&who)?.0.formatted()).into_owned()
        }
        (part, composer) => {
            let sub = subscriber_context(&who, composer.as_ref());
            let base = Renderer::context(&context, None)?;
            let (html, text) = renderer.email_parts(&base, &sub)?;
            if part == Part::Text { text } else { html }
        }
    };
    Ok(Preview {
        number: planned.number,
        subject,
        body,
        notes,
    })
}

/// Whether `part` shows an unsubscribe token: the one-click URL has a
/// `{token}`, or (in the whole message's headers) the mailto carries one.
fn shows_token(p: &Project, part: Part) -> bool {
    let u = &p.config.unsubscribe;
    u.url.as_deref().is_some_and(|url| url.contains("{token}"))
        || (part == Part::Eml && u.mailto.is_some())
}

/// The person previewed: `to` as the subscriber list has them (name and
/// columns), or the bare address with a note when the list does not; the
/// sample subscriber without `to`.
fn recipient(p: &Project, to: Option<&str>, notes: &mut Vec<String>) -> Result<Subscriber> {
    let Some(addr) = to else {
        let s = SubscriberContext::sample();
        let mut sub = one_address(&s.email, "sample")?;
        sub.name = Some(s.name);
        return Ok(sub);
    };
    let bare = one_address(addr, "--to")?;
    let list = &p.config.subscribers;
    if !list.path.exists() {
        notes.push(format!(
            "there is no subscriber list ({}), so the preview has no name for {}",
            list.path.display(),
            bare.email
        ));
        return Ok(bare);
    }
    let found = Subscribers::from_settings(list)?.find_map(|row| match row {
        Row::Valid(s) if s.key == bare.key => Some(s),
        _ => None,
    });
    Ok(found.unwrap_or_else(|| {
        notes.push(format!(
            "{} is not in the subscriber list ({}), so the preview has no name for them",
            bare.email,
            list.path.display()
        ));
        bare
    }))
}
