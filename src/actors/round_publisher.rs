//! RoundPublisher: posts each stored round exactly once, reading everything it posts from the
//! database (never from the parser). Its work list is `post_outbox`, which DbWriter fills in
//! the import's transaction (a round and, after a paired round 2, its match summary), so a
//! round stored before a crash is posted after it. The sink is an [`Announcer`]: the console,
//! or Discord when a token is set.
use std::{future::Future, pin::Pin, sync::Arc};

use actix::prelude::*;

use crate::actors::in_runtime::InRuntime;
use entity::{player_comprehensive_stats as pcs, post_outbox, round_posts, rounds};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::{
    clock::Clock,
    health::{GetHealth, Health},
    messages::{RoundStored, SessionNoticeQueued},
};
use crate::{
    render::{self, Names, Post},
    retry::{self, Backoff},
    store::{
        sync_batches::{self, SHOWN_PER_SYNC},
        voice::{self, NoticeKind},
    },
};

/// Why a post failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Reading the round failed.
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// The sink refused or failed.
    #[error("sink: {0}")]
    Sink(String),
}

/// A boxed, sendable future (the announcer methods return these, so the trait is object-safe).
pub type SinkFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where posts go.
pub trait Announcer: Send + Sync {
    /// The sink's name (stored with each post).
    fn name(&self) -> &'static str;
    /// How names are written for this sink.
    fn names(&self) -> Names;
    /// Posts the messages of one round, in order (Discord: the production channel). Transient
    /// failures are retried inside, without posting any message twice.
    fn post<'a>(&'a self, posts: &'a [Post]) -> SinkFuture<'a, Result<(), PublishError>>;
    /// Posts one message of a round; `key` names the round and part (Discord sends it as an
    /// enforced nonce, so the same key twice within minutes makes one message).
    fn post_part<'a>(
        &'a self,
        post: &'a Post,
        _key: &'a str,
    ) -> SinkFuture<'a, Result<(), PublishError>> {
        self.post(std::slice::from_ref(post))
    }
    /// Whether `post` is already among the sink's recent messages (a crash after sending,
    /// before recording). Sinks that cannot look answer false.
    fn find_posted<'a>(&'a self, _post: &'a Post) -> SinkFuture<'a, Result<bool, PublishError>> {
        Box::pin(async { Ok(false) })
    }
    /// Posts a voice-session notice ("gaming session started/ended"; Discord: the general
    /// channel, with `key` as its enforced nonce).
    fn voice_notice<'a>(
        &'a self,
        post: &'a Post,
        _key: &'a str,
    ) -> SinkFuture<'a, Result<(), PublishError>> {
        self.post(std::slice::from_ref(post))
    }
    /// The rounds of `file` are posted (or were already): Discord deletes its trigger messages.
    fn round_posted<'a>(&'a self, _file: &'a str) -> SinkFuture<'a, ()> {
        Box::pin(async {})
    }
    /// Files whose trigger messages wait for their rounds (Discord; none elsewhere).
    fn waiting_triggers(&self) -> Vec<String> {
        Vec::new()
    }
}

/// How often RoundPublisher tidies triggers whose file is done without a post of its own
/// (a file whose content duplicates another, or stored before its trigger was read).
pub const TIDY_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The embedded default: round posts printed on standard output.
#[derive(Debug, Default)]
pub struct ConsoleAnnouncer;

impl Announcer for ConsoleAnnouncer {
    fn name(&self) -> &'static str {
        "console"
    }
    fn names(&self) -> Names {
        Names::Plain
    }
    fn post<'a>(&'a self, posts: &'a [Post]) -> SinkFuture<'a, Result<(), PublishError>> {
        Box::pin(async move {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for post in posts {
                writeln!(out, "{}", post.to_text())
                    .map_err(|e| PublishError::Sink(e.to_string()))?;
            }
            out.flush().map_err(|e| PublishError::Sink(e.to_string()))
        })
    }
}

