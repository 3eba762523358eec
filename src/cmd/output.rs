//! Output helpers the commands share: a send as it runs (its start, then a
//! progress bar or log lines) and the report of invalid subscriber rows.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use crate::campaign::{Observer, Start};
use crate::deliver::{self, Summary};
use crate::subscribers::InvalidRow;

/// How many invalid rows a report lists before it sums up the rest.
const INVALID_SHOWN: usize = 5;

/// The first few invalid rows, one line each (`path:line: reason`) after
/// `lead`, then how many more there are.
pub fn invalid_rows(path: &Path, invalid: &[InvalidRow], lead: &str) -> String {
    let mut out = String::new();
    for bad in invalid.iter().take(INVALID_SHOWN) {
        out.push_str(&format!(
            "{lead}{}:{}: {}\n",
            path.display(),
            bad.line,
            bad.reason
        ));
    }
    if invalid.len() > INVALID_SHOWN {
        out.push_str(&format!(
            "{lead}... and {} more invalid rows (`newsletter check` lists them all)\n",
            invalid.len() - INVALID_SHOWN
        ));
    }
    out
}

/// The plural ending of a count: "" for one, "s" otherwise.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The run as it goes: the start and the progress on standard error. Once delivery starts, SIGINT and SIGTERM
/// set `stop` instead of ending the process.
pub struct Terminal {
    stop: Arc<AtomicBool>,
    progress: Option<Progress>,
}

impl Terminal {
    /// Nothing drawn yet; `stop` is what the signals will set.
    pub fn new(stop: Arc<AtomicBool>) -> Self {
        Terminal {
            stop,
            progress: None,
        }
    }
}

impl Observer for Terminal {
    fn started(&mut self, start: &Start<'_>) {
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register(sig, Arc::clone(&self.stop));
        }
        eprintln!(
            "sending issue {} \"{}\" via {}",
            start.issue, start.subject, start.target
        );
        self.progress = Some(Progress::new(start.total));
    }

    fn progress(&mut self, summary: &Summary) {
        if let Some(p) = &mut self.progress {
            p.tick(summary);
        }
    }

    fn finished(&mut self, last: Option<&Summary>) {
        if let Some(p) = &mut self.progress {
            p.finish(last);
        }
    }
}

/// A progress bar on a terminal (count, rate, ETA), else a log line every
/// few seconds (cron mail stays short).
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    last: Instant,
}

impl Progress {
    /// `total` is known when standard error is a terminal.
    pub fn new(total: Option<u64>) -> Self {
        let bar = total.map(|n| {
            let b = indicatif::ProgressBar::new(n);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} messages, {per_sec}, ETA {eta} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        Progress {
            bar,
            started: Instant::now(),
            last: Instant::now(),
        }
    }

    /// Shows the counts so far.
    pub fn tick(&mut self, s: &deliver::Summary) {
        let done = s.sent + s.failed + s.pending;
        match &self.bar {
            Some(b) => {
                b.set_position(done);
                b.set_message(format!("(failed {}, pending {})", s.failed, s.pending));
            }
            None if self.last.elapsed() >= Duration::from_secs(5) => {
                let rate = done as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
                eprintln!(
                    "progress: {done} done (sent {}, failed {}, pending {}), {rate:.0} messages/s",
                    s.sent, s.failed, s.pending
                );
                self.last = Instant::now();
            }
            None => {}
        }
    }

    /// Draws the bar's final state and leaves it on the screen (a short
    /// run may end before the first redraw).
    pub fn finish(&mut self, last: Option<&deliver::Summary>) {
        if let Some(s) = last {
            self.tick(s);
        }
        if let Some(b) = &self.bar {
            b.finish();
        }
    }
}
