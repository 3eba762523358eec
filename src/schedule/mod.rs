//! The CFP scheduler: which categories go out on which day.
//!
//! [`plan_with_history`] is a pure function of the topic list, the
//! `[schedule]` and `[cfp]` config and the published [`History`] (the
//! issues frozen in the state, passed in as data): it never reads the clock
//! or the state. Where an issue stands relative to now is asked separately
//! ([`Plan::state`]).
//!
//! Choices written down here because the spec leaves them open:
//! - Send slots are every `weekday` at `time` in the schedule's zone, from
//!   the first at or after `opens` to the last strictly before `closes`.
//! - The last call (`last_call_days = N`) goes out N calendar days before
//!   the closing date, at `time`. It is the *final* issue: a weekly slot on
//!   the same date becomes the last call, and weekly slots after it are
//!   dropped (a weekly issue after the "last call" would contradict it).
//!   It features every scheduled category that some issue features,
//!   published issues included.
//! - A reminder (`[[schedule.reminder]] before = "7d"`) goes out at the
//!   close minus its offset. On a weekly slot's day (in the schedule's
//!   zone) it takes that slot's place and features its categories; on the
//!   last call's day it is dropped (the last call is that day's reminder);
//!   reminders after the last call stay. Alone, it features no category.
//! - A skipped date (`[[schedule.skip]]`) has no weekly slot; the rotation
//!   goes on with the next slot.
//! - Published issues keep their number, time, kind and categories,
//!   whatever the files say now; a category removed from the topic list
//!   stays in them and is not scheduled again. The open slots are laid out
//!   around them (see `assign::timeline`).
//! - Each open weekly slot takes the scheduled categories featured the
//!   fewest times so far, ties broken by `order`, never one of the issue
//!   just before or after unless there are too few categories to avoid it.
//!   So the first pass follows `order`, a category added mid-CFP gets a
//!   slot before any category is featured a second time, and the rotation
//!   resumes where the published issues left it. Pins win their dates.

mod assign;
mod history;
mod slots;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::{Config, Order};
use crate::error::{Error, Result};
use crate::topics::{TopicList, normalize_name, plain_name};
use assign::{fill, timeline};
pub use history::{History, PastIssue};
use slots::{Slot, send_slots};

/// The schedule: every issue of the CFP, in send order.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The issues, in number order (which is send order).
    pub issues: Vec<PlannedIssue>,
    /// Indices of schedulable categories that got no slot.
    pub unscheduled: Vec<usize>,
    /// When the CFP closes.
    pub closes: DateTime<Utc>,
}

/// One issue of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedIssue {
    /// 1-based.
    pub number: u32,
    /// When it goes out, in the schedule's zone.
    pub send_at: DateTime<Tz>,
    /// Weekly, a reminder or the last call.
    pub kind: IssueKind,
    /// Indices into the topic list's categories. For a published issue,
    /// the recorded categories still in the topic list.
    pub categories: Vec<usize>,
    /// Calendar days from the send date to the closing date, in the CFP's zone.
    pub days_left: i64,
    /// Kept from the published history (its record has the full names).
    pub published: bool,
}

/// The kind of an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// A regular weekly issue.
    Weekly,
    /// The final reminder before the CFP closes.
    LastCall,
    /// A `[[schedule.reminder]]`: the countdown and the season's recap
    /// (and the week's categories when it fell on a weekly slot's day).
    Reminder,
}

impl IssueKind {
    /// `weekly`, `last_call` or `reminder`.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::Weekly => "weekly",
            IssueKind::LastCall => "last_call",
            IssueKind::Reminder => "reminder",
        }
    }
}

/// Where an issue stands relative to now (and, once sent, to the state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueState {
    /// Published and delivered to everyone.
    Sent,
    /// Published (frozen, by `send` or `feed`), delivery not complete or
    /// not started.
    Published,
    /// A `send` now would send it: the latest issue whose time has come,
    /// not published, while the CFP is open.
    Due,
    /// Its time passed without a send, and a `send` now would not send it:
    /// a later issue's time has come too, or the CFP has closed.
    Missed,
    /// Its time has not come.
    Upcoming,
}

