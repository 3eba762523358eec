//! A circuit breaker for refusals that are about the sender, not the
//! recipients: when the first [`THRESHOLD`] outcomes of a run are all
//! permanent refusals and nothing was accepted, the server is refusing us
//! (relaying denied, a sender address it does not take, a blocked IP), so
//! marking every subscriber `failed` for good would be wrong. The run
//! stops and those recipients go back to pending for the next run.

use std::sync::Mutex;

use crate::state::{Outcome, Status};

/// Permanent refusals in a row, with nothing accepted, that trip it.
pub const THRESHOLD: usize = 20;

/// Watches the first final outcomes of a run.
#[derive(Default)]
pub struct Breaker {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Something was accepted: the server takes our mail; stop watching.
    disarmed: bool,
    /// Keys of the recipients refused so far (while armed).
    refused: Vec<String>,
    /// The first refusal's reply.
    reply: Option<String>,
    tripped: bool,
}

/// What tripped the breaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trip {
    /// The recipients refused before it tripped, and in flight after.
    pub keys: Vec<String>,
    /// The first reply.
    pub reply: String,
}

impl Breaker {
    /// Notes a committed outcome; true when the run must stop now.
    pub fn observe(&self, o: &Outcome) -> bool {
        let Ok(mut b) = self.inner.lock() else {
            return false;
        };
        if b.disarmed {
            return false;
        }
        if b.tripped {
            // Refused in flight while the run stops: reopened with the rest.
            if o.status == Status::Failed {
                b.refused.push(o.key.clone());
            }
            return false;
        }
        match o.status {
            Status::Sent => b.disarmed = true,
            Status::Failed => {
                b.refused.push(o.key.clone());
                if b.reply.is_none() {
                    b.reply.clone_from(&o.reply);
                }
                b.tripped = b.refused.len() >= THRESHOLD;
            }
            Status::Pending => {}
        }
        b.tripped
    }

    /// The trip, if it happened.
    pub fn tripped(&self) -> Option<Trip> {
        let b = self.inner.lock().ok()?;
        b.tripped.then(|| Trip {
            keys: b.refused.clone(),
            reply: b.reply.clone().unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(key: &str, status: Status) -> Outcome {
        Outcome {
            issue: 1,
            key: key.into(),
            email: key.into(),
            status,
            reply: Some("550 5.7.1 relaying denied".into()),
            message_id: String::new(),
            at: chrono::DateTime::UNIX_EPOCH,
            attempts: 1,
        }
    }

    #[test]
    fn trips_on_the_threshold_of_refusals_with_nothing_accepted() {
        let b = Breaker::default();
        for i in 0..THRESHOLD - 1 {
            assert!(!b.observe(&outcome(&format!("a{i}"), Status::Failed)));
            // Transient outcomes neither count nor disarm.
            assert!(!b.observe(&outcome(&format!("p{i}"), Status::Pending)));
        }
        assert!(b.tripped().is_none());
        assert!(b.observe(&outcome("last", Status::Failed)));
        let trip = b.tripped().unwrap();
        assert_eq!(trip.keys.len(), THRESHOLD);
        assert_eq!(trip.reply, "550 5.7.1 relaying denied");
    }

    #[test]
    fn one_accepted_message_disarms_it() {
        let b = Breaker::default();
        assert!(!b.observe(&outcome("ok", Status::Sent)));
        for i in 0..THRESHOLD * 2 {
            assert!(!b.observe(&outcome(&format!("a{i}"), Status::Failed)));
        }
        assert!(b.tripped().is_none());
    }
}
