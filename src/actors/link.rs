//! A game server's connection as FileFetcher sees it: a plain state machine fed with the
//! result of every listing and download and the time, telling when the next one may run.
//!
//! connected → (a transport failure) backing off until T (attempt n) → connecting → connected;
//! a rejected host key or key is `down` (the operator must act) and is retried at the longest
//! wait of `retry::SSH_LINK`. Errors about one file (missing, refused by the SFTP server)
//! leave the link as it is.
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::{
    retry::{self, Backoff},
    sftp::SftpError,
};

/// The connection's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LinkState {
    /// Not tried yet, or trying again after a wait.
    Connecting {
        /// Attempts since the last success (0: the first ever).
        attempt: u32,
    },
    /// The last operation worked.
    Connected {
        /// Since when.
        since: DateTime<Utc>,
    },
    /// A transport failure; nothing is tried before `until`.
    BackingOff {
        /// When the next attempt may run.
        until: DateTime<Utc>,
        /// Failed attempts in a row.
        attempt: u32,
        /// The last error (no secrets: hosts, users and paths only).
        last_error: String,
    },
    /// The server refused us (host key, authentication); retried rarely.
    Down {
        /// Since when.
        since: DateTime<Utc>,
        /// Why.
        reason: String,
        /// When it is tried again.
        retry_at: DateTime<Utc>,
    },
}

/// What an error means for the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The way to the server failed (connect, timeout, session, socket): back off.
    Transport,
    /// The server refused us (host key, authentication): down.
    Refused,
    /// Only this file or name is wrong: the link is fine.
    File,
}

/// Sorts a source error.
pub fn classify(error: &SftpError) -> Failure {
    match error {
        SftpError::Connect { .. }
        | SftpError::Timeout { .. }
        | SftpError::Session { .. }
        | SftpError::Io { .. } => Failure::Transport,
        SftpError::HostKey { .. } | SftpError::Auth { .. } => Failure::Refused,
        SftpError::Sftp { .. } | SftpError::NotFound(_) | SftpError::BadName(_) => Failure::File,
    }
}

/// The state machine.
#[derive(Debug, Clone)]
pub struct Link {
    state: LinkState,
    backoff: Backoff,
}

impl Default for Link {
    fn default() -> Self {
        Link { state: LinkState::Connecting { attempt: 0 }, backoff: retry::SSH_LINK.backoff(29) }
    }
}

impl Link {
    /// `Ok` when an operation may run at `now`; else the time it may.
    pub fn ready(&self, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        match &self.state {
            LinkState::BackingOff { until, .. } if now < *until => Err(*until),
            LinkState::Down { retry_at, .. } if now < *retry_at => Err(*retry_at),
            _ => Ok(()),
        }
    }

    /// An operation starts (after [`Link::ready`]).
    pub fn begin(&mut self) {
        if !matches!(self.state, LinkState::Connected { .. }) {
            self.state = LinkState::Connecting { attempt: self.backoff.attempts() };
        }
    }

    /// An operation worked.
    pub fn succeeded(&mut self, now: DateTime<Utc>) {
        self.backoff.reset();
        if !matches!(self.state, LinkState::Connected { .. }) {
            self.state = LinkState::Connected { since: now };
        }
    }

    /// An operation failed with `error`: what it means, and the state moved accordingly.
    pub fn failed(&mut self, now: DateTime<Utc>, error: &SftpError) -> Failure {
        let failure = classify(error);
        match failure {
            Failure::File => self.succeeded(now),
            Failure::Transport => {
                let wait = self.backoff.next_delay();
                self.state = LinkState::BackingOff {
                    until: now + TimeDelta::from_std(wait).unwrap_or(TimeDelta::MAX),
                    attempt: self.backoff.attempts(),
                    last_error: error.to_string(),
                };
            }
            Failure::Refused => {
                let since = match &self.state {
                    LinkState::Down { since, .. } => *since,
                    _ => now,
                };
                let wait = TimeDelta::from_std(retry::SSH_LINK.max).unwrap_or(TimeDelta::MAX);
                self.state =
                    LinkState::Down { since, reason: error.to_string(), retry_at: now + wait };
            }
        }
        failure
    }

    /// The state.
    pub fn state(&self) -> &LinkState {
        &self.state
    }

    /// One line for health, `!ssh_check` and `!automation_status`.
    pub fn describe(&self) -> String {
        let hms = |t: &DateTime<Utc>| t.format("%H:%M:%S").to_string();
        match &self.state {
            LinkState::Connecting { attempt: 0 } => "connecting".to_owned(),
            LinkState::Connecting { attempt } => format!("connecting (attempt {})", attempt + 1),
            LinkState::Connected { since } => format!("connected since {}", hms(since)),
            LinkState::BackingOff { until, attempt, last_error } => {
                format!("backing off until {} (attempt {attempt}): {last_error}", hms(until))
            }
            LinkState::Down { since, reason, retry_at } => {
                format!("down since {}: {reason} (next try {})", hms(since), hms(retry_at))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_760_000_000 + secs, 0).unwrap()
    }

    fn refused_port() -> SftpError {
        SftpError::Connect { host: "h".into(), port: 22, reason: "connection refused".into() }
    }

    #[test]
    fn transport_failures_back_off_doubling_then_a_success_connects() {
        let mut link = Link::default();
        assert_eq!(link.ready(at(0)), Ok(()));
        link.begin();
        assert_eq!(link.failed(at(0), &refused_port()), Failure::Transport);
        let LinkState::BackingOff { until: first, attempt: 1, .. } = link.state().clone() else {
            panic!("{:?}", link.state())
        };
        assert!(first > at(0) && first <= at(1), "first wait under 1 s: {first}");
        assert_eq!(link.ready(at(0)), Err(first), "nothing runs while backing off");
        assert_eq!(link.ready(first), Ok(()));
        link.begin();
        assert_eq!(link.state(), &LinkState::Connecting { attempt: 1 });
        link.failed(first, &SftpError::Timeout { operation: "read", after: Duration::ZERO });
        let LinkState::BackingOff { until: second, attempt: 2, .. } = link.state().clone() else {
            panic!()
        };
        assert!(second - first >= TimeDelta::seconds(1), "doubled: {}", second - first);
        link.succeeded(second);
        assert_eq!(link.state(), &LinkState::Connected { since: second });
        link.failed(second, &refused_port());
        let LinkState::BackingOff { until, attempt: 1, .. } = link.state().clone() else {
            panic!()
        };
        assert!(until - second <= TimeDelta::seconds(1), "a success resets the back-off");
    }

    #[test]
    fn a_refused_key_is_down_and_retried_rarely() {
        let mut link = Link::default();
        let auth =
            SftpError::Auth { user: "u".into(), key_path: "/k".into(), reason: "denied".into() };
        assert_eq!(link.failed(at(0), &auth), Failure::Refused);
        assert_eq!(link.ready(at(299)), Err(at(300)));
        assert!(link.describe().starts_with("down since"), "{}", link.describe());
        link.failed(at(300), &auth);
        assert!(matches!(link.state(), LinkState::Down { since, .. } if *since == at(0)));
    }

    #[test]
    fn a_missing_file_says_nothing_against_the_link() {
        let mut link = Link::default();
        assert_eq!(link.failed(at(5), &SftpError::NotFound("x".into())), Failure::File);
        assert_eq!(link.state(), &LinkState::Connected { since: at(5) });
        assert_eq!(link.describe(), "connected since 08:53:25");
    }
}
