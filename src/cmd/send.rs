//! `newsletter send`: publish the due issue and deliver it.
//!
//! The issue is the latest whose send time has passed (or `--issue N`).
//! Older issues are never sent to people who join later: they get the
//! current one. After `cfp.closes` nothing is sent without `--issue`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::{Project, emit, issue};
use crate::audience::Audience;
use crate::cli::SendArgs;
use crate::compose::Composer;
use crate::deliver::{self, Recipients, transport};
use crate::error::{Error, Result};
use crate::render::{Renderer, SubscriberContext};
use crate::schedule::PlannedIssue;
use crate::state::{SendLock, State};
use crate::subscribers::{KeySet, Subscriber, Subscribers};

/// Runs `send`.
pub fn run(p: &Project, args: &SendArgs) -> Result<u8> {
    let Some(issue) = pick(p, args)? else {
        return Ok(0);
    };
    let renderer = Renderer::load(&p.config.templates.dir)?;
    let existing = State::open_existing(&p.config.state.path)?;
    let (context, subject, frozen) = issue::context(p, issue, &renderer, existing.as_ref())?;
    // Surface template problems before anything is sent.
    let base = Renderer::context(&context, None)?;
    renderer.email_parts(&base, &SubscriberContext::sample())?;
    let composer = Composer::new(
        &p.config,
        std::env::var(&p.config.unsubscribe.secret_env).ok(),
    )?;
    if !args.dry_run && composer.needs_secret() && !composer.has_secret() {
        return Err(Error::input(format!(
            "unsubscribe.url is an https one-click link but the environment variable {} is empty; export the unsubscribe secret before sending (nothing was sent)",
            p.config.unsubscribe.secret_env
        )));
    }
    let password = p
        .config
        .smtp
        .username
        .as_ref()
        .and_then(|_| std::env::var(&p.config.smtp.password_env).ok());
    let messages = crate::compose::Messages {
        renderer: &renderer,
        base,
        composer: &composer,
        number: context.issue.number,
        subject: if args.to.is_some() {
            format!("[TEST] {subject}")
        } else {
            subject.clone()
        },
        now: p.now,
    };
    let compose = |sub: &Subscriber| messages.message(sub);
    if let Some(to) = &args.to {
        return test_send(p, to, &compose, password, args.dry_run);
    }
    p.config.base_url()?;
    if args.dry_run {
        let site = super::feed::render(p, &renderer, existing.as_ref())?;
        // Missing secrets are the environment's, not the files': a dry run
        // warns about them (exit 0) so it can run anywhere.
        let mut warnings = Vec::new();
        let smtp = p.config.delivery.transport == crate::config::Transport::Smtp;
        let password = if smtp && p.config.smtp.username.is_some() && password.is_none() {
            warnings.push(format!(
                "a real send would be refused: smtp.username is set and the environment variable {} (smtp.password_env) is empty",
                p.config.smtp.password_env
            ));
            Some(String::new())
        } else {
            password
        };
        // Built, never connected: its settings are checked as in a real send.
        let target = transport::from_config(&p.config, password)?.describe();
        if composer.needs_secret() && !composer.has_secret() {
            warnings.push(format!(
                "a real send would be refused: unsubscribe.url is an https one-click link and the environment variable {} is empty",
                p.config.unsubscribe.secret_env
            ));
        }
        let run = DryRun {
            issue,
            subject: &subject,
            target,
            site: &site,
            warnings,
        };
        return dry_run(p, &run, existing.as_ref(), &compose);
    }
    // A subscriber list that cannot be read and a transport that cannot be
    // set up (insecure SMTP, no password) are bad input: found before the
    // lock, the state or the outbox are touched.
    let rows = Subscribers::open(&p.config.subscribers.path)?;
    let transport = transport::from_config(&p.config, password)?;
    // The feed and archive templates too (published after the freeze).
    super::feed::render(p, &renderer, existing.as_ref())?;
    drop(existing);
    let _lock = SendLock::acquire(&p.config.state.path, std::process::id())?;
    // A server that cannot be reached or refuses us stops the run before
    // the issue is frozen or published.
    transport.check()?;
    let mut state = State::open(&p.config.state.path)?;
    if !frozen {
        state.freeze(&issue::frozen_record(issue, &context, &subject, p.now)?)?;
    }
    // The feed and archive go out with the issue. A failure here must not
    // hold the email back: it is reported after the run (exit 1).
    let feed = super::feed::publish(p, &renderer, &state);
    // The CSV plus confirmed subscribers; their token ids stored first.
    if let Some(tokens) = composer.tokens() {
        crate::audience::remember(&mut state, &p.config.subscribers.path, tokens)?;
    }
    let rows = Audience::new(rows, state.confirmed_subscribers()?);
    let done: KeySet = state.done_keys(issue.number)?;
    let suppressed: KeySet = state.suppressed_keys()?;
    // On a terminal the bar shows an ETA, which needs the total: one quick
    // extra pass over the list (parsing and de-duplication, no rendering).
    let total = if std::io::stderr().is_terminal() {
        let rows = Audience::open(&p.config.subscribers.path, Some(&state))?;
        Some(Recipients::new(rows, done.clone(), suppressed.clone()).count() as u64)
    } else {
        None
    };
    let recipients = Mutex::new(Recipients::new(rows, done, suppressed));
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register(sig, Arc::clone(&stop));
    }
    eprintln!(
        "sending issue {} \"{}\" via {}",
        issue.number,
        subject,
        transport.describe()
    );
    let plan = deliver::Plan {
        issue: issue.number,
        concurrency: p.config.delivery.concurrency,
        max_attempts: p.config.delivery.max_attempts,
        rate_per_second: p.config.delivery.rate_per_second,
        retry_delay: Duration::from_millis(p.config.delivery.retry_delay_ms),
        compose: &compose,
        now: p.now,
    };
    let started = Instant::now();
    let mut progress = Progress::new(total);
    let run = deliver::run(
        &plan,
        &mut state,
        transport.as_ref(),
        &recipients,
        &stop,
        |s| progress.tick(s),
    );
    progress.finish(run.as_ref().ok());
    let mut summary = run?;
    let skipped = recipients
        .into_inner()
        .map(|r| r.summary)
        .unwrap_or_default();
    summary.suppressed = skipped.suppressed;
    summary.already_done = skipped.already_done;
    summary.invalid = skipped.invalid;
    let counts = state.counts(issue.number)?;
    let secs = started.elapsed().as_secs_f64();
    let mut out = format!(
        "issue {} \"{}\": sent {}, failed {}, pending {} (this run); suppressed {}, already done {}, invalid rows {}; {:.1} s, {:.0} messages/s\nin the state: sent {}, failed {}, pending {}\n",
        issue.number,
        subject,
        summary.sent,
        summary.failed,
        summary.pending,
        summary.suppressed,
        summary.already_done,
        summary.invalid.len(),
        secs,
        summary.sent as f64 / secs.max(1e-9),
        counts.sent,
        counts.failed,
        counts.pending
    );
    for bad in summary.invalid.iter().take(5) {
        out.push_str(&format!(
            "  {}:{}: {}\n",
            p.config.subscribers.path.display(),
            bad.line,
            bad.reason
        ));
    }
    if summary.invalid.len() > 5 {
        out.push_str(&format!(
            "  ... and {} more invalid rows (`newsletter check` lists them all)\n",
            summary.invalid.len() - 5
        ));
    }
    if summary.sent + summary.failed + summary.pending == 0 && !summary.interrupted {
        out.push_str("nothing to send: everyone has this issue already\n");
    }
    if summary.interrupted {
        out.push_str("interrupted: in-flight messages finished and were recorded; run `newsletter send` again to continue\n");
    }
    let mut code = deliver::exit_code(&summary);
    match feed {
        Ok(report) => out.push_str(&report.summary(p)),
        Err(e) => {
            out.push_str(&format!(
                "{}\nnote: the feed and archive were not updated; fix the cause and run `newsletter feed`\n",
                crate::report(&e)
            ));
            code = code.max(1);
        }
    }
    emit(&out)?;
    Ok(code)
}

