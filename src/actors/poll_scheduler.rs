//! PollScheduler: when to look for new stats files on a game server.
//!
//! [`PollRules::next_poll`] is the plain logic: dead hours (in the server's time zone, across
//! DST changes) skip checks, active mode (voice session on, or a file within the grace period)
//! polls often, idle mode rarely. Unlike the original, polling never stops for good when a
//! voice session ends. The actor arms one timer for the next poll and re-plans on every event.
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, NaiveTime, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::{
    clock::Clock,
    health::{GetHealth, Health},
    messages::{FetchFile, FileStored, SyncFiles},
    voice_session_tracker::{VoiceSessionEnded, VoiceSessionStarted},
};
use crate::store::dedup::Trigger;

/// The scheduling rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollRules {
    /// Time zone of the dead hours.
    pub timezone: Tz,
    /// Dead hours `[start, end)` in local hours; `None` for a source that costs nothing to poll.
    pub dead_hours: Option<(u32, u32)>,
    /// Interval while active.
    pub active: TimeDelta,
    /// Interval while idle.
    pub idle: TimeDelta,
    /// How long after the last file polling stays active.
    pub grace: TimeDelta,
}

/// The mode at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollMode {
    /// Inside the dead hours: nothing until `until`.
    Dead {
        /// When the dead hours end.
        until: DateTime<Utc>,
    },
    /// Voice session on or a recent file.
    Active,
    /// Otherwise.
    Idle,
}

impl PollRules {
    /// The mode at `now`.
    pub fn mode(
        &self,
        now: DateTime<Utc>,
        voice_active: bool,
        last_file: Option<DateTime<Utc>>,
    ) -> PollMode {
        if let Some(until) = self.dead_until(now) {
            return PollMode::Dead { until };
        }
        if voice_active || last_file.is_some_and(|at| now - at < self.grace) {
            PollMode::Active
        } else {
            PollMode::Idle
        }
    }

    /// When the next poll is due, given the last one.
    pub fn next_poll(
        &self,
        now: DateTime<Utc>,
        voice_active: bool,
        last_file: Option<DateTime<Utc>>,
        last_poll: Option<DateTime<Utc>>,
    ) -> DateTime<Utc> {
        let interval = match self.mode(now, voice_active, last_file) {
            PollMode::Dead { until } => return until,
            PollMode::Active => self.active,
            PollMode::Idle => self.idle,
        };
        let due = last_poll.map_or(now, |last| (last + interval).max(now));
        // A poll planned inside the dead hours waits for their end.
        self.dead_until(due).unwrap_or(due)
    }

    /// If `at` is inside the dead hours, when they end.
    fn dead_until(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let (start, end) = self.dead_hours?;
        let local = at.with_timezone(&self.timezone);
        let hour = local.hour();
        let inside =
            if start <= end { start <= hour && hour < end } else { hour >= start || hour < end };
        if !inside {
            return None;
        }
        let mut day = local.date_naive();
        if hour >= end && start > end {
            day = day.succ_opt()?;
        }
        let end_time = NaiveTime::from_hms_opt(end, 0, 0)?;
        let naive = day.and_time(end_time);
        // In a DST gap the hour does not exist locally: take the first instant after it.
        let resolved = self.timezone.from_local_datetime(&naive).earliest().or_else(|| {
            self.timezone.from_local_datetime(&(naive + TimeDelta::hours(1))).earliest()
        })?;
        Some(resolved.with_timezone(&Utc))
    }
}

/// Command: poll now (manual full sync), whatever the mode.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct PollNow;

/// Command: look now for files written since a day (`!sync <days>`; `None`: every file),
/// whatever the mode; the age gate does not apply.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct SyncNow {
    /// First day to look at.
    pub since: Option<chrono::NaiveDate>,
    /// The `!sync` batch it belongs to (`store::sync_batches`), if an admin asked.
    pub batch: Option<i32>,
}

/// Command: fetch one named file now (a webhook trigger).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct FetchNow {
    /// The file's base name.
    pub name: String,
}

/// Command: stop polling and accept no more work (daemon shutdown).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Shutdown;

/// The actor shell.
pub struct PollScheduler {
    server: String,
    rules: PollRules,
    sync: Recipient<SyncFiles>,
    fetch: Recipient<FetchFile>,
    voice_active: bool,
    last_file: Option<DateTime<Utc>>,
    last_poll: Option<DateTime<Utc>>,
    next: Option<(DateTime<Utc>, SpawnHandle)>,
    stopped: bool,
    timed: bool,
    clock: Clock,
    health: Health,
}

