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

pub mod smtp;
pub mod transport;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lettre::Message;

use crate::error::Result;
use crate::state::{Outcome, State, Status};
use crate::subscribers::{InvalidRow, Row, Subscriber};
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
    skip_done: HashSet<String>,
    suppressed: HashSet<String>,
    /// Counts of what was skipped.
    pub summary: Summary,
}

impl<I: Iterator<Item = Row>> Recipients<I> {
    /// Wraps a row stream.
    pub fn new(rows: I, skip_done: HashSet<String>, suppressed: HashSet<String>) -> Self {
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
    std::thread::scope(|scope| {
        for worker in 0..workers {
            let (journal, limiter) = (&journal, &limiter);
            scope.spawn(move || {
                work(worker, plan, transport, recipients, stop, limiter, journal);
                journal.worker_done();
            });
        }
        // This thread only reports progress while the workers run.
        while let Some(summary) = journal.wait_for_change(workers) {
            progress(&summary);
        }
    });
    let j = journal.into_inner();
    if let Some(e) = j.error {
        return Err(e);
    }
    let mut summary = j.summary;
    summary.interrupted = stop.load(Ordering::SeqCst);
    Ok(summary)
}

/// Group commit of outcomes, done by the workers themselves: a worker adds
/// its outcome and either commits everything waiting (the leader) or waits
/// while another worker's commit runs, then commits what arrived meanwhile.
/// `record` returns only once the worker's own outcome is committed, so its
/// connection takes the next message only after that. No thread hand-off
/// when only one outcome is waiting; many in one transaction under load.
struct Journal<'a> {
    state: Mutex<&'a mut State>,
    queue: Mutex<Queue>,
    /// A commit ended (its outcomes are durable, or it failed).
    changed: Condvar,
    /// A worker stopped.
    finished: Condvar,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Outcome>,
    /// Sequence numbers: outcomes numbered below `committed` are durable.
    next: u64,
    committed: u64,
    committing: bool,
    /// Workers that have stopped.
    finished: usize,
    summary: Summary,
    error: Option<crate::error::Error>,
}

impl<'a> Journal<'a> {
    fn new(state: &'a mut State) -> Self {
        Journal {
            state: Mutex::new(state),
            queue: Mutex::new(Queue::default()),
            changed: Condvar::new(),
            finished: Condvar::new(),
        }
    }

    /// Records `outcome`; Ok once it is committed. An error (this commit's
    /// or an earlier one's) means it is not, and nothing more will be.
    fn record(&self, outcome: Outcome) -> std::result::Result<(), ()> {
        let mut q = self.queue.lock().map_err(drop)?;
        if q.error.is_some() {
            return Err(());
        }
        let mine = q.next;
        q.next += 1;
        q.waiting.push(outcome);
        loop {
            if q.committed > mine {
                return Ok(());
            }
            if q.error.is_some() {
                return Err(());
            }
            if q.committing {
                q = self.changed.wait(q).map_err(drop)?;
                continue;
            }
            // Lead: commit everything waiting, without holding the queue.
            q.committing = true;
            let batch = std::mem::take(&mut q.waiting);
            let upto = q.next;
            drop(q);
            let done = match self.state.lock() {
                Ok(mut state) => state.record(&batch),
                Err(_) => Err(crate::error::Error::failed("the state was poisoned")),
            };
            q = self.queue.lock().map_err(drop)?;
            q.committing = false;
            match done {
                Ok(()) => {
                    q.committed = upto;
                    for o in &batch {
                        match o.status {
                            Status::Sent => q.summary.sent += 1,
                            Status::Failed => q.summary.failed += 1,
                            Status::Pending => q.summary.pending += 1,
                        }
                    }
                }
                // What was not recorded is sent again next run.
                Err(e) => {
                    q.error.get_or_insert(e);
                }
            }
            self.changed.notify_all();
        }
    }

    /// A worker has stopped.
    fn worker_done(&self) {
        if let Ok(mut q) = self.queue.lock() {
            q.finished += 1;
        }
        self.finished.notify_all();
    }

    /// The counts after a quarter of a second, or None once all `workers`
    /// have stopped. (Waiting for every commit would wake this thread as
    /// often as the workers.)
    fn wait_for_change(&self, workers: usize) -> Option<Summary> {
        let q = self.queue.lock().ok()?;
        let (q, _) = self
            .finished
            .wait_timeout_while(q, Duration::from_millis(250), |q| q.finished < workers)
            .ok()?;
        (q.finished < workers).then(|| q.summary.clone())
    }

    fn into_inner(self) -> Queue {
        self.queue
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn work<I: Iterator<Item = Row>>(
    worker: usize,
    plan: &Plan,
    transport: &dyn Transport,
    recipients: &Mutex<Recipients<I>>,
    stop: &AtomicBool,
    limiter: &RateLimiter,
    journal: &Journal,
) {
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64 ^ (worker as u64 + 1);
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let next = match recipients.lock() {
            Ok(mut r) => r.next(),
            Err(_) => return,
        };
        let Some(sub) = next else { return };
        let outcome = deliver_one(plan, transport, &sub, stop, limiter, &mut rng);
        if journal.record(outcome).is_err() {
            // Stop everyone; what was not recorded is sent again next run.
            stop.store(true, Ordering::SeqCst);
            return;
        }
    }
}

fn deliver_one(
    plan: &Plan,
    transport: &dyn Transport,
    sub: &Subscriber,
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
    };
    let (message, id) = match (plan.compose)(sub) {
        Ok(m) => m,
        Err(e) => {
            outcome.reply = Some(format!("not sent: {e}"));
            return outcome;
        }
    };
    outcome.message_id = id.clone();
    for attempt in 1..=plan.max_attempts.max(1) {
        limiter.wait();
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
                std::thread::sleep(backoff(plan.retry_delay, attempt, rng));
            }
        }
    }
    outcome
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

    fn wait(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let wait_until = {
            let Ok(mut next) = self.next.lock() else {
                return;
            };
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + interval);
            slot
        };
        let now = Instant::now();
        if wait_until > now {
            std::thread::sleep(wait_until - now);
        }
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
