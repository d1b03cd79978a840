//! FileFetcher's plain core: the lookup queue, single flight per file, the files handed on
//! and not settled, the per-file retry schedule and the game server's [`Link`]. No actix, no
//! I/O, no clock: every input carries `now`, every answer is a list of [`Effect`]s the shell
//! runs.
//!
//! Listings and dedup decisions run one at a time, in arrival order; downloads run beside
//! them. A decision is computed from the database while other work goes on, so it may be
//! stale when it arrives: [`FetchCore::admit`] checks it against what is known now (stored
//! this run, in flight, handed on, set aside) before anything is fetched or handed on.
use std::{
    collections::{HashMap, HashSet, VecDeque},
    path::PathBuf,
    time::Duration,
};

use chrono::{DateTime, TimeDelta, Utc};

use super::FetchError;
use crate::{
    actors::{
        link::{Failure, Link, LinkState},
        messages::FileOutcome,
    },
    retry::{self, Backoff},
    sftp::{RemoteEntry, SftpError},
    store::dedup::{Decision, Trigger},
};

/// How long a handed-on file may stay unsettled before it is offered again.
pub const PENDING_TIMEOUT: Duration = Duration::from_secs(600);

/// How long a file that is still being written waits before it is read again.
pub const GROWING_WAIT: Duration = Duration::from_secs(2);

/// A listing-and-decide job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// List the source and decide every file (polling or `!sync`, with its batch).
    Sync(Trigger, Option<chrono::NaiveDate>, Option<i32>),
    /// Decide and find one named file (a trigger, `!import`, a retry).
    One(String, Trigger),
    /// The local folder: files fetched earlier and never stored.
    Local,
}

/// What the shell does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Run this lookup now; report with [`FetchCore::synced`], [`FetchCore::looked_up`] or
    /// [`FetchCore::scanned`].
    Run(Lookup),
    /// The link is backing off: call [`FetchCore::woke`] after this long.
    WakeIn(Duration),
    /// Download this file; report with [`FetchCore::downloaded`].
    Download(RemoteEntry, Trigger),
    /// The file is complete in the local folder: hand it to StatsParser.
    HandOff {
        /// Base name.
        name: String,
        /// The local copy.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// How it was announced.
        trigger: Trigger,
    },
    /// Look this file up again after `delay` (a `FetchFile` to self).
    RetryIn {
        /// Base name.
        name: String,
        /// How it was announced.
        trigger: Trigger,
        /// The wait.
        delay: Duration,
        /// Why.
        error: String,
    },
    /// The file's retries are spent; the next poll offers it again.
    GaveUp {
        /// Base name.
        name: String,
        /// The last error.
        error: String,
    },
    /// The source failed as a whole; the work waits for the link.
    WaitingForLink {
        /// The error.
        error: String,
    },
    /// A lookup failed for a reason other than the link (the database, the local folder);
    /// the next poll tries again.
    LookupFailed {
        /// What failed.
        work: Lookup,
        /// The error.
        error: String,
    },
}

/// What FileFetcher reports as its health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchHealth {
    /// All well.
    Healthy,
    /// Working around a problem (the link backing off, a file retrying, a lookup failing).
    Degraded(String),
    /// The server refuses us.
    Down(String),
}

/// The core.
#[derive(Debug)]
pub struct FetchCore {
    queue: VecDeque<Lookup>,
    looking: bool,
    waking: bool,
    link: Link,
    in_flight: HashSet<String>,
    // Handed on and not settled by DbWriter yet: size and when.
    pending: HashMap<String, (u64, DateTime<Utc>)>,
    // Set aside by DbWriter this run, with the size then (polling passes them by).
    set_aside: HashMap<String, u64>,
    // Stored this run: a decision computed before the store is never acted on.
    settled: HashSet<String>,
    retries: HashMap<String, Backoff>,
    // Files decided on, in decision order, with their hand-off once ready (downloads finish
    // in any order; hand-offs leave from the front only).
    order: VecDeque<(String, Option<Option<Effect>>)>,
    fetched: u64,
    last_problem: Option<String>,
}

impl Default for FetchCore {
    fn default() -> Self {
        FetchCore::new()
    }
}