impl PollScheduler {
    /// A scheduler for game server `server` that asks `sync` to poll and `fetch` to fetch
    /// named files.
    pub fn new(
        server: impl Into<String>,
        rules: PollRules,
        sync: Recipient<SyncFiles>,
        fetch: Recipient<FetchFile>,
    ) -> Self {
        PollScheduler {
            server: server.into(),
            rules,
            sync,
            fetch,
            voice_active: false,
            last_file: None,
            last_poll: None,
            next: None,
            stopped: false,
            timed: true,
            clock: Clock::start(),
            health: Health::new("poll_scheduler"),
        }
    }

    /// No timed polls (`poll.enabled = false`): only "look now" and manual syncs.
    pub fn without_timer(mut self) -> Self {
        self.timed = false;
        self
    }

    fn plan(&mut self, ctx: &mut Context<Self>) {
        if self.stopped || !self.timed {
            return;
        }
        let now = self.clock.now();
        let due = self.rules.next_poll(now, self.voice_active, self.last_file, self.last_poll);
        if let Some((_, handle)) = self.next.take() {
            ctx.cancel_future(handle);
        }
        let wait = (due - now).to_std().unwrap_or(Duration::ZERO);
        let handle = ctx.run_later(wait, |act, ctx| {
            act.next = None;
            act.last_poll = Some(act.clock.now());
            tracing::debug!(actor = "poll_scheduler", server = %act.server, "polling");
            act.sync.do_send(SyncFiles { trigger: Trigger::Poll, since: None, batch: None });
            act.plan(ctx);
        });
        self.next = Some((due, handle));
    }
}

impl Actor for PollScheduler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.clock = Clock::start();
        self.health.healthy();
        self.plan(ctx);
    }
}

impl Supervised for PollScheduler {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        self.next = None;
        self.last_poll = None;
    }
}

impl Handler<Shutdown> for PollScheduler {
    type Result = ();
    fn handle(&mut self, _msg: Shutdown, ctx: &mut Self::Context) {
        self.stopped = true;
        if let Some((_, handle)) = self.next.take() {
            ctx.cancel_future(handle);
        }
        tracing::info!(actor = "poll_scheduler", server = %self.server, "polling stopped");
    }
}

impl Handler<PollNow> for PollScheduler {
    type Result = ();
    fn handle(&mut self, _msg: PollNow, ctx: &mut Self::Context) {
        self.handle(SyncNow { since: None, batch: None }, ctx);
    }
}

impl Handler<SyncNow> for PollScheduler {
    type Result = ();
    fn handle(&mut self, msg: SyncNow, ctx: &mut Self::Context) {
        if self.stopped {
            return;
        }
        self.last_poll = Some(self.clock.now());
        self.sync.do_send(SyncFiles {
            trigger: Trigger::Explicit,
            since: msg.since,
            batch: msg.batch,
        });
        self.plan(ctx);
    }
}

impl Handler<FetchNow> for PollScheduler {
    type Result = ();
    fn handle(&mut self, msg: FetchNow, _ctx: &mut Self::Context) {
        if self.stopped {
            return;
        }
        self.fetch.do_send(FetchFile { name: msg.name, trigger: Trigger::Explicit });
    }
}

impl Handler<VoiceSessionStarted> for PollScheduler {
    type Result = ();
    fn handle(&mut self, _msg: VoiceSessionStarted, ctx: &mut Self::Context) {
        self.voice_active = true;
        self.plan(ctx);
    }
}

impl Handler<VoiceSessionEnded> for PollScheduler {
    type Result = ();
    fn handle(&mut self, _msg: VoiceSessionEnded, ctx: &mut Self::Context) {
        self.voice_active = false;
        self.plan(ctx);
    }
}

impl Handler<FileStored> for PollScheduler {
    type Result = ();
    fn handle(&mut self, msg: FileStored, ctx: &mut Self::Context) {
        if msg.server != self.server {
            return;
        }
        self.last_file = Some(self.clock.now());
        self.plan(ctx);
    }
}

