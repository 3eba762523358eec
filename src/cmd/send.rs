//! `newsletter send`: the arguments become a [`SendRequest`], the
//! library's [`campaign::send`] does the work, and its report becomes text.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::output::{Terminal, invalid_rows, plural, rate};
use super::{emit, emit_always};
use crate::campaign::{
    self, DryRunReport, NothingDue, SendOutcome, SendReport, SendRequest, TestReport, TestResult,
};
use crate::cli::SendArgs;
use crate::error::Result;
use crate::project::Project;

/// Runs `send`.
pub fn run(p: &Project, args: &SendArgs) -> Result<u8> {
    let stop = Arc::new(AtomicBool::new(false));
    let req = SendRequest {
        issue: args.issue,
        force: args.force,
        to: &args.to,
        review: args.review,
        retry_failed: args.retry_failed,
        dry_run: args.dry_run,
        stop: &stop,
    };
    let mut terminal = Terminal::new(Arc::clone(&stop));
    if !args.dry_run && !req.rehearsal() {
        terminal.catch_signals();
    }
    match campaign::send(p, &req, &mut terminal)? {
        SendOutcome::NothingDue(why, refreshed) => {
            emit(&nothing_due(why, args.dry_run))?;
            // Said only when the pages changed (once, after the close).
            if let Some(r) = refreshed.filter(|r| r.archive.written > 0 || r.feed_changed) {
                let lead = if args.dry_run {
                    "a real send would republish the feed and archive now that the CFP has closed: "
                } else {
                    "the CFP has closed: "
                };
                emit(&format!("{lead}{}", r.summary(p)))?;
            }
        }
        SendOutcome::Test(report) => {
            // A refusal is an error: on standard error, even with --quiet.
            let (said, refused) = test(&report, args.review);
            emit(&said)?;
            eprint!("{refused}");
            return Ok(report.exit_code());
        }
        SendOutcome::DryRun(report) => emit(&dry_run(p, &report))?,
        SendOutcome::Sent(report) => {
            let code = report.exit_code();
            if code == 0 {
                emit(&sent(p, &report))?;
            } else {
                emit_always(&sent(p, &report))?;
            }
            return Ok(code);
        }
        SendOutcome::Interrupted => {
            emit("interrupted while connecting: nothing was sent; run `newsletter send` again\n")?;
            return Ok(130);
        }
    }
    Ok(0)
}

/// Why nothing goes out. A dry run says exactly what the same send would,
/// and how to rehearse an issue anyway.
fn nothing_due(why: NothingDue, dry_run: bool) -> String {
    let lead = if dry_run {
        "dry run: nothing was sent or written\n"
    } else {
        ""
    };
    let said = match why {
        NothingDue::CfpClosed => {
            "nothing to send: the CFP has closed (use --issue N to send an issue anyway)\n".into()
        }
        NothingDue::NotYet { first } => {
            let next = first
                .map(|i| {
                    format!(
                        "; issue {} goes out {}",
                        i.number,
                        i.send_at.format("%a %Y-%m-%d %H:%M %Z")
                    )
                })
                .unwrap_or_default();
            let rehearse = match first {
                Some(i) if dry_run => format!(
                    "note: `send --dry-run --issue {} --force` rehearses it now\n",
                    i.number
                ),
                _ => String::new(),
            };
            format!("nothing to send yet{next}\n{rehearse}")
        }
        NothingDue::EmptyPlan => String::new(),
        NothingDue::AllPublished => {
            "nothing to review: every issue of the plan has been published (use --issue N to review one anyway)\n".into()
        }
        NothingDue::NothingPublished => {
            "nothing to retry: no issue has been published yet\n".into()
        }
        NothingDue::NothingFailed(n) => format!(
            "nothing to retry: issue {n} has no failed deliveries (to addresses not suppressed); `newsletter status --issue {n}` shows them\n"
        ),
    };
    format!("{lead}{said}")
}