impl FetchCore {
    /// An idle core with a link never tried.
    pub fn new() -> Self {
        FetchCore {
            queue: VecDeque::new(),
            looking: false,
            waking: false,
            link: Link::default(),
            in_flight: HashSet::new(),
            pending: HashMap::new(),
            set_aside: HashMap::new(),
            settled: HashSet::new(),
            retries: HashMap::new(),
            order: VecDeque::new(),
            fetched: 0,
            last_problem: None,
        }
    }

    /// Queues `lookup` (once) and starts what may start.
    pub fn enqueue(&mut self, lookup: Lookup, now: DateTime<Utc>) -> Vec<Effect> {
        if !self.queue.contains(&lookup) {
            self.queue.push_back(lookup);
        }
        self.next(now)
    }

    /// The wake-up asked for by [`Effect::WakeIn`] is due.
    pub fn woke(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        self.waking = false;
        self.next(now)
    }

    /// A listing outside the queue (`!ssh_check`) worked: the link is usable again, so what
    /// waited for it runs now (the shell cancels its wake-up).
    pub fn link_usable(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        self.worked(now);
        self.waking = false;
        self.next(now)
    }

    /// A listing outside the queue failed.
    pub fn link_failed(&mut self, now: DateTime<Utc>, error: &SftpError) {
        self.link.failed(now, error);
    }

    fn next(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        if self.looking || self.waking {
            return Vec::new();
        }
        let Some(front) = self.queue.front() else { return Vec::new() };
        if *front != Lookup::Local
            && let Err(until) = self.link.ready(now)
        {
            self.waking = true;
            return vec![Effect::WakeIn((until - now).to_std().unwrap_or_default())];
        }
        let lookup = self.queue.pop_front().expect("front checked");
        if lookup != Lookup::Local {
            self.link.begin();
        }
        self.looking = true;
        vec![Effect::Run(lookup)]
    }

    /// A sync's listing and decisions (in file-time order), or its failure.
    pub fn synced(
        &mut self,
        now: DateTime<Utc>,
        work: Lookup,
        result: Result<Vec<(RemoteEntry, Decision, Trigger)>, &FetchError>,
    ) -> Vec<Effect> {
        self.looking = false;
        let mut effects = Vec::new();
        match result {
            Ok(decisions) => {
                self.worked(now);
                for (entry, decision, trigger) in decisions {
                    effects.extend(self.admit(now, entry, decision, trigger));
                }
            }
            Err(error) => effects.extend(self.failed(now, work, error)),
        }
        effects.extend(self.next(now));
        effects
    }

    /// One named file's decision and its entry in the listing (`None`: not listed, or not
    /// looked for because the decision was to skip), or the failure.
    pub fn looked_up(
        &mut self,
        now: DateTime<Utc>,
        name: String,
        trigger: Trigger,
        result: Result<(Decision, Option<RemoteEntry>), &FetchError>,
    ) -> Vec<Effect> {
        self.looking = false;
        let mut effects = Vec::new();
        match result {
            Ok((Decision::Skip(_), _)) => {
                self.retries.remove(&name);
            }
            Ok((decision, Some(entry))) => {
                let admitted = self.admit(now, entry, decision, trigger);
                if !matches!(admitted.as_slice(), [Effect::Download(..)]) {
                    self.retries.remove(&name);
                }
                self.worked(now);
                effects.extend(admitted);
            }
            Ok((_, None)) => {
                self.link.succeeded(now);
                let error = FetchError::Source(SftpError::NotFound(name.clone()));
                effects.extend(self.retry_later(now, name, trigger, &error));
            }
            Err(error) => effects.extend(self.failed(now, Lookup::One(name, trigger), error)),
        }
        effects.extend(self.next(now));
        effects
    }

