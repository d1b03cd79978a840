//! Exponential back-off with jitter, as a plain value an actor keeps between attempts.
use std::time::Duration;

/// Delays `base · 2^n`, capped at `max`, each scaled by a random factor in [0.5, 1.0).
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
    // xorshift state; any non-zero seed. Jitter needs no cryptographic randomness.
    state: u64,
}

impl Backoff {
    /// A back-off starting at `base`, never above `max`; `seed` makes the jitter reproducible.
    pub fn new(base: Duration, max: Duration, seed: u64) -> Self {
        Backoff { base, max, attempt: 0, state: seed | 1 }
    }

    /// The delay before the next attempt; each call doubles the next one.
    pub fn next_delay(&mut self) -> Duration {
        let exp =
            self.base.saturating_mul(1u32.checked_shl(self.attempt.min(20)).unwrap_or(u32::MAX));
        let capped = exp.min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        // 0.5 + [0, 0.5) from the top 53 bits.
        let unit = (self.state >> 11) as f64 / (1u64 << 53) as f64;
        capped.mul_f64(0.5 + unit / 2.0)
    }

    /// Attempts made since the last success.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// After a success: start again from `base`.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_with_jitter_and_caps() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(30), 42);
        let delays: Vec<Duration> = (0..8).map(|_| b.next_delay()).collect();
        for (n, d) in delays.iter().enumerate() {
            let full = Duration::from_secs(1 << n).min(Duration::from_secs(30));
            assert!(*d >= full / 2 && *d < full, "attempt {n}: {d:?} vs {full:?}");
        }
        assert_eq!(b.attempts(), 8);
        b.reset();
        assert!(b.next_delay() < Duration::from_secs(1));
        let mut other = Backoff::new(Duration::from_secs(1), Duration::from_secs(30), 7);
        let mut same = Backoff::new(Duration::from_secs(1), Duration::from_secs(30), 7);
        assert_eq!(other.next_delay(), same.next_delay(), "seeded jitter is reproducible");
    }
}
