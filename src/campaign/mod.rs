//! A send, as one operation: pick the issue, check everything that can be
//! checked before anything is written (templates, the unsubscribe secret,
//! the subscriber list, the transport's settings), take the send lock,
//! check the server, freeze the issue, publish the feed and archive, and
//! deliver. Also the rehearsals: the dry run, the test send to a few
//! addresses ([`SendRequest::to`]) and the review send to
//! `delivery.reviewers` ([`SendRequest::review`]); and the retry of an
//! issue's failed deliveries ([`SendRequest::retry_failed`]).
//!
//! A send with nobody left to send to opens no connection. Every real send
//! that reaches delivery is recorded as a run (`status --json`).
//!
//! [`send`] returns what happened as data ([`SendOutcome`]); the front
//! door turns it into text. What happens during the run (the start of
//! delivery, progress) goes to an [`Observer`].

mod dry_run;
mod pick;
mod secrets;
mod test_send;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::archive;
use crate::audience::Audience;
use crate::compose::{Composer, Messages};
use crate::config::TransportKind;
use crate::deliver::{self, Checked, Recipients, Summary, transport_from_config};
use crate::error::{Error, Result};
use crate::project::Project;
use crate::publish::{self, IssueAsSent, PublishReport};
use crate::render::{Renderer, SubscriberContext};
use crate::schedule::PlannedIssue;
use crate::state::{Counts, DeliveryRow, Run, SendLock, State};
use crate::subscribers::{KeySet, Row, Subscriber, Subscribers};
use crate::token::Tokens;
use chrono::{DateTime, SecondsFormat, Utc};

pub use dry_run::DryRunReport;
pub use pick::NothingDue;
pub use secrets::missing_secrets;
pub use test_send::{TestDelivery, TestReport, TestResult};

/// What to send, and how.
#[derive(Debug, Clone, Copy)]
pub struct SendRequest<'a> {
    /// This issue instead of the one due now.
    pub issue: Option<u32>,
    /// With `issue`: send it even though its time has not come.
    pub force: bool,
    /// A test send to these addresses (subject prefixed with `[TEST]`),
    /// recorded nowhere.
    pub to: &'a [String],
    /// A review: the issue (by default the next one not yet published)
    /// to each of `delivery.reviewers`, subject prefixed with `[review]`,
    /// recorded nowhere.
    pub review: bool,
    /// Send again to the recipients of a published issue recorded as
    /// failed (not to suppressed addresses), with the same Message-IDs.
    pub retry_failed: bool,
    /// Compose every message, but connect to nothing and write nothing.
    pub dry_run: bool,
    /// Set (by a signal handler) to stop: in-flight messages finish and
    /// are recorded.
    pub stop: &'a AtomicBool,
}

impl SendRequest<'_> {
    /// A test or review send: to a few addresses, recorded nowhere.
    pub fn rehearsal(&self) -> bool {
        !self.to.is_empty() || self.review
    }
}

/// What a send did.
pub enum SendOutcome<'a> {
    /// Nothing was due (for a dry run too: what the same send would do).
    /// After the close, the feed and archive as republished (so the index
    /// says the CFP has closed; nothing changes after the first time), or
    /// for a dry run, what republishing would write.
    NothingDue(NothingDue<'a>, Option<PublishReport>),
    /// A test or review send (or its dry run).
    Test(TestReport),
    /// A dry run.
    DryRun(DryRunReport<'a>),
    /// A real send.
    Sent(SendReport),
    /// A real send stopped by `stop` (a signal) while connecting, before
    /// anything was frozen, published or sent.
    Interrupted,
}

/// The start of delivery.
pub struct Start<'a> {
    /// The issue number.
    pub issue: u32,
    /// The subject as sent.
    pub subject: &'a str,
    /// The transport and its target.
    pub target: String,
    /// How many messages this run will send, counted only when
    /// [`Env::stderr_is_terminal`](crate::project::Env::stderr_is_terminal)
    /// (a progress bar needs it; counting costs one more pass over the
    /// list).
    pub total: Option<u64>,
}

