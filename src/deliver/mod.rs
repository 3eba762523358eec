//! The delivery loop: recipients in, messages out, every outcome recorded.
//!
//! `delivery.concurrency` worker threads each take the next recipient,
//! compose its message, and try the transport up to `max_attempts` times
//! (exponential backoff with jitter for transient failures). Each worker
//! then commits its outcome (with whatever other outcomes are waiting, in
//! one SQLite transaction: a group commit) before it takes its next message.
//! So a delivery is recorded as sent only after the server accepted it, and
//! after a kill at any instant at most one accepted-but-unrecorded message
//! per connection is sent again.

pub mod breaker;
mod journal;
pub mod smtp;
pub mod transport;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lettre::Message;

use crate::error::Result;
use crate::state::{Outcome, State, Status};
use crate::subscribers::{InvalidRow, KeySet, Row, Subscriber};
use journal::Journal;
pub use transport::{Attempt, Transport};

/// Composes the message of one recipient (render + build).
pub type ComposeFn<'a> = dyn Fn(&Subscriber) -> Result<(Message, String)> + Sync + 'a;

/// What to deliver and how.
pub struct Plan<'a> {
    /// The issue number.
    pub issue: u32,
    /// Parallel workers (connections).
    pub concurrency: usize,
    /// Attempts per recipient in this run.
    pub max_attempts: u32,
    /// Global cap on messages per second (0 = none).
    pub rate_per_second: u32,
    /// First retry delay; doubles each attempt, with jitter.
    pub retry_delay: Duration,
    /// Builds a recipient's message and its Message-ID.
    pub compose: &'a ComposeFn<'a>,
    /// The clock reading for this run's records.
    pub now: DateTime<Utc>,
}

/// Counts for the final summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Accepted by the transport in this run.
    pub sent: u64,
    /// Refused permanently in this run.
    pub failed: u64,
    /// Still pending after this run (transient failures, not attempted).
    pub pending: u64,
    /// Skipped: suppressed addresses.
    pub suppressed: u64,
    /// Skipped: already sent or failed in an earlier run.
    pub already_done: u64,
    /// Invalid CSV rows.
    pub invalid: Vec<InvalidRow>,
    /// Stopped by SIGINT/SIGTERM.
    pub interrupted: bool,
}

/// Filters the subscriber stream: invalid rows, suppressed and done
/// addresses are counted and skipped.
pub struct Recipients<I> {
    rows: I,
    skip_done: KeySet,
    suppressed: KeySet,
    /// Counts of what was skipped.
    pub summary: Summary,
}

impl<I: Iterator<Item = Row>> Recipients<I> {
    /// Wraps a row stream.
    pub fn new(rows: I, skip_done: KeySet, suppressed: KeySet) -> Self {
        Recipients {
            rows,
            skip_done,
            suppressed,
            summary: Summary::default(),
        }
    }
}

impl<I: Iterator<Item = Row>> Iterator for Recipients<I> {
    type Item = Subscriber;
    fn next(&mut self) -> Option<Subscriber> {
        loop {
            match self.rows.next()? {
                Row::Invalid(bad) => self.summary.invalid.push(bad),
                Row::Valid(s) if self.suppressed.contains(&s.key) => self.summary.suppressed += 1,
                Row::Valid(s) if self.skip_done.contains(&s.key) => self.summary.already_done += 1,
                Row::Valid(s) => return Some(s),
            }
        }
    }
}