/// What a test or review send did: the accepted (or composed) messages,
/// and the refused ones.
fn test(r: &TestReport, review: bool) -> (String, String) {
    let what = if review {
        "review message"
    } else {
        "test message"
    };
    let (mut out, mut refused) = (String::new(), String::new());
    for d in &r.deliveries {
        match &d.result {
            TestResult::Composed => {
                out.push_str(&format!("dry run: would send a {what} to {}\n", d.email))
            }
            TestResult::Sent(reply) => out.push_str(&format!(
                "{what} sent to {} ({reply}); recorded nowhere\n",
                d.email
            )),
            TestResult::Refused(reply) => refused.push_str(&format!(
                "error: the {what} to {} was not accepted: {reply}\n",
                d.email
            )),
        }
    }
    (out, refused)
}

fn sent(p: &Project, r: &SendReport) -> String {
    let (s, c) = (&r.summary, &r.counts);
    let secs = r.elapsed.as_secs_f64();
    let mut out = format!(
        "issue {} \"{}\": sent {}, failed {}, pending {} (this run); suppressed {}, already done {}, invalid rows {}; {:.1} s, {}\nin the state: sent {}, failed {}, pending {}\n",
        r.issue,
        r.subject,
        s.sent,
        s.failed,
        s.pending,
        s.suppressed,
        s.already_done,
        s.invalid.len(),
        secs,
        rate(s.sent as f64 / secs.max(1e-9)),
        c.sent,
        c.failed,
        c.pending
    );
    out.push_str(&invalid_rows(&p.config.subscribers.path, &s.invalid, "  "));
    if s.sent + s.failed + s.pending == 0 && !s.interrupted {
        out.push_str("nothing to send: everyone has this issue already\n");
    }
    if s.interrupted {
        out.push_str("interrupted: in-flight messages finished and were recorded; run `newsletter send` again to continue\n");
    }
    out.push_str(&failures(r));
    if !r.connected {
        out.push_str("(no connection was opened)\n");
    }
    match &r.feed {
        Ok(report) => out.push_str(&report.summary(p)),
        Err(e) => out.push_str(&format!(
            "{}\nnote: the feed and archive were not updated; fix the cause and run `newsletter feed`\n",
            crate::report(e)
        )),
    }
    out
}

fn dry_run(p: &Project, r: &DryRunReport) -> String {
    let mut out = format!(
        "dry run: nothing was sent or written\nissue {} \"{}\" ({}), {}\ntransport: {}\nrecipients: {} (first: {}); skipped: {} already sent or failed, {} suppressed, {} invalid rows\ncomposed {} messages, {} KiB in all\n",
        r.issue.number,
        r.subject,
        r.issue.kind.as_str(),
        r.issue.send_at.format("%a %Y-%m-%d %H:%M %Z"),
        r.target,
        r.recipients,
        if r.first.is_empty() {
            "none".to_string()
        } else {
            r.first.join(", ")
        },
        r.already_done,
        r.suppressed,
        r.invalid.len(),
        r.recipients,
        r.bytes / 1024
    );
    out.push_str(&invalid_rows(
        &p.config.subscribers.path,
        &r.invalid,
        "warning: ",
    ));
    for w in &r.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out.push_str(&format!(
        "feed: would write {} ({} item{}) and the archive in {}/ ({} issue page{} and the index)\n",
        p.config.feed.path.display(),
        r.feed_items,
        plural(r.feed_items),
        p.config.feed.archive_dir.display(),
        r.archive_issues,
        plural(r.archive_issues),
    ));
    out
}

/// The first failed recipients of a run with the server's replies, and
/// where to see them all.
fn failures(r: &SendReport) -> String {
    let (s, n) = (&r.summary, r.issue);
    if r.failures.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for row in &r.failures {
        out.push_str(&format!(
            "  {} {}: {}\n",
            row.status,
            row.email,
            row.reply.as_deref().unwrap_or("(no reply)")
        ));
    }
    let total = s.failed + s.pending;
    if total > r.failures.len() as u64 {
        out.push_str(&format!(
            "  ... and {} more\n",
            total - r.failures.len() as u64
        ));
    }
    out.push_str(&format!(
        "`newsletter status --issue {n}` lists every failed and pending delivery with its reply"
    ));
    if s.failed > 0 {
        out.push_str(&format!(
            "; once the cause is fixed, `newsletter send --retry-failed --issue {n}` sends to the failed ones again"
        ));
    }
    out.push('\n');
    out
}
