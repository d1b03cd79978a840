//! VoiceSessionTracker: gaming sessions from who is in the gaming voice channels.
//!
//! The logic is [`VoiceSessions`], a plain state machine over explicit times; the actor feeds
//! it full snapshots (never join/leave deltas: Discord handlers may run out of order), arms
//! and cancels the end timer it asks for, and tells PollScheduler when a session starts and
//! ends. With a database ([`VoiceSessionTracker::with_store`]) every start, change and end is
//! recorded in `voice_sessions` (in order, retried while the database is away), the session on
//! at a restart is read back with its end deadline (a timer that was running keeps its
//! deadline: a crash gives nobody five more minutes), and RoundPublisher hears
//! [`SessionNoticeQueued`] once a notice is in the table.
use std::{
    collections::{BTreeSet, VecDeque},
    time::Duration,
};

use actix::prelude::*;

use crate::actors::in_runtime::InRuntime;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::DatabaseConnection;

use super::{
    clock::Clock,
    health::{GetHealth, Health},
    messages::SessionNoticeQueued,
};
use crate::{
    retry::{self, Backoff},
    store::voice::{self, OpenSession, VoiceChange},
};

/// Thresholds of the session state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceRules {
    /// Members present that start a session.
    pub start_threshold: usize,
    /// Below this many members the end timer runs.
    pub end_threshold: usize,
    /// How long the count must stay below `end_threshold` before the session ends.
    pub end_delay: TimeDelta,
}

/// What the state machine asks its shell to do or announce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceEffect {
    /// A session started (or was recovered at start-up, `recovered`).
    Started(VoiceSessionStarted),
    /// The end timer should fire at this time (replacing any earlier one).
    ArmEndTimer(DateTime<Utc>),
    /// The end timer should be cancelled: people came back.
    CancelEndTimer,
    /// The session ended.
    Ended(VoiceSessionEnded),
}

/// Event: a gaming session started.
#[derive(Debug, Clone, PartialEq, Eq, Message)]
#[rtype(result = "()")]
pub struct VoiceSessionStarted {
    /// When.
    pub at: DateTime<Utc>,
    /// Members present.
    pub members: usize,
    /// True when picked up from the voice state at start-up (no announcement wanted).
    pub recovered: bool,
}

/// Event: a gaming session ended.
#[derive(Debug, Clone, PartialEq, Eq, Message)]
#[rtype(result = "()")]
pub struct VoiceSessionEnded {
    /// When it started.
    pub started: DateTime<Utc>,
    /// When it ended.
    pub ended: DateTime<Utc>,
    /// Everyone seen during the session.
    pub participants: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Idle,
    Active { since: DateTime<Utc>, participants: BTreeSet<u64>, end_at: Option<DateTime<Utc>> },
}

/// The session state machine of the mission document: start at `start_threshold` members,
/// end after `end_delay` below `end_threshold`, cancel the timer when people return.
#[derive(Debug, Clone)]
pub struct VoiceSessions {
    rules: VoiceRules,
    state: State,
}

impl VoiceSessions {
    /// Idle, with these rules.
    pub fn new(rules: VoiceRules) -> Self {
        VoiceSessions { rules, state: State::Idle }
    }

    /// Whether a session is on.
    pub fn is_active(&self) -> bool {
        matches!(self.state, State::Active { .. })
    }

    /// Takes up the session that was on when the daemon stopped; a running end timer keeps
    /// its deadline (past already: it fires at once).
    pub fn restore(&mut self, open: &OpenSession) -> Vec<VoiceEffect> {
        self.state = State::Active {
            since: open.started_at,
            participants: open.participants.clone(),
            end_at: open.end_at,
        };
        open.end_at.map(VoiceEffect::ArmEndTimer).into_iter().collect()
    }

    /// What is worth recording of the session on: start, participants, end deadline.
    pub fn record(&self) -> Option<OpenSession> {
        match &self.state {
            State::Idle => None,
            State::Active { since, participants, end_at } => Some(OpenSession {
                started_at: *since,
                participants: participants.clone(),
                end_at: *end_at,
            }),
        }
    }