/// Delivers to every recipient, recording each outcome durably. Returns
/// the counts of this run; `recipients.summary` holds the skipped ones.
pub fn run<I>(
    plan: &Plan,
    state: &mut State,
    transport: &dyn Transport,
    recipients: &Mutex<Recipients<I>>,
    stop: &AtomicBool,
    mut progress: impl FnMut(&Summary),
) -> Result<Summary>
where
    I: Iterator<Item = Row> + Send,
{
    let journal = Journal::new(state);
    let limiter = RateLimiter::new(plan.rate_per_second);
    let workers = plan.concurrency.max(1);
    // With at most two workers per core, messages are composed ahead on
    // other threads (one per core), so rendering overlaps the workers'
    // network waits. With more, the workers compose their own: the cores
    // are busy anyway, and handing messages between threads costs more
    // than it hides (measured on 2 cores: composing ahead is 5% faster at
    // concurrency 4, 10% slower at 8; bench/smtp-throughput.sh).
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let (tx, rx) = mpsc::sync_channel::<Composed>(workers * 2);
    let ahead = workers <= 2 * cores;
    let rx = Mutex::new(rx);
    let from_queue = || rx.lock().ok().and_then(|r| r.recv().ok());
    let compose_here = || {
        let sub = recipients.lock().ok()?.next()?;
        let composed = (plan.compose)(&sub);
        Some((sub, composed))
    };
    std::thread::scope(|scope| {
        if ahead {
            for _ in 0..cores.min(workers) {
                let tx = tx.clone();
                scope.spawn(move || compose_ahead(plan, recipients, stop, &tx));
            }
        }
        drop(tx);
        for worker in 0..workers {
            let (journal, limiter) = (&journal, &limiter);
            let (from_queue, compose_here) = (&from_queue, &compose_here);
            scope.spawn(move || {
                if ahead {
                    work(worker, plan, transport, from_queue, stop, limiter, journal);
                    // Stopped: let the composers finish the message each is
                    // handing over (not sent, so not recorded: the next
                    // run sends them).
                    while from_queue().is_some() {}
                } else {
                    work(
                        worker,
                        plan,
                        transport,
                        compose_here,
                        stop,
                        limiter,
                        journal,
                    );
                }
                journal.worker_done();
            });
        }
        // This thread only reports progress while the workers run.
        while let Some(summary) = journal.wait_for_change(workers) {
            progress(&summary);
        }
    });
    let trip = journal.breaker.tripped();
    let j = journal.into_inner();
    if let Some(e) = j.error {
        return Err(e);
    }
    if let Some(trip) = trip {
        state.reopen(plan.issue, &trip.keys)?;
        return Err(crate::error::Error::failed(format!(
            "stopped: the server refused the first {} recipients of this run for good and accepted none (first reply: {}); that is a problem with the sender (relaying not allowed, authentication, the From address, a blocked IP), not with the addresses, so the {} refused stay pending and nobody was marked failed\nhelp: fix the cause named in the reply, then run `newsletter send` again",
            breaker::THRESHOLD,
            trip.reply,
            trip.keys.len()
        )));
    }
    let mut summary = j.summary;
    summary.interrupted = stop.load(Ordering::SeqCst);
    Ok(summary)
}

/// A recipient and their composed message (and Message-ID).
type Composed = (Subscriber, Result<(Message, String)>);

fn compose_ahead<I: Iterator<Item = Row>>(
    plan: &Plan,
    recipients: &Mutex<Recipients<I>>,
    stop: &AtomicBool,
    tx: &mpsc::SyncSender<Composed>,
) {
    while !stop.load(Ordering::SeqCst) {
        let next = match recipients.lock() {
            Ok(mut r) => r.next(),
            Err(_) => return,
        };
        let Some(sub) = next else { return };
        let composed = (plan.compose)(&sub);
        if tx.send((sub, composed)).is_err() {
            return;
        }
    }
}

fn work(
    worker: usize,
    plan: &Plan,
    transport: &dyn Transport,
    next: &dyn Fn() -> Option<Composed>,
    stop: &AtomicBool,
    limiter: &RateLimiter,
    journal: &Journal,
) {
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64 ^ (worker as u64 + 1);
    while !stop.load(Ordering::SeqCst) {
        let Some((sub, composed)) = next() else {
            return;
        };
        let outcome = deliver_one(plan, transport, &sub, composed, stop, limiter, &mut rng);
        match journal.record(outcome) {
            Ok(true) => {}
            // The breaker tripped: stop everyone (in-flight messages are
            // still recorded).
            Ok(false) => stop.store(true, Ordering::SeqCst),
            // Stop everyone; what was not recorded is sent again next run.
            Err(()) => stop.store(true, Ordering::SeqCst),
        }
    }
}

