//! `newsletter plan`: the schedule as a table or as JSON.

use std::fmt::Write;

use serde_json::json;

use super::{Project, emit};
use crate::error::Result;
use crate::schedule::{IssueKind, IssueState};
use crate::state::State;

/// One line of the plan: the schedule's issue, or for a published issue
/// its frozen record (editing the files later never changes it).
struct Row {
    number: u32,
    send_at: String,
    send_local: String,
    kind: IssueKind,
    categories: Vec<String>,
    slugs: Vec<String>,
    days_left: i64,
    state: IssueState,
}

/// Prints the plan.
pub fn run(p: &Project, json: bool) -> Result<u8> {
    let rows = rows(p)?;
    let text = if json {
        to_json(p, &rows)
    } else {
        table(p, &rows)
    };
    emit(&text)?;
    Ok(0)
}

fn rows(p: &Project) -> Result<Vec<Row>> {
    let state = State::open_existing(&p.config.state.path)?;
    let mut rows = Vec::new();
    for i in &p.plan.issues {
        let frozen = match &state {
            Some(s) => s
                .frozen(i.number)?
                .map(|f| s.counts(i.number).map(|c| (f, c)))
                .transpose()?,
            None => None,
        };
        let mut row = Row {
            number: i.number,
            send_at: i.send_at.to_rfc3339(),
            send_local: i.send_at.format("%a %Y-%m-%d %H:%M %Z").to_string(),
            kind: i.kind,
            categories: p
                .category_names(&i.categories)
                .into_iter()
                .map(String::from)
                .collect(),
            slugs: i
                .categories
                .iter()
                .filter_map(|&c| p.topics.categories.get(c))
                .map(|c| c.slug.clone())
                .collect(),
            days_left: i.days_left,
            state: i.state(p.now),
        };
        if let Some((f, counts)) = frozen {
            row.categories = f.categories;
            row.slugs = f.slugs;
            // Frozen by `feed` alone: published, not delivered to anyone.
            row.state = if counts.pending == 0 && counts.sent + counts.failed > 0 {
                IssueState::Sent
            } else {
                IssueState::Published
            };
        }
        rows.push(row);
    }
    Ok(rows)
}

fn to_json(p: &Project, rows: &[Row]) -> String {
    let cfp = &p.config.cfp;
    let issues: Vec<_> = rows
        .iter()
        .map(|i| {
            json!({
                "number": i.number,
                "send_at": i.send_at,
                "kind": i.kind.as_str(),
                "categories": i.categories,
                "slugs": i.slugs,
                "days_left": i.days_left,
                "state": i.state.as_str(),
            })
        })
        .collect();
    let value = json!({
        "cfp": {
            "name": cfp.name,
            "opens": cfp.opens_at().to_rfc3339(),
            "closes": cfp.closes_at().to_rfc3339(),
            "timezone": cfp.timezone.name,
        },
        "issues": issues,
        "unscheduled": p.category_names(&p.plan.unscheduled),
    });
    format!("{value:#}\n")
}

fn table(p: &Project, rows: &[Row]) -> String {
    let cfp = &p.config.cfp;
    let zone = &p.config.schedule.timezone.name;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: opens {}, closes {} ({})\n",
        cfp.name,
        cfp.opens_at().format("%a %Y-%m-%d %H:%M"),
        cfp.closes_at().format("%a %Y-%m-%d %H:%M"),
        cfp.timezone.name
    );
    let rows: Vec<[String; 5]> = rows
        .iter()
        .map(|i| {
            let cats = if i.kind == IssueKind::LastCall {
                format!(
                    "LAST CALL (all {} scheduled categories)",
                    i.categories.len()
                )
            } else {
                i.categories.join(", ")
            };
            [
                i.number.to_string(),
                i.send_local.clone(),
                cats,
                i.days_left.to_string(),
                i.state.as_str().to_string(),
            ]
        })
        .collect();
    let head = [
        "#".to_string(),
        format!("Send ({zone})"),
        "Categories".into(),
        "Days left".into(),
        "State".into(),
    ];
    let width = |k: usize| {
        rows.iter()
            .map(|r| r[k].chars().count())
            .chain([head[k].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let w: Vec<usize> = (0..5).map(width).collect();
    for r in std::iter::once(&head).chain(rows.iter()) {
        let _ = writeln!(
            out,
            "{:>w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        );
    }
    if !p.plan.unscheduled.is_empty() {
        let _ = writeln!(
            out,
            "\nUnscheduled (no slot left): {}",
            p.quoted_names(&p.plan.unscheduled)
        );
    }
    out
}