/// The nonce of part `part` of round `round_id`: stable across restarts, so a re-send within
/// Discord's nonce window returns the message already created (at most 25 characters).
pub fn post_key(round_id: i32, part: usize) -> String {
    format!("slx{round_id}p{part}")
}

/// Where the recap of an evening comes from (the command layer's `!recap`, wired by the
/// composition root, so this actor does not depend on the commands).
pub trait Recaps: Send + Sync {
    /// The recap of the gaming session played while the voice session ran from `started` to
    /// `ended`, if there was one (errors are the recap's to log: the notice goes anyway).
    fn recap<'a>(
        &'a self,
        started: chrono::DateTime<chrono::Utc>,
        ended: chrono::DateTime<chrono::Utc>,
        names: render::Names,
    ) -> SinkFuture<'a, Option<Post>>;
}

/// What RoundPublisher posts beyond the rounds (`[posts]`).
#[derive(Clone)]
pub struct PostOptions {
    /// `posts.achievement_unlocks`: a round's badge unlocks follow its posts.
    pub achievement_unlocks: bool,
    /// `posts.session_recap`: the "gaming session ended" notice carries the evening's recap.
    pub recaps: Option<Arc<dyn Recaps>>,
    /// `web.public_url`: a round's first message links to its page.
    pub site: Option<url::Url>,
}

impl std::fmt::Debug for PostOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostOptions")
            .field("achievement_unlocks", &self.achievement_unlocks)
            .field("recaps", &self.recaps.is_some())
            .field("site", &self.site.as_ref().map(url::Url::as_str))
            .finish()
    }
}

impl Default for PostOptions {
    fn default() -> Self {
        PostOptions { achievement_unlocks: true, recaps: None, site: None }
    }
}

