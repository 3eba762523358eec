//! The plan's timeline: the published history and the open send slots as
//! one sequence of issues, and the rule that fills the open slots.
//!
//! The rule is a function of what the issues before a slot featured, never
//! of hidden state: each open weekly slot takes the scheduled categories
//! featured the fewest times so far (pins and published issues counted),
//! ties broken by `order`, skipping a category of the issue just before or
//! just after. So a category never featured (one added mid-CFP) comes
//! before any category's second time, the rotation resumes where the
//! published issues left it, and a plan made after issues went out is the
//! plan made before when the files did not change.

use std::collections::BTreeSet;

use chrono::DateTime;
use chrono_tz::Tz;

use super::IssueKind;
use super::history::{History, PastIssue};
use super::slots::Slot;

/// One issue of the timeline.
pub(super) struct Entry {
    pub(super) number: u32,
    pub(super) at: DateTime<Tz>,
    pub(super) kind: IssueKind,
    /// Indices into the topic list.
    pub(super) cats: Vec<usize>,
    /// Kept from the history: its categories are fixed.
    pub(super) published: bool,
    /// Takes (or took) categories from the rotation.
    pub(super) rotation: bool,
}

impl Entry {
    fn open(number: u32, slot: Slot) -> Entry {
        Entry {
            number,
            at: slot.at,
            kind: slot.kind,
            cats: slot.cats,
            published: false,
            rotation: slot.rotation,
        }
    }

    fn published(p: &PastIssue, tz: Tz, find: &impl Fn(&str) -> Option<usize>) -> Entry {
        Entry {
            number: p.number,
            at: p.send_at.with_timezone(&tz),
            kind: p.kind,
            cats: p.categories.iter().filter_map(|n| find(n)).collect(),
            published: true,
            rotation: match p.kind {
                IssueKind::Weekly => true,
                IssueKind::Reminder => !p.categories.is_empty(),
                IssueKind::LastCall => false,
            },
        }
    }
}

/// The issues in number order. Every published issue stands as it went
/// out (`find` maps its recorded names to the topic list; a removed
/// category has no index and is left out). A number below the last
/// published one that was never sent keeps the slot at its position in the
/// current schedule when that slot falls between the published issues
/// around it (an issue skipped, or one sent early with `--force`). Every
/// slot after the last published issue follows, numbered on from it.
pub(super) fn timeline(
    slots: Vec<Slot>,
    history: &History,
    tz: Tz,
    find: impl Fn(&str) -> Option<usize>,
) -> Vec<Entry> {
    let past = history.issues();
    let (Some(last), Some(cut)) = (past.last(), past.iter().map(|p| p.send_at).max()) else {
        return (1..)
            .zip(slots)
            .map(|(n, slot)| Entry::open(n, slot))
            .collect();
    };
    let mut slots: Vec<Option<Slot>> = slots.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len().max(past.len()));
    let mut published = past.iter().peekable();
    let mut lower = None;
    for k in 1..=last.number {
        if let Some(p) = published.next_if(|p| p.number == k) {
            out.push(Entry::published(p, tz, &find));
            lower = Some(p.send_at);
            continue;
        }
        let upper = published.peek().map(|p| p.send_at);
        let index = usize::try_from(k - 1).unwrap_or(usize::MAX);
        if let Some(slot) = slots.get_mut(index).and_then(Option::take)
            && lower.is_none_or(|t| slot.at > t)
            && upper.is_none_or(|t| slot.at < t)
        {
            out.push(Entry::open(k, slot));
        }
    }
    let after = slots.into_iter().flatten().filter(|s| s.at > cut);
    out.extend(
        (last.number.saturating_add(1)..)
            .zip(after)
            .map(|(n, s)| Entry::open(n, s)),
    );
    out
}

/// Fills the open weekly issues (and the reminders that took a weekly
/// slot's place; pins already placed) from `order`, the
/// scheduled categories, per the rule in the module docs; then gives every
/// open last call the categories featured over the season.
/// `categories` is the length of the topic list. Returns the scheduled
/// categories no issue features, in `order`.
pub(super) fn fill(
    entries: &mut [Entry],
    order: &[usize],
    per_issue: usize,
    categories: usize,
) -> Vec<usize> {
    let mut count = vec![0u32; categories];
    for c in entries.iter().flat_map(|e| e.cats.iter()) {
        count[*c] += 1;
    }
    // (times featured, position in `order`): the first fitting is the pick.
    let mut ranking: BTreeSet<(u32, usize)> = order
        .iter()
        .enumerate()
        .map(|(p, &c)| (count[c], p))
        .collect();
    let weekly_cats = |e: Option<&Entry>| match e {
        Some(e) if e.rotation => e.cats.clone(),
        _ => Vec::new(),
    };
    for i in 0..entries.len() {
        if entries[i].published || !entries[i].rotation {
            continue;
        }
        let prev = weekly_cats(i.checked_sub(1).and_then(|p| entries.get(p)));
        let next = weekly_cats(entries.get(i + 1));
        while entries[i].cats.len() < per_issue.min(order.len()) {
            let here = &entries[i].cats;
            let fits = |c: usize| !here.contains(&c) && !prev.contains(&c) && !next.contains(&c);
            // Too few categories to avoid a repeat: allow it, but never
            // twice in one issue.
            let pick = ranking
                .iter()
                .find(|&&(_, p)| fits(order[p]))
                .or_else(|| ranking.iter().find(|&&(_, p)| !here.contains(&order[p])))
                .copied();
            let Some((n, p)) = pick else { break };
            ranking.remove(&(n, p));
            ranking.insert((n + 1, p));
            entries[i].cats.push(order[p]);
        }
    }
    let mut scheduled = vec![false; categories];
    for &c in order {
        scheduled[c] = true;
    }
    // Featured over the season, in order of first appearance: what a last
    // call features.
    let mut used = Vec::new();
    for e in entries.iter() {
        for &c in &e.cats {
            if scheduled[c] {
                scheduled[c] = false;
                used.push(c);
            }
        }
    }
    for e in entries.iter_mut() {
        if !e.published && e.kind == IssueKind::LastCall {
            e.cats = used.clone();
        }
    }
    order.iter().copied().filter(|&c| scheduled[c]).collect()
}
