//! Subscribe requests per client address per hour, in memory (a restart
//! forgets them; the per-address limit on confirmation emails is in the
//! state and survives).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// How many clients are tracked before stale windows are dropped.
const PRUNE_AT: usize = 10_000;

/// A fixed one-hour window per client address.
pub(crate) struct PerClient {
    per_hour: u32,
    windows: Mutex<HashMap<IpAddr, (DateTime<Utc>, u32)>>,
}

impl PerClient {
    pub(crate) fn new(per_hour: u32) -> PerClient {
        PerClient {
            per_hour,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `client` at `now`; false if it is over the
    /// limit.
    pub(crate) fn allow(&self, client: IpAddr, now: DateTime<Utc>) -> bool {
        let Ok(mut windows) = self.windows.lock() else {
            return false;
        };
        let hour = Duration::hours(1);
        if windows.len() >= PRUNE_AT {
            windows.retain(|_, (start, _)| now - *start < hour);
        }
        let entry = windows.entry(client).or_insert((now, 0));
        if now - entry.0 >= hour || now < entry.0 {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_hour {
            return false;
        }
        entry.1 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_share_per_hour() {
        let limit = PerClient::new(2);
        let a: IpAddr = [192, 0, 2, 1].into();
        let b: IpAddr = [192, 0, 2, 2].into();
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert!(limit.allow(a, t) && limit.allow(a, t));
        assert!(!limit.allow(a, t + Duration::minutes(59)));
        assert!(limit.allow(b, t));
        assert!(limit.allow(a, t + Duration::minutes(60)));
    }
}
