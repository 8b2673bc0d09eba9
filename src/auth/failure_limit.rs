//! Limits on failed client authentications at the token endpoint, so secrets cannot be
//! guessed at full speed. Failures are counted per (client id, address) pair tightly, and per
//! client id and per address loosely; an address a client authenticated from lately is exempt
//! from the loose limits, so an attacker elsewhere cannot lock the client out where it works.
//!
//! Each count lives in a fixed window that starts with its first failure; refused attempts
//! are not counted, so a lockout always ends when its window does, at most
//! `window_seconds` after it began. Every map holds at most [`MAX_TRACKED`] entries: made-up
//! ids cannot grow memory, at worst they push out the oldest counts (which only loosens the
//! limit, never lengthens a lockout). Counts are per instance, like the request rate limit.
//!
//! Attempts in flight at the same moment are checked against the same count, so a burst can
//! pass the limit by the number of requests answered concurrently; with 256-bit secrets the
//! limit is about noise and load, not about making guessing possible.
use std::{
    collections::HashMap,
    hash::Hash,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::{
    config::TokenFailureLimits,
    error::{ApiError, OAuthErrorCode},
};

/// The most entries each of the limiter's maps holds.
pub const MAX_TRACKED: usize = 10_000;

/// How long a successful authentication from an address exempts that (client id, address)
/// pair from the per-client and per-address limits.
pub const KNOWN_GOOD_FOR: Duration = Duration::from_secs(24 * 3600);

/// Failures in the current window of one key.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// A map with at most [`MAX_TRACKED`] entries, each valid until its `until` instant.
#[derive(Debug)]
struct Bounded<K, V> {
    entries: HashMap<K, V>,
}

impl<K: Eq + Hash + Clone, V> Bounded<K, V> {
    fn new() -> Self {
        Self {
            entries: HashMap::new(),
        }
    }

    /// Makes room for one more entry: drops what has expired, then the entry that expires
    /// first.
    fn make_room(&mut self, now: Instant, until: impl Fn(&V) -> Instant) {
        if self.entries.len() < MAX_TRACKED {
            return;
        }
        self.entries.retain(|_, value| until(value) > now);
        if self.entries.len() >= MAX_TRACKED
            && let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, value)| until(value))
                .map(|(key, _)| key.clone())
        {
            self.entries.remove(&oldest);
        }
    }
}

#[derive(Debug)]
struct Counts {
    pairs: Bounded<(String, IpAddr), Window>,
    clients: Bounded<String, Window>,
    addresses: Bounded<IpAddr, Window>,
    known_good: Bounded<(String, IpAddr), Instant>,
}

/// The token endpoint's failure counts (one per instance, in `AppState`).
#[derive(Debug)]
pub struct TokenFailureLimiter {
    limits: TokenFailureLimits,
    window: Duration,
    counts: Mutex<Counts>,
}

impl TokenFailureLimiter {
    /// A limiter enforcing `limits`.
    pub fn new(limits: TokenFailureLimits) -> Self {
        Self {
            window: Duration::from_secs(limits.window_seconds.max(1)),
            limits,
            counts: Mutex::new(Counts {
                pairs: Bounded::new(),
                clients: Bounded::new(),
                addresses: Bounded::new(),
                known_good: Bounded::new(),
            }),
        }
    }

    /// Refuses with 429 (`temporarily_unavailable`, `Retry-After`) when `client_id` or
    /// `address` has failed too often in its current window; called before the secret is
    /// looked at, so a locked-out guess tells nothing.
    pub fn check(&self, client_id: &str, address: IpAddr) -> Result<(), ApiError> {
        self.check_at(client_id, address, Instant::now())
    }

    /// Counts a failed authentication.
    pub fn record_failure(&self, client_id: &str, address: IpAddr) {
        self.record_failure_at(client_id, address, Instant::now());
    }

    /// Notes a successful authentication: the pair's failures are forgotten and the pair is
    /// exempt from the loose limits for [`KNOWN_GOOD_FOR`].
    pub fn record_success(&self, client_id: &str, address: IpAddr) {
        self.record_success_at(client_id, address, Instant::now());
    }

    fn check_at(&self, client_id: &str, address: IpAddr, now: Instant) -> Result<(), ApiError> {
        let Ok(counts) = self.counts.lock() else {
            return Ok(());
        };
        let pair = (client_id.to_owned(), address);
        let known_good = counts
            .known_good
            .entries
            .get(&pair)
            .is_some_and(|until| *until > now);
        let mut limited_until =
            self.limited_until(counts.pairs.entries.get(&pair), self.limits.per_pair, now);
        if !known_good {
            for until in [
                self.limited_until(
                    counts.clients.entries.get(client_id),
                    self.limits.per_client,
                    now,
                ),
                self.limited_until(
                    counts.addresses.entries.get(&address),
                    self.limits.per_address,
                    now,
                ),
            ] {
                limited_until = limited_until.max(until);
            }
        }
        match limited_until {
            None => Ok(()),
            Some(until) => {
                let seconds = until.saturating_duration_since(now).as_secs_f64().ceil();
                Err(ApiError::OAuth {
                    code: OAuthErrorCode::TemporarilyUnavailable,
                    description: format!(
                        "too many failed authentications for this client or from this address; \
                         try again in {seconds} s"
                    ),
                    errors: Vec::new(),
                    retry_after_seconds: Some((seconds as u64).max(1)),
                })
            }
        }
    }

    /// When the window of `window` ends, if it holds `limit` failures or more.
    fn limited_until(&self, window: Option<&Window>, limit: u32, now: Instant) -> Option<Instant> {
        let window = window?;
        let ends = window.started + self.window;
        (limit > 0 && window.failures >= limit && ends > now).then_some(ends)
    }