    /// Applies a full snapshot of the members in the gaming voice channels at `now`.
    /// `startup` marks the first snapshot after the daemon started (recovery).
    pub fn snapshot(
        &mut self,
        members: &BTreeSet<u64>,
        now: DateTime<Utc>,
        startup: bool,
    ) -> Vec<VoiceEffect> {
        let count = members.len();
        match &mut self.state {
            State::Idle if count >= self.rules.start_threshold => {
                self.state =
                    State::Active { since: now, participants: members.clone(), end_at: None };
                vec![VoiceEffect::Started(VoiceSessionStarted {
                    at: now,
                    members: count,
                    recovered: startup,
                })]
            }
            State::Idle => Vec::new(),
            State::Active { participants, end_at, .. } => {
                participants.extend(members.iter().copied());
                if startup && count < self.rules.end_threshold && end_at.is_some() {
                    // A restored session whose timer was running: the deadline stands.
                    Vec::new()
                } else if count < self.rules.end_threshold {
                    // Every update while below the threshold restarts the wait (as the original).
                    let at = now + self.rules.end_delay;
                    *end_at = Some(at);
                    vec![VoiceEffect::ArmEndTimer(at)]
                } else if end_at.take().is_some() {
                    vec![VoiceEffect::CancelEndTimer]
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// The end timer fired at `now`: ends the session if its deadline has passed.
    pub fn timer_fired(&mut self, now: DateTime<Utc>) -> Option<VoiceEffect> {
        let State::Active { since, participants, end_at: Some(end_at) } = &self.state else {
            return None;
        };
        if now < *end_at {
            return None;
        }
        // It ended at its deadline (later only when the daemon was down then).
        let ended =
            VoiceSessionEnded { started: *since, ended: *end_at, participants: participants.len() };
        self.state = State::Idle;
        Some(VoiceEffect::Ended(ended))
    }
}

/// Command: the current members of the gaming voice channels (a full snapshot).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct UpdateVoiceMembers {
    /// Discord user ids present (bots excluded by the sender).
    pub members: BTreeSet<u64>,
    /// True for the snapshot taken at start-up.
    pub startup: bool,
    /// Order in which the sender read the voice state (0: unordered). A snapshot older than
    /// one already applied is dropped: Discord handlers may deliver them out of order.
    pub seq: u64,
}

/// The actor shell.
pub struct VoiceSessionTracker {
    sessions: VoiceSessions,
    rules: VoiceRules,
    listeners_started: Vec<Recipient<VoiceSessionStarted>>,
    listeners_ended: Vec<Recipient<VoiceSessionEnded>>,
    timer: Option<SpawnHandle>,
    health: Health,
    clock: Clock,
    last_seq: u64,
    present: usize,
    snapshots: u64,
    store: Option<VoiceStore>,
}

/// The tracker's durable side: the database, the publisher to nudge, and the writes in order.
struct VoiceStore {
    db: DatabaseConnection,
    notices: Recipient<SessionNoticeQueued>,
    // Until the open session is read back, snapshots wait here (only the latest matters).
    restoring: bool,
    held: Option<UpdateVoiceMembers>,
    recorded: Option<OpenSession>,
    writes: VecDeque<(VoiceChange, bool)>,
    writing: bool,
    backoff: Backoff,
}

impl VoiceSessionTracker {
    /// A tracker that tells `started`/`ended` recipients about sessions.
    pub fn new(
        rules: VoiceRules,
        started: Vec<Recipient<VoiceSessionStarted>>,
        ended: Vec<Recipient<VoiceSessionEnded>>,
    ) -> Self {
        VoiceSessionTracker {
            sessions: VoiceSessions::new(rules),
            rules,
            listeners_started: started,
            listeners_ended: ended,
            timer: None,
            health: Health::new("voice_session_tracker"),
            clock: Clock::start(),
            last_seq: 0,
            present: 0,
            snapshots: 0,
            store: None,
        }
    }

    /// Records sessions in `db` (read back at start-up) and tells `notices` when a notice is
    /// stored for posting.
    pub fn with_store(
        mut self,
        db: DatabaseConnection,
        notices: Recipient<SessionNoticeQueued>,
    ) -> Self {
        self.store = Some(VoiceStore {
            db,
            notices,
            restoring: true,
            held: None,
            recorded: None,
            writes: VecDeque::new(),
            writing: false,
            backoff: retry::DB_WRITE.backoff(11),
        });
        self
    }

    /// Queues the writes the effects just applied mean.
    fn record(&mut self, effects: &[VoiceEffect], ctx: &mut Context<Self>) {
        let now_record = self.sessions.record();
        let Some(store) = &mut self.store else { return };
        for effect in effects {
            match effect {
                VoiceEffect::Started(started) => {
                    let participants =
                        now_record.as_ref().map(|r| r.participants.clone()).unwrap_or_default();
                    let change = VoiceChange::Started {
                        at: started.at,
                        members: started.members,
                        participants,
                        notice: !started.recovered,
                    };
                    store.writes.push_back((change, !started.recovered));
                }
                VoiceEffect::Ended(ended) => {
                    let participants =
                        store.recorded.take().map(|r| r.participants).unwrap_or_default();
                    let change = VoiceChange::Ended { at: ended.ended, participants };
                    store.writes.push_back((change, true));
                }
                VoiceEffect::ArmEndTimer(_) | VoiceEffect::CancelEndTimer => {}
            }
        }
        let started = effects.iter().any(|e| matches!(e, VoiceEffect::Started(_)));
        if let Some(record) = &now_record
            && !started
            && store.recorded.as_ref() != Some(record)
        {
            let change = VoiceChange::Changed {
                participants: record.participants.clone(),
                end_at: record.end_at,
            };
            store.writes.push_back((change, false));
        }
        // The participants of an ended session were taken above; a session on is remembered.
        if now_record.is_some() {
            store.recorded = now_record;
        }
        self.write_next(ctx);
    }

    fn write_next(&mut self, ctx: &mut Context<Self>) {
        let Some(store) = &mut self.store else { return };
        if store.writing {
            return;
        }
        let Some((change, nudge)) = store.writes.front().cloned() else { return };
        store.writing = true;
        let db = store.db.clone();
        let work = async move { voice::record(&db, &change).await };
        ctx.spawn(work.in_runtime().into_actor(self).map(move |result, act, ctx| {
            let now = act.clock.now();
            let Some(store) = &mut act.store else { return };
            store.writing = false;
            match result {
                Ok(()) => {
                    store.writes.pop_front();
                    store.backoff.reset();
                    if nudge {
                        store.notices.do_send(SessionNoticeQueued);
                    }
                    act.health.healthy();
                    act.write_next(ctx);
                }
                Err(error) => {
                    let delay = store.backoff.next_delay();
                    act.health.degraded(now, &format!("recording the voice session: {error}"));
                    tracing::warn!(actor = "voice_session_tracker", error = %error, retry_in_ms = delay.as_millis() as u64, "recording the voice session failed; will retry");
                    ctx.run_later(delay, |act, ctx| act.write_next(ctx));
                }
            }
        }));
    }

    fn restore(&mut self, ctx: &mut Context<Self>) {
        let Some(store) = &mut self.store else { return };
        store.restoring = true;
        let db = store.db.clone();
        let work = async move { voice::open_session(&db).await };
        ctx.spawn(work.in_runtime().into_actor(self).map(|result, act, ctx| {
            let effects = match result {
                Ok(Some(open)) => {
                    tracing::info!(actor = "voice_session_tracker", started = %open.started_at, end_at = ?open.end_at, "voice session taken up from the database");
                    act.sessions.restore(&open)
                }
                Ok(None) => Vec::new(),
                Err(error) => {
                    // Go on without: a session on before is closed when the next one starts.
                    act.health.degraded(act.clock.now(), &format!("reading the voice session: {error}"));
                    tracing::warn!(actor = "voice_session_tracker", error = %error, "cannot read the voice session back; tracking from now");
                    Vec::new()
                }
            };
            let Some(store) = &mut act.store else { return };
            store.restoring = false;
            store.recorded = act.sessions.record();
            let held = store.held.take();
            act.apply(effects, ctx);
            if let Some(snapshot) = held {
                act.snapshot(snapshot, ctx);
            }
        }));
    }

    fn snapshot(&mut self, msg: UpdateVoiceMembers, ctx: &mut Context<Self>) {
        if let Some(store) = &mut self.store
            && store.restoring
        {
            store.held = Some(msg);
            return;
        }
        self.present = msg.members.len();
        self.snapshots += 1;
        let effects = self.sessions.snapshot(&msg.members, self.clock.now(), msg.startup);
        self.apply(effects, ctx);
    }

    fn apply(&mut self, effects: Vec<VoiceEffect>, ctx: &mut Context<Self>) {
        self.record(&effects, ctx);
        for effect in effects {
            match effect {
                VoiceEffect::Started(started) => {
                    tracing::info!(
                        actor = "voice_session_tracker",
                        members = started.members,
                        recovered = started.recovered,
                        "gaming session started"
                    );
                    for listener in &self.listeners_started {
                        listener.do_send(started.clone());
                    }
                }
                VoiceEffect::ArmEndTimer(at) => {
                    if let Some(handle) = self.timer.take() {
                        ctx.cancel_future(handle);
                    }
                    let wait = (at - self.clock.now()).to_std().unwrap_or(Duration::ZERO);
                    self.timer = Some(ctx.run_later(wait, |act, ctx| {
                        act.timer = None;
                        let effect = act.sessions.timer_fired(act.clock.now());
                        act.apply(effect.into_iter().collect(), ctx);
                    }));
                }
                VoiceEffect::CancelEndTimer => {
                    if let Some(handle) = self.timer.take() {
                        ctx.cancel_future(handle);
                    }
                }
                VoiceEffect::Ended(ended) => {
                    tracing::info!(
                        actor = "voice_session_tracker",
                        participants = ended.participants,
                        "gaming session ended"
                    );
                    for listener in &self.listeners_ended {
                        listener.do_send(ended.clone());
                    }
                }
            }
        }
    }
}

impl Actor for VoiceSessionTracker {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.clock = Clock::start();
        self.health.healthy();
        // The session on when the daemon (or this actor) stopped, from the database.
        self.restore(ctx);
    }
}

impl Supervised for VoiceSessionTracker {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        // Start clean; `started` reads the session back, the next snapshot brings the members.
        self.sessions = VoiceSessions::new(self.rules);
        self.timer = None;
        if let Some(store) = &mut self.store {
            store.writes.clear();
            store.writing = false;
            store.held = None;
            store.recorded = None;
        }
    }
}

impl Handler<UpdateVoiceMembers> for VoiceSessionTracker {
    type Result = ();