    /// The local folder's files that are neither stored nor set aside (name, path, size).
    pub fn scanned(
        &mut self,
        now: DateTime<Utc>,
        result: Result<Vec<(String, PathBuf, u64)>, &FetchError>,
    ) -> Vec<Effect> {
        self.looking = false;
        let mut effects = Vec::new();
        match result {
            Ok(found) => {
                for (name, path, size) in found {
                    let entry = RemoteEntry { name, size };
                    effects.extend(self.admit(
                        now,
                        entry,
                        Decision::ImportLocal(path),
                        Trigger::Explicit,
                    ));
                }
            }
            Err(error) => {
                self.last_problem = Some(error.to_string());
                effects.push(Effect::LookupFailed { work: Lookup::Local, error: error.to_string() })
            }
        }
        effects.extend(self.next(now));
        effects
    }

    /// A download ended.
    pub fn downloaded(
        &mut self,
        now: DateTime<Utc>,
        entry: RemoteEntry,
        trigger: Trigger,
        result: Result<PathBuf, &FetchError>,
    ) -> Vec<Effect> {
        self.in_flight.remove(&entry.name);
        let mut effects = Vec::new();
        match result {
            Ok(path) => {
                self.retries.remove(&entry.name);
                self.fetched += 1;
                self.worked(now);
                let handed = self.hand_off(now, entry.clone(), path, trigger);
                effects.extend(self.ready(&entry.name, handed));
            }
            Err(error) => {
                effects.extend(self.ready(&entry.name, None));
                effects.extend(self.failed(now, Lookup::One(entry.name, trigger), error));
            }
        }
        effects.extend(self.next(now));
        effects
    }

    /// A file decided on is ready (its hand-off, or None: nothing to hand on). Hand-offs leave
    /// in the order the files were decided, so downloads running side by side never reorder
    /// them (a round 2 is never handed on before the round 1 listed before it).
    fn ready(&mut self, name: &str, handed: Option<Effect>) -> Vec<Effect> {
        match self.order.iter_mut().find(|(n, slot)| n == name && slot.is_none()) {
            Some((_, slot)) => *slot = Some(handed),
            None => return handed.into_iter().collect(),
        }
        let mut out = Vec::new();
        while let Some((_, Some(_))) = self.order.front() {
            if let Some((_, Some(handed))) = self.order.pop_front() {
                out.extend(handed);
            }
        }
        out
    }

    /// DbWriter settled (or refused) a file handed to it.
    pub fn file_done(&mut self, name: &str, outcome: FileOutcome) {
        let handed = self.pending.remove(name);
        match outcome {
            FileOutcome::Stored | FileOutcome::AlreadyStored => {
                self.settled.insert(name.to_owned());
                self.set_aside.remove(name);
            }
            FileOutcome::SetAside => {
                if let Some((size, _)) = handed {
                    self.set_aside.insert(name.to_owned(), size);
                }
            }
            FileOutcome::Refused => {}
        }
    }

    /// DbWriter (re)started empty: every unsettled file is offered again from the local
    /// folder. Returns how many were waiting, and what to run.
    pub fn writer_started(&mut self, now: DateTime<Utc>) -> (usize, Vec<Effect>) {
        let waiting = self.pending.len();
        self.pending.clear();
        (waiting, self.enqueue(Lookup::Local, now))
    }

    /// The actor restarts: everything is re-derived from durable state.
    pub fn restart(&mut self) {
        *self = FetchCore { fetched: self.fetched, ..FetchCore::new() };
    }

    /// Whether `name` was stored this run.
    pub fn settled(&self, name: &str) -> bool {
        self.settled.contains(name)
    }

    /// The link.
    pub fn link(&self) -> &Link {
        &self.link
    }

    /// Files fetched this run, downloads under way, files retrying, files waiting for the
    /// writer.
    pub fn counts(&self) -> (u64, usize, usize, usize) {
        (self.fetched, self.in_flight.len(), self.retries.len(), self.pending.len())
    }

    /// The health this state means: the link's, or the last per-file or lookup problem while
    /// it lasts.
    pub fn health(&self) -> FetchHealth {
        match self.link.state() {
            LinkState::Down { .. } => FetchHealth::Down(self.link.describe()),
            LinkState::Connected { .. } | LinkState::Connecting { attempt: 0 } => {
                match &self.last_problem {
                    Some(problem) => FetchHealth::Degraded(problem.clone()),
                    None => FetchHealth::Healthy,
                }
            }
            _ => FetchHealth::Degraded(self.link.describe()),
        }
    }

