//! Per-client rate limiting: a token bucket per client id on each instance. With several
//! instances behind a balancer a client gets up to the limit on each; that bounds abuse
//! without a shared store, which is what this limiter is for.
use std::{collections::HashMap, sync::Mutex, time::Instant};

use crate::error::ApiError;

/// Token buckets, refilled at `rate` per second up to `burst`.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` requests a second per client with bursts of twice
    /// that; 0 turns limiting off.
    pub fn new(per_second: u32) -> Self {
        Self {
            rate: f64::from(per_second),
            burst: f64::from(per_second) * 2.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `client_id`, or answers 429 with the seconds until one is free.
    pub fn check(&self, client_id: &str) -> Result<(), ApiError> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        let (tokens, last) = buckets
            .entry(client_id.to_owned())
            .or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.rate).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - *tokens) / self.rate).ceil().max(1.0);
            Err(ApiError::TooManyRequests {
                retry_after_seconds: wait as u64,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_waits_and_others_are_unaffected() {
        let limiter = RateLimiter::new(2);
        for n in 0..4 {
            assert!(
                limiter.check("a").is_ok(),
                "request {n} is within the burst"
            );
        }
        let Err(ApiError::TooManyRequests {
            retry_after_seconds,
        }) = limiter.check("a")
        else {
            panic!("the fifth request is limited");
        };
        assert!(retry_after_seconds >= 1);
        assert!(limiter.check("b").is_ok());
        assert!(RateLimiter::new(0).check("a").is_ok());
    }
}
