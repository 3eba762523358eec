//! The pace of a run: the global rate limit, the backoff before a retry,
//! and how a backoff is waited out (on the wall clock, or by a test).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How the loop waits out a retry's backoff.
pub(super) trait Pause: Sync {
    /// Waits for `d`; returns false as soon as `stop` is set (SIGINT or
    /// SIGTERM must not wait out a backoff of minutes).
    fn pause(&self, d: Duration, stop: &AtomicBool) -> bool;
}

/// Sleeps on the wall clock, in short steps so that `stop` is seen.
pub(super) struct WallClock;

impl Pause for WallClock {
    fn pause(&self, d: Duration, stop: &AtomicBool) -> bool {
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
}

/// `base * 2^(attempt-1)`, capped at 5 minutes, times a jitter in [0.5, 1.5).
pub(super) fn backoff(base: Duration, attempt: u32, rng: &mut u64) -> Duration {
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    let jitter = 0.5 + (*rng % 1000) as f64 / 1000.0;
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    exp.min(Duration::from_secs(300)).mul_f64(jitter)
}

/// A global pace: at most `rate` sends per second across all workers.
pub(super) struct RateLimiter {
    interval: Option<Duration>,
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    pub(super) fn new(rate: u32) -> Self {
        RateLimiter {
            interval: (rate > 0).then(|| Duration::from_secs(1) / rate),
            next: Mutex::new(None),
        }
    }

    /// Waits for this send's slot.
    pub(super) fn wait(&self) {
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
    pub(super) fn reserve(&self, now: Instant) -> Option<Instant> {
        let interval = self.interval?;
        let mut next = self.next.lock().ok()?;
        let slot = next.map_or(now, |n| n.max(now));
        *next = Some(slot + interval);
        Some(slot)
    }
}