    // An operation on the source worked; a per-file problem ends when nothing retries.
    fn worked(&mut self, now: DateTime<Utc>) {
        self.link.succeeded(now);
        if self.retries.is_empty() {
            self.last_problem = None;
        }
    }

    /// Decides what a (possibly stale) decision about a listed file means now.
    fn admit(
        &mut self,
        now: DateTime<Utc>,
        entry: RemoteEntry,
        decision: Decision,
        trigger: Trigger,
    ) -> Vec<Effect> {
        if self.settled.contains(&entry.name) || self.in_flight.contains(&entry.name) {
            return Vec::new();
        }
        if trigger == Trigger::Poll && self.set_aside.get(&entry.name) == Some(&entry.size) {
            return Vec::new(); // set aside, unchanged
        }
        if let Some((size, since)) = self.pending.get(&entry.name) {
            let stale = now - *since > TimeDelta::from_std(PENDING_TIMEOUT).unwrap_or_default();
            if *size == entry.size && !stale {
                return Vec::new(); // handed on, not settled yet
            }
        }
        match decision {
            Decision::Skip(_) => Vec::new(),
            Decision::ImportLocal(path) => {
                let handed = self.hand_off(now, entry.clone(), path, trigger);
                if self.order.is_empty() {
                    return handed.into_iter().collect();
                }
                self.order.push_back((entry.name, Some(handed)));
                Vec::new()
            }
            Decision::Fetch => {
                self.in_flight.insert(entry.name.clone());
                self.order.push_back((entry.name.clone(), None));
                vec![Effect::Download(entry, trigger)]
            }
        }
    }

    fn hand_off(
        &mut self,
        now: DateTime<Utc>,
        entry: RemoteEntry,
        path: PathBuf,
        trigger: Trigger,
    ) -> Option<Effect> {
        if self.settled.contains(&entry.name) {
            return None;
        }
        self.pending.insert(entry.name.clone(), (entry.size, now));
        self.set_aside.remove(&entry.name);
        Some(Effect::HandOff { name: entry.name, path, size: entry.size, trigger })
    }

    /// A lookup or download failed: a transport failure backs the server off and the work
    /// waits for the link; anything else is retried for this file alone.
    fn failed(&mut self, now: DateTime<Utc>, work: Lookup, error: &FetchError) -> Vec<Effect> {
        let failure = match error {
            FetchError::Source(source) => self.link.failed(now, source),
            _ => Failure::File,
        };
        match (failure, work) {
            (Failure::Transport | Failure::Refused, work) => {
                if !self.queue.contains(&work) {
                    self.queue.push_front(work);
                }
                vec![Effect::WaitingForLink { error: error.to_string() }]
            }
            (Failure::File, Lookup::One(name, trigger)) => {
                self.retry_later(now, name, trigger, error)
            }
            (Failure::File, work) => {
                self.last_problem = Some(error.to_string());
                vec![Effect::LookupFailed { work, error: error.to_string() }]
            }
        }
    }

    fn retry_later(
        &mut self,
        _now: DateTime<Utc>,
        name: String,
        trigger: Trigger,
        error: &FetchError,
    ) -> Vec<Effect> {
        let backoff = self
            .retries
            .entry(name.clone())
            .or_insert_with(|| retry::FILE_FETCH.backoff(name.len() as u64 + 17));
        if !retry::FILE_FETCH.allows_another(backoff.attempts() + 1) {
            self.retries.remove(&name);
            return vec![Effect::GaveUp { name, error: error.to_string() }];
        }
        let delay = match error {
            FetchError::Growing { .. } => GROWING_WAIT,
            _ => {
                self.last_problem = Some(error.to_string());
                backoff.next_delay()
            }
        };
        vec![Effect::RetryIn { name, trigger, delay, error: error.to_string() }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::dedup::SkipReason;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_760_000_000 + secs, 0).unwrap()
    }

    const R1: &str = "2025-10-13-200000-supply-round-1.txt";
    const R2: &str = "2025-10-13-201000-supply-round-2.txt";

    fn entry(name: &str, size: u64) -> RemoteEntry {
        RemoteEntry { name: name.to_owned(), size }
    }

