//! Group commit of delivery outcomes, done by the workers themselves.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use super::Summary;
use super::breaker::Breaker;
use crate::state::{Outcome, State, Status};

/// Group commit of outcomes, done by the workers themselves: a worker adds
/// its outcome and either commits everything waiting (the leader) or waits
/// while another worker's commit runs, then commits what arrived meanwhile.
/// `record` returns only once the worker's own outcome is committed, so its
/// connection takes the next message only after that. No thread hand-off
/// when only one outcome is waiting; many in one transaction under load.
pub(super) struct Journal<'a> {
    state: Mutex<&'a mut State>,
    queue: Mutex<Queue>,
    /// A commit ended (its outcomes are durable, or it failed).
    changed: Condvar,
    /// A worker stopped.
    finished: Condvar,
    /// Watches the committed outcomes for a server refusing the sender.
    pub(super) breaker: Breaker,
}

#[derive(Default)]
pub(super) struct Queue {
    waiting: Vec<Outcome>,
    /// Sequence numbers: outcomes numbered below `committed` are durable.
    next: u64,
    committed: u64,
    committing: bool,
    /// Workers that have stopped.
    finished: usize,
    pub(super) summary: Summary,
    pub(super) error: Option<crate::error::Error>,
}

impl<'a> Journal<'a> {
    pub(super) fn new(state: &'a mut State) -> Self {
        Journal {
            state: Mutex::new(state),
            queue: Mutex::new(Queue::default()),
            changed: Condvar::new(),
            finished: Condvar::new(),
            breaker: Breaker::default(),
        }
    }

    /// Records `outcome`; Ok once it is committed, with whether the run
    /// may go on (false once the breaker tripped). An error (this commit's
    /// or an earlier one's) means it is not, and nothing more will be.
    pub(super) fn record(&self, outcome: Outcome) -> std::result::Result<bool, ()> {
        let mut q = self.queue.lock().map_err(drop)?;
        if q.error.is_some() {
            return Err(());
        }
        let mine = q.next;
        q.next += 1;
        q.waiting.push(outcome);
        loop {
            if q.committed > mine {
                return Ok(self.breaker.tripped().is_none());
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
                        self.breaker.observe(o);
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
    pub(super) fn worker_done(&self) {
        if let Ok(mut q) = self.queue.lock() {
            q.finished += 1;
        }
        self.finished.notify_all();
    }

    /// The counts after a quarter of a second, or None once all `workers`
    /// have stopped. (Waiting for every commit would wake this thread as
    /// often as the workers.)
    pub(super) fn wait_for_change(&self, workers: usize) -> Option<Summary> {
        let q = self.queue.lock().ok()?;
        let (q, _) = self
            .finished
            .wait_timeout_while(q, Duration::from_millis(250), |q| q.finished < workers)
            .ok()?;
        (q.finished < workers).then(|| q.summary.clone())
    }

    pub(super) fn into_inner(self) -> Queue {
        self.queue
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