/// The issue to send, or None (with a message) when nothing is due.
fn pick<'a>(p: &'a Project, args: &SendArgs) -> Result<Option<&'a PlannedIssue>> {
    if let Some(n) = args.issue {
        let issue = p.plan.issue(n)?;
        if issue.send_at > p.now && !args.force && args.to.is_none() {
            return Err(Error::input(format!(
                "issue {n} goes out {}; its time has not come (use --force to send it now)",
                issue.send_at.format("%a %Y-%m-%d %H:%M %Z")
            )));
        }
        return Ok(Some(issue));
    }
    let due = p.plan.issues.iter().rev().find(|i| i.send_at <= p.now);
    match due {
        Some(i) if p.now < p.config.cfp.closes_at() || args.to.is_some() => Ok(Some(i)),
        Some(i) if args.dry_run => {
            emit(
                "note: the CFP has closed, so a real send would send nothing; showing the final issue\n",
            )?;
            Ok(Some(i))
        }
        Some(_) => {
            emit("nothing to send: the CFP has closed (use --issue N to send an issue anyway)\n")?;
            Ok(None)
        }
        None if args.to.is_some() || args.dry_run => Ok(p.plan.issues.first()),
        None => {
            let next = p
                .plan
                .issues
                .first()
                .map(|i| {
                    format!(
                        "; issue 1 goes out {}",
                        i.send_at.format("%a %Y-%m-%d %H:%M %Z")
                    )
                })
                .unwrap_or_default();
            emit(&format!("nothing to send yet{next}\n"))?;
            Ok(None)
        }
    }
}

type Compose<'a> = dyn Fn(&Subscriber) -> Result<(lettre::Message, String)> + Sync + 'a;

