//! The CFP scheduler: which categories go out on which day.
//!
//! [`plan`] is a pure function of the topic list, the `[schedule]` and
//! `[cfp]` config: it never reads the clock. Where an issue stands relative
//! to now is asked separately ([`PlannedIssue::state`]).
//!
//! Choices written down here because the spec leaves them open:
//! - Send slots are every `weekday` at `time` in the schedule's zone, from
//!   the first at or after `opens` to the last strictly before `closes`.
//! - The last call (`last_call_days = N`) goes out N calendar days before
//!   the closing date, at `time`. It is the *final* issue: a weekly slot on
//!   the same date becomes the last call, and weekly slots after it are
//!   dropped (a weekly issue after the "last call" would contradict it).
//! - When there are more slots than categories the rotation starts over in
//!   the same order; a category is never put in two consecutive issues
//!   unless there are too few categories to avoid it.

use std::collections::VecDeque;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::{Config, Order, resolve_local};
use crate::error::{Error, Result};
use crate::topics::{TopicList, normalize_name};

/// The schedule: every issue of the CFP, in send order.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The issues, numbered from 1.
    pub issues: Vec<PlannedIssue>,
    /// Indices of schedulable categories that got no slot.
    pub unscheduled: Vec<usize>,
}

/// One issue of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedIssue {
    /// 1-based.
    pub number: u32,
    /// When it goes out, in the schedule's zone.
    pub send_at: DateTime<Tz>,
    /// Weekly or the last call.
    pub kind: IssueKind,
    /// Indices into the topic list's categories.
    pub categories: Vec<usize>,
    /// Calendar days from the send date to the closing date, in the CFP's zone.
    pub days_left: i64,
}

/// The kind of an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// A regular weekly issue.
    Weekly,
    /// The final reminder before the CFP closes.
    LastCall,
}

impl IssueKind {
    /// `weekly` or `last_call`.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::Weekly => "weekly",
            IssueKind::LastCall => "last_call",
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
    /// Its time has come; not sent yet.
    Due,
    /// In the future.
    Upcoming,
}

impl IssueState {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueState::Sent => "sent",
            IssueState::Published => "published",
            IssueState::Due => "due",
            IssueState::Upcoming => "upcoming",
        }
    }
}

impl PlannedIssue {
    /// `due` once the send time has passed, `upcoming` before.
    pub fn state(&self, now: DateTime<Utc>) -> IssueState {
        if self.send_at <= now {
            IssueState::Due
        } else {
            IssueState::Upcoming
        }
    }
}

impl Plan {
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
                Error::input(format!(
                    "--issue {number}: there is no issue {number}; the plan has issues 1 to {}",
                    self.issues.len()
                ))
                .with_help("pick a number from `newsletter plan`")
            })
    }
}

