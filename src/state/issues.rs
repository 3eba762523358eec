//! Frozen issues: each issue as it was first sent, stored once and never
//! changed, so a later send, a resend and the feed all show the same issue.

use std::path::Path;

use rusqlite::{OptionalExtension, params};

use super::{State, bad_value, readable_time};
use crate::error::{Error, Result};

/// An issue as it was first sent. Frozen: once stored it never changes, so
/// a later send, a resend and the feed all show the same issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenIssue {
    /// The issue number.
    pub number: u32,
    /// What kind of issue this is (opaque to this module).
    pub kind: String,
    /// The scheduled send time, RFC 3339.
    pub send_at: String,
    /// The categories it covers.
    pub categories: Vec<String>,
    /// The slugs of the topics in it.
    pub slugs: Vec<String>,
    /// The subject line.
    pub subject: String,
    /// The non-personal render context, as JSON (opaque to this module).
    pub context_json: String,
    /// When it was first sent, RFC 3339.
    pub published_at: String,
}

impl State {
    /// Stores `issue` if no issue with its number is stored yet, and returns
    /// the stored record. An existing record wins: a frozen issue never
    /// changes.
    /// Its times must read back as RFC 3339 (else an error, nothing
    /// stored).
    pub fn freeze(&self, issue: &FrozenIssue) -> Result<FrozenIssue> {
        let action = "freeze an issue in";
        readable_time(
            &issue.send_at,
            &format!("issue {}'s send time", issue.number),
        )?;
        readable_time(
            &issue.published_at,
            &format!("issue {}'s publication time", issue.number),
        )?;
        let categories = serde_json::to_string(&issue.categories)
            .map_err(|e| Error::failed("cannot encode the categories as JSON").with_source(e))?;
        let slugs = serde_json::to_string(&issue.slugs)
            .map_err(|e| Error::failed("cannot encode the slugs as JSON").with_source(e))?;
        self.conn
            .execute(
                "INSERT INTO issues
                     (number, kind, send_at, categories, slugs, subject, context_json, published_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (number) DO NOTHING",
                params![
                    issue.number,
                    issue.kind,
                    issue.send_at,
                    categories,
                    slugs,
                    issue.subject,
                    issue.context_json,
                    issue.published_at,
                ],
            )
            .map_err(self.err(action))?;
        self.frozen(issue.number)?.ok_or_else(|| {
            Error::failed(format!(
                "cannot freeze issue {} in the state database {}: it is not there after storing it",
                issue.number,
                self.path.display()
            ))
        })
    }

    /// The frozen issue with this number, if it was published.
    pub fn frozen(&self, number: u32) -> Result<Option<FrozenIssue>> {
        let raw = self
            .conn
            .prepare_cached(&format!("{SELECT_ISSUE} WHERE number = ?1"))
            .and_then(|mut stmt| stmt.query_row([number], RawIssue::from_row).optional())
            .map_err(self.err("read a frozen issue from"))?;
        raw.map(|r| r.decode(&self.path)).transpose()
    }

    /// All frozen issues, by number.
    pub fn frozen_issues(&self) -> Result<Vec<FrozenIssue>> {
        let raws = self
            .conn
            .prepare_cached(&format!("{SELECT_ISSUE} ORDER BY number"))
            .and_then(|mut stmt| {
                stmt.query_map([], RawIssue::from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(self.err("read the frozen issues from"))?;
        raws.into_iter().map(|r| r.decode(&self.path)).collect()
    }
}

const SELECT_ISSUE: &str = "SELECT number, kind, send_at, categories, slugs, subject, \
                            context_json, published_at FROM issues";

/// An `issues` row before its JSON columns are decoded.
struct RawIssue {
    number: u32,
    kind: String,
    send_at: String,
    categories: String,
    slugs: String,
    subject: String,
    context_json: String,
    published_at: String,
}

impl RawIssue {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawIssue> {
        Ok(RawIssue {
            number: row.get(0)?,
            kind: row.get(1)?,
            send_at: row.get(2)?,
            categories: row.get(3)?,
            slugs: row.get(4)?,
            subject: row.get(5)?,
            context_json: row.get(6)?,
            published_at: row.get(7)?,
        })
    }

    fn decode(self, path: &Path) -> Result<FrozenIssue> {
        let list = |json: &str, column: &str| {
            serde_json::from_str::<Vec<String>>(json).map_err(|e| {
                bad_value(
                    path,
                    &format!("issues.{column} of issue {}", self.number),
                    e,
                )
            })
        };
        Ok(FrozenIssue {
            number: self.number,
            categories: list(&self.categories, "categories")?,
            slugs: list(&self.slugs, "slugs")?,
            kind: self.kind,
            send_at: self.send_at,
            subject: self.subject,
            context_json: self.context_json,
            published_at: self.published_at,
        })
    }
}