/// Watches a send as it runs.
pub trait Observer {
    /// Delivery starts.
    fn started(&mut self, start: &Start<'_>);
    /// Delivery went on: the counts so far.
    fn progress(&mut self, summary: &Summary);
    /// Delivery ended, with the final counts unless it failed.
    fn finished(&mut self, last: Option<&Summary>);
}

/// What a real send did.
pub struct SendReport {
    /// The issue number.
    pub issue: u32,
    /// The subject as sent.
    pub subject: String,
    /// This run's counts, with the skipped and invalid rows.
    pub summary: Summary,
    /// The issue's counts in the state after the run.
    pub counts: Counts,
    /// How long delivery took.
    pub elapsed: Duration,
    /// The feed and archive, or why they were not updated (the email went
    /// out anyway).
    pub feed: Result<PublishReport>,
    /// The first [`FAILURES_SHOWN`] recipients this run could not deliver
    /// to (failed, then pending), with the server's reply.
    pub failures: Vec<DeliveryRow>,
    /// Whether the server was contacted (not when nobody was left).
    pub connected: bool,
}

/// How many failed recipients a send's report names.
pub const FAILURES_SHOWN: usize = 10;

impl SendReport {
    /// The process exit code: delivery's (`deliver::exit_code`), at
    /// least 1 when the feed failed.
    pub fn exit_code(&self) -> u8 {
        let code = deliver::exit_code(&self.summary);
        if self.feed.is_err() {
            code.max(1)
        } else {
            code
        }
    }
}

/// Runs a send as `req` asks.
pub fn send<'a>(
    p: &'a Project,
    req: &SendRequest,
    observer: &mut dyn Observer,
) -> Result<SendOutcome<'a>> {
    let issue = match pick::pick(p, req)? {
        pick::Picked::Issue(issue) => issue,
        pick::Picked::Nothing(why) => {
            let refreshed = match why {
                NothingDue::CfpClosed => refresh_after_close(p, req.dry_run)?,
                _ => None,
            };
            return Ok(SendOutcome::NothingDue(why, refreshed));
        }
    };
    let renderer = Renderer::load(&p.config.templates.dir)?;
    let existing = State::open_existing(&p.config.state.path)?;
    if req.retry_failed
        && let Some(state) = &existing
        && state.retryable_count(issue.number)? == 0
    {
        return Ok(SendOutcome::NothingDue(
            NothingDue::NothingFailed(issue.number),
            None,
        ));
    }
    let sent = publish::issue_as_sent(p, issue, &renderer, existing.as_ref())?;
    // Surface template problems before anything is sent.
    let base = Renderer::context(&sent.context, None)?;
    renderer.email_parts(&base, &SubscriberContext::sample())?;
    let composer = p.composer()?;
    if !req.dry_run && missing_secret(&composer) {
        return Err(Error::input(format!(
            "{} but the environment variable {} is empty; export the unsubscribe secret before sending (nothing was sent)",
            composer.secret_needed_by(),
            p.config.unsubscribe.secret_env
        )));
    }
    let messages = Messages::new(
        &renderer,
        &sent.context,
        &composer,
        if req.review {
            format!("[review] {}", sent.subject)
        } else if !req.to.is_empty() {
            format!("[TEST] {}", sent.subject)
        } else {
            sent.subject.clone()
        },
        p.now,
    )?;
    let compose = |sub: &Subscriber| messages.message(sub);
    if req.rehearsal() {
        let to: &[String] = if req.review { reviewers(p)? } else { req.to };
        return test_send::run(p, to, &compose, req.dry_run).map(SendOutcome::Test);
    }
    p.config.base_url()?;
    if req.dry_run {
        let run = dry_run::Input {
            subject: sent.subject,
            composer: &composer,
            state: existing.as_ref(),
            renderer: &renderer,
        };
        return dry_run::run(p, issue, run, &compose).map(SendOutcome::DryRun);
    }
    let ready = Ready {
        issue,
        renderer: &renderer,
        sent,
        existing,
    };
    deliver_issue(p, req, ready, &compose, observer)
}

