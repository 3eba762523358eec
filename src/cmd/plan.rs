//! `newsletter plan`: the schedule as a table or as JSON.

use std::fmt::Write;

use serde_json::json;

use super::emit;
use crate::error::Result;
use crate::project::Project;
use crate::publish::{self, PlanRow};
use crate::schedule::IssueKind;

/// Prints the plan.
pub fn run(p: &Project, json: bool) -> Result<u8> {
    let rows = publish::plan_rows(p)?;
    let text = if json {
        to_json(p, &rows)
    } else {
        table(p, &rows)
    };
    emit(&text)?;
    Ok(0)
}

fn to_json(p: &Project, rows: &[PlanRow]) -> String {
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

fn table(p: &Project, rows: &[PlanRow]) -> String {
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
            let cats = match i.kind {
                IssueKind::LastCall => format!(
                    "LAST CALL (all {} scheduled categories)",
                    i.categories.len()
                ),
                IssueKind::Reminder if i.categories.is_empty() => "REMINDER".into(),
                IssueKind::Reminder => format!("REMINDER + {}", i.categories.join(", ")),
                IssueKind::Weekly => i.categories.join(", "),
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
