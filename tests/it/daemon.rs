//! The actor pipeline end to end on SQLite and PostgreSQL: files in the source folder →
//! rows in the database → posts, exactly once, through repeats, restarts and a supervised
//! actor restart.
use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use entity::{processed_files, rounds};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use slomix::{
    actors::{
        db_writer::Restart,
        health::HealthState,
        health_monitor::CollectHealth,
        poll_scheduler::{FetchNow, PollNow, Shutdown},
        round_publisher::{Announcer, PublishError},
    },
    app::{self, App, Parts, Source},
    render::{Names, Post},
    settings::{GameServer, Settings, SourceKind},
    sftp::LocalDirFiles,
};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::support::{db, shared_fixtures};

/// Records every post (title) and reports it on a channel. Like Discord with an enforced
/// nonce, a keyed post whose key was sent before makes no second message (a publisher that
/// sent a part and could not record it, the database gone, sends it again under the same key).
pub struct Recorder {
    /// Every post's title, in order.
    pub posts: Mutex<Vec<String>>,
    /// Keys sent.
    keys: Mutex<std::collections::HashSet<String>>,
    /// Keyed posts sent again (absorbed by their nonce).
    pub resent: Mutex<usize>,
    /// Every session notice, whole.
    pub notices: Mutex<Vec<Post>>,
    sender: UnboundedSender<String>,
}

impl Recorder {
    /// A recorder and the channel its posts arrive on.
    pub fn new() -> (Arc<Recorder>, UnboundedReceiver<String>) {
        let (sender, receiver) = unbounded_channel();
        (
            Arc::new(Recorder {
                posts: Mutex::new(Vec::new()),
                keys: Mutex::default(),
                resent: Mutex::new(0),
                notices: Mutex::default(),
                sender,
            }),
            receiver,
        )
    }
}

impl Announcer for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn names(&self) -> Names {
        Names::Plain
    }
    fn post<'a>(
        &'a self,
        posts: &'a [Post],
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), PublishError>> + Send + 'a>> {
        Box::pin(async move {
            for post in posts {
                self.posts.lock().unwrap().push(post.title.clone());
                let _ = self.sender.send(post.title.clone());
            }
            Ok(())
        })
    }
    fn post_part<'a>(
        &'a self,
        post: &'a Post,
        key: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), PublishError>> + Send + 'a>> {
        if !self.keys.lock().unwrap().insert(key.to_owned()) {
            *self.resent.lock().unwrap() += 1;
            return Box::pin(async { Ok(()) });
        }
        self.post(std::slice::from_ref(post))
    }
    fn voice_notice<'a>(
        &'a self,
        post: &'a Post,
        _key: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), PublishError>> + Send + 'a>> {
        self.notices.lock().unwrap().push(post.clone());
        self.post(std::slice::from_ref(post))
    }
}

/// Test settings: `local` as the stats folder, no dead hours (UTC), quiet health log, plus
/// `extra` variables.
pub fn settings(local: &Path, extra: &[(&str, &str)]) -> Settings {
    let mut env: std::collections::HashMap<String, String> = [
        ("SLOMIX__STATS__LOCAL_DIR", local.display().to_string().as_str()),
        ("SLOMIX__HEALTH__LOG_INTERVAL_SECS", "3600"),
        ("SLOMIX__POLL__STARTUP_LOOKBACK_HOURS", "100000"),
        ("SLOMIX__POLL__TIMEZONE", "UTC"),
        ("SLOMIX__POLL__DEAD_HOURS_START", "0"),
        ("SLOMIX__POLL__DEAD_HOURS_END", "0"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Settings::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("settings"), &env).unwrap()
}

/// The local-folder source the embedded default uses.
pub fn local_source(local: &Path) -> Source {
    Source {
        server: GameServer {
            name: "default".into(),
            source: SourceKind::LocalFolder,
            local_dir: local.display().to_string(),
            webhook_ids: Vec::new(),
        },
        remote: Arc::new(LocalDirFiles::new(local.to_path_buf())),
    }
}

/// Starts the actor graph with a recording announcer.
pub fn start_with(
    db: &DatabaseConnection,
    settings: Settings,
    sources: Vec<Source>,
) -> (App, Arc<Recorder>, UnboundedReceiver<String>) {
    let (recorder, receiver) = Recorder::new();
    let app = app::actors::start(Parts {
        settings,
        db: db.clone(),
        sources,
        announcer: recorder.clone(),
    })
    .unwrap();
    (app, recorder, receiver)
}

fn start(db: &DatabaseConnection, local: &Path) -> (App, Arc<Recorder>, UnboundedReceiver<String>) {
    start_with(db, settings(local, &[]), vec![local_source(local)])
}

/// The next post's title (20 s at most).
pub async fn next_post(receiver: &mut UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(20), receiver.recv())
        .await
        .expect("a post within 20 s")
        .expect("recorder alive")
}

