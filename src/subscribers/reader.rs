//! `Read` adapters under the CSV parser: one drops a byte-order mark, the
//! other tracks physical lines so that a row's line can be reported.

use std::collections::VecDeque;
use std::io::{self, Read};

/// Drops a UTF-8 byte-order mark at the start of the stream (the `csv` crate
/// would keep it as part of the first column name).
pub(super) struct SkipBom<R> {
    inner: R,
    /// Bytes read while looking for the mark that turned out not to be one.
    pending: [u8; 3],
    pending_len: usize,
    pending_pos: usize,
    checked: bool,
}

impl<R: Read> SkipBom<R> {
    pub(super) fn new(inner: R) -> Self {
        SkipBom {
            inner,
            pending: [0; 3],
            pending_len: 0,
            pending_pos: 0,
            checked: false,
        }
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            while self.pending_len < 3 {
                let Some(rest) = self.pending.get_mut(self.pending_len..) else {
                    break;
                };
                match self.inner.read(rest) {
                    Ok(0) => break,
                    Ok(n) => self.pending_len += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.checked = true;
            if self.pending_len == 3 && self.pending == [0xEF, 0xBB, 0xBF] {
                self.pending_len = 0;
            }
        }
        if self.pending_pos < self.pending_len {
            let pending = self
                .pending
                .get(self.pending_pos..self.pending_len)
                .unwrap_or(&[]);
            let n = pending.len().min(buf.len());
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), pending.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.pending_pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// Counts physical lines in the bytes the CSV parser reads, and remembers
/// where each line's first non-empty content starts, so that a record's
/// position (which the `csv` crate gives as the end of the previous record,
/// before the `\n` of a `\r\n` and before any blank lines) can be turned
/// into the line the record really starts on. A line ends at `\n`, `\r\n`
/// or a lone `\r`.
///
/// Only the starts inside the parser's read-ahead buffer and the current
/// record are kept: [`LineTracker::line_at`] drops the ones before it.
pub(super) struct LineTracker<R> {
    inner: R,
    /// Offset of the next byte to be read.
    offset: u64,
    /// 1-based line of the next byte, not counting a pending `\r`.
    line: u64,
    /// The last byte was `\r`; whether it ends a line depends on the next.
    pending_cr: bool,
    /// The last byte was a line break (or nothing has been read yet).
    at_line_start: bool,
    /// (offset, line) of every content byte that follows a line break.
    starts: VecDeque<(u64, u64)>,
}

impl<R: Read> LineTracker<R> {
    pub(super) fn new(inner: R) -> Self {
        LineTracker {
            inner,
            offset: 0,
            line: 1,
            pending_cr: false,
            at_line_start: true,
            starts: VecDeque::new(),
        }
    }

    /// The line of the first content byte at or after `offset` (the start of
    /// a record); forgets the starts before `offset`. If that byte has not
    /// been read yet, the line the next byte will be on.
    pub(super) fn line_at(&mut self, offset: u64) -> u64 {
        while self.starts.front().is_some_and(|&(at, _)| at < offset) {
            self.starts.pop_front();
        }
        match self.starts.front() {
            Some(&(_, line)) => line,
            None => self.line + u64::from(self.pending_cr),
        }
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in buf.get(..n).unwrap_or(&[]) {
            if self.pending_cr {
                self.pending_cr = false;
                if b != b'\n' {
                    self.line += 1;
                }
            }
            match b {
                b'\n' => {
                    self.line += 1;
                    self.at_line_start = true;
                }
                b'\r' => {
                    self.pending_cr = true;
                    self.at_line_start = true;
                }
                _ if self.at_line_start => {
                    self.starts.push_back((self.offset, self.line));
                    self.at_line_start = false;
                }
                _ => {}
            }
            self.offset += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