    fn handle(&mut self, msg: UpdateVoiceMembers, ctx: &mut Self::Context) {
        if msg.seq != 0 {
            if msg.seq < self.last_seq {
                tracing::debug!(
                    actor = "voice_session_tracker",
                    seq = msg.seq,
                    last = self.last_seq,
                    "stale voice snapshot dropped"
                );
                return;
            }
            self.last_seq = msg.seq;
        }
        self.snapshot(msg, ctx);
    }
}

impl Handler<GetHealth> for VoiceSessionTracker {
    type Result = MessageResult<GetHealth>;

    fn handle(&mut self, _msg: GetHealth, _ctx: &mut Self::Context) -> Self::Result {
        let session = if self.sessions.is_active() { "session active" } else { "no session" };
        MessageResult(
            self.health.status(format!(
                "{session}, {} in voice, {} snapshots",
                self.present, self.snapshots
            )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> VoiceRules {
        VoiceRules { start_threshold: 6, end_threshold: 2, end_delay: TimeDelta::seconds(300) }
    }

    fn members(n: u64) -> BTreeSet<u64> {
        (1..=n).collect()
    }

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_760_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn starts_at_six_and_ends_five_minutes_below_two() {
        let mut s = VoiceSessions::new(rules());
        assert!(s.snapshot(&members(5), t(0), false).is_empty());
        let started = s.snapshot(&members(6), t(10), false);
        assert!(matches!(
            &started[..],
            [VoiceEffect::Started(VoiceSessionStarted { members: 6, recovered: false, .. })]
        ));
        assert_eq!(s.snapshot(&members(1), t(100), false), vec![VoiceEffect::ArmEndTimer(t(400))]);
        assert_eq!(s.timer_fired(t(399)), None, "not before the deadline");
        let Some(VoiceEffect::Ended(ended)) = s.timer_fired(t(400)) else { panic!() };
        assert_eq!((ended.started, ended.ended, ended.participants), (t(10), t(400), 6));
        assert!(!s.is_active());
    }

    #[test]
    fn returning_players_cancel_the_timer() {
        let mut s = VoiceSessions::new(rules());
        s.snapshot(&members(8), t(0), false);
        s.snapshot(&members(1), t(60), false);
        assert_eq!(s.snapshot(&members(3), t(120), false), vec![VoiceEffect::CancelEndTimer]);
        assert_eq!(s.timer_fired(t(360)), None, "a cancelled timer ends nothing");
        assert!(s.is_active());
        // Each update below the threshold restarts the wait.
        s.snapshot(&members(1), t(200), false);
        assert_eq!(
            s.snapshot(&BTreeSet::new(), t(250), false),
            vec![VoiceEffect::ArmEndTimer(t(550))]
        );
        assert_eq!(s.timer_fired(t(500)), None);
        assert!(matches!(s.timer_fired(t(550)), Some(VoiceEffect::Ended(_))));
    }

    #[test]
    fn a_restored_session_keeps_its_running_deadline_and_ends_there() {
        let mut s = VoiceSessions::new(rules());
        let open = OpenSession { started_at: t(0), participants: members(7), end_at: Some(t(400)) };
        assert_eq!(s.restore(&open), vec![VoiceEffect::ArmEndTimer(t(400))]);
        assert_eq!(s.record(), Some(open.clone()));
        // The start-up snapshot still finds too few: the deadline stands (no five more minutes).
        assert_eq!(s.snapshot(&members(1), t(350), true), vec![]);
        // The daemon came up after the deadline: the session ended at it, not now.
        let Some(VoiceEffect::Ended(ended)) = s.timer_fired(t(900)) else { panic!() };
        assert_eq!((ended.started, ended.ended, ended.participants), (t(0), t(400), 7));
        // A session that was full when the daemon stopped, found empty: the wait starts now.
        let mut s = VoiceSessions::new(rules());
        let open = OpenSession { started_at: t(0), participants: members(6), end_at: None };
        assert_eq!(s.restore(&open), vec![]);
        assert_eq!(s.snapshot(&members(0), t(50), true), vec![VoiceEffect::ArmEndTimer(t(350))]);
        // People came back: the restored timer is cancelled like any other.
        let mut s = VoiceSessions::new(rules());
        s.restore(&OpenSession {
            started_at: t(0),
            participants: members(6),
            end_at: Some(t(300)),
        });
        assert_eq!(s.snapshot(&members(6), t(10), true), vec![VoiceEffect::CancelEndTimer]);
        assert_eq!(s.timer_fired(t(300)), None);
    }

    #[test]
    fn recovers_at_startup() {
        let mut s = VoiceSessions::new(rules());
        let effects = s.snapshot(&members(7), t(0), true);
        assert!(matches!(
            &effects[..],
            [VoiceEffect::Started(VoiceSessionStarted { recovered: true, .. })]
        ));
    }

    #[actix::test]
    async fn the_actor_fires_the_end_timer_on_paused_time() {
        tokio::time::pause();
        let (started_tx, mut started_rx) = tokio::sync::mpsc::unbounded_channel();
        let (ended_tx, mut ended_rx) = tokio::sync::mpsc::unbounded_channel();
        let started = crate::actors::probe::Probe::start(started_tx);
        let ended = crate::actors::probe::Probe::start(ended_tx);
        let tracker =
            VoiceSessionTracker::new(rules(), vec![started.recipient()], vec![ended.recipient()])
                .start();
        tracker
            .send(UpdateVoiceMembers { members: members(6), startup: false, seq: 2 })
            .await
            .unwrap();
        let s: VoiceSessionStarted = started_rx.recv().await.unwrap();
        assert_eq!(s.members, 6);
        // An older snapshot arriving late changes nothing.
        tracker
            .send(UpdateVoiceMembers { members: members(1), startup: false, seq: 1 })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(400)).await;
        assert!(ended_rx.try_recv().is_err(), "a stale snapshot armed no timer");
        tracker
            .send(UpdateVoiceMembers { members: members(1), startup: false, seq: 3 })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(299)).await;
        assert!(ended_rx.try_recv().is_err(), "not ended before 300 s");
        tokio::time::sleep(Duration::from_secs(2)).await;
        let e: VoiceSessionEnded = ended_rx.recv().await.unwrap();
        assert_eq!(e.participants, 6);
    }
}
