//! The countdown and the season's recap, for reminder issues (and the
//! countdown for every issue): `issue.countdown`, `issue.hours_left` and
//! `issue.recap` in the context.

use chrono::{DateTime, TimeZone};
use serde::{Deserialize, Serialize};

use super::context::issue_path;
use crate::config::Config;
use crate::schedule::{IssueKind, Plan, PlannedIssue};
use crate::topics::TopicList;

/// A theme of the season in a reminder's recap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecapEntry {
    /// The category's name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// The archive page of the latest issue before the reminder that
    /// featured it (absolute; "" when none has yet, or without base_url).
    pub url: String,
}

/// Whole hours from `send_at` to `closes` (0 when past).
pub fn hours_left<A: TimeZone, B: TimeZone>(send_at: &DateTime<A>, closes: &DateTime<B>) -> i64 {
    (closes.clone().with_timezone(&chrono::Utc) - send_at.clone().with_timezone(&chrono::Utc))
        .num_hours()
        .max(0)
}

/// The countdown for people, as of `send_at`: "closes in 7 days" two days
/// or more before (calendar days in the CFP's zone), then "closes in 24
/// hours", and on the closing day "closes today at 23:59 AoE".
pub fn countdown(config: &Config, send_at: &DateTime<chrono_tz::Tz>) -> String {
    let cfp = &config.cfp;
    let closes = cfp.closes_at();
    let hours = hours_left(send_at, &closes);
    let local = send_at.with_timezone(&cfp.timezone.tz);
    let days = (closes.date_naive() - local.date_naive()).num_days();
    let lang = &config.newsletter.language;
    let say = |key: &str, n: Option<i64>, args: &[(&str, &str)]| {
        super::strings::Strings::shipped()
            .text(lang, key, n, args)
            .unwrap_or_default()
    };
    if hours >= 48 {
        return say("countdown.days", Some(days), &[]);
    }
    if days <= 0 {
        let zone = if cfp.timezone.name.eq_ignore_ascii_case("aoe") {
            "AoE".to_string()
        } else {
            closes.format("%Z").to_string()
        };
        let time = closes.format("%H:%M").to_string();
        return say("countdown.today", None, &[("time", &time), ("zone", &zone)]);
    }
    say("countdown.hours", Some(hours), &[])
}

/// The recap of a reminder: every category some issue of the plan
/// features (not counting last calls), in order of first appearance, each
/// linked to the latest issue before `issue` that featured it. Empty for
/// other kinds of issue.
pub fn recap(
    topics: &TopicList,
    plan: &Plan,
    issue: &PlannedIssue,
    absolute: impl Fn(&str) -> String,
) -> Vec<RecapEntry> {
    if issue.kind != IssueKind::Reminder {
        return Vec::new();
    }
    let featuring = plan.issues.iter().filter(|i| i.kind != IssueKind::LastCall);
    let mut out: Vec<(usize, RecapEntry)> = Vec::new();
    for i in featuring {
        let first_slug = i
            .categories
            .first()
            .and_then(|&c| topics.categories.get(c))
            .map(|c| c.slug.as_str());
        for &c in &i.categories {
            let Some(cat) = topics.categories.get(c) else {
                continue;
            };
            let at = match out.iter().position(|(k, _)| *k == c) {
                Some(at) => at,
                None => {
                    out.push((
                        c,
                        RecapEntry {
                            name: cat.name.clone(),
                            slug: cat.slug.clone(),
                            url: String::new(),
                        },
                    ));
                    out.len() - 1
                }
            };
            if i.send_at < issue.send_at {
                out[at].1.url = absolute(&issue_path(i.number, i.kind, first_slug));
            }
        }
    }
    out.into_iter().map(|(_, e)| e).collect()
}

#[cfg(test)]
mod tests;