    fn record_failure_at(&self, client_id: &str, address: IpAddr, now: Instant) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        count_failure(
            &mut counts.pairs,
            (client_id.to_owned(), address),
            now,
            self.window,
        );
        count_failure(&mut counts.clients, client_id.to_owned(), now, self.window);
        count_failure(&mut counts.addresses, address, now, self.window);
    }

    fn record_success_at(&self, client_id: &str, address: IpAddr, now: Instant) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        let pair = (client_id.to_owned(), address);
        counts.pairs.entries.remove(&pair);
        if !counts.known_good.entries.contains_key(&pair) {
            counts.known_good.make_room(now, |until| *until);
        }
        counts.known_good.entries.insert(pair, now + KNOWN_GOOD_FOR);
    }
}

/// Adds a failure to `key`'s window, starting a new window when there is none or it is over.
fn count_failure<K: Eq + Hash + Clone>(
    windows: &mut Bounded<K, Window>,
    key: K,
    now: Instant,
    length: Duration,
) {
    if !windows.entries.contains_key(&key) {
        windows.make_room(now, |window| window.started + length);
    }
    let fresh = Window {
        started: now,
        failures: 0,
    };
    let window = windows.entries.entry(key).or_insert(fresh);
    if window.started + length <= now {
        *window = fresh;
    }
    window.failures = window.failures.saturating_add(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_pair: u32, per_client: u32, per_address: u32) -> TokenFailureLimiter {
        TokenFailureLimiter::new(TokenFailureLimits {
            per_pair,
            per_client,
            per_address,
            window_seconds: 60,
        })
    }

    fn address(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    fn retry_after(result: Result<(), ApiError>) -> Option<u64> {
        match result {
            Ok(()) => None,
            Err(ApiError::OAuth {
                code: OAuthErrorCode::TemporarilyUnavailable,
                retry_after_seconds,
                ..
            }) => retry_after_seconds,
            Err(other) => panic!("unexpected refusal {other}"),
        }
    }

    #[test]
    fn a_pair_is_refused_after_its_failures_until_the_window_ends() {
        let limiter = limiter(3, 0, 0);
        let start = Instant::now();
        for n in 0..3 {
            assert!(
                limiter.check_at("oc_a", address(1), start).is_ok(),
                "attempt {n} is within the limit"
            );
            limiter.record_failure_at("oc_a", address(1), start);
        }
        let later = start + Duration::from_secs(20);
        assert_eq!(
            retry_after(limiter.check_at("oc_a", address(1), later)),
            Some(40),
            "the fourth attempt waits for the rest of the window"
        );
        assert!(
            limiter.check_at("oc_a", address(2), later).is_ok(),
            "another address is not limited by the pair limit"
        );
        assert!(
            limiter.check_at("oc_b", address(1), later).is_ok(),
            "another client is not limited by the pair limit"
        );
        assert!(
            limiter
                .check_at("oc_a", address(1), start + Duration::from_secs(60))
                .is_ok(),
            "the lockout ends with the window"
        );
    }

    #[test]
    fn the_loose_limits_spare_addresses_the_client_succeeded_from() {
        let limiter = limiter(100, 5, 0);
        let now = Instant::now();
        limiter.record_success_at("oc_a", address(1), now);
        for attacker in 10..15 {
            limiter.record_failure_at("oc_a", address(attacker), now);
        }
        assert!(
            retry_after(limiter.check_at("oc_a", address(99), now)).is_some(),
            "a new address is refused once the client's failures reach the loose limit"
        );
        assert!(
            limiter.check_at("oc_a", address(1), now).is_ok(),
            "the address the client works from is spared"
        );
    }

    #[test]
    fn the_address_limit_counts_failures_across_client_ids() {
        let limiter = limiter(0, 0, 3);
        let now = Instant::now();
        for n in 0..3 {
            limiter.record_failure_at(&format!("oc_guess{n}"), address(1), now);
        }
        assert!(
            retry_after(limiter.check_at("oc_other", address(1), now)).is_some(),
            "a fourth client id from the same address is refused"
        );
        assert!(limiter.check_at("oc_other", address(2), now).is_ok());
    }

    #[test]
    fn a_success_clears_the_pairs_failures() {
        let limiter = limiter(2, 0, 0);
        let now = Instant::now();
        limiter.record_failure_at("oc_a", address(1), now);
        limiter.record_success_at("oc_a", address(1), now);
        limiter.record_failure_at("oc_a", address(1), now);
        assert!(
            limiter.check_at("oc_a", address(1), now).is_ok(),
            "one failure since the success is under the limit of 2"
        );
    }

    #[test]
    fn made_up_ids_never_grow_the_maps_beyond_their_bound() {
        let limiter = limiter(1, 1, 0);
        let now = Instant::now();
        for n in 0..(MAX_TRACKED + 500) {
            limiter.record_failure_at(&format!("oc_{n}"), address(1), now);
        }
        let counts = limiter.counts.lock().unwrap();
        assert!(
            counts.pairs.entries.len() <= MAX_TRACKED,
            "pairs are bounded"
        );
        assert!(
            counts.clients.entries.len() <= MAX_TRACKED,
            "clients are bounded"
        );
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let limiter = limiter(0, 0, 0);
        let now = Instant::now();
        for _ in 0..50 {
            limiter.record_failure_at("oc_a", address(1), now);
        }
        assert!(limiter.check_at("oc_a", address(1), now).is_ok());
    }
}
