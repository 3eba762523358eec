//! `newsletter check`: the library's [`check::check`], its warnings and a
//! one-line summary.

use super::output::plural;
use super::{emit, warn_all};
use crate::check::{self, CheckFailure, SubscriberList};
use crate::compose::dkim::DnsRecord;
use crate::error::{Error, Result};
use crate::project::Project;

/// Validates the project; exit 0 when it is usable.
pub fn run(p: &Project) -> Result<u8> {
    let report = check::check(p).map_err(|failure| {
        // Every problem but the last is printed here; the last is the
        // command's error (exit 2).
        let mut errors = Vec::new();
        flatten(failure, &mut errors);
        let last = errors.pop();
        for e in &errors {
            eprintln!("{}", crate::report(e));
        }
        last.unwrap_or_else(|| Error::failed("check failed"))
    })?;
    let warnings = &report.warnings;
    warn_all(warnings);
    let subscribers = match report.subscribers {
        SubscriberList::Missing => "no subscribers".to_string(),
        SubscriberList::Read {
            valid,
            invalid,
            wrong_fields,
        } => format!(
            "{valid} subscribers ({invalid} invalid row{} skipped{})",
            plural(invalid),
            match wrong_fields {
                0 => String::new(),
                k => format!(", {k} of them with the wrong number of fields"),
            }
        ),
    };
    let visible = p.topics.categories.iter().filter(|c| !c.hidden).count();
    emit(&format!(
        "ok: {} and {} ({} categories, {} hidden); {} issues planned and rendered; {}; {} warning{}\n",
        p.config.path.display(),
        p.config.content.topics.display(),
        p.topics.categories.len(),
        p.topics.categories.len() - visible,
        p.plan.issues.len(),
        subscribers,
        warnings.len(),
        plural(warnings.len())
    ))?;
    if let Some(record) = &report.dkim {
        emit(&dkim_dns(p, record))?;
    }
    Ok(0)
}

/// The DNS records DKIM signing needs: the key's TXT record, and what SPF
/// and DMARC want beside it.
fn dkim_dns(p: &Project, record: &DnsRecord) -> String {
    let domain = p.config.dkim.as_ref().map_or("", |d| d.domain.as_str());
    format!(
        "DKIM: messages are signed (d={domain}); publish the public key as this DNS TXT record:\n  {}\n  (name {}, value {})\n\
         SPF: the TXT record of the envelope sender's domain must allow the server that sends, for example \"v=spf1 mx include:<your relay> -all\"\n\
         DMARC: publish a TXT record at _dmarc.{domain}, for example \"v=DMARC1; p=none; rua=mailto:dmarc@{domain}\"; the From domain aligns with d={domain}\n",
        record.zone_line(),
        record.name,
        record.value
    )
}

/// The errors of a failure, in order, each with its note.
fn flatten(failure: CheckFailure, out: &mut Vec<Error>) {
    match failure {
        CheckFailure::Issue { number, error } => out.push(error.with_note(format!(
            "this came up while rendering issue {number} of the plan"
        ))),
        CheckFailure::Other(error) => out.push(error),
        CheckFailure::Several(all) => {
            for one in all {
                flatten(one, out);
            }
        }
    }
}