/// An issue about to be sent for real: checked, not yet frozen.
struct Ready<'a> {
    issue: &'a PlannedIssue,
    renderer: &'a Renderer,
    sent: IssueAsSent,
    /// The state as it was before the run, if there was one.
    existing: Option<State>,
}

/// The real send, after the checks every send makes.
fn deliver_issue(
    p: &Project,
    req: &SendRequest,
    ready: Ready,
    compose: &deliver::ComposeFn,
    observer: &mut dyn Observer,
) -> Result<SendOutcome<'static>> {
    let Ready {
        issue,
        renderer,
        sent,
        existing,
    } = ready;
    // A subscriber list that cannot be read and a transport that cannot be
    // set up (insecure SMTP, no password) are bad input: found before the
    // lock, the state or the outbox are touched.
    let rows = Subscribers::from_settings(&p.config.subscribers)?;
    let transport = transport_from_config(&p.config, secrets::smtp_password(p)?)?;
    // The feed and archive templates too (published after the freeze).
    publish::render(p, renderer, existing.as_ref())?;
    // Nobody left to send to: no connection at all. Only an issue sent
    // before can have nobody left (an hourly cron run after everyone got
    // it), so only then is the list read once more to find out.
    let anyone = match (&existing, req.retry_failed) {
        (_, true) => true, // checked in `send`: there are failed ones
        (Some(state), false) if sent.frozen => anyone_left(p, state, issue.number)?,
        _ => true,
    };
    drop(existing);
    let _lock = SendLock::acquire(&p.config.state.path, std::process::id())?;
    // A server that cannot be reached or refuses us stops the run before
    // the issue is frozen or published; so does a signal until then.
    if anyone {
        let checked = transport.check(req.stop)?;
        if checked == Checked::Interrupted || req.stop.load(Ordering::SeqCst) {
            return Ok(SendOutcome::Interrupted);
        }
    }
    let mut state = State::open(&p.config.state.path)?;
    // A retry sends only to those put back to pending here.
    let only: Option<KeySet> = if req.retry_failed {
        Some(state.reopen_failed(issue.number)?.into_iter().collect())
    } else {
        None
    };
    if !sent.frozen {
        state.freeze(&publish::frozen_record(
            issue,
            &sent.context,
            &sent.subject,
            p.now,
        )?)?;
    }
    // The feed and archive go out with the issue. A failure here must not
    // hold the email back: it is reported after the run (exit 1).
    let feed = publish::publish(p, renderer, &state);
    // The CSV plus the subscribers confirmed through `serve`; the token ids
    // of everyone about to get a link are stored first, so the server can
    // resolve them.
    if let Some(tokens) = p
        .env
        .unsubscribe_secret
        .as_deref()
        .and_then(|s| Tokens::new(s.as_bytes()))
    {
        crate::audience::remember(&mut state, &p.config.subscribers, &tokens)?;
    }
    let rows =
        Audience::new(rows, state.confirmed_subscribers()?).filter(move |row| match (&only, row) {
            (None, _) => true,
            (Some(keys), Row::Valid(s)) => keys.contains(&s.key),
            (Some(_), Row::Invalid(_)) => false,
        });
    let done: KeySet = state.done_keys(issue.number)?;
    let suppressed: KeySet = state.suppressed_keys()?;
    // A progress bar shows an ETA, which needs the total: one quick extra
    // pass over the list (parsing and de-duplication, no rendering).
    let total = if p.env.stderr_is_terminal && !req.retry_failed {
        let rows = Audience::open(&p.config.subscribers, Some(&state))?;
        Some(Recipients::new(rows, done.clone(), suppressed.clone()).count() as u64)
    } else {
        None
    };
    let recipients = Mutex::new(Recipients::new(rows, done, suppressed));
    observer.started(&Start {
        issue: issue.number,
        subject: &sent.subject,
        target: target(p, transport.as_ref()),
        total,
    });
    let plan = deliver::Job {
        issue: issue.number,
        concurrency: p.config.delivery.concurrency,
        max_attempts: p.config.delivery.max_attempts,
        rate_per_second: p.config.delivery.rate_per_second,
        retry_delay: Duration::from_millis(p.config.delivery.retry_delay_ms),
        compose,
        now: p.now,
    };
    let started = Instant::now();
    let run = deliver::run(
        &plan,
        &mut state,
        transport.as_ref(),
        &recipients,
        req.stop,
        |s| observer.progress(s),
    );
    observer.finished(run.as_ref().ok());
    let mut summary = run?;
    let skipped = recipients
        .into_inner()
        .map(|r| r.summary)
        .unwrap_or_default();
    summary.suppressed = skipped.suppressed;
    summary.already_done = skipped.already_done;
    summary.invalid = skipped.invalid;
    state.record_run(p.now, &run_record(issue.number, &summary))?;
    Ok(SendOutcome::Sent(SendReport {
        issue: issue.number,
        subject: sent.subject,
        counts: state.counts(issue.number)?,
        elapsed: started.elapsed(),
        failures: this_runs_failures(&state, issue.number, p.now)?,
        connected: anyone,
        summary,
        feed,
    }))
}

