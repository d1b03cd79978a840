//! The one retry rule of the project: exponential back-off with jitter, as a plain value a
//! caller keeps between attempts, and the named policies every retrying part uses (the
//! database writer, the SSH link, per-file fetches, the publisher, Discord posts and the
//! game-server notifier). Only transient failures are retried; callers classify.
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

/// A retry policy: the first wait, the longest, and how many attempts in all (`None`: until
/// it works).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Wait after the first failure (before jitter).
    pub base: Duration,
    /// Longest wait.
    pub max: Duration,
    /// Attempts in all, the first included; `None` retries for ever.
    pub attempts: Option<u32>,
}

impl Policy {
    /// A fresh back-off under this policy.
    pub fn backoff(&self, seed: u64) -> Backoff {
        Backoff::new(self.base, self.max, seed)
    }

    /// True when `made` attempts leave another one.
    pub fn allows_another(&self, made: u32) -> bool {
        self.attempts.is_none_or(|limit| made < limit)
    }
}

/// DbWriter, while the database is away: 0.5 s doubling to a minute, for ever.
pub const DB_WRITE: Policy =
    Policy { base: Duration::from_millis(500), max: Duration::from_secs(60), attempts: None };
/// FileFetcher's connection to a game server: 1 s doubling to 5 minutes, for ever.
pub const SSH_LINK: Policy =
    Policy { base: Duration::from_secs(1), max: Duration::from_secs(300), attempts: None };
/// One file that failed for itself (gone, unreadable): 2 s doubling to 5 minutes, 8 tries,
/// then it waits for the next poll.
pub const FILE_FETCH: Policy =
    Policy { base: Duration::from_secs(2), max: Duration::from_secs(300), attempts: Some(8) };
/// RoundPublisher, when the sink or database failed: 1 s doubling to 2 minutes, for ever
/// (the round stays in the outbox).
pub const POSTING: Policy =
    Policy { base: Duration::from_secs(1), max: Duration::from_secs(120), attempts: None };
/// One Discord message (429, 5xx, transport): 1 s doubling to 30 s, 6 attempts, then the
/// publisher's own retry takes over.
pub const DISCORD_SEND: Policy =
    Policy { base: Duration::from_secs(1), max: Duration::from_secs(30), attempts: Some(6) };

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

    #[test]
    fn policies_count_attempts() {
        assert!(DISCORD_SEND.allows_another(5));
        assert!(!DISCORD_SEND.allows_another(6));
        assert!(DB_WRITE.allows_another(u32::MAX));
        let mut b = FILE_FETCH.backoff(1);
        assert!(b.next_delay() < Duration::from_secs(2));
    }
}
