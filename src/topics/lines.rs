//! Line numbers for byte offsets in constant time after one pass, so that
//! a topic list with thousands of categories is not scanned once for each.

use crate::error::Diagnostic;

/// The byte offset where each line of a text starts.
#[derive(Debug, Default)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `src`.
    pub(crate) fn new(src: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(src.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }

    /// A diagnostic at byte `offset` of `src`: the same as
    /// [`Diagnostic::at`], without scanning the text before `offset`.
    pub(crate) fn diagnostic(
        &self,
        src: &str,
        offset: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        let line = self.line(offset);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let end = self.starts.get(line).map_or(src.len(), |&e| e - 1);
        let text = src.get(start..end).unwrap_or("");
        let col = src
            .get(start..offset.clamp(start, end))
            .map_or(0, |before| before.chars().count())
            + 1;
        Diagnostic {
            line,
            col,
            message: message.into(),
            help: None,
            snippet: text.trim_end_matches('\r').to_string(),
        }
    }
}