/// Posts the oldest round in `post_outbox`, part by part, and records it in `round_posts`.
/// Returns the posted file (None when the outbox is empty), and whether the file has no
/// more rounds waiting (its triggers can go).
///
/// Crash safety: `attempted_at` is written before the first message goes out and
/// `parts_sent` after each one. A row found already attempted (a crash, or a failed try) is
/// resumed at `parts_sent`, and each remaining part is first looked for in the channel
/// (`Announcer::find_posted`) and then sent under its round's nonce, so a crash between
/// "sent" and "recorded" never shows a message twice, inside Discord's nonce window or after.
pub async fn publish_next(
    db: &DatabaseConnection,
    announcer: &dyn Announcer,
    options: PostOptions,
    now: chrono::NaiveDateTime,
) -> Result<Option<Published>, PublishError> {
    let Some(row) =
        post_outbox::Entity::find().order_by_asc(post_outbox::Column::Id).one(db).await?
    else {
        return Ok(None);
    };
    let already = round_posts::Entity::find()
        .filter(round_posts::Column::RoundId.eq(row.round_id))
        .count(db)
        .await?
        > 0;
    let round = rounds::Entity::find_by_id(row.round_id).one(db).await?;
    // A round of an admin's `!sync` other than its newest few is stored without a post (one
    // line counts them when the sync is done); a post already begun is finished.
    let batch = sync_batches::batch_of(db, &row.file).await?;
    let hold = batch.as_ref().is_some_and(|(b, post)| !post || b.shown >= SHOWN_PER_SYNC)
        && row.attempted_at.is_none();
    let batch = batch.map(|(b, _)| b);
    let held = hold && !already && round.is_some();
    let mut sent = 0;
    if held {
        let batch = batch.as_ref().map_or(0, |b| b.id);
        let txn = db.begin().await?;
        let record = round_posts::ActiveModel {
            round_id: Set(row.round_id),
            sink: Set(HELD.to_owned()),
            posted_at: Set(now),
            ..Default::default()
        };
        round_posts::Entity::insert(record).exec_without_returning(&txn).await?;
        post_outbox::Entity::delete_by_id(row.id).exec(&txn).await?;
        sync_batches::count_held(&txn, batch).await?;
        txn.commit().await?;
    } else if let (false, Some(round)) = (already, round) {
        let mut players =
            pcs::Entity::find().filter(pcs::Column::RoundId.eq(row.round_id)).all(db).await?;
        // Names chosen with `!setname` replace the file's.
        let guids: Vec<String> = players.iter().map(|p| p.player_guid.clone()).collect();
        let chosen = crate::store::names::chosen(db, &guids).await?;
        for player in &mut players {
            if let Some(name) = chosen.get(&player.player_guid) {
                player.player_name.clone_from(name);
            }
        }
        let mut posts = render::round_posts(&round, &players, announcer.names());
        if let (Some(site), Some(first)) = (&options.site, posts.first_mut()) {
            let path = format!("/rounds/{}", round.id);
            let link = format!("🌐 [Round page]({})", crate::commands::site_url(site, &path));
            let description = if first.description.is_empty() {
                link
            } else {
                format!("{}\n{link}", first.description)
            };
            // Only where it fits Discord's limits (a description of 4096, an embed of 6000).
            let grows = description.chars().count() - first.description.chars().count();
            if description.chars().count() <= 4096 && first.total_chars() + grows <= 6000 {
                first.description = description;
            }
        }
        if options.achievement_unlocks {
            // Written in the round's import transaction: the same parts on every resume.
            let unlocks = crate::store::unlocks::of_round(db, row.round_id).await?;
            let footer = format!("Round ID: {} | {} | badges", round.id, round.filename);
            posts.extend(crate::badges::unlock_post(&unlocks, announcer.names(), footer));
        }
        let resumed = row.attempted_at.is_some();
        if !resumed {
            let mut intent = row.clone().into_active_model();
            intent.attempted_at = Set(Some(now));
            intent.update(db).await?;
        }
        let from = usize::try_from(row.parts_sent).unwrap_or(0);
        for (part, post) in posts.iter().enumerate().skip(from) {
            let found = resumed && announcer.find_posted(post).await?;
            if found {
                tracing::info!(
                    actor = "round_publisher",
                    round_id = row.round_id,
                    part,
                    "already in the channel; not posted again"
                );
            } else {
                announcer.post_part(post, &post_key(row.round_id, part)).await?;
                sent += 1;
            }
            let mut progress = post_outbox::ActiveModel { id: Set(row.id), ..Default::default() };
            progress.parts_sent = Set(i32::try_from(part + 1).unwrap_or(i32::MAX));
            progress.update(db).await?;
        }
        let txn = db.begin().await?;
        let record = round_posts::ActiveModel {
            round_id: Set(row.round_id),
            sink: Set(announcer.name().to_owned()),
            posted_at: Set(now),
            ..Default::default()
        };
        match round_posts::Entity::insert(record).exec_without_returning(&txn).await {
            Ok(_) => {
                post_outbox::Entity::delete_by_id(row.id).exec(&txn).await?;
                if let Some(batch) = &batch {
                    sync_batches::count_shown(&txn, batch.id).await?;
                }
                txn.commit().await?;
            }
            // Another publisher on this database recorded it first (two daemons on one
            // database): it is posted; only the outbox row is left to drop.
            Err(error)
                if matches!(
                    error.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                txn.rollback().await?;
                post_outbox::Entity::delete_by_id(row.id).exec(db).await?;
            }
            Err(error) => return Err(error.into()),
        }
    } else {
        // Posted already, or the round was replaced since: nothing to send.
        post_outbox::Entity::delete_by_id(row.id).exec(db).await?;
    }
    let file_done = post_outbox::Entity::find()
        .filter(post_outbox::Column::File.eq(row.file.as_str()))
        .count(db)
        .await?
        == 0;
    Ok(Some(Published {
        round_id: row.round_id,
        file: row.file,
        messages: sent,
        file_done,
        held,
        in_sync: batch.is_some(),
    }))
}

/// The `round_posts` sink of a round a `!sync` stored without a post.
pub const HELD: &str = "held by sync";

