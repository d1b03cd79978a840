//! The notifier's logic as a plain value: which files are complete, which are refused, the
//! queue in timestamp order, one post at a time, pacing and retries. The shell feeds it what
//! the watcher, the folder listing and the webhook report, with the time; it does no I/O.
use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    time::{Duration, Instant},
};

use crate::retry::Backoff;
use crate::stats::{FileNameError, StatsFileName};

use super::state::{Pending, State};

/// Refused names remembered (to log each once); the set is cleared past this size.
const MAX_REFUSED_REMEMBERED: usize = 10_000;

/// Timings, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Quiet time after which a file found by a listing, without a close-after-write, is
    /// complete.
    pub settle: Duration,
    /// The same for a file the watch saw being written and never saw closed: longer, since a
    /// writer holding the file open may just be slow.
    pub open_settle: Duration,
    /// Least time between two announcements.
    pub post_interval: Duration,
    /// First retry delay.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// Longest wait a 429 can ask for.
    pub retry_after_max: Duration,
}

/// What was seen of one file in the stats folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Created or written to (inotify create/modify), with its size now. Still being written.
    Written {
        /// Bytes.
        size: u64,
    },
    /// Closed after writing, or renamed into the folder: complete if it is not empty.
    Finished {
        /// Bytes.
        size: u64,
    },
    /// Found by a listing or a settle check: complete once its size has not changed for
    /// `Rules::settle`.
    Listed {
        /// Bytes.
        size: u64,
    },
    /// Removed or renamed away. A file already queued stays queued: it was complete.
    Gone,
}

/// What an observation changed, for the shell to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// Nothing worth a log line.
    Nothing,
    /// The name fails validation; reported once per name.
    Refused(FileNameError),
    /// Complete and queued for announcement.
    Queued,
}

/// One announcement to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The file.
    pub file: StatsFileName,
    /// Its size when found complete.
    pub size: u64,
}

/// How a post ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: announced.
    Posted,
    /// 429: wait `retry_after` (or back off when the answer gave none).
    RateLimited {
        /// Discord's `retry_after`.
        retry_after: Option<Duration>,
    },
    /// Anything else (network error, timeout, 5xx, other 4xx): back off and retry.
    Failed,
}

/// A valid file not complete yet.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    size: u64,
    // When its size last changed (or it was last written to).
    changed_at: Instant,
    // The watch saw it written and not closed yet.
    open: bool,
}

/// The announcer.
#[derive(Debug)]
pub struct NotifyQueue {
    rules: Rules,
    announced: BTreeSet<String>,
    candidates: HashMap<String, Candidate>,
    // Complete and not announced, in timestamp order (the file name's `Ord`).
    queue: BTreeMap<StatsFileName, u64>,
    in_flight: Option<StatsFileName>,
    refused: HashSet<String>,
    // No post before this (pacing, retry_after or backoff).
    not_before: Option<Instant>,
    backoff: Backoff,
    // The persisted part (announced or queue) changed since the last `saved`.
    dirty: bool,
}

impl NotifyQueue {
    /// Starts from the saved `state`; `seed` seeds the retry jitter.
    pub fn new(rules: Rules, state: State, seed: u64) -> Self {
        let mut queue = BTreeMap::new();
        for pending in state.pending {
            // Written by us, so always valid; a hand-edited bad name is dropped here.
            if let Ok(file) = StatsFileName::parse(&pending.name)
                && !state.announced.contains(&pending.name)
            {
                queue.insert(file, pending.size);
            }
        }
        NotifyQueue {
            rules,
            announced: state.announced,
            candidates: HashMap::new(),
            queue,
            in_flight: None,
            refused: HashSet::new(),
            not_before: None,
            backoff: Backoff::new(rules.retry_base, rules.retry_max, seed),
            dirty: false,
        }
    }