    fn poll() -> Lookup {
        Lookup::Sync(Trigger::Poll, None, None)
    }

    fn listed(files: &[(&str, u64, Decision)]) -> Vec<(RemoteEntry, Decision, Trigger)> {
        files.iter().map(|(n, s, d)| (entry(n, *s), d.clone(), Trigger::Poll)).collect()
    }

    fn handed(effects: &[Effect]) -> Vec<&str> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::HandOff { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }

    fn refused_port() -> FetchError {
        FetchError::Source(SftpError::Connect {
            host: "h".into(),
            port: 22,
            reason: "connection refused".into(),
        })
    }

    #[test]
    fn lookups_run_one_at_a_time_in_arrival_order_and_twice_queued_runs_once() {
        let mut core = FetchCore::new();
        assert_eq!(core.enqueue(poll(), at(0)), vec![Effect::Run(poll())]);
        let one = Lookup::One(R1.into(), Trigger::Explicit);
        assert_eq!(core.enqueue(one.clone(), at(0)), vec![], "the poll is running");
        assert_eq!(core.enqueue(poll(), at(0)), vec![]);
        assert_eq!(core.enqueue(poll(), at(0)), vec![], "the same poll queued once");
        assert_eq!(core.synced(at(1), poll(), Ok(vec![])), vec![Effect::Run(one)]);
        let effects = core.looked_up(
            at(2),
            R1.into(),
            Trigger::Explicit,
            Ok((Decision::Skip(SkipReason::Processed), None)),
        );
        assert_eq!(effects, vec![Effect::Run(poll())]);
        assert_eq!(core.synced(at(3), poll(), Ok(vec![])), vec![]);
    }

    /// The race CI caught: a poll's decisions were computed before a file was stored and
    /// arrived after DbWriter had settled it, and the file was handed to the parser again.
    #[test]
    fn a_decision_made_before_the_file_was_stored_is_not_acted_on() {
        let mut core = FetchCore::new();
        core.enqueue(poll(), at(0));
        let effects = core.synced(at(0), poll(), Ok(listed(&[(R2, 900, Decision::Fetch)])));
        assert_eq!(effects, vec![Effect::Download(entry(R2, 900), Trigger::Poll)]);
        // A second poll decides while the download runs: single flight.
        assert_eq!(core.enqueue(poll(), at(1)), vec![Effect::Run(poll())]);
        assert_eq!(core.synced(at(1), poll(), Ok(listed(&[(R2, 900, Decision::Fetch)]))), vec![]);
        let path = PathBuf::from("/l").join(R2);
        let effects = core.downloaded(at(2), entry(R2, 900), Trigger::Poll, Ok(path.clone()));
        assert_eq!(handed(&effects), [R2]);
        assert_eq!(core.counts(), (1, 0, 0, 1), "fetched, in flight, retrying, pending");
        // Handed on and not settled: a decision (the local copy is there now) is passed by.
        core.enqueue(poll(), at(3));
        let local = Decision::ImportLocal(path.clone());
        assert_eq!(core.synced(at(3), poll(), Ok(listed(&[(R2, 900, local.clone())]))), vec![]);
        // A poll decides before the store commits, the writer settles, then the decision lands.
        core.enqueue(poll(), at(4));
        core.file_done(R2, FileOutcome::Stored);
        assert!(core.settled(R2));
        assert_eq!(core.synced(at(5), poll(), Ok(listed(&[(R2, 900, local)]))), vec![]);
        assert_eq!(core.enqueue(Lookup::Local, at(6)), vec![Effect::Run(Lookup::Local)]);
        assert_eq!(core.scanned(at(6), Ok(vec![(R2.into(), path, 900)])), vec![]);
        assert_eq!(core.counts(), (1, 0, 0, 0));
    }