impl IssueState {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueState::Sent => "sent",
            IssueState::Published => "published",
            IssueState::Due => "due",
            IssueState::Missed => "missed",
            IssueState::Upcoming => "upcoming",
        }
    }
}

impl Plan {
    /// Where `issue` stands at `now`, from the plan alone: `published` for
    /// an issue of the history (the caller tells `sent` from the delivery
    /// counts), else `upcoming`, `due` or `missed` (see [`IssueState`]).
    pub fn state(&self, issue: &PlannedIssue, now: DateTime<Utc>) -> IssueState {
        if issue.published {
            return IssueState::Published;
        }
        if issue.send_at > now {
            return IssueState::Upcoming;
        }
        let latest = self.issues.iter().rev().find(|i| i.send_at <= now);
        if now < self.closes && latest.is_some_and(|l| l.number == issue.number) {
            IssueState::Due
        } else {
            IssueState::Missed
        }
    }

    /// The issue due now (the latest whose time has passed), else the next.
    pub fn current(&self, now: DateTime<Utc>) -> Option<&PlannedIssue> {
        self.issues
            .iter()
            .rev()
            .find(|i| i.send_at <= now)
            .or_else(|| self.issues.first())
    }

    /// The issue with this number, or an error listing the valid range.
    pub fn issue(&self, number: u32) -> Result<&PlannedIssue> {
        self.issues
            .iter()
            .find(|i| i.number == number)
            .ok_or_else(|| {
                let first = self.issues.first().map_or(0, |i| i.number);
                let last = self.issues.last().map_or(0, |i| i.number);
                Error::input(format!(
                    "--issue {number}: there is no issue {number}; the plan has issues {first} to {last}"
                ))
                .with_help("pick a number from `newsletter plan`")
            })
    }

    /// The last call and the issue with categories before it, when the
    /// last call goes out less than two days (48 hours) after that issue:
    /// it then repeats that issue's categories at once. `check` warns
    /// about it.
    pub fn last_call_too_close(&self) -> Option<(&PlannedIssue, &PlannedIssue)> {
        let at = self
            .issues
            .iter()
            .rposition(|i| i.kind == IssueKind::LastCall)?;
        let last = &self.issues[at];
        let before = self.issues[..at]
            .iter()
            .rev()
            .find(|i| !i.categories.is_empty())?;
        (last.send_at - before.send_at < Duration::days(2)).then_some((before, last))
    }
}

/// Makes the plan of a CFP that has published nothing yet: the same as
/// [`plan_with_history`] with an empty [`History`].
pub fn plan(config: &Config, topics: &TopicList) -> Result<Plan> {
    plan_with_history(config, topics, &History::default())
}