    /// Takes in what was seen of the file `name` (a base name) at `now`.
    pub fn observe(&mut self, name: &str, seen: Seen, now: Instant) -> Observed {
        if self.announced.contains(name) {
            self.candidates.remove(name);
            return Observed::Nothing;
        }
        let file = match StatsFileName::parse(name) {
            Ok(file) => file,
            Err(error) => {
                if self.refused.len() >= MAX_REFUSED_REMEMBERED {
                    self.refused.clear();
                }
                return if self.refused.insert(name.to_owned()) {
                    Observed::Refused(error)
                } else {
                    Observed::Nothing
                };
            }
        };
        if self.queue.contains_key(&file) {
            return Observed::Nothing;
        }
        let rules = self.rules;
        let complete = match seen {
            Seen::Gone => {
                self.candidates.remove(name);
                return Observed::Nothing;
            }
            Seen::Finished { size } => {
                let closed = Candidate { size, changed_at: now, open: false };
                self.candidates.insert(name.to_owned(), closed);
                size > 0
            }
            Seen::Written { size } => {
                let open = Candidate { size, changed_at: now, open: true };
                self.candidates.insert(name.to_owned(), open);
                false
            }
            Seen::Listed { size } => match self.candidates.get_mut(name) {
                Some(known) if known.size == size => {
                    size > 0
                        && now.saturating_duration_since(known.changed_at) >= quiet(&rules, known)
                }
                Some(known) => {
                    *known = Candidate { size, changed_at: now, open: known.open };
                    false
                }
                None => {
                    let listed = Candidate { size, changed_at: now, open: false };
                    self.candidates.insert(name.to_owned(), listed);
                    false
                }
            },
        };
        if !complete {
            return Observed::Nothing;
        }
        let size = self.candidates.remove(name).map_or(0, |c| c.size);
        self.queue.insert(file, size);
        self.dirty = true;
        Observed::Queued
    }

    /// Files waiting for a settle check whose quiet time has passed at `now`: the shell lists
    /// their sizes again and reports them as [`Seen::Listed`] (or [`Seen::Gone`]).
    pub fn due_for_check(&self, now: Instant) -> Vec<String> {
        let mut due: Vec<String> = self
            .candidates
            .iter()
            .filter(|(_, c)| c.size > 0 && now >= c.changed_at + quiet(&self.rules, c))
            .map(|(name, _)| name.clone())
            .collect();
        due.sort_unstable();
        due
    }

    /// The next announcement to post, when none is in flight and pacing or a retry delay does
    /// not hold it back. The file stays queued until [`NotifyQueue::finish`] reports success.
    pub fn next_post(&mut self, now: Instant) -> Option<Announcement> {
        if self.in_flight.is_some() || self.not_before.is_some_and(|t| now < t) {
            return None;
        }
        let (file, size) = self.queue.first_key_value()?;
        let announcement = Announcement { file: file.clone(), size: *size };
        self.in_flight = Some(file.clone());
        Some(announcement)
    }

    /// Reports how the post of the file in flight ended at `now`; returns the time until the
    /// next attempt may start.
    pub fn finish(&mut self, outcome: Outcome, now: Instant) -> Duration {
        let Some(file) = self.in_flight.take() else { return Duration::ZERO };
        let delay = match outcome {
            Outcome::Posted => {
                self.queue.remove(&file);
                self.announced.insert(file.as_str().to_owned());
                self.dirty = true;
                self.backoff.reset();
                self.rules.post_interval
            }
            Outcome::RateLimited { retry_after: Some(wait) } => {
                wait.min(self.rules.retry_after_max)
            }
            Outcome::RateLimited { retry_after: None } | Outcome::Failed => {
                self.backoff.next_delay()
            }
        };
        self.not_before = Some(now + delay);
        delay
    }

    /// When the shell should next call in (a post allowed again or a settle check due), if
    /// anything is waiting on time.
    pub fn next_wake(&self, now: Instant) -> Option<Instant> {
        let post = (self.in_flight.is_none() && !self.queue.is_empty())
            .then(|| self.not_before.map_or(now, |t| t.max(now)));
        let settle = self
            .candidates
            .values()
            .filter(|c| c.size > 0)
            .map(|c| c.changed_at + quiet(&self.rules, c))
            .min();
        post.into_iter().chain(settle).min()
    }

    /// Whether the persisted part changed since the last [`NotifyQueue::saved`].
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The state was written.
    pub fn saved(&mut self) {
        self.dirty = false;
    }

    /// What to write to the state file: every announced name and the queue (the file in
    /// flight included: it is not announced until the answer says so).
    pub fn state(&self) -> State {
        State {
            version: 0,
            announced: self.announced.clone(),
            pending: self
                .queue
                .iter()
                .map(|(file, size)| Pending { name: file.as_str().to_owned(), size: *size })
                .collect(),
            updated_at: None,
        }
    }