    #[test]
    fn downloads_finishing_out_of_order_are_handed_on_in_decision_order() {
        let mut core = FetchCore::new();
        const OTHER: &str = "2025-10-14-212214-etl_adlernest-round-1.txt";
        let local = PathBuf::from("/l").join(OTHER);
        core.enqueue(poll(), at(0));
        let decided = listed(&[
            (R1, 10, Decision::Fetch),
            (R2, 20, Decision::Fetch),
            (OTHER, 30, Decision::ImportLocal(local)),
        ]);
        let effects = core.synced(at(0), poll(), Ok(decided));
        assert_eq!(effects.len(), 2, "two downloads, the local copy waits its turn: {effects:?}");
        let path = |n: &str| PathBuf::from("/l").join(n);
        assert_eq!(core.downloaded(at(1), entry(R2, 20), Trigger::Poll, Ok(path(R2))), vec![]);
        let effects = core.downloaded(at(2), entry(R1, 10), Trigger::Poll, Ok(path(R1)));
        assert_eq!(handed(&effects), [R1, R2, OTHER]);
        // A failed download lets the files behind it go.
        core.enqueue(poll(), at(3));
        const R3: &str = "2025-10-13-203000-supply-round-1.txt";
        const R4: &str = "2025-10-13-204000-supply-round-2.txt";
        core.synced(
            at(3),
            poll(),
            Ok(listed(&[(R3, 1, Decision::Fetch), (R4, 2, Decision::Fetch)])),
        );
        assert_eq!(core.downloaded(at(4), entry(R4, 2), Trigger::Poll, Ok(path(R4))), vec![]);
        let growing = FetchError::Growing { name: R3.into(), listed: 1, read: 0 };
        let effects = core.downloaded(at(5), entry(R3, 1), Trigger::Poll, Err(&growing));
        assert_eq!(handed(&effects), [R4]);
        assert!(effects.iter().any(|e| matches!(e, Effect::RetryIn { name, .. } if name == R3)));
    }

    #[test]
    fn a_set_aside_file_is_passed_by_polling_until_it_changes_or_is_named() {
        let mut core = FetchCore::new();
        let path = PathBuf::from("/l").join(R1);
        let local = || Decision::ImportLocal(path.clone());
        core.enqueue(poll(), at(0));
        assert_eq!(handed(&core.synced(at(0), poll(), Ok(listed(&[(R1, 50, local())])))), [R1]);
        core.file_done(R1, FileOutcome::SetAside);
        core.enqueue(poll(), at(1));
        assert_eq!(core.synced(at(1), poll(), Ok(listed(&[(R1, 50, local())]))), vec![]);
        core.enqueue(poll(), at(2));
        let grown = core.synced(at(2), poll(), Ok(listed(&[(R1, 70, local())])));
        assert_eq!(handed(&grown), [R1], "a new version is tried");
        core.file_done(R1, FileOutcome::SetAside);
        core.enqueue(Lookup::One(R1.into(), Trigger::Explicit), at(3));
        let named =
            core.looked_up(at(3), R1.into(), Trigger::Explicit, Ok((local(), Some(entry(R1, 70)))));
        assert_eq!(handed(&named), [R1], "an explicit trigger retries it");
    }

    #[test]
    fn a_refused_or_restarted_writer_gets_its_files_offered_again() {
        let mut core = FetchCore::new();
        let path = PathBuf::from("/l").join(R1);
        core.enqueue(poll(), at(0));
        let decisions = || Ok(listed(&[(R1, 50, Decision::ImportLocal(path.clone()))]));
        assert_eq!(handed(&core.synced(at(0), poll(), decisions())), [R1]);
        core.file_done(R1, FileOutcome::Refused);
        core.enqueue(poll(), at(1));
        assert_eq!(
            handed(&core.synced(at(1), poll(), decisions())),
            [R1],
            "refused: offered again"
        );
        let (waiting, effects) = core.writer_started(at(2));
        assert_eq!((waiting, effects), (1, vec![Effect::Run(Lookup::Local)]));
        assert_eq!(handed(&core.scanned(at(2), Ok(vec![(R1.into(), path.clone(), 50)]))), [R1]);
        // Never settled at all: offered again after the timeout.
        core.enqueue(poll(), at(3));
        assert_eq!(core.synced(at(3), poll(), decisions()), vec![]);
        let late = at(3 + PENDING_TIMEOUT.as_secs() as i64);
        core.enqueue(poll(), late);
        assert_eq!(handed(&core.synced(late, poll(), decisions())), [R1]);
    }