fn deliver_one(
    plan: &Plan,
    transport: &dyn Transport,
    sub: &Subscriber,
    composed: Result<(Message, String)>,
    stop: &AtomicBool,
    limiter: &RateLimiter,
    rng: &mut u64,
) -> Outcome {
    let mut outcome = Outcome {
        issue: plan.issue,
        key: sub.key.clone(),
        email: sub.email.clone(),
        status: Status::Pending,
        reply: None,
        message_id: String::new(),
        at: plan.now,
        attempts: 0,
    };
    let (message, id) = match composed {
        Ok(m) => m,
        Err(e) => {
            outcome.reply = Some(format!("not sent: {e}"));
            return outcome;
        }
    };
    outcome.message_id = id.clone();
    for attempt in 1..=plan.max_attempts.max(1) {
        limiter.wait();
        outcome.attempts = attempt;
        match transport.send(&message, &id) {
            Attempt::Sent(reply) => {
                outcome.status = Status::Sent;
                outcome.reply = Some(reply);
                return outcome;
            }
            Attempt::Permanent(reply) => {
                outcome.status = Status::Failed;
                outcome.reply = Some(reply);
                return outcome;
            }
            Attempt::Transient(reply) => {
                outcome.reply = Some(reply);
                if attempt == plan.max_attempts || stop.load(Ordering::SeqCst) {
                    break;
                }
                if !sleep_unless_stopped(backoff(plan.retry_delay, attempt, rng), stop) {
                    break;
                }
            }
        }
    }
    outcome
}

/// Sleeps for `d` in short steps; returns false as soon as `stop` is set
/// (SIGINT/SIGTERM must not wait out a backoff of minutes).
fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + d;
    loop {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
}

/// `base * 2^(attempt-1)`, capped at 5 minutes, times a jitter in [0.5, 1.5).
fn backoff(base: Duration, attempt: u32, rng: &mut u64) -> Duration {
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    let jitter = 0.5 + (*rng % 1000) as f64 / 1000.0;
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    exp.min(Duration::from_secs(300)).mul_f64(jitter)
}

/// A global pace: at most `rate` sends per second across all workers.
struct RateLimiter {
    interval: Option<Duration>,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    fn new(rate: u32) -> Self {
        RateLimiter {
            interval: (rate > 0).then(|| Duration::from_secs(1) / rate),
            next: Mutex::new(None),
        }
    }

    /// Waits for this send's slot.
    fn wait(&self) {
        let now = Instant::now();
        if let Some(slot) = self.reserve(now)
            && slot > now
        {
            std::thread::sleep(slot - now);
        }
    }

    /// The moment the next send may start, given that it is `now`, and
    /// the slot after it reserved; None when there is no limit. Slots are
    /// `interval` apart; after an idle spell the next one is `now` (no
    /// burst to catch up).
    fn reserve(&self, now: Instant) -> Option<Instant> {
        let interval = self.interval?;
        let mut next = self.next.lock().ok()?;
        let slot = next.map_or(now, |n| n.max(now));
        *next = Some(slot + interval);
        Some(slot)
    }
}

/// Turns a non-sent run into the process result: exit 0 only when every
/// recipient of this run ended `sent`.
pub fn exit_code(summary: &Summary) -> u8 {
    if summary.interrupted {
        130
    } else if summary.failed > 0 || summary.pending > 0 {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limiter_spaces_sends_evenly_and_does_not_burst_after_idling() {
        assert_eq!(RateLimiter::new(0).reserve(Instant::now()), None);
        let limiter = RateLimiter::new(10);
        let t0 = Instant::now();
        let gap = Duration::from_millis(100);
        // Three workers asking at once get slots 100 ms apart.
        assert_eq!(limiter.reserve(t0), Some(t0));
        assert_eq!(limiter.reserve(t0), Some(t0 + gap));
        assert_eq!(limiter.reserve(t0), Some(t0 + 2 * gap));
        // Idle for a while: the next send goes at once, then the pace resumes.
        let later = t0 + Duration::from_secs(5);
        assert_eq!(limiter.reserve(later), Some(later));
        assert_eq!(limiter.reserve(later), Some(later + gap));
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let mut rng = 7;
        let base = Duration::from_secs(1);
        for attempt in 1..=12 {
            let d = backoff(base, attempt, &mut rng);
            let exp = base
                .saturating_mul(1 << (attempt - 1))
                .min(Duration::from_secs(300));
            assert!(
                d >= exp.mul_f64(0.5) && d < exp.mul_f64(1.5),
                "{attempt}: {d:?}"
            );
        }
    }
}
