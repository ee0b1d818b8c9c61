//! Politeness: one request-rate limit shared by every worker, and the waits between retries
//! (exponential, with jitter so that workers that failed together do not retry together).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Spaces requests at least `interval` apart across all threads.
#[derive(Debug)]
pub struct Pace {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pace {
    /// `per_second` ≤ 0 means no limit.
    pub fn new(per_second: f64) -> Pace {
        let interval = if per_second > 0.0 && per_second.is_finite() {
            Duration::from_secs_f64(1.0 / per_second)
        } else {
            Duration::ZERO
        };
        Pace {
            interval,
            next: Mutex::new(Instant::now()),
        }
    }

    /// Blocks until this caller may send its request.
    pub fn wait(&self) {
        let now = Instant::now();
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let at = (*next).max(now);
            *next = at + self.interval;
            at
        };
        if at > now {
            std::thread::sleep(at - now);
        }
    }
}

/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(120);

/// The wait before retry number `attempt` (1 for the first retry): `base`, doubling each time up
/// to [`MAX_BACKOFF`], scaled by a factor in 0.75..1.25 drawn from `seed`.
pub fn backoff(base: Duration, attempt: u32, seed: u64) -> Duration {
    let doubled = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let capped = doubled.min(MAX_BACKOFF);
    // splitmix64: a well-spread number from any seed, no random-number crate needed.
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let factor = 0.75 + (z % 1000) as f64 / 2000.0;
    capped.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_growing() {
        let base = Duration::from_millis(1000);
        for seed in 0..50 {
            let first = backoff(base, 1, seed);
            assert!(first >= Duration::from_millis(750) && first <= Duration::from_millis(1250));
            let third = backoff(base, 3, seed);
            assert!(third >= Duration::from_millis(3000) && third <= Duration::from_millis(5000));
            assert!(backoff(base, 30, seed) <= MAX_BACKOFF.mul_f64(1.25));
        }
        assert_ne!(
            backoff(base, 1, 1),
            backoff(base, 1, 2),
            "jitter spreads retries"
        );
    }

    #[test]
    fn the_pace_spaces_requests_across_threads() {
        let pace = Pace::new(50.0);
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..5 {
                        pace.wait();
                    }
                });
            }
        });
        // Ten requests at 50 per second: the tenth may not start before 9 intervals (180 ms).
        assert!(start.elapsed() >= Duration::from_millis(179));
    }
}