/// Copies a real fixture into `local`, whole at once (written beside it, then renamed), so a
/// poll never sees it half-copied (half-written files have their own tests).
pub fn drop_in(local: &Path, name: &str) {
    let part = local.join(format!(".{name}.part"));
    std::fs::copy(shared_fixtures("real").join(name), &part).unwrap();
    std::fs::rename(&part, local.join(name)).unwrap();
}

pub const R1: &str = "2025-10-12-224530-sw_goldrush_te-round-1.txt";
pub const R2: &str = "2025-10-12-225242-sw_goldrush_te-round-2.txt";
pub const OTHER: &str = "2025-10-14-212214-etl_adlernest-round-1.txt";

#[actix::test]
async fn files_become_rows_and_posts_exactly_once() {
    for t in db::all().await {
        let local = tempfile::tempdir().unwrap();
        let (app, recorder, mut posts) = start(&t.db, local.path());
        drop_in(local.path(), R1);
        assert_eq!(next_post(&mut posts).await, "🎮 Round 1 Complete - sw_goldrush_te");
        drop_in(local.path(), R2);
        assert_eq!(next_post(&mut posts).await, "🎮 Round 2 Complete - sw_goldrush_te");
        assert_eq!(next_post(&mut posts).await, "🏆 Match Complete - sw_goldrush_te");
        // Announced again and again (webhook, polling, manual sync): nothing new.
        for _ in 0..3 {
            app.scheduler.send(FetchNow { name: R2.into() }).await.unwrap();
            app.scheduler.send(PollNow).await.unwrap();
        }
        drop_in(local.path(), OTHER);
        assert_eq!(
            next_post(&mut posts).await,
            "🎮 Round 1 Complete - etl_adlernest",
            "{}",
            t.kind
        );
        assert_eq!(recorder.posts.lock().unwrap().len(), 4);
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 4, "{}", t.kind);
        assert_eq!(processed_files::Entity::find().count(&t.db).await.unwrap(), 3);

        // A daemon restart on the same database and folder posts nothing again. The first one
        // has recorded its last post (the recorder hears a post before it is recorded).
        tokio::time::timeout(Duration::from_secs(20), async {
            while entity::post_outbox::Entity::find().count(&t.db).await.unwrap_or(1) > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the first daemon recorded its posts");
        app.scheduler.send(Shutdown).await.unwrap();
        let (restarted, again, mut again_posts) = start(&t.db, local.path());
        restarted.scheduler.send(PollNow).await.unwrap();
        let health = restarted.health.send(CollectHealth).await.unwrap();
        assert_eq!(health.len(), 6);
        assert!(tokio::time::timeout(Duration::from_secs(3), again_posts.recv()).await.is_err());
        assert!(again.posts.lock().unwrap().is_empty(), "{}", t.kind);
        // A supervised actor that stops is restarted and the pipeline keeps working.
        restarted.db_writer.send(Restart).await.unwrap();
        drop_in(local.path(), "2025-10-14-212521-etl_adlernest-round-2.txt");
        assert_eq!(
            next_post(&mut again_posts).await,
            "🎮 Round 2 Complete - etl_adlernest",
            "{}",
            t.kind
        );
        let health = restarted.health.send(CollectHealth).await.unwrap();
        assert!(health.iter().all(|s| s.state == HealthState::Healthy), "{health:?}");
        drop(app);
    }
}

/// Makes the test database unusable for the daemon until the returned guard is released:
/// PostgreSQL refuses new connections to it and its open ones are cut; SQLite is held under
/// an exclusive lock by another connection (writes fail with "database is locked").
enum Outage {
    Postgres { admin: DatabaseConnection, name: String },
    Sqlite { holder: DatabaseConnection },
}

impl Outage {
    async fn begin(t: &db::TestDb) -> Outage {
        use sea_orm::ConnectionTrait;
        if t.kind == "postgres" {
            let (server, name) = t.url.rsplit_once('/').unwrap();
            let admin = slomix::db::connect(&format!("{server}/postgres")).await.unwrap();
            admin
                .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
                .await
                .unwrap();
            admin
                .execute_unprepared(&format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
                ))
                .await
                .unwrap();
            Outage::Postgres { admin, name: name.to_owned() }
        } else {
            let mut options = sea_orm::ConnectOptions::new(t.url.clone());
            options.max_connections(1).min_connections(1).sqlx_logging(false);
            let holder = sea_orm::Database::connect(options).await.unwrap();
            holder.execute_unprepared("BEGIN EXCLUSIVE").await.unwrap();
            Outage::Sqlite { holder }
        }
    }

    async fn end(self) {
        use sea_orm::ConnectionTrait;
        match self {
            Outage::Postgres { admin, name } => {
                admin
                    .execute_unprepared(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
                    .await
                    .unwrap();
            }
            Outage::Sqlite { holder } => {
                holder.execute_unprepared("ROLLBACK").await.unwrap();
            }
        }
    }
}

#[actix::test]
async fn a_database_outage_queues_the_work_and_loses_nothing() {
    use slomix::actors::{health::GetHealth, messages::StoreFile};
    crate::support::logs();
    for t in db::all().await {
        let local = tempfile::tempdir().unwrap();
        let (app, recorder, mut posts) = start(&t.db, local.path());
        drop_in(local.path(), R1);
        assert_eq!(next_post(&mut posts).await, "🎮 Round 1 Complete - sw_goldrush_te");

        let outage = Outage::begin(&t).await;
        // Round 2 arrives while the database is away: the writer keeps it and says so.
        let bytes = std::fs::read(shared_fixtures("real").join(R2)).unwrap();
        app.db_writer
            .send(StoreFile {
                server: "default".into(),
                name: R2.into(),
                parsed: Arc::new(slomix::stats::parse_file(R2, &bytes)),
                bytes,
            })
            .await
            .unwrap();
        let degraded = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let health = app.db_writer.send(GetHealth).await.unwrap();
                if matches!(health.state, HealthState::Degraded { .. }) {
                    return health;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await
        .expect("the writer reports the outage");
        assert!(degraded.detail.contains("1 queued"), "{}: {degraded:?}", t.kind);
        assert!(
            !degraded.detail.contains("0 failed attempts"),
            "{}: it retries: {degraded:?}",
            t.kind
        );
        assert!(
            tokio::time::timeout(Duration::from_millis(500), posts.recv()).await.is_err(),
            "nothing is posted during the outage"
        );

        outage.end().await;
        assert_eq!(
            next_post(&mut posts).await,
            "🎮 Round 2 Complete - sw_goldrush_te",
            "{}",
            t.kind
        );
        assert_eq!(next_post(&mut posts).await, "🏆 Match Complete - sw_goldrush_te");
        let health = app.db_writer.send(GetHealth).await.unwrap();
        assert_eq!(health.state, HealthState::Healthy, "{}: {health:?}", t.kind);
        assert!(health.detail.contains("0 queued"), "{health:?}");
        // The fetcher also offers the file once its folder is polled: still one of each.
        drop_in(local.path(), R2);
        app.scheduler.send(PollNow).await.unwrap();
        assert!(tokio::time::timeout(Duration::from_secs(2), posts.recv()).await.is_err());
        assert_eq!(recorder.posts.lock().unwrap().len(), 3, "{}", t.kind);
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 3, "{}", t.kind);
        app.stop_polling().await;
    }
}

/// The first real file (in the order the game server wrote them) whose round lifts a player
/// to a new badge tier, found by importing them into a scratch database: its index.
async fn first_crossing(names: &[String]) -> usize {
    let scratch = db::sqlite().await;
    let store = slomix::store::Store::new(
        scratch.db.clone(),
        "default",
        slomix::stats::PairingRules::default(),
        chrono::TimeDelta::minutes(60),
    );
    for (index, name) in names.iter().enumerate() {
        let bytes = std::fs::read(shared_fixtures("real").join(name)).unwrap();
        let outcome = store.import_file(name, &bytes, chrono::Utc::now().naive_utc()).await;
        if let Ok(slomix::store::ImportOutcome::Imported(imported)) = outcome
            && imported.unlocked > 0
        {
            return index;
        }
    }
    panic!("no real file reaches a badge tier");
}

/// A stored round that lifts a player to a badge tier is followed by one "Achievement
/// unlocked" post (after the round's own post, before its match summary); with
/// `posts.achievement_unlocks = false` there is none. The history before it is bulk-imported
/// (no posts), as `slomix import` would.
#[actix::test]
async fn a_round_reaching_a_badge_tier_is_followed_by_one_unlock_post() {
    use entity::{achievement_unlocks, post_outbox};
    let names = crate::kill_storm::corpus(290);
    let crossing = first_crossing(&names).await;
    let mut cases: Vec<(db::TestDb, bool)> =
        db::all().await.into_iter().map(|t| (t, true)).collect();
    cases.push((db::sqlite().await, false));
    for (t, enabled) in cases {
        let history = slomix::store::Store::new(
            t.db.clone(),
            "default",
            slomix::stats::PairingRules::default(),
            chrono::TimeDelta::minutes(60),
        );
        for name in &names[..crossing] {
            let bytes = std::fs::read(shared_fixtures("real").join(name)).unwrap();
            let _ = history.import_file(name, &bytes, chrono::Utc::now().naive_utc()).await;
        }
        let local = tempfile::tempdir().unwrap();
        let flag = if enabled { "true" } else { "false" };
        let (app, recorder, mut posts) = start_with(
            &t.db,
            settings(local.path(), &[("SLOMIX__POSTS__ACHIEVEMENT_UNLOCKS", flag)]),
            vec![local_source(local.path())],
        );
        drop_in(local.path(), &names[crossing]);
        let first = next_post(&mut posts).await;
        assert!(first.contains("Complete"), "{}: {first}", t.kind);
        crate::faults::until_db("the outbox empty", async || {
            post_outbox::Entity::find().count(&t.db).await.unwrap_or(1) == 0
                && !recorder.posts.lock().unwrap().is_empty()
        })
        .await;
        let titles = recorder.posts.lock().unwrap().clone();
        let unlocks = titles.iter().filter(|t| t.starts_with("🏅 Achievement")).count();
        let recorded = achievement_unlocks::Entity::find().count(&t.db).await.unwrap();
        assert!(recorded > 0, "{}: nothing recorded", t.kind);
        assert_eq!(unlocks, usize::from(enabled), "{} ({flag}): {titles:?}", t.kind);
        if enabled {
            assert!(titles[1].starts_with("🏅 Achievement"), "{}: {titles:?}", t.kind);
            assert!(titles[2..].iter().all(|t| t.starts_with("🏆 Match Complete")), "{titles:?}");
        }
        drop(app);
    }
}

/// When a voice gaming session ends, its "session ended" notice carries the recap of the
/// gaming session played meanwhile (the MVP named, within Discord's limits); with
/// `posts.session_recap = false` the notice is the bare line.
#[actix::test]
async fn the_session_ended_notice_carries_the_evenings_recap() {
    use entity::{gaming_sessions, voice_sessions};
    use sea_orm::{ActiveModelTrait, QueryOrder, Set};
    let mut cases: Vec<(db::TestDb, bool)> =
        db::all().await.into_iter().map(|t| (t, true)).collect();
    cases.push((db::sqlite().await, false));
    for (t, enabled) in cases {
        let ctx = crate::commands::imported(&t).await;
        let latest = gaming_sessions::Entity::find()
            .order_by_desc(gaming_sessions::Column::Id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        let want =
            slomix::commands::recap::recap(&ctx, slomix::commands::sessions::Pick::Id(latest.id))
                .await
                .unwrap();
        let mvp = want.posts[0].fields.iter().find(|f| f.name == "⭐ MVP").unwrap().value.clone();
        // The voice session ran from 10 minutes before the first round to 10 after the last
        // (the test settings' game-server zone is UTC).
        voice_sessions::ActiveModel {
            started_at: Set(latest.started_at - chrono::TimeDelta::minutes(10)),
            members_at_start: Set(6),
            participants: Set("1,2,3,4,5,6".into()),
            end_at: Set(None),
            ended_at: Set(Some(latest.ended_at + chrono::TimeDelta::minutes(10))),
            start_notice: Set(true),
            start_attempted_at: Set(None),
            start_posted: Set(true),
            end_attempted_at: Set(None),
            end_posted: Set(false),
            ..Default::default()
        }
        .insert(&t.db)
        .await
        .unwrap();
        let local = tempfile::tempdir().unwrap();
        let flag = if enabled { "true" } else { "false" };
        let (app, recorder, mut posts) = start_with(
            &t.db,
            settings(local.path(), &[("SLOMIX__POSTS__SESSION_RECAP", flag)]),
            vec![local_source(local.path())],
        );
        assert_eq!(next_post(&mut posts).await, "🏁 Gaming session ended", "{}", t.kind);
        let notice = recorder.notices.lock().unwrap()[0].clone();
        assert!(notice.fits_discord(), "{}: {notice:?}", t.kind);
        if enabled {
            assert!(
                notice.description.contains(&want.posts[0].title),
                "{}: {}",
                t.kind,
                notice.description
            );
            let field = notice.fields.iter().find(|f| f.name == "⭐ MVP");
            assert_eq!(field.map(|f| f.value.as_str()), Some(mvp.as_str()), "{}", t.kind);
            assert_eq!(notice.fields.len(), want.posts[0].fields.len(), "{}", t.kind);
        } else {
            assert!(
                notice.fields.is_empty() && !notice.description.contains("recap"),
                "{notice:?}"
            );
        }
        drop(app);
    }
}