/// Closes every `!sync` batch that is done, posting its closing line when it held rounds
/// back (under the nonce `slxs<batch>`, after looking for it in the channel, so a crash
/// between posting and closing does not show it twice). Returns the batches closed and
/// whether any is still open.
pub async fn close_finished_syncs(
    db: &DatabaseConnection,
    announcer: &dyn Announcer,
    now: chrono::NaiveDateTime,
) -> Result<(Vec<i32>, bool), PublishError> {
    let mut closed = Vec::new();
    for batch in sync_batches::finished(db).await? {
        if batch.held > 0 {
            let post = render::sync_held(batch.id, batch.shown, batch.held);
            if !announcer.find_posted(&post).await? {
                announcer.post_part(&post, &format!("slxs{}", batch.id)).await?;
            }
        }
        sync_batches::close(db, batch.id, now).await?;
        tracing::info!(
            actor = "round_publisher",
            batch = batch.id,
            shown = batch.shown,
            held = batch.held,
            "sync finished"
        );
        closed.push(batch.id);
    }
    Ok((closed, sync_batches::any_open(db).await?))
}

/// Posts the oldest gaming-session notice waiting in `voice_sessions` and marks it posted.
/// Returns its title (None when none waits). A notice found attempted and unconfirmed for
/// longer than [`voice::RESEND_WINDOW`] is not sent again (it may be in the channel already).
pub async fn publish_next_notice(
    db: &DatabaseConnection,
    announcer: &dyn Announcer,
    recaps: Option<&dyn Recaps>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<String>, PublishError> {
    let Some(notice) = voice::due_notices(db).await?.into_iter().next() else {
        return Ok(None);
    };
    let post = match notice.kind {
        NoticeKind::Started => render::voice_session_started(notice.members_at_start),
        NoticeKind::Ended(ended) => {
            let mut post =
                render::voice_session_ended(notice.started_at, ended, notice.participants);
            if let Some(recaps) = recaps
                && let Some(recap) = recaps.recap(notice.started_at, ended, announcer.names()).await
            {
                render::append_recap(&mut post, recap);
            }
            post
        }
    };
    if notice.unsure(now) {
        tracing::warn!(actor = "round_publisher", post = %post.title, session = notice.id, "a session notice tried before a restart is not sent again (it may be posted already)");
        voice::notice_posted(db, &notice).await?;
        return Ok(Some(post.title));
    }
    voice::notice_attempted(db, &notice, Some(now)).await?;
    if let Err(error) = announcer.voice_notice(&post, &notice.key()).await {
        voice::notice_attempted(db, &notice, None).await?;
        return Err(error);
    }
    voice::notice_posted(db, &notice).await?;
    Ok(Some(post.title))
}

/// What [`publish_next`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The round.
    pub round_id: i32,
    /// Its file.
    pub file: String,
    /// Messages sent now (0 when it was posted before).
    pub messages: u64,
    /// No other round of the file waits.
    pub file_done: bool,
    /// Stored without a post: a `!sync` past its newest rounds.
    pub held: bool,
    /// Its file belongs to an open `!sync` batch.
    pub in_sync: bool,
}

/// What the publisher does next, decided from what just happened (the plain core: no actix,
/// no clock of its own).
#[derive(Debug, Clone)]
pub struct PostQueue {
    busy: bool,
    waiting: bool,
    again: bool,
    backoff: Backoff,
}

/// The publisher's next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Post the next outbox row now.
    Post,
    /// Nothing to do (idle, or a post or wait already running).
    Idle,
    /// Try again after this long (the sink or database failed).
    RetryIn(std::time::Duration),
}

impl Default for PostQueue {
    fn default() -> Self {
        PostQueue { busy: false, waiting: false, again: false, backoff: retry::POSTING.backoff(7) }
    }
}

impl PostQueue {
    /// Something was queued (a stored round, a start-up): post if idle.
    pub fn wake(&mut self) -> Step {
        if self.busy || self.waiting {
            self.again = true;
            return Step::Idle;
        }
        self.busy = true;
        Step::Post
    }