    /// Files announced so far.
    pub fn announced_count(&self) -> usize {
        self.announced.len()
    }

    /// Files queued (in flight included).
    pub fn pending_count(&self) -> usize {
        self.queue.len()
    }

    /// Whether a post is in flight.
    pub fn is_posting(&self) -> bool {
        self.in_flight.is_some()
    }
}

/// How long `candidate` must stay unchanged to be complete.
fn quiet(rules: &Rules, candidate: &Candidate) -> Duration {
    if candidate.open { rules.open_settle } else { rules.settle }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "2025-10-12-224530-supply-round-1.txt";
    const B: &str = "2025-10-12-230112-supply-round-2.txt";
    const C: &str = "2025-10-12-231500-etl_adlernest-round-1.txt";

    fn rules() -> Rules {
        Rules {
            settle: Duration::from_secs(2),
            open_settle: Duration::from_secs(60),
            post_interval: Duration::from_secs(13),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            retry_after_max: Duration::from_secs(3600),
        }
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn names(announcer: &NotifyQueue) -> Vec<String> {
        announcer.state().pending.into_iter().map(|p| p.name).collect()
    }

    /// Posts everything that is due at `now` successfully; returns the names in post order.
    fn post_all(announcer: &mut NotifyQueue, mut now: Instant) -> Vec<String> {
        let mut posted = Vec::new();
        while let Some(a) = announcer.next_post(now) {
            posted.push(a.file.as_str().to_owned());
            let wait = announcer.finish(Outcome::Posted, now);
            now += wait;
        }
        posted
    }

    #[test]
    fn close_after_write_completes_a_file_and_it_is_posted_once() {
        let t0 = Instant::now();
        let mut an = NotifyQueue::new(rules(), State::default(), 1);
        assert_eq!(an.observe(A, Seen::Written { size: 10 }, t0), Observed::Nothing);
        assert_eq!(an.observe(A, Seen::Written { size: 90 }, t0 + secs(1)), Observed::Nothing);
        assert_eq!(an.next_post(t0 + secs(1)), None, "not complete yet");
        assert_eq!(an.observe(A, Seen::Finished { size: 120 }, t0 + secs(1)), Observed::Queued);
        assert!(an.is_dirty(), "a queued file is saved as pending");
        assert_eq!(an.observe(A, Seen::Finished { size: 120 }, t0 + secs(1)), Observed::Nothing);
        assert_eq!(an.observe(A, Seen::Listed { size: 120 }, t0 + secs(5)), Observed::Nothing);
        let post = an.next_post(t0 + secs(1)).unwrap();
        assert_eq!((post.file.as_str(), post.size), (A, 120));
        assert_eq!(an.next_post(t0 + secs(1)), None, "one post at a time");
        assert_eq!(an.finish(Outcome::Posted, t0 + secs(2)), secs(13));
        assert_eq!(an.announced_count(), 1);
        assert_eq!(an.pending_count(), 0);
        // Seen again (a rescan, a touch, a rename back): never again.
        for seen in [Seen::Finished { size: 120 }, Seen::Listed { size: 120 }] {
            assert_eq!(an.observe(A, seen, t0 + secs(60)), Observed::Nothing);
        }
        assert_eq!(an.next_post(t0 + secs(60)), None);
    }

    #[test]
    fn an_empty_file_closed_is_not_complete() {
        let t0 = Instant::now();
        let mut an = NotifyQueue::new(rules(), State::default(), 1);
        assert_eq!(an.observe(A, Seen::Finished { size: 0 }, t0), Observed::Nothing);
        assert_eq!(an.observe(A, Seen::Listed { size: 0 }, t0 + secs(10)), Observed::Nothing);
        assert_eq!(an.next_wake(t0), None, "nothing to settle while it is empty");
        assert_eq!(an.observe(A, Seen::Finished { size: 5 }, t0 + secs(11)), Observed::Queued);
    }

    #[test]
    fn without_a_close_a_file_settles_after_two_equal_sizes() {
        let t0 = Instant::now();
        let mut an = NotifyQueue::new(rules(), State::default(), 1);
        assert_eq!(an.observe(A, Seen::Listed { size: 100 }, t0), Observed::Nothing);
        assert_eq!(an.next_wake(t0), Some(t0 + secs(2)));
        assert!(an.due_for_check(t0 + secs(1)).is_empty());
        assert_eq!(an.observe(A, Seen::Listed { size: 100 }, t0 + secs(1)), Observed::Nothing);
        assert_eq!(an.due_for_check(t0 + secs(2)), vec![A.to_owned()]);
        // It grew: the quiet time starts again.
        assert_eq!(an.observe(A, Seen::Listed { size: 180 }, t0 + secs(2)), Observed::Nothing);
        assert_eq!(an.observe(A, Seen::Listed { size: 180 }, t0 + secs(3)), Observed::Nothing);
        assert_eq!(an.observe(A, Seen::Listed { size: 180 }, t0 + secs(4)), Observed::Queued);
        assert_eq!(an.next_post(t0 + secs(4)).unwrap().size, 180);
    }

    #[test]
    fn a_file_seen_written_and_not_closed_waits_the_longer_quiet_time() {
        let t0 = Instant::now();
        let mut an = NotifyQueue::new(rules(), State::default(), 1);
        assert_eq!(an.observe(A, Seen::Written { size: 50 }, t0), Observed::Nothing);
        assert_eq!(an.next_wake(t0), Some(t0 + secs(60)));
        // A slow writer pausing longer than `settle` is not cut short.
        assert_eq!(an.observe(A, Seen::Listed { size: 50 }, t0 + secs(5)), Observed::Nothing);
        assert!(an.due_for_check(t0 + secs(59)).is_empty());
        assert_eq!(an.observe(A, Seen::Written { size: 80 }, t0 + secs(30)), Observed::Nothing);
        assert_eq!(an.observe(A, Seen::Listed { size: 80 }, t0 + secs(89)), Observed::Nothing);
        // Its close never came (a lost event): complete after the long quiet time.
        assert_eq!(an.due_for_check(t0 + secs(90)), vec![A.to_owned()]);
        assert_eq!(an.observe(A, Seen::Listed { size: 80 }, t0 + secs(90)), Observed::Queued);
    }

    #[test]
    fn refused_names_are_reported_once_and_never_queued() {
        let t0 = Instant::now();
        let mut an = NotifyQueue::new(rules(), State::default(), 1);
        for name in [
            "../x",
            "notes.txt",
            "2025-02-30-224530-supply-round-1.txt",
            "2025-10-12-224530-supply-round-1.txt.tmp",
            ".2025-10-12-224530-supply-round-1.txt.swp",
        ] {
            let first = an.observe(name, Seen::Finished { size: 10 }, t0);
            assert!(matches!(first, Observed::Refused(_)), "{name}: {first:?}");
            assert_eq!(an.observe(name, Seen::Finished { size: 10 }, t0), Observed::Nothing);
        }
        assert_eq!(
            an.observe("2025-02-30-224530-supply-round-1.txt", Seen::Gone, t0),
            Observed::Nothing
        );
        assert_eq!(an.next_post(t0), None);
        assert_eq!(an.pending_count(), 0);
    }

    #[test]
    fn posts_in_timestamp_order_whatever_the_order_seen() {
        let t0 = Instant::now();
        let mut an = NotifyQueue::new(rules(), State::default(), 1);
        for name in [C, A, B] {
            assert_eq!(an.observe(name, Seen::Finished { size: 1 }, t0), Observed::Queued);
        }
        assert_eq!(names(&an), [A, B, C]);
        assert_eq!(post_all(&mut an, t0), [A, B, C]);
    }

    #[test]
    fn posts_are_paced() {
        let t0 = Instant::now();
        let mut an = NotifyQueue::new(rules(), State::default(), 1);
        an.observe(A, Seen::Finished { size: 1 }, t0);
        an.observe(B, Seen::Finished { size: 1 }, t0);
        assert!(an.next_post(t0).is_some());
        an.finish(Outcome::Posted, t0);
        assert_eq!(an.next_wake(t0), Some(t0 + secs(13)));
        assert_eq!(an.next_post(t0 + secs(12)), None);
        assert_eq!(an.next_post(t0 + secs(13)).unwrap().file.as_str(), B);
    }

    #[test]
    fn failures_back_off_and_429_waits_retry_after_and_nothing_is_dropped() {
        let t0 = Instant::now();
        let mut an = NotifyQueue::new(rules(), State::default(), 1);
        an.observe(A, Seen::Finished { size: 1 }, t0);
        let mut now = t0;
        let mut delays = Vec::new();
        for _ in 0..8 {
            assert_eq!(an.next_post(now).unwrap().file.as_str(), A);
            let delay = an.finish(Outcome::Failed, now);
            assert_eq!(an.next_post(now + delay - Duration::from_millis(1)), None);
            now += delay;
            delays.push(delay);
        }
        for (n, delay) in delays.iter().enumerate() {
            let full = (secs(1) * (1 << n)).min(secs(60));
            assert!(*delay >= full / 2 && *delay < full, "attempt {n}: {delay:?}");
        }
        assert_eq!(an.pending_count(), 1, "still queued after 8 failures");
        assert!(an.next_post(now).is_some());
        let wait =
            an.finish(Outcome::RateLimited { retry_after: Some(Duration::from_millis(1500)) }, now);
        assert_eq!(wait, Duration::from_millis(1500));
        assert!(an.next_post(now + Duration::from_millis(1499)).is_none());
        assert!(an.next_post(now + Duration::from_millis(1500)).is_some());
        let capped = an.finish(Outcome::RateLimited { retry_after: Some(secs(1_000_000)) }, now);
        assert_eq!(capped, secs(3600), "a huge retry_after is capped");
        now += capped;
        assert!(an.next_post(now).is_some());
        assert_eq!(an.finish(Outcome::Posted, now), secs(13));
        an.observe(B, Seen::Finished { size: 1 }, now);
        assert!(an.next_post(now + secs(13)).is_some());
        let after_success = an.finish(Outcome::Failed, now + secs(13));
        assert!(after_success < secs(1), "backoff restarts after a success: {after_success:?}");
    }

    #[test]
    fn state_round_trips_and_pending_survives_a_restart() {
        let t0 = Instant::now();
        let mut an = NotifyQueue::new(rules(), State::default(), 1);
        an.observe(A, Seen::Finished { size: 11 }, t0);
        an.observe(B, Seen::Finished { size: 22 }, t0);
        an.observe(C, Seen::Written { size: 5 }, t0);
        assert!(an.next_post(t0).is_some());
        an.finish(Outcome::Posted, t0);
        assert!(an.next_post(t0 + secs(13)).is_some(), "B in flight when the process stops");
        let saved = an.state();
        assert_eq!(saved.announced, [A.to_owned()].into());
        assert_eq!(saved.pending, vec![Pending { name: B.into(), size: 22 }]);

        let mut restarted = NotifyQueue::new(rules(), saved, 2);
        assert_eq!(restarted.observe(A, Seen::Listed { size: 11 }, t0), Observed::Nothing);
        // C was only being written: the listing at start finds it and it settles.
        assert_eq!(restarted.observe(C, Seen::Listed { size: 9 }, t0), Observed::Nothing);
        assert_eq!(restarted.observe(C, Seen::Listed { size: 9 }, t0 + secs(2)), Observed::Queued);
        assert_eq!(post_all(&mut restarted, t0 + secs(2)), [B, C]);
    }

    #[test]
    fn an_old_file_never_announced_is_still_announced() {
        let t0 = Instant::now();
        let state = State { announced: [B.to_owned(), C.to_owned()].into(), ..State::default() };
        let mut an = NotifyQueue::new(rules(), state, 1);
        assert_eq!(an.observe(A, Seen::Finished { size: 3 }, t0), Observed::Queued);
        assert_eq!(post_all(&mut an, t0), [A]);
    }

    #[test]
    fn a_queued_file_that_disappears_is_still_announced() {
        let t0 = Instant::now();
        let mut an = NotifyQueue::new(rules(), State::default(), 1);
        an.observe(A, Seen::Finished { size: 3 }, t0);
        an.observe(B, Seen::Written { size: 3 }, t0);
        an.observe(A, Seen::Gone, t0);
        an.observe(B, Seen::Gone, t0);
        assert!(an.due_for_check(t0 + secs(5)).is_empty(), "an unfinished file is forgotten");
        assert_eq!(post_all(&mut an, t0), [A]);
    }
}
