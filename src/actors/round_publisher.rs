//! RoundPublisher: posts each stored round exactly once, reading everything it posts from the
//! database (never from the parser). After a paired round 2 it also posts the match summary.
//! The sink is an [`Announcer`]: the console now, Discord when a token is set.
use std::{future::Future, pin::Pin, sync::Arc};

use actix::prelude::*;
use entity::{player_comprehensive_stats as pcs, round_posts, rounds};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{
    clock::Clock,
    health::{GetHealth, Health},
    messages::RoundStored,
    voice_session_tracker::{VoiceSessionEnded, VoiceSessionStarted},
};
use crate::render::{self, Names, Post};

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
    /// Posts a gaming-session notice (Discord: the general channel).
    fn session<'a>(&'a self, post: &'a Post) -> SinkFuture<'a, Result<(), PublishError>> {
        self.post(std::slice::from_ref(post))
    }
    /// The rounds of `file` are posted (or were already): Discord deletes its trigger messages.
    fn round_posted<'a>(&'a self, _file: &'a str) -> SinkFuture<'a, ()> {
        Box::pin(async {})
    }
}

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

/// Posts one round if it was not posted yet; records the post. Returns whether it posted.
pub async fn publish_round(
    db: &DatabaseConnection,
    announcer: &dyn Announcer,
    round_id: i32,
    now: chrono::NaiveDateTime,
) -> Result<bool, PublishError> {
    let already = round_posts::Entity::find()
        .filter(round_posts::Column::RoundId.eq(round_id))
        .one(db)
        .await?;
    if already.is_some() {
        return Ok(false);
    }
    let Some(round) = rounds::Entity::find_by_id(round_id).one(db).await? else { return Ok(false) };
    let players = pcs::Entity::find().filter(pcs::Column::RoundId.eq(round_id)).all(db).await?;
    let posts = render::round_posts(&round, &players, announcer.names());
    announcer.post(&posts).await?;
    let record = round_posts::ActiveModel {
        round_id: Set(round_id),
        sink: Set(announcer.name().to_owned()),
        posted_at: Set(now),
        ..Default::default()
    };
    round_posts::Entity::insert(record).exec_without_returning(db).await?;
    Ok(true)
}

/// The actor.
pub struct RoundPublisher {
    db: DatabaseConnection,
    announcer: Arc<dyn Announcer>,
    health: Health,
    clock: Clock,
    posted: u64,
}

impl RoundPublisher {
    /// A publisher reading from `db` and posting to `announcer`.
    pub fn new(db: DatabaseConnection, announcer: Arc<dyn Announcer>) -> Self {
        RoundPublisher {
            db,
            announcer,
            health: Health::new("round_publisher"),
            clock: Clock::start(),
            posted: 0,
        }
    }
}

impl Actor for RoundPublisher {
    type Context = Context<Self>;
}

impl Supervised for RoundPublisher {}

impl Handler<RoundStored> for RoundPublisher {
    type Result = ();

    fn handle(&mut self, msg: RoundStored, ctx: &mut Self::Context) {
        let db = self.db.clone();
        let announcer = self.announcer.clone();
        let now = self.clock.now().naive_utc();
        let work = async move {
            let mut posted = 0u64;
            posted += u64::from(publish_round(&db, announcer.as_ref(), msg.round_id, now).await?);
            // A paired round 2 completes the map: post its match summary too.
            let summary = rounds::Entity::find()
                .filter(rounds::Column::Filename.eq(msg.file.as_str()))
                .filter(rounds::Column::RoundNumber.eq(0))
                .one(&db)
                .await?;
            if let Some(summary) = summary {
                posted += u64::from(publish_round(&db, announcer.as_ref(), summary.id, now).await?);
            }
            announcer.round_posted(&msg.file).await;
            Ok::<_, PublishError>((msg, posted))
        };
        // `wait`: posts go out in the order rounds were stored.
        ctx.wait(work.into_actor(self).map(|result, act, _ctx| match result {
            Ok((msg, posted)) => {
                act.posted += posted;
                act.health.healthy();
                tracing::info!(actor = "round_publisher", file = %msg.file, round_id = msg.round_id, posts = posted, "round published");
            }
            Err(error) => {
                act.health.degraded(act.clock.now(), &error.to_string());
                tracing::warn!(actor = "round_publisher", error = %error, "publishing failed");
            }
        }));
    }
}

impl RoundPublisher {
    fn announce_session(&mut self, post: Post, ctx: &mut Context<Self>) {
        let announcer = self.announcer.clone();
        let work = async move { announcer.session(&post).await.map(|()| post.title) };
        ctx.wait(work.into_actor(self).map(|result, act, _ctx| match result {
            Ok(title) => {
                tracing::info!(actor = "round_publisher", post = %title, "session notice posted")
            }
            Err(error) => {
                act.health.degraded(act.clock.now(), &error.to_string());
                tracing::warn!(actor = "round_publisher", error = %error, "session notice failed");
            }
        }));
    }
}

impl Handler<VoiceSessionStarted> for RoundPublisher {
    type Result = ();

    fn handle(&mut self, msg: VoiceSessionStarted, ctx: &mut Self::Context) {
        // A session picked up at start-up was announced by the run that saw it start.
        if !msg.recovered {
            self.announce_session(render::session_started(msg.members), ctx);
        }
    }
}

impl Handler<VoiceSessionEnded> for RoundPublisher {
    type Result = ();

    fn handle(&mut self, msg: VoiceSessionEnded, ctx: &mut Self::Context) {
        self.announce_session(render::session_ended(msg.started, msg.ended, msg.participants), ctx);
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