    /// A post finished: `Ok(true)` one was posted (look for more), `Ok(false)` the outbox is
    /// empty, `Err` it failed (wait, then try again).
    pub fn finished(&mut self, result: Result<bool, ()>) -> Step {
        self.busy = false;
        match result {
            Ok(more) => {
                self.backoff.reset();
                if more || std::mem::take(&mut self.again) { self.wake() } else { Step::Idle }
            }
            Err(()) => {
                self.waiting = true;
                self.again = false;
                Step::RetryIn(self.backoff.next_delay())
            }
        }
    }

    /// The wait after a failure is over.
    pub fn retry_due(&mut self) -> Step {
        self.waiting = false;
        self.wake()
    }

    /// Failed attempts since the last success.
    pub fn failures(&self) -> u32 {
        self.backoff.attempts()
    }
}

/// The actor.
pub struct RoundPublisher {
    db: DatabaseConnection,
    announcer: Arc<dyn Announcer>,
    queue: PostQueue,
    notices: PostQueue,
    health: Health,
    clock: Clock,
    posted: u64,
    options: PostOptions,
    // A `!sync` batch may be open (true at start: an earlier run may have left one).
    watch_syncs: bool,
}

impl RoundPublisher {
    /// A publisher reading from `db` and posting to `announcer`.
    pub fn new(db: DatabaseConnection, announcer: Arc<dyn Announcer>) -> Self {
        RoundPublisher {
            db,
            announcer,
            queue: PostQueue::default(),
            notices: PostQueue::default(),
            health: Health::new("round_publisher"),
            clock: Clock::start(),
            posted: 0,
            options: PostOptions::default(),
            watch_syncs: true,
        }
    }

    /// The same, posting what `options` asks for beyond the rounds.
    pub fn with_options(mut self, options: PostOptions) -> Self {
        self.options = options;
        self
    }

    fn step(&mut self, step: Step, ctx: &mut Context<Self>) {
        match step {
            Step::Idle => {}
            Step::RetryIn(delay) => {
                ctx.run_later(delay, |act, ctx| {
                    let step = act.queue.retry_due();
                    act.step(step, ctx);
                });
            }
            Step::Post => {
                let db = self.db.clone();
                let announcer = self.announcer.clone();
                let now = self.clock.now().naive_utc();
                let options = self.options.clone();
                let watch = self.watch_syncs;
                let work = async move {
                    let published = publish_next(&db, announcer.as_ref(), options, now).await?;
                    if let Some(p) = published.as_ref().filter(|p| p.file_done) {
                        announcer.round_posted(&p.file).await;
                    }
                    let mut open = None;
                    if published.is_none() && watch {
                        // Nothing waits: a sync whose files are all settled ends here.
                        open = Some(close_finished_syncs(&db, announcer.as_ref(), now).await?.1);
                    }
                    Ok::<_, PublishError>((published, open))
                };
                // `spawn`, not `wait`: the mailbox (health, new rounds) stays open while the
                // sink retries. One post runs at a time, so posts keep the stored order.
                ctx.spawn(work.in_runtime().into_actor(self).map(|result, act, ctx| {
                    let step = match result {
                        Ok((Some(published), _)) => {
                            act.watch_syncs |= published.in_sync;
                            act.posted += published.messages;
                            act.health.healthy();
                            if !published.held && published.messages > 0 {
                                crate::metrics::get().round_posts.inc();
                            }
                            if published.held {
                                tracing::debug!(actor = "round_publisher", file = %published.file, round_id = published.round_id, "a sync's older round: counted, not posted");
                            } else {
                                tracing::info!(actor = "round_publisher", file = %published.file, round_id = published.round_id, posts = published.messages, "round published");
                            }
                            act.queue.finished(Ok(true))
                        }
                        Ok((None, open)) => {
                            if let Some(open) = open {
                                act.watch_syncs = open;
                            }
                            act.queue.finished(Ok(false))
                        }
                        Err(error) => {
                            let step = act.queue.finished(Err(()));
                            act.health.degraded(act.clock.now(), &error.to_string());
                            if let Step::RetryIn(delay) = step {
                                tracing::warn!(actor = "round_publisher", error = %error, retry_in_ms = delay.as_millis() as u64, "publishing failed; the round stays in the outbox");
                            }
                            step
                        }
                    };
                    act.step(step, ctx);
                }));
            }
        }
    }
}

