//! `newsletter status` and `newsletter unsubscribe`: reading and editing
//! the state outside a send.

use serde_json::json;

use super::emit;
use crate::cli::UnsubscribeArgs;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::project::Project;
use crate::state::{Reason, State};
use crate::suppress::{self, Change, Given};

/// Per published issue: send time, sent, failed, pending; suppressed.
pub fn status(config: &Config, json: bool, issue: Option<u32>) -> Result<u8> {
    let Some(state) = State::open_existing(&config.state.path)? else {
        emit(if json {
            "{\"issues\": [], \"suppressed\": 0, \"suppressed_by_reason\": {\"bounced\": 0, \"complained\": 0, \"manual\": 0, \"unsubscribed\": 0}, \"last_run\": null}\n"
        } else {
            "nothing published yet (no state database)\n"
        })?;
        return Ok(0);
    };
    let issues = state.frozen_issues()?;
    if let Some(n) = issue {
        let f = issues.iter().find(|f| f.number == n).ok_or_else(|| {
            Error::input(format!(
                "issue {n} has not been published; `newsletter status` lists the published ones"
            ))
        })?;
        let c = state.counts(n)?;
        let mut out = format!(
            "issue {n} \"{}\", published {}\nsent {}, failed {}, pending {}\n",
            f.subject, f.published_at, c.sent, c.failed, c.pending
        );
        for row in state.failures(n)? {
            out.push_str(&format!(
                "{} {} after {} attempt(s): {}\n",
                row.status,
                row.email,
                row.attempts,
                row.reply.unwrap_or_default()
            ));
        }
        emit(&out)?;
        return Ok(0);
    }
    let mut rows = Vec::new();
    for f in &issues {
        let c = state.counts(f.number)?;
        rows.push((f, c));
    }
    let suppressed = state.suppressed_count()?;
    let subs = state.subscription_counts()?;
    let from_list = crate::subscribers::Scan::read(&config.subscribers).map_or(0, |s| s.valid);
    let reasons = state.suppressed_by_reason()?;
    if json {
        let list: Vec<_> = rows
            .iter()
            .map(|(f, c)| json!({"number": f.number, "subject": f.subject, "published_at": f.published_at, "sent": c.sent, "failed": c.failed, "pending": c.pending}))
            .collect();
        let last_run = state.last_run()?.map(|r| {
            json!({"at": r.at, "issue": r.issue, "outcome": r.outcome, "sent": r.sent, "failed": r.failed, "pending": r.pending})
        });
        emit(&format!(
            "{:#}\n",
            json!({
                "issues": list,
                "suppressed": suppressed,
                // By name, as in the answer without a state database.
                "suppressed_by_reason": Reason::ALL
                    .iter()
                    .map(|&r| (r.as_str(), reasons.get(r)))
                    .collect::<std::collections::BTreeMap<_, _>>(),
                "subscribers": {
                    "from_list": from_list,
                    "confirmed": subs.confirmed,
                    "pending": subs.pending,
                },
                "last_run": last_run,
            })
        ))?;
    } else {
        let mut out = String::new();
        for (f, c) in &rows {
            out.push_str(&format!(
                "#{:<3} {}  sent {:>6}  failed {:>5}  pending {:>5}  {}\n",
                f.number, f.published_at, c.sent, c.failed, c.pending, f.subject
            ));
        }
        out.push_str(&format!("suppressed addresses: {suppressed}"));
        if suppressed > 0 {
            let parts: Vec<String> = Reason::ALL
                .iter()
                .filter(|&&r| reasons.get(r) > 0)
                .map(|&r| format!("{r} {}", reasons.get(r)))
                .collect();
            out.push_str(&format!(" ({})", parts.join(", ")));
        }
        out.push('\n');
        out.push_str(&format!(
            "subscribers: {from_list} from the list, {} confirmed through the server, {} pending\n",
            subs.confirmed, subs.pending
        ));
        emit(&out)?;
    }
    Ok(0)
}

/// Records (or with `--undo` removes) suppressions.
pub fn unsubscribe(p: &Project, args: &UnsubscribeArgs) -> Result<u8> {
    let (config, now) = (&p.config, p.now);
    let mut given: Vec<Given> = args.emails.iter().map(Given::direct).collect();
    if let Some(path) = &args.file {
        let listed = suppress::read_list(path)
            .map_err(|e| e.with_help("--file takes a text file with one address per line"))?;
        given.extend(listed);
    }
    for token in &args.token {
        given.push(suppress::from_token(p, token)?);
    }
    let change = if args.undo {
        Change::Undo
    } else {
        Change::Suppress
    };
    let report = suppress::record(config, &given, change, now)?;
    let n = report.changed;
    emit(&format!(
        "{} {n} address{} ({} given)\n",
        match change {
            Change::Undo => "re-subscribed",
            Change::Suppress => "suppressed",
        },
        if n == 1 { "" } else { "es" },
        report.given
    ))?;
    Ok(0)
}
