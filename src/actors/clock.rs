//! The actors' clock: wall time that advances with tokio time, so paused-time tests move it.
use chrono::{DateTime, TimeDelta, Utc};

/// Wall time anchored once and advanced by tokio's monotonic clock.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    anchor_wall: DateTime<Utc>,
    anchor: tokio::time::Instant,
}

impl Clock {
    /// A clock reading the current wall time now.
    pub fn start() -> Self {
        Clock { anchor_wall: Utc::now(), anchor: tokio::time::Instant::now() }
    }

    /// A clock whose current reading is `at` (tests).
    pub fn starting_at(at: DateTime<Utc>) -> Self {
        Clock { anchor_wall: at, anchor: tokio::time::Instant::now() }
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = TimeDelta::from_std(self.anchor.elapsed()).unwrap_or(TimeDelta::MAX);
        self.anchor_wall.checked_add_signed(elapsed).unwrap_or(self.anchor_wall)
    }
}