/// Makes the plan. Errors point into the config: a pin or an exclude naming
/// a category the topic list does not have, two pins too many for one slot,
/// a CFP window with no send day, nothing left to schedule.
pub fn plan(config: &Config, topics: &TopicList) -> Result<Plan> {
    let s = &config.schedule;
    let find = |named: &crate::config::Named, what: &str| {
        topics.find(&named.name).ok_or_else(|| {
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
    let mut excluded = Vec::new();
    for e in &s.exclude {
        excluded.push(find(e, "schedule.exclude")?);
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
        let Some(slot) = slots.iter_mut().find(|sl| sl.at.date_naive() == p.date) else {
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
        if slot.cats.len() >= s.categories_per_issue || slot.cats.contains(&cat) {
            return Err(config.error_at(
                &p.category.span,
                &format!(
                    "too many pins on {}: an issue features {} categor{}",
                    p.date,
                    s.categories_per_issue,
                    if s.categories_per_issue == 1 {
                        "y"
                    } else {
                        "ies"
                    }
                ),
                "move this pin to another send day, or raise schedule.categories_per_issue",
            ));
        }
        if !eligible.contains(&cat) {
            return Err(config.error_at(&p.category.span, &format!("category `{}` is pinned but hidden or excluded", p.category.name), "remove the pin, or set schedule.include_hidden = true / remove it from schedule.exclude"));
        }
        slot.cats.push(cat);
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
        Order::Listed => eligible.clone(),
        Order::Shuffled => shuffled(&eligible, s.seed),
    };
    let used = assign(&mut slots, &order, s.categories_per_issue);
    let closes = config.cfp.closes_at();
    let cfp_tz = config.cfp.timezone.tz;
    let issues = slots
        .into_iter()
        .enumerate()
        .map(|(i, sl)| PlannedIssue {
            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            days_left: (closes.date_naive() - sl.at.with_timezone(&cfp_tz).date_naive()).num_days(),
            send_at: sl.at,
            kind: sl.kind,
            categories: if sl.kind == IssueKind::LastCall {
                used.clone()
            } else {
                sl.cats
            },
        })
        .collect();
    let unscheduled = order
        .iter()
        .copied()
        .filter(|c| !used.contains(c))
        .collect();
    Ok(Plan {
        issues,
        unscheduled,
    })
}

struct Slot {
    at: DateTime<Tz>,
    kind: IssueKind,
    cats: Vec<usize>,
}

/// Every send slot of the CFP window, the last call included.
fn send_slots(config: &Config) -> Result<Vec<Slot>> {
    let s = &config.schedule;
    let tz = s.timezone.tz;
    let opens = config.cfp.opens_at();
    let closes = config.cfp.closes_at();
    let first = opens.with_timezone(&tz).date_naive();
    let ahead = (7 + s.weekday.num_days_from_monday() - first.weekday().num_days_from_monday()) % 7;
    let mut slots = Vec::new();
    let mut day = first + Duration::days(i64::from(ahead));
    loop {
        let at = resolve_local(tz, day.and_time(s.time));
        if at >= closes {
            break;
        }
        if at >= opens {
            slots.push(Slot {
                at,
                kind: IssueKind::Weekly,
                cats: Vec::new(),
            });
        }
        day += Duration::days(7);
    }
    if s.last_call_days > 0 {
        let date: NaiveDate =
            config.cfp.closes.date() - Duration::days(i64::from(s.last_call_days));
        let at = resolve_local(tz, date.and_time(s.time));
        if at < opens || at >= closes {
            return Err(Error::input(format!(
                "the last call ({} at {}) falls outside the CFP",
                date,
                s.time.format("%H:%M")
            ))
            .in_file(&config.path)
            .with_help("change schedule.last_call_days"));
        }
        slots.retain(|sl| sl.at.date_naive() < date);
        slots.push(Slot {
            at,
            kind: IssueKind::LastCall,
            cats: Vec::new(),
        });
    }
    if slots.is_empty() {
        return Err(Error::input(format!(
            "no {} at {} falls between cfp.opens and cfp.closes, so there is nothing to send",
            crate::config::weekday_name(s.weekday),
            s.time.format("%H:%M")
        ))
        .in_file(&config.path)
        .with_help("check [cfp] opens/closes and [schedule] weekday/time"));
    }
    Ok(slots)
}

/// Fills the weekly slots (pins already placed) from `order`, starting the
/// rotation over when it runs out. Returns the categories used, in order of
/// first appearance.
fn assign(slots: &mut [Slot], order: &[usize], per_issue: usize) -> Vec<usize> {
    let pinned: Vec<usize> = slots.iter().flat_map(|s| s.cats.iter().copied()).collect();
    let mut queue: VecDeque<usize> = order
        .iter()
        .copied()
        .filter(|c| !pinned.contains(c))
        .collect();
    let weekly: Vec<usize> = (0..slots.len())
        .filter(|&i| slots[i].kind == IssueKind::Weekly)
        .collect();
    for (n, &i) in weekly.iter().enumerate() {
        let prev: Vec<usize> = n
            .checked_sub(1)
            .map(|p| slots[weekly[p]].cats.clone())
            .unwrap_or_default();
        let next: Vec<usize> = weekly
            .get(n + 1)
            .map(|&j| slots[j].cats.clone())
            .unwrap_or_default();
        while slots[i].cats.len() < per_issue.min(order.len()) {
            let here = &slots[i].cats;
            let fits = |c: &usize| !here.contains(c) && !prev.contains(c) && !next.contains(c);
            let mut pick = queue.iter().position(fits);
            if pick.is_none() {
                // The rotation starts over.
                queue.extend(order.iter().copied());
                pick = queue.iter().position(fits);
            }
            // Too few categories to avoid a repeat: allow it, but never twice in one issue.
            let pick = pick.or_else(|| queue.iter().position(|c| !here.contains(c)));
            match pick.and_then(|p| queue.remove(p)) {
                Some(c) => slots[i].cats.push(c),
                None => break,
            }
        }
    }
    let mut used = Vec::new();
    for c in slots.iter().flat_map(|s| s.cats.iter()) {
        if !used.contains(c) {
            used.push(*c);
        }
    }
    used
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
