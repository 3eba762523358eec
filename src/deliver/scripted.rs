//! A transport for unit tests: it gives each attempt the outcome the test
//! scripted for that address and attempt, logs every attempt, and calls a
//! hook before answering (to raise the stop flag, or to look at the state
//! while the run is going on). No network, no clock.

use std::collections::HashMap;
use std::sync::Mutex;

use lettre::Message;

use super::{Attempt, Transport};
use crate::error::Result;

/// What the hook is called with: the address and the attempt number
/// (1 for the first attempt at that address).
type Hook<'a> = dyn Fn(&str, u32) + Sync + 'a;

/// Answers from a script, per address and per attempt.
pub(crate) struct ScriptedTransport<'a> {
    script: HashMap<String, Vec<Attempt>>,
    /// Every attempt in order: (address, attempt number).
    log: Mutex<Vec<(String, u32)>>,
    hook: Option<Box<Hook<'a>>>,
}

impl<'a> ScriptedTransport<'a> {
    /// Accepts every message ("250 2.0.0 queued") until scripted otherwise.
    pub(crate) fn new() -> Self {
        ScriptedTransport {
            script: HashMap::new(),
            log: Mutex::new(Vec::new()),
            hook: None,
        }
    }

    /// The outcomes of the attempts at `address`, in order; once they run
    /// out the last one repeats.
    pub(crate) fn script(mut self, address: &str, outcomes: Vec<Attempt>) -> Self {
        self.script.insert(address.to_string(), outcomes);
        self
    }

    /// Calls `hook` on every attempt, on the sending thread, before the
    /// outcome is returned.
    pub(crate) fn on_send(mut self, hook: impl Fn(&str, u32) + Sync + 'a) -> Self {
        self.hook = Some(Box::new(hook));
        self
    }

    /// Every attempt so far, in order: (address, attempt number).
    pub(crate) fn attempts(&self) -> Vec<(String, u32)> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// How many attempts `address` got.
    pub(crate) fn attempts_at(&self, address: &str) -> u32 {
        let log = self.attempts();
        log.iter().filter(|(a, _)| a == address).count() as u32
    }
}

impl Transport for ScriptedTransport<'_> {
    fn describe(&self) -> String {
        "scripted".to_string()
    }

    fn check(&self, _stop: &std::sync::atomic::AtomicBool) -> Result<super::Checked> {
        Ok(super::Checked::Ready)
    }

    fn send(&self, message: &Message, _message_id: &str) -> Attempt {
        let address = message
            .envelope()
            .to()
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        let attempt = match self.log.lock() {
            Ok(mut log) => {
                let n = log.iter().filter(|(a, _)| *a == address).count() as u32 + 1;
                log.push((address.clone(), n));
                n
            }
            Err(_) => return Attempt::Transient("the script's log was poisoned".into()),
        };
        if let Some(hook) = &self.hook {
            hook(&address, attempt);
        }
        let outcomes = self.script.get(&address).map(Vec::as_slice).unwrap_or(&[]);
        let i = (attempt as usize - 1).min(outcomes.len().saturating_sub(1));
        outcomes
            .get(i)
            .cloned()
            .unwrap_or_else(|| Attempt::Sent("250 2.0.0 queued".into()))
    }
}
