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

/// The run as it goes: the start and the progress on standard error.
/// After [`Terminal::catch_signals`], SIGINT and SIGTERM set `stop`
/// instead of ending the process.
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

    /// From now on SIGINT and SIGTERM set `stop` instead of ending the
    /// process: called before a real send takes its lock, so that a signal
    /// while connecting, too, ends the run cleanly (exit 130, lock
    /// released).
    pub fn catch_signals(&self) {
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register(sig, Arc::clone(&self.stop));
        }
    }
}

impl Observer for Terminal {
    fn started(&mut self, start: &Start<'_>) {
        if super::quiet() {
            return;
        }
        eprintln!(
            "sending issue {} \"{}\" via {}",
            start.issue, start.subject, start.target
        );
        self.progress = Some(Progress::new(start.total));
    }

    fn progress(&mut self, summary: &Summary) {
        if super::quiet() {
            return;
        }
        if let Some(p) = &mut self.progress {
            p.tick(summary);
        }
    }

    fn finished(&mut self, last: Option<&Summary>) {
        if super::quiet() {
            return;
        }
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
                    "{bar:30} {pos}/{len} messages, {rate}, ETA {eta} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&rate(s.per_sec()));
                    },
                ),
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
                let per_sec = done as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
                eprintln!(
                    "progress: {done} done (sent {}, failed {}, pending {}), {}",
                    s.sent,
                    s.failed,
                    s.pending,
                    rate(per_sec)
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

/// A rate for people: whole messages per second with thousands separated
/// (`4,809 messages/s`), one decimal below 10 (`2.5 messages/s`).
pub fn rate(per_sec: f64) -> String {
    let per_sec = if per_sec.is_finite() {
        per_sec.max(0.0)
    } else {
        0.0
    };
    if per_sec < 9.95 {
        return format!("{per_sec:.1} messages/s");
    }
    let whole = format!("{:.0}", per_sec);
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} messages/s")
}

#[cfg(test)]
mod tests {
    use super::rate;

    #[test]
    fn rates_are_rounded_for_people() {
        assert_eq!(rate(4808.9055), "4,809 messages/s");
        assert_eq!(rate(1_234_567.4), "1,234,567 messages/s");
        assert_eq!(rate(999.5), "1,000 messages/s");
        assert_eq!(rate(12.3), "12 messages/s");
        assert_eq!(rate(2.46), "2.5 messages/s");
        assert_eq!(rate(0.0), "0.0 messages/s");
        assert_eq!(rate(f64::INFINITY), "0.0 messages/s");
    }
}
