//! The delivery loop itself: workers, composing ahead, retries, and the
//! stop (a signal, the breaker, or a failed commit).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use lettre::Message;

use super::breaker;
use super::journal::Journal;
use super::pace::{Pause, RateLimiter, backoff};
use super::{Attempt, Job, Recipients, Summary, Transport};
use crate::error::{Error, Result};
use crate::state::{Outcome, State, Status};
use crate::subscribers::{Row, Subscriber};

/// What a run drives: the job, where messages go, the stop flag, and how
/// a retry's backoff is waited out.
pub(super) struct Loop<'a> {
    pub(super) job: &'a Job<'a>,
    pub(super) transport: &'a dyn Transport,
    pub(super) stop: &'a AtomicBool,
    pub(super) pause: &'a dyn Pause,
}

/// What every worker of a run shares.
struct Shared<'a> {
    run: &'a Loop<'a>,
    limiter: RateLimiter,
    journal: Journal<'a>,
}

/// A recipient and their composed message (and Message-ID).
type Composed = (Subscriber, Result<(Message, String)>);

/// Delivers to every recipient (see [`super::run`]).
pub(super) fn run<I>(
    run: &Loop,
    state: &mut State,
    recipients: &Mutex<Recipients<I>>,
    mut progress: impl FnMut(&Summary),
) -> Result<Summary>
where
    I: Iterator<Item = Row> + Send,
{
    let (job, stop) = (run.job, run.stop);
    let shared = Shared {
        run,
        limiter: RateLimiter::new(job.rate_per_second),
        journal: Journal::new(state),
    };
    let workers = job.concurrency.max(1);
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
        let composed = (job.compose)(&sub);
        Some((sub, composed))
    };
    std::thread::scope(|scope| {
        if ahead {
            for _ in 0..cores.min(workers) {
                let tx = tx.clone();
                scope.spawn(move || compose_ahead(job, recipients, stop, &tx));
            }
        }
        drop(tx);
        for worker in 0..workers {
            let (shared, from_queue, compose_here) = (&shared, &from_queue, &compose_here);
            scope.spawn(move || {
                if ahead {
                    work(shared, worker, from_queue);
                    // Stopped: let the composers finish the message each is
                    // handing over (not sent, so not recorded: the next
                    // run sends them).
                    while from_queue().is_some() {}
                } else {
                    work(shared, worker, compose_here);
                }
                shared.journal.worker_done();
            });
        }
        // This thread only reports progress while the workers run.
        while let Some(summary) = shared.journal.wait_for_change(workers) {
            progress(&summary);
        }
    });
    let trip = shared.journal.breaker.tripped();
    let j = shared.journal.into_inner();
    if let Some(e) = j.error {
        return Err(e);
    }
    if let Some(trip) = trip {
        state.reopen(job.issue, &trip.keys)?;
        return Err(Error::failed(format!(
            "stopped: the server refused the first {} recipients of this run for good and accepted none (first reply: {}); that is a problem with the sender (relaying not allowed, authentication, the From address, a blocked IP), not with the addresses, so the {} refused stay pending and nobody was marked failed",
            breaker::THRESHOLD,
            trip.reply,
            trip.keys.len()
        ))
        .with_help("fix the cause named in the reply, then run `newsletter send` again"));
    }
    let mut summary = j.summary;
    summary.interrupted = stop.load(Ordering::SeqCst);
    Ok(summary)
}

fn compose_ahead<I: Iterator<Item = Row>>(
    job: &Job,
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
        let composed = (job.compose)(&sub);
        if tx.send((sub, composed)).is_err() {
            return;
        }
    }
}

fn work(shared: &Shared, worker: usize, next: &dyn Fn() -> Option<Composed>) {
    let stop = shared.run.stop;
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64 ^ (worker as u64 + 1);
    while !stop.load(Ordering::SeqCst) {
        let Some((sub, composed)) = next() else {
            return;
        };
        let outcome = deliver_one(shared, &sub, composed, &mut rng);
        match shared.journal.record(outcome) {
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
    shared: &Shared,
    sub: &Subscriber,
    composed: Result<(Message, String)>,
    rng: &mut u64,
) -> Outcome {
    let Loop {
        job,
        transport,
        stop,
        pause,
    } = *shared.run;
    let mut outcome = Outcome {
        issue: job.issue,
        key: sub.key.clone(),
        email: sub.email.clone(),
        status: Status::Pending,
        reply: None,
        message_id: String::new(),
        at: job.now,
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
    for attempt in 1..=job.max_attempts.max(1) {
        shared.limiter.wait();
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
                if attempt == job.max_attempts || stop.load(Ordering::SeqCst) {
                    break;
                }
                if !pause.pause(backoff(job.retry_delay, attempt, rng), stop) {
                    break;
                }
            }
        }
    }
    outcome
}