impl Handler<GetHealth> for PollScheduler {
    type Result = MessageResult<GetHealth>;
    fn handle(&mut self, _msg: GetHealth, _ctx: &mut Self::Context) -> Self::Result {
        let now = self.clock.now();
        let mode = match self.rules.mode(now, self.voice_active, self.last_file) {
            PollMode::Dead { .. } => "dead hours",
            PollMode::Active => "active",
            PollMode::Idle => "idle",
        };
        let next = self.next.as_ref().map_or("none".to_owned(), |(at, _)| at.to_rfc3339());
        MessageResult(self.health.status(format!("mode {mode}, next poll {next}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> PollRules {
        PollRules {
            timezone: chrono_tz::Europe::Paris,
            dead_hours: Some((2, 11)),
            active: TimeDelta::seconds(60),
            idle: TimeDelta::seconds(600),
            grace: TimeDelta::minutes(30),
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn dead_hours_are_local_time_across_dst() {
        let r = rules();
        // Summer (UTC+2): 02:00-11:00 Paris is 00:00-09:00 UTC.
        assert_eq!(
            r.mode(utc("2025-07-01T00:30:00Z"), false, None),
            PollMode::Dead { until: utc("2025-07-01T09:00:00Z") }
        );
        assert_eq!(r.mode(utc("2025-07-01T09:00:00Z"), false, None), PollMode::Idle);
        // Winter (UTC+1): 01:00-10:00 UTC.
        assert_eq!(r.mode(utc("2025-12-01T00:30:00Z"), false, None), PollMode::Idle);
        assert_eq!(
            r.mode(utc("2025-12-01T01:30:00Z"), false, None),
            PollMode::Dead { until: utc("2025-12-01T10:00:00Z") }
        );
        // The night clocks go forward (30 March 2025, 02:00 -> 03:00 Paris): dead from 01:00 UTC.
        assert_eq!(
            r.mode(utc("2025-03-30T01:00:00Z"), false, None),
            PollMode::Dead { until: utc("2025-03-30T09:00:00Z") }
        );
        assert_eq!(r.mode(utc("2025-03-30T00:59:59Z"), false, None), PollMode::Idle);
        // The night clocks go back (26 October 2025, 03:00 -> 02:00 Paris): dead until 10:00 UTC.
        assert_eq!(
            r.mode(utc("2025-10-26T00:00:00Z"), false, None),
            PollMode::Dead { until: utc("2025-10-26T10:00:00Z") }
        );
    }

    #[test]
    fn active_idle_and_grace() {
        let r = rules();
        let evening = utc("2025-07-01T19:00:00Z");
        assert_eq!(r.mode(evening, true, None), PollMode::Active);
        assert_eq!(
            r.mode(evening, false, Some(evening - TimeDelta::minutes(29))),
            PollMode::Active
        );
        assert_eq!(r.mode(evening, false, Some(evening - TimeDelta::minutes(30))), PollMode::Idle);
        let last = evening - TimeDelta::seconds(30);
        assert_eq!(r.next_poll(evening, true, None, Some(last)), evening + TimeDelta::seconds(30));
        assert_eq!(r.next_poll(evening, false, None, Some(last)), last + TimeDelta::seconds(600));
        assert_eq!(r.next_poll(evening, false, None, None), evening, "first poll at once");
        // The session ended: polling goes on, idle.
        assert_eq!(
            r.next_poll(evening, false, None, Some(evening)),
            evening + TimeDelta::seconds(600)
        );
        // A poll that would land in the dead hours waits for their end.
        let late = utc("2025-07-01T23:55:00Z");
        assert_eq!(r.next_poll(late, false, None, Some(late)), utc("2025-07-02T09:00:00Z"));
        let free = PollRules { dead_hours: None, ..r };
        assert_eq!(free.mode(utc("2025-07-01T01:00:00Z"), false, None), PollMode::Idle);
    }

    #[actix::test]
    async fn the_actor_polls_on_its_timer_with_paused_time() {
        tokio::time::pause();
        let (sync_tx, mut sync_rx) = tokio::sync::mpsc::unbounded_channel();
        let (fetch_tx, mut fetch_rx) = tokio::sync::mpsc::unbounded_channel();
        let sync = crate::actors::probe::Probe::<SyncFiles>::start(sync_tx);
        let fetch = crate::actors::probe::Probe::<FetchFile>::start(fetch_tx);
        let r = PollRules { dead_hours: None, ..rules() };
        let scheduler =
            PollScheduler::new("default", r, sync.recipient(), fetch.recipient()).start();
        let first = sync_rx.recv().await.unwrap();
        assert_eq!(first.trigger, Trigger::Poll);
        // Idle: the next poll 600 s later, not before.
        tokio::time::sleep(Duration::from_secs(599)).await;
        assert!(sync_rx.try_recv().is_err());
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(sync_rx.recv().await.is_some());
        // A voice session makes it active (60 s).
        scheduler
            .send(VoiceSessionStarted { at: Utc::now(), members: 6, recovered: false })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(61)).await;
        assert!(sync_rx.recv().await.is_some());
        scheduler.send(FetchNow { name: "x.txt".into() }).await.unwrap();
        let fetch = fetch_rx.recv().await.unwrap();
        assert_eq!((fetch.name.as_str(), fetch.trigger), ("x.txt", Trigger::Explicit));
    }
}