    #[test]
    fn a_transport_failure_backs_the_link_off_and_the_work_waits_first_in_line() {
        let mut core = FetchCore::new();
        core.enqueue(poll(), at(0));
        core.enqueue(Lookup::One(R1.into(), Trigger::Explicit), at(0));
        let effects = core.synced(at(0), poll(), Err(&refused_port()));
        assert!(
            matches!(effects.as_slice(), [Effect::WaitingForLink { .. }, Effect::WakeIn(d)] if *d <= Duration::from_secs(1)),
            "{effects:?}"
        );
        assert!(
            matches!(core.health(), FetchHealth::Degraded(why) if why.starts_with("backing off"))
        );
        assert_eq!(core.enqueue(poll(), at(0)), vec![], "waiting; the poll is queued once");
        // The local folder does not need the link, but it waits its turn.
        assert_eq!(core.woke(at(1)), vec![Effect::Run(poll())], "the failed work first");
        assert_eq!(
            core.synced(at(1), poll(), Ok(vec![])),
            vec![Effect::Run(Lookup::One(R1.into(), Trigger::Explicit))]
        );
        assert_eq!(core.health(), FetchHealth::Healthy);
        assert!(core.link().describe().starts_with("connected since"));
    }

    #[test]
    fn a_failed_download_on_a_good_link_is_retried_for_that_file_then_given_up() {
        let mut core = FetchCore::new();
        core.enqueue(poll(), at(0));
        core.synced(at(0), poll(), Ok(listed(&[(R1, 50, Decision::Fetch)])));
        let growing = FetchError::Growing { name: R1.into(), listed: 50, read: 30 };
        let effects = core.downloaded(at(1), entry(R1, 50), Trigger::Poll, Err(&growing));
        assert!(
            matches!(&effects[..], [Effect::RetryIn { delay, .. }] if *delay == GROWING_WAIT),
            "{effects:?}"
        );
        assert_eq!(core.health(), FetchHealth::Healthy, "a growing file is normal");
        let missing = FetchError::Source(SftpError::NotFound(R1.into()));
        let mut retries = 0; // a growing file does not count
        let mut now = 2;
        loop {
            core.enqueue(Lookup::One(R1.into(), Trigger::Poll), at(now));
            let effects = core.looked_up(
                at(now),
                R1.into(),
                Trigger::Poll,
                Ok((Decision::Fetch, Some(entry(R1, 50)))),
            );
            assert_eq!(effects, vec![Effect::Download(entry(R1, 50), Trigger::Poll)]);
            let effects = core.downloaded(at(now), entry(R1, 50), Trigger::Poll, Err(&missing));
            now += 10;
            match &effects[..] {
                [Effect::RetryIn { .. }] => {
                    retries += 1;
                    assert!(
                        matches!(core.health(), FetchHealth::Degraded(why) if why.contains(R1))
                    );
                    assert_eq!(core.counts().2, 1, "one file retrying");
                }
                [Effect::GaveUp { name, .. }] => {
                    assert_eq!(name, R1);
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(
            retry::FILE_FETCH.allows_another(retries)
                && !retry::FILE_FETCH.allows_another(retries + 1)
        );
        assert_eq!(core.counts().2, 0);
        // The next good operation ends the degraded state.
        core.enqueue(poll(), at(now));
        core.synced(at(now), poll(), Ok(vec![]));
        assert_eq!(core.health(), FetchHealth::Healthy);
    }

    #[test]
    fn a_refused_key_is_down_and_a_restart_forgets_everything_but_the_count() {
        let mut core = FetchCore::new();
        core.enqueue(poll(), at(0));
        let auth = FetchError::Source(SftpError::Auth {
            user: "u".into(),
            key_path: "/k".into(),
            reason: "denied".into(),
        });
        core.synced(at(0), poll(), Err(&auth));
        assert!(matches!(core.health(), FetchHealth::Down(why) if why.starts_with("down since")));
        core.restart();
        assert_eq!(core.health(), FetchHealth::Healthy);
        assert_eq!(core.enqueue(poll(), at(1)), vec![Effect::Run(poll())]);
    }
}