/// Whether anyone in the list is still to get `issue`: not sent or failed
/// before, not suppressed. One pass over the list (parsing only).
fn anyone_left(p: &Project, state: &State, issue: u32) -> Result<bool> {
    let done: KeySet = state.done_keys(issue)?;
    let suppressed: KeySet = state.suppressed_keys()?;
    let rows = Audience::open(&p.config.subscribers, Some(state))?;
    Ok(Recipients::new(rows, done, suppressed).next().is_some())
}

/// The run as recorded for monitoring.
fn run_record(issue: u32, s: &Summary) -> Run {
    let outcome = match deliver::exit_code(s) {
        0 => "ok",
        130 => "interrupted",
        _ => "failed",
    };
    Run {
        at: String::new(),
        issue,
        outcome: outcome.into(),
        sent: s.sent,
        failed: s.failed,
        pending: s.pending,
    }
}

/// The first [`FAILURES_SHOWN`] deliveries of `issue` that this run (its
/// records are dated `now`) left failed or pending.
fn this_runs_failures(state: &State, issue: u32, now: DateTime<Utc>) -> Result<Vec<DeliveryRow>> {
    let stamp = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    Ok(state
        .failures(issue)?
        .into_iter()
        .filter(|row| row.updated_at == stamp)
        .take(FAILURES_SHOWN)
        .collect())
}

/// `delivery.reviewers`, required by `--review`.
fn reviewers(p: &Project) -> Result<&[String]> {
    if p.config.delivery.reviewers.is_empty() {
        return Err(Error::input(
            "--review sends to delivery.reviewers, which is empty; add for example reviewers = [\"chair@example.org\"] under [delivery] in the config",
        )
        .in_file(&p.config.path));
    }
    Ok(&p.config.delivery.reviewers)
}

/// After the close, a send that sends nothing republishes the feed and
/// archive, when the tool has written an archive before, so the index no
/// longer counts down: the pages change the first time only. A dry run
/// reports what that would write, and writes nothing.
fn refresh_after_close(p: &Project, dry_run: bool) -> Result<Option<PublishReport>> {
    let written_before = p.config.feed.archive_dir.join(archive::MANIFEST).is_file();
    if !written_before || p.config.newsletter.base_url.is_none() {
        return Ok(None);
    }
    if dry_run {
        let renderer = Renderer::load(&p.config.templates.dir)?;
        let state = State::open_existing(&p.config.state.path)?;
        return publish::would_publish(p, &renderer, state.as_ref()).map(Some);
    }
    publish::run(p).map(Some)
}

/// Where messages go, for people: `smtp host:port (security)`, or `the
/// outbox folder outbox/ (one .eml file per message)`.
fn target(p: &Project, transport: &dyn deliver::Transport) -> String {
    match p.config.delivery.transport {
        TransportKind::Outbox => format!(
            "the outbox folder {}/ (one .eml file per message)",
            p.config.delivery.outbox_dir.display()
        ),
        TransportKind::Smtp => transport.describe(),
    }
}

/// Whether a real send would be refused for want of the unsubscribe secret.
fn missing_secret(composer: &Composer) -> bool {
    composer.needs_secret() && !composer.has_secret()
}

#[cfg(test)]
mod tests;