impl Actor for RoundPublisher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // Rounds stored but not posted by an earlier run (or before a restart) go out first;
        // so do session notices.
        let step = self.queue.wake();
        self.step(step, ctx);
        let step = self.notices.wake();
        self.notice_step(step, ctx);
        ctx.run_interval(TIDY_EVERY, |act, ctx| {
            // A sync can end without a round to post (its last file a duplicate, set aside
            // or given up): while one is open, look for finished ones now and then.
            if act.watch_syncs {
                let step = act.queue.wake();
                act.step(step, ctx);
            }
            let files = act.announcer.waiting_triggers();
            if files.is_empty() {
                return;
            }
            let (db, announcer) = (act.db.clone(), act.announcer.clone());
            ctx.spawn(
                async move {
                    for file in files {
                        if crate::store::posting_done(&db, &file).await == Ok(true) {
                            announcer.round_posted(&file).await;
                        }
                    }
                }
                .in_runtime()
                .into_actor(act),
            );
        });
    }
}

impl Supervised for RoundPublisher {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        self.queue = PostQueue::default();
        self.notices = PostQueue::default();
    }
}

/// Event: an admin's `!sync` started (its batch is in `sync_batches`): watch for its end.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct SyncRequested;

impl Handler<SyncRequested> for RoundPublisher {
    type Result = ();

    fn handle(&mut self, _msg: SyncRequested, _ctx: &mut Self::Context) {
        self.watch_syncs = true;
    }
}

impl Handler<RoundStored> for RoundPublisher {
    type Result = ();

    fn handle(&mut self, _msg: RoundStored, ctx: &mut Self::Context) {
        let step = self.queue.wake();
        self.step(step, ctx);
    }
}

impl RoundPublisher {
    /// The notices' loop: one at a time, like rounds, retried under `retry::POSTING`.
    fn notice_step(&mut self, step: Step, ctx: &mut Context<Self>) {
        match step {
            Step::Idle => {}
            Step::RetryIn(delay) => {
                ctx.run_later(delay, |act, ctx| {
                    let step = act.notices.retry_due();
                    act.notice_step(step, ctx);
                });
            }
            Step::Post => {
                let db = self.db.clone();
                let announcer = self.announcer.clone();
                let now = self.clock.now();
                let recaps = self.options.recaps.clone();
                let work = async move {
                    publish_next_notice(&db, announcer.as_ref(), recaps.as_deref(), now).await
                };
                ctx.spawn(work.in_runtime().into_actor(self).map(|result, act, ctx| {
                    let step = match result {
                        Ok(Some(title)) => {
                            tracing::info!(actor = "round_publisher", post = %title, "session notice posted");
                            act.notices.finished(Ok(true))
                        }
                        Ok(None) => act.notices.finished(Ok(false)),
                        Err(error) => {
                            act.health.degraded(act.clock.now(), &error.to_string());
                            let step = act.notices.finished(Err(()));
                            if let Step::RetryIn(delay) = step {
                                tracing::warn!(actor = "round_publisher", error = %error, retry_in_ms = delay.as_millis() as u64, "session notice failed; it stays queued");
                            }
                            step
                        }
                    };
                    act.notice_step(step, ctx);
                }));
            }
        }
    }
}

impl Handler<SessionNoticeQueued> for RoundPublisher {
    type Result = ();

    fn handle(&mut self, _msg: SessionNoticeQueued, ctx: &mut Self::Context) {
        let step = self.notices.wake();
        self.notice_step(step, ctx);
    }
}

impl Handler<GetHealth> for RoundPublisher {
    type Result = MessageResult<GetHealth>;

    fn handle(&mut self, _msg: GetHealth, _ctx: &mut Self::Context) -> Self::Result {
        MessageResult(self.health.status(format!(
            "{} posted to {}",
            self.posted,
            self.announcer.name()
        )))
    }
}
