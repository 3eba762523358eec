//! `newsletter bounces`: read returned mail and print what was recorded.

use std::path::Path;

use super::emit;
use crate::bounces::{self, Request, Summary};
use crate::cli::BouncesArgs;
use crate::clock::{self, NowArg};
use crate::config::Config;
use crate::error::Result;
use crate::project::Env;

/// Reads the mailboxes and prints the counts.
pub fn run(config_path: &Path, now: Option<NowArg>, args: &BouncesArgs) -> Result<u8> {
    let config = Config::from_file(config_path)?;
    let now = match now {
        Some(arg) => arg.resolve(config.schedule.timezone.tz),
        None => clock::now(),
    };
    let req = Request {
        paths: args.paths.clone(),
        delete: args.delete,
        secret: Env::read(&config).unsubscribe_secret,
        now,
    };
    let summary = bounces::run(&config, &req)?;
    emit(&text(&summary, args.delete))?;
    if summary.missing_secret {
        eprintln!(
            "warning: some bounces came back to a VERP address, which cannot be checked without \
             the unsubscribe secret (set the variable named by unsubscribe.secret_env)"
        );
    }
    Ok(0)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn text(s: &Summary, delete: bool) -> String {
    let mut out = format!(
        "read {}: {}, {}, {}\n",
        plural(s.messages, "message", "messages"),
        plural(s.hard, "hard bounce", "hard bounces"),
        plural(s.soft, "soft bounce", "soft bounces"),
        plural(s.complaints, "complaint", "complaints"),
    );
    out.push_str(&format!(
        "{} already recorded, {} matching no delivery, {} not a bounce\n",
        plural(s.already_seen, "report", "reports"),
        s.unmatched.len(),
        s.not_a_bounce,
    ));
    out.push_str(&format!(
        "suppressed {}\n",
        plural(s.suppressed.len(), "address", "addresses")
    ));
    for (key, reason) in &s.suppressed {
        out.push_str(&format!("  {key} ({reason})\n"));
    }
    for place in &s.unmatched {
        out.push_str(&format!("no delivery of ours matches {place}\n"));
    }
    if delete {
        out.push_str(&format!(
            "deleted {}\n",
            plural(s.deleted, "report", "reports")
        ));
    }
    out
}