/// Makes the plan: a function of the topic list, the `[schedule]` and
/// `[cfp]` config and the published `history` (see the module docs for the
/// rules). Errors point into the config: a pin or an exclude naming a
/// category the topic list does not have, two pins too many for one slot,
/// a CFP window with no send day, nothing left to schedule.
pub fn plan_with_history(config: &Config, topics: &TopicList, history: &History) -> Result<Plan> {
    let s = &config.schedule;
    // Names compared normalized, as `TopicList::find` does, in one pass.
    let by_name: HashMap<String, usize> = topics
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| (normalize_name(&c.name), i))
        .collect();
    let find = |named: &crate::config::Named, what: &str| {
        by_name
            .get(&normalize_name(&named.name))
            .copied()
            .ok_or_else(|| {
                config.error_at(
                    &named.span,
                    &format!(
                        "{what} names `{}`, which is not a category of the topic list",
                        named.name
                    ),
                    &suggest_category(topics, &named.name),
                )
            })
    };
    let mut excluded = HashSet::new();
    for e in &s.exclude {
        excluded.insert(find(e, "schedule.exclude")?);
    }
    let eligible: Vec<usize> = topics
        .categories
        .iter()
        .enumerate()
        .filter(|(i, c)| (s.include_hidden || !c.hidden) && !excluded.contains(i))
        .map(|(i, _)| i)
        .collect();
    let mut slots = send_slots(config)?;
    for p in &s.pins {
        let cat = find(&p.category, "a pin")?;
        let eligible =
            (s.include_hidden || !topics.categories[cat].hidden) && !excluded.contains(&cat);
        pin(config, &mut slots, p, cat, eligible)?;
    }
    if eligible.is_empty() {
        let hidden = topics.categories.iter().filter(|c| c.hidden).count();
        return Err(Error::input(format!(
            "no category of {} is left to schedule (categories: {}, hidden inside <!-- -->: {hidden}, excluded by schedule.exclude: {})",
            config.content.topics.display(),
            topics.categories.len(),
            excluded.len()
        ))
        .in_file(&config.path)
        .with_help("remove names from schedule.exclude, set schedule.include_hidden = true, or add visible categories to the topic list"));
    }
    let order = match s.order {
        Order::Listed => eligible,
        Order::Shuffled => shuffled(&eligible, s.seed),
    };
    let find_recorded = |name: &str| by_name.get(&normalize_name(&plain_name(name))).copied();
    let mut entries = timeline(slots, history, s.timezone.tz, find_recorded);
    let unscheduled = fill(
        &mut entries,
        &order,
        s.categories_per_issue,
        topics.categories.len(),
    );
    let closes = config.cfp.closes_at();
    let cfp_tz = config.cfp.timezone.tz;
    let issues = entries
        .into_iter()
        .map(|e| PlannedIssue {
            number: e.number,
            days_left: (closes.date_naive() - e.at.with_timezone(&cfp_tz).date_naive()).num_days(),
            send_at: e.at,
            kind: e.kind,
            categories: e.cats,
            published: e.published,
        })
        .collect();
    Ok(Plan {
        issues,
        unscheduled,
        closes: closes.with_timezone(&Utc),
    })
}

/// Puts the pinned category `cat` on its date's slot, or says why not.
fn pin(
    config: &Config,
    slots: &mut [Slot],
    p: &crate::config::Pin,
    cat: usize,
    eligible: bool,
) -> Result<()> {
    let per_issue = config.schedule.categories_per_issue;
    let Some(slot) = slots
        .iter_mut()
        .find(|sl| sl.at.date_naive() == p.date && (sl.rotation || sl.kind == IssueKind::LastCall))
    else {
        return Err(config.error_at(
            &p.category.span,
            &format!(
                "no issue goes out on {} (the CFP window or the last call leaves it out)",
                p.date
            ),
            "pin the category to another send day; see `newsletter plan`",
        ));
    };
    if slot.kind == IssueKind::LastCall {
        return Err(config.error_at(
            &p.category.span,
            &format!("{} is the last call, which features every category", p.date),
            "pin the category to an earlier send day",
        ));
    }
    if slot.cats.len() >= per_issue || slot.cats.contains(&cat) {
        return Err(config.error_at(
            &p.category.span,
            &format!(
                "too many pins on {}: an issue features {} categor{}",
                p.date,
                per_issue,
                if per_issue == 1 { "y" } else { "ies" }
            ),
            "move this pin to another send day, or raise schedule.categories_per_issue",
        ));
    }
    if !eligible {
        return Err(config.error_at(&p.category.span, &format!("category `{}` is pinned but hidden or excluded", p.category.name), "remove the pin, or set schedule.include_hidden = true / remove it from schedule.exclude"));
    }
    slot.cats.push(cat);
    Ok(())
}

/// A deterministic shuffle: Fisher-Yates driven by SplitMix64, written
/// here so the order never changes with a dependency's version.
pub fn shuffled(items: &[usize], seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut v = items.to_vec();
    for i in (1..v.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v
}

fn suggest_category(topics: &TopicList, name: &str) -> String {
    let wanted = normalize_name(name);
    let close: Vec<&str> = topics
        .categories
        .iter()
        .filter(|c| {
            let n = normalize_name(&c.name);
            n.contains(&wanted) || wanted.contains(&n) || crate::suggest::is_close(&n, &wanted)
        })
        .map(|c| c.name.as_str())
        .take(3)
        .collect();
    if close.is_empty() {
        "use a category name exactly as the topic list writes it; `newsletter plan` lists them"
            .into()
    } else {
        format!(
            "did you mean {}?",
            close
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }
}

#[cfg(test)]
mod tests;
