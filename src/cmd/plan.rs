//! `newsletter plan`: the schedule as a table or as JSON.

use std::fmt::Write;

use serde_json::json;
use unicode_width::UnicodeWidthStr;

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
    // Columns are as wide as their widest cell on a terminal (an emoji or
    // a CJK character takes two columns), not in characters.
    let width = |k: usize| {
        rows.iter()
            .map(|r| r[k].width())
            .chain([head[k].width()])
            .max()
            .unwrap_or(0)
    };
    let w: Vec<usize> = (0..5).map(width).collect();
    for r in std::iter::once(&head).chain(rows.iter()) {
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {}",
            pad(&r[0], w[0], Align::Right),
            pad(&r[1], w[1], Align::Left),
            pad(&r[2], w[2], Align::Left),
            pad(&r[3], w[3], Align::Right),
            r[4],
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

/// Which side of a column a cell keeps to.
#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// `cell` padded with spaces to `width` terminal columns.
fn pad(cell: &str, width: usize, align: Align) -> String {
    let fill = " ".repeat(width.saturating_sub(cell.width()));
    match align {
        Align::Left => format!("{cell}{fill}"),
        Align::Right => format!("{fill}{cell}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_padded_to_terminal_columns_not_characters() {
        assert_eq!(pad("API", 6, Align::Left), "API   ");
        assert_eq!(pad("7", 3, Align::Right), "  7");
        // An emoji and a CJK character take two columns each.
        assert_eq!(pad("🚀 Go", 6, Align::Left), "🚀 Go ");
        assert_eq!(pad("日本", 6, Align::Left), "日本  ");
        assert_eq!(pad("Café", 5, Align::Left), "Café ");
        assert_eq!(pad("too wide", 3, Align::Left), "too wide");
    }
}