fn test_send(
    p: &Project,
    to: &str,
    compose: &Compose,
    password: Option<String>,
    dry_run: bool,
) -> Result<u8> {
    let sub = crate::compose::one_address(to, "--to")?;
    let (msg, id) = compose(&sub)?;
    if dry_run {
        emit(&format!(
            "dry run: would send a test message to {}\n",
            sub.email
        ))?;
        return Ok(0);
    }
    let t = transport::from_config(&p.config, password)?;
    t.check()?;
    match t.send(&msg, &id) {
        deliver::Attempt::Sent(r) => {
            emit(&format!(
                "test message sent to {} ({r}); recorded nowhere\n",
                sub.email
            ))?;
            Ok(0)
        }
        deliver::Attempt::Permanent(r) | deliver::Attempt::Transient(r) => Err(Error::failed(
            format!("the test message to {} was not accepted: {r}", sub.email),
        )),
    }
}

/// What a dry run reports besides the recipients.
struct DryRun<'a> {
    issue: &'a PlannedIssue,
    subject: &'a str,
    /// The transport and its target.
    target: String,
    /// The feed and archive as they would be written.
    site: &'a super::feed::Rendered,
    /// What would stop or trouble a real send.
    warnings: Vec<String>,
}

fn dry_run(p: &Project, run: &DryRun, state: Option<&State>, compose: &Compose) -> Result<u8> {
    let (issue, subject, site) = (run.issue, run.subject, run.site);
    let (done, suppressed) = match state {
        Some(s) => (s.done_keys(issue.number)?, s.suppressed_keys()?),
        None => (KeySet::default(), KeySet::default()),
    };
    let mut recipients = Recipients::new(
        Audience::open(&p.config.subscribers.path, state)?,
        done,
        suppressed,
    );
    let mut count = 0u64;
    let mut first = Vec::new();
    let mut bytes = 0usize;
    for sub in recipients.by_ref() {
        let (msg, _) = compose(&sub)?;
        bytes += msg.formatted().len();
        if first.len() < 3 {
            first.push(sub.email.clone());
        }
        count += 1;
    }
    let s = &recipients.summary;
    let mut out = format!(
        "dry run: nothing was sent or written\nissue {} \"{}\" ({}), {}\ntransport: {}\nrecipients: {count} (first: {}); skipped: {} already sent or failed, {} suppressed, {} invalid rows\ncomposed {count} messages, {} KiB in all\n",
        issue.number,
        subject,
        issue.kind.as_str(),
        issue.send_at.format("%a %Y-%m-%d %H:%M %Z"),
        run.target,
        if first.is_empty() {
            "none".to_string()
        } else {
            first.join(", ")
        },
        s.already_done,
        s.suppressed,
        s.invalid.len(),
        bytes / 1024
    );
    for bad in s.invalid.iter().take(5) {
        out.push_str(&format!(
            "warning: {}:{}: {}\n",
            p.config.subscribers.path.display(),
            bad.line,
            bad.reason
        ));
    }
    if s.invalid.len() > 5 {
        out.push_str(&format!(
            "warning: ... and {} more invalid rows (`newsletter check` lists them all)\n",
            s.invalid.len() - 5
        ));
    }
    for w in &run.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push_str(&format!(
        "feed: would write {} ({} item{}) and the archive {} ({} issue page{})\n",
        p.config.feed.path.display(),
        site.items,
        if site.items == 1 { "" } else { "s" },
        p.config.feed.archive_dir.display(),
        site.published.len(),
        if site.published.len() == 1 { "" } else { "s" },
    ));
    emit(&out)?;
    Ok(0)
}

/// A progress bar on a terminal (count, rate, ETA), else a log line every
/// few seconds (cron mail stays short).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    last: Instant,
}

impl Progress {
    /// `total` is known when standard error is a terminal.
    fn new(total: Option<u64>) -> Self {
        let bar = total.map(|n| {
            let b = indicatif::ProgressBar::new(n);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} messages, {per_sec}, ETA {eta} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        Progress {
            bar,
            started: Instant::now(),
            last: Instant::now(),
        }
    }

    fn tick(&mut self, s: &deliver::Summary) {
        let done = s.sent + s.failed + s.pending;
        match &self.bar {
            Some(b) => {
                b.set_position(done);
                b.set_message(format!("(failed {}, pending {})", s.failed, s.pending));
            }
            None if self.last.elapsed() >= Duration::from_secs(5) => {
                let rate = done as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
                eprintln!(
                    "progress: {done} done (sent {}, failed {}, pending {}), {rate:.0} messages/s",
                    s.sent, s.failed, s.pending
                );
                self.last = Instant::now();
            }
            None => {}
        }
    }

    /// Draws the bar's final state and leaves it on the screen (a short
    /// run may end before the first redraw).
    fn finish(&mut self, last: Option<&deliver::Summary>) {
        if let Some(s) = last {
            self.tick(s);
        }
        if let Some(b) = &self.bar {
            b.finish();
        }
    }
}
