//! The fault suite: the daemon killed while a round waits to be posted, a post resumed after
//! Discord forgot its nonce, and a file that fails for its own data set aside while the files
//! after it go on. On SQLite and PostgreSQL.
use std::{path::Path, time::Duration};

use entity::{post_outbox, round_posts, set_aside_files};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use slomix::actors::{health::GetHealth, poll_scheduler::PollNow};

use crate::{
    daemon::{OTHER, R1, drop_in, next_post, settings, start_with},
    support::{
        db,
        fake_discord::{Failure, FakeConfig, FakeDiscord},
    },
};

const PRODUCTION: u64 = 100;
const WAIT: Duration = Duration::from_secs(60);

fn daemon(fake: &FakeDiscord, url: &str, dir: &Path) -> tokio::process::Child {
    daemon_with(fake, url, dir, &[])
}

fn daemon_with(
    fake: &FakeDiscord,
    url: &str,
    dir: &Path,
    extra: &[(&str, &str)],
) -> tokio::process::Child {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_slomix"))
        .envs(extra.iter().copied())
        .current_dir(dir)
        .env("DATABASE_URL", url)
        .env("SLOMIX__DISCORD__TOKEN", &fake.config().token)
        .env("SLOMIX__DISCORD__API_URL", fake.base_url())
        .env("SLOMIX__DISCORD__PRODUCTION_CHANNEL_ID", PRODUCTION.to_string())
        .env("SLOMIX__DISCORD__SLASH_COMMANDS", "false")
        .env("SLOMIX__STATS__LOCAL_DIR", dir.join("local_stats"))
        .env("SLOMIX__HEALTH__STATUS_ADDR", format!("127.0.0.1:{port}"))
        .env("SLOMIX__WEB__ADDR", "127.0.0.1:0")
        .env("SLOMIX__POLL__TIMEZONE", "UTC")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

pub async fn within<T>(what: &str, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, f).await.unwrap_or_else(|_| panic!("{what} within {WAIT:?}"))
}

pub async fn until_db(what: &str, check: impl AsyncFn() -> bool) {
    within(what, async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
}

fn titles(fake: &FakeDiscord) -> Vec<String> {
    fake.messages(PRODUCTION)
        .iter()
        .map(|m| m.payload["embeds"][0]["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_round_stored_while_discord_fails_is_posted_once_after_the_daemon_is_killed() {
    for t in db::all().await {
        let fake = FakeDiscord::start();
        let posts = format!("/api/v10/channels/{PRODUCTION}/messages");
        fake.fail_next("POST", &posts, Failure::Status(503), 100_000);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("local_stats")).unwrap();
        let mut first = daemon(&fake, &t.url, dir.path());
        within("bot ready", fake.wait_ready()).await;
        drop_in(&dir.path().join("local_stats"), R1);
        // Stored, and posting attempted (Discord answers 503): the intent is in the database.
        until_db("an attempted post", async || {
            post_outbox::Entity::find()
                .filter(post_outbox::Column::AttemptedAt.is_not_null())
                .count(&t.db)
                .await
                .unwrap_or(0)
                == 1
        })
        .await;
        first.kill().await.unwrap(); // SIGKILL: no clean stop
        assert!(fake.messages(PRODUCTION).is_empty(), "{}", t.kind);
        assert_eq!(round_posts::Entity::find().count(&t.db).await.unwrap(), 0);

        fake.clear_failures();
        let mut second = daemon(&fake, &t.url, dir.path());
        within("the round posted", fake.wait_until(|f| !f.messages(PRODUCTION).is_empty())).await;
        until_db("the outbox emptied", async || {
            post_outbox::Entity::find().count(&t.db).await.unwrap_or(1) == 0
        })
        .await;
        assert_eq!(titles(&fake), ["🎮 Round 1 Complete - sw_goldrush_te"], "{}", t.kind);
        assert_eq!(round_posts::Entity::find().count(&t.db).await.unwrap(), 1, "{}", t.kind);
        second.kill().await.unwrap();

        // A third start finds nothing to post.
        let mut third = daemon(&fake, &t.url, dir.path());
        within("bot ready again", fake.wait_until(|f| f.identify_count() >= 3)).await;
        tokio::time::sleep(Duration::from_secs(2)).await; // nothing may arrive; give it a chance
        assert_eq!(fake.messages(PRODUCTION).len(), 1, "{}", t.kind);
        third.kill().await.unwrap();
    }
}

#[actix::test]
async fn a_post_resumed_after_the_nonce_window_finds_the_message_sent_before_the_crash() {
    use slomix::actors::round_publisher::publish_next;
    for t in db::all().await {
        // Discord forgets nonces at once: only the channel look-up can prevent a repeat.
        let fake = FakeDiscord::start_with(FakeConfig {
            nonce_window: Duration::ZERO,
            ..FakeConfig::default()
        });
        let local = tempfile::tempdir().unwrap();
        let env = [
            ("SLOMIX__DISCORD__TOKEN", fake.config().token.clone()),
            ("SLOMIX__DISCORD__API_URL", fake.base_url()),
            ("SLOMIX__DISCORD__PRODUCTION_CHANNEL_ID", PRODUCTION.to_string()),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let s = settings(local.path(), &env);
        let discord = slomix::discord::connect(&s.discord).await.unwrap();
        let store = db::posting_store(&t.db);
        let bytes = std::fs::read(crate::support::shared_fixtures("real").join(R1)).unwrap();
        let now = chrono::Utc::now().naive_utc();
        store.import_file(R1, &bytes, now).await.unwrap();
        let row = post_outbox::Entity::find().one(&t.db).await.unwrap().unwrap();

        // The crash: the message went out, the process died before recording it.
        let round = entity::rounds::Entity::find_by_id(row.round_id).one(&t.db).await.unwrap();
        let players = entity::player_comprehensive_stats::Entity::find()
            .filter(entity::player_comprehensive_stats::Column::RoundId.eq(row.round_id))
            .all(&t.db)
            .await
            .unwrap();
        let posts =
            slomix::render::round_posts(&round.unwrap(), &players, slomix::render::Names::Discord);
        use slomix::actors::round_publisher::Announcer;
        discord.announcer.post_part(&posts[0], "before-the-crash").await.unwrap();
        let mut attempted: post_outbox::ActiveModel = row.into();
        attempted.attempted_at = sea_orm::ActiveValue::Set(Some(now));
        sea_orm::ActiveModelTrait::update(attempted, &t.db).await.unwrap();

        let published = publish_next(&t.db, discord.announcer.as_ref(), Default::default(), now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(published.messages, 0, "{}: found in the channel, not sent again", t.kind);
        assert_eq!(fake.messages(PRODUCTION).len(), 1, "{}", t.kind);
        assert_eq!(round_posts::Entity::find().count(&t.db).await.unwrap(), 1);
        assert!(
            publish_next(&t.db, discord.announcer.as_ref(), Default::default(), now)
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[actix::test]
async fn a_file_that_fails_for_its_own_data_is_set_aside_and_the_files_after_it_go_on() {
    for t in db::all().await {
        let local = tempfile::tempdir().unwrap();
        let (app, _recorder, mut posts) = start_with(
            &t.db,
            settings(local.path(), &[]),
            vec![crate::daemon::local_source(local.path())],
        );
        // A round 1 cut off in its last line: the parser rejects it with file, line and field.
        let broken = "2025-10-13-200000-supply-round-1.txt";
        let good = std::fs::read(crate::support::shared_fixtures("real").join(R1)).unwrap();
        std::fs::write(local.path().join(broken), &good[..good.len() - 40]).unwrap();
        drop_in(local.path(), OTHER);
        assert_eq!(
            next_post(&mut posts).await,
            "🎮 Round 1 Complete - etl_adlernest",
            "{}",
            t.kind
        );
        until_db("the broken file set aside", async || {
            set_aside_files::Entity::find().count(&t.db).await.unwrap_or(0) == 1
        })
        .await;
        let row = set_aside_files::Entity::find().one(&t.db).await.unwrap().unwrap();
        assert_eq!(row.filename, broken);
        assert!(row.reason.contains(broken) && row.reason.contains("line"), "{}", row.reason);
        let writer = app.db_writer.send(GetHealth).await.unwrap();
        assert!(writer.detail.contains("1 set aside"), "{}", writer.detail);
        // Polling passes it by while it is unchanged: the parser sees it no more.
        let parser_before = parsed_count(&app).await;
        for _ in 0..3 {
            app.scheduler.send(PollNow).await.unwrap();
        }
        drop_in(local.path(), crate::daemon::R2);
        assert!(next_post(&mut posts).await.contains("sw_goldrush_te"));
        assert_eq!(parsed_count(&app).await, parser_before + 1, "{}: only the new file", t.kind);
        // A new version of the file (another size) is tried again, and stored.
        std::fs::write(local.path().join(broken), &good).unwrap();
        until_db("the fixed file stored", async || {
            set_aside_files::Entity::find().count(&t.db).await.unwrap_or(1) == 0
        })
        .await;
    }
}

async fn parsed_count(app: &slomix::app::App) -> u64 {
    let health = app.health.send(slomix::actors::health_monitor::CollectHealth).await.unwrap();
    let parser = health.iter().find(|s| s.component == "stats_parser").unwrap();
    parser.detail.split(' ').next().unwrap().parse().unwrap()
}

/// A stream of 40 files (a trigger for each, polling on) while Discord misbehaves: the gateway
/// is dropped without a resume (a new session: the triggers of the gap are read back from the
/// channel's history), dropped and resumed, closed with an error code, and posting meets
/// bursts of 500, 502, 503 and 429. Every round and summary is posted exactly once (one
/// message per nonce, the titles of one import in order), every trigger is tidied away, and
/// the publisher ends healthy. SQLite and PostgreSQL.
#[actix::test]
async fn a_stream_through_gateway_drops_and_a_storm_of_429_and_5xx_posts_each_round_once() {
    use crate::kill_storm::{corpus, expected};
    const FILES: usize = 40;
    const CONTROL: u64 = 101;
    const HOOK: u64 = 4242;
    let names = corpus(FILES);
    let want = expected(&names).await;
    for t in db::all().await {
        let fake = FakeDiscord::start();
        let local = tempfile::tempdir().unwrap();
        let env = [
            ("SLOMIX__DISCORD__TOKEN", fake.config().token.clone()),
            ("SLOMIX__DISCORD__API_URL", fake.base_url()),
            ("SLOMIX__DISCORD__PRODUCTION_CHANNEL_ID", PRODUCTION.to_string()),
            ("SLOMIX__DISCORD__CONTROL_CHANNEL_ID", CONTROL.to_string()),
            ("SLOMIX__DISCORD__WEBHOOK_WHITELIST", HOOK.to_string()),
            ("SLOMIX__POLL__ACTIVE_INTERVAL_SECS", "1".to_owned()),
            ("SLOMIX__POLL__IDLE_INTERVAL_SECS", "1".to_owned()),
            ("SLOMIX__POLL__DEAD_HOURS_START", "0".to_owned()),
            ("SLOMIX__POLL__DEAD_HOURS_END", "0".to_owned()),
            ("SLOMIX__POLL__STARTUP_LOOKBACK_HOURS", "1000000".to_owned()),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let running = slomix::app::start(
            settings(local.path(), &env),
            t.db.clone(),
            vec![crate::daemon::local_source(local.path())],
        )
        .await
        .unwrap();
        within("bot ready", fake.wait_ready()).await;
        let posts = format!("/api/v10/channels/{PRODUCTION}/messages");
        let mut triggers = Vec::new();
        for (i, name) in names.iter().enumerate() {
            // The faults, at fixed points of the stream.
            match i {
                4 => fake.drop_gateway(), // not resumable: a new session after serenity's 5 s
                10 => fake.fail_next("POST", &posts, Failure::Status(503), 2),
                16 => {
                    fake.allow_resume(true);
                    fake.drop_gateway();
                }
                22 => fake.fail_next(
                    "POST",
                    &posts,
                    Failure::RateLimited { retry_after_secs: 0.2 },
                    2,
                ),
                26 => fake.close_gateway_with(Some(4000)),
                30 => {
                    fake.fail_next("POST", &posts, Failure::Status(500), 1);
                    fake.fail_next("POST", &posts, Failure::Status(502), 1);
                }
                _ => {}
            }
            std::fs::copy(
                crate::support::shared_fixtures("real").join(name),
                local.path().join(name),
            )
            .unwrap();
            triggers.push(fake.webhook_message(
                CONTROL,
                HOOK,
                "ET:Legacy Stats",
                &format!("📊 `{name}`"),
            ));
            // The next round ends once this one is stored (the game server's pace, shortened).
            until_db("the file settled", async || {
                use entity::processed_files;
                processed_files::Entity::find()
                    .filter(processed_files::Column::Filename.eq(name.as_str()))
                    .count(&t.db)
                    .await
                    .unwrap_or(0)
                    == 1
            })
            .await;
        }
        within(
            "every round posted",
            fake.wait_until(|f| f.messages(PRODUCTION).len() >= want.messages),
        )
        .await;
        until_db("the outbox emptied", async || {
            post_outbox::Entity::find().count(&t.db).await.unwrap_or(1) == 0
        })
        .await;
        let messages = fake.messages(PRODUCTION);
        let nonces: std::collections::BTreeSet<&str> =
            messages.iter().filter_map(|m| m.payload["nonce"].as_str()).collect();
        assert_eq!(nonces.len(), messages.len(), "{}: one message per nonce", t.kind);
        assert_eq!(messages.len(), want.messages, "{}", t.kind);
        let mut counted = std::collections::BTreeMap::new();
        for title in titles(&fake) {
            *counted.entry(title).or_insert(0) += 1;
        }
        assert_eq!(counted, want.titles, "{}", t.kind);
        // The faults happened: six failed posts, one new session, resumes.
        let statuses: Vec<u16> = fake
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == posts && r.status != 200)
            .map(|r| r.status)
            .collect();
        assert_eq!(statuses, [503, 503, 429, 429, 500, 502], "{}", t.kind);
        assert_eq!(fake.identify_count(), 2, "{}: one new session", t.kind);
        assert!(fake.resume_count() >= 2, "{}: resumed after the drop and the 4000", t.kind);
        let keep: Vec<u64> = triggers
            .iter()
            .zip(&names)
            .filter(|(_, n)| want.set_aside.contains(*n))
            .map(|(id, _)| *id)
            .collect();
        within(
            "the triggers tidied",
            fake.wait_until(|f| {
                let deleted = f.deleted();
                triggers.iter().all(|id| keep.contains(id) != deleted.contains(&(CONTROL, *id)))
            }),
        )
        .await;
        let health =
            running.app.health.send(slomix::actors::health_monitor::CollectHealth).await.unwrap();
        let publisher = health.iter().find(|h| h.component == "round_publisher").unwrap();
        assert_eq!(
            publisher.state,
            slomix::actors::health::HealthState::Healthy,
            "{}: {publisher:?}",
            t.kind
        );
        running.stop().await;
    }
}

/// PostgreSQL stopped hard (`pg_ctl stop -m immediate`) for 30 s in the middle of a stream
/// of 20 files, then started again: the actors report degraded during the outage and healthy
/// after it, every file is stored once and every round and summary is posted once.
#[actix::test]
async fn postgres_stopped_hard_for_thirty_seconds_during_a_stream_loses_nothing() {
    use crate::kill_storm::{corpus, expected};
    use entity::processed_files;
    use slomix::actors::{health::HealthState, health_monitor::CollectHealth};
    const OUTAGE: Duration = Duration::from_secs(30);
    let Some(pg) = db::OwnPostgres::start() else { return };
    let database = slomix::db::connect(&pg.url).await.unwrap();
    slomix::db::migrate(&database).await.unwrap();
    let names = corpus(20);
    let want = expected(&names).await;
    let local = tempfile::tempdir().unwrap();
    let fast =
        [("SLOMIX__POLL__ACTIVE_INTERVAL_SECS", "1"), ("SLOMIX__POLL__IDLE_INTERVAL_SECS", "1")];
    let (app, recorder, _posts) = start_with(
        &database,
        settings(local.path(), &fast),
        vec![crate::daemon::local_source(local.path())],
    );
    let settled = async || {
        processed_files::Entity::find()
            .filter(processed_files::Column::Success.eq(true))
            .count(&database)
            .await
            .unwrap_or(0)
            + set_aside_files::Entity::find().count(&database).await.unwrap_or(0)
    };
    let copy = |name: &str| {
        std::fs::copy(crate::support::shared_fixtures("real").join(name), local.path().join(name))
            .unwrap();
    };
    for name in &names[..6] {
        copy(name);
    }
    until_db("six files stored", async || settled().await == 6).await;

    pg.stop_hard();
    let stopped = tokio::time::Instant::now();
    for name in &names[6..] {
        copy(name);
    }
    let unhealthy = |health: &[slomix::actors::health::ComponentStatus]| {
        health
            .iter()
            .filter(|h| h.state != HealthState::Healthy)
            .map(|h| h.component.clone())
            .collect::<Vec<_>>()
    };
    let mut degraded = Vec::new();
    within("an actor reports the outage", async {
        while degraded.is_empty() {
            degraded = unhealthy(&app.health.send(CollectHealth).await.unwrap());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    // The outage lasts its 30 s whatever the daemon does meanwhile.
    tokio::time::sleep_until(stopped + OUTAGE).await;
    let during = recorder.posts.lock().unwrap().len();
    pg.start_again();

    let total = (want.stored.len() + want.set_aside.len()) as u64;
    until_db("every file settled", async || settled().await == total).await;
    until_db("every round posted", async || {
        recorder.posts.lock().unwrap().len() >= want.messages
            && post_outbox::Entity::find().count(&database).await.unwrap_or(1) == 0
    })
    .await;
    let mut counted = std::collections::BTreeMap::new();
    for title in recorder.posts.lock().unwrap().iter() {
        *counted.entry(title.clone()).or_insert(0) += 1;
    }
    assert_eq!(counted, want.titles, "each round and summary posted once");
    assert!(during < want.messages, "the outage held posts back ({during} during it)");
    within("every actor healthy again", async {
        while !unhealthy(&app.health.send(CollectHealth).await.unwrap()).is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(
        degraded.iter().any(|c| c == "db_writer" || c == "file_fetcher" || c == "round_publisher"),
        "{degraded:?}"
    );
    app.stop_polling().await;
}

/// A source whose listing panics (a bug in an actor's code path).
struct PanicsOnList;

impl slomix::sftp::RemoteFiles for PanicsOnList {
    fn list(
        &self,
    ) -> slomix::sftp::BoxFuture<'_, Result<Vec<slomix::sftp::RemoteEntry>, slomix::sftp::SftpError>>
    {
        Box::pin(async { panic!("injected: the listing code has a bug") })
    }

    fn read<'a>(
        &'a self,
        _name: &'a str,
    ) -> slomix::sftp::BoxFuture<'a, Result<Vec<u8>, slomix::sftp::SftpError>> {
        Box::pin(async { panic!("injected: never read") })
    }
}

/// A panic inside an actor (FileFetcher's listing) kills it and its Supervisor; the daemon
/// does not run on half-alive: HealthMonitor sees the closed mailbox, logs the actor's name,
/// and `Running::until` (what `slomix` runs) stops everything and returns the error that makes
/// the process exit non-zero for systemd to restart it. The other actors answered until then.
#[actix::test]
async fn a_panicking_actor_stops_the_daemon_with_an_error_naming_it() {
    let (logs, _guard) = crate::support::capture_logs();
    let t = db::sqlite().await;
    let local = tempfile::tempdir().unwrap();
    let mut source = crate::daemon::local_source(local.path());
    source.remote = std::sync::Arc::new(PanicsOnList);
    let running =
        slomix::app::start(settings(local.path(), &[]), t.db.clone(), vec![source]).await.unwrap();
    let writer = running.app.db_writer.send(GetHealth).await.unwrap();
    assert_eq!(writer.component, "db_writer");
    let error = within("the daemon to give up", running.until(std::future::pending()))
        .await
        .expect_err("an actor died");
    assert!(error.starts_with("actor file_fetcher died"), "{error}");
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        logged.lines().any(|l| l.contains("actor=file_fetcher") && l.contains("state=\"dead\"")
            || l.contains("file_fetcher") && l.contains("dead")),
        "{logged}"
    );
}

/// The gaming session's state survives the daemon being SIGKILLed. (1) Killed while the
/// 5-minute end timer runs (8 s here): the next run takes the session up with the same
/// deadline and ends it there (`ended_at` equals the deadline recorded before the kill, whether
/// the new run started before or after it), one "ended" notice. (2) Killed while Discord
/// fails the "started" notice of the next session: the next run posts it, once. SQLite and
/// PostgreSQL.
#[tokio::test]
async fn voice_sessions_and_their_notices_survive_the_daemon_being_killed() {
    use entity::voice_sessions;
    const GENERAL: u64 = 102;
    let general = format!("/api/v10/channels/{GENERAL}/messages");
    let extra = [
        ("SLOMIX__DISCORD__GENERAL_CHANNEL_ID", "102"),
        ("SLOMIX__DISCORD__GAMING_VOICE_CHANNELS", "200"),
        ("SLOMIX__VOICE__AUTOMATION_ENABLED", "true"),
        ("SLOMIX__VOICE__END_DELAY_SECS", "8"),
        ("SLOMIX__POLL__ENABLED", "false"),
    ];
    let titled = |fake: &FakeDiscord, prefix: &str| {
        fake.messages(GENERAL)
            .iter()
            .filter(|m| {
                m.payload["embeds"][0]["title"].as_str().is_some_and(|t| t.starts_with(prefix))
            })
            .count()
    };
    let row = async |db: &sea_orm::DatabaseConnection, n: usize| {
        voice_sessions::Entity::find()
            .order_by_asc(voice_sessions::Column::Id)
            .all(db)
            .await
            .unwrap_or_default()
            .into_iter()
            .nth(n)
    };
    for t in db::all().await {
        let fake = FakeDiscord::start();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("local_stats")).unwrap();
        let mut first = daemon_with(&fake, &t.url, dir.path(), &extra);
        within("bot ready", fake.wait_ready()).await;
        for user in 1..=6 {
            fake.voice_state_update(user, Some(200));
        }
        within("started", fake.wait_until(|f| titled(f, "🎮 Gaming session started") == 1)).await;
        for user in 1..=5 {
            fake.voice_state_update(user, None);
        }
        until_db("the end deadline recorded", async || {
            row(&t.db, 0).await.is_some_and(|r| r.end_at.is_some())
        })
        .await;
        let deadline = row(&t.db, 0).await.unwrap().end_at.unwrap();
        first.kill().await.unwrap();

        let mut second = daemon_with(&fake, &t.url, dir.path(), &extra);
        until_db("the session ended and announced", async || {
            row(&t.db, 0).await.is_some_and(|r| r.ended_at.is_some() && r.end_posted)
        })
        .await;
        let ended = row(&t.db, 0).await.unwrap();
        assert_eq!(ended.ended_at, Some(deadline), "{}: it ended at its deadline", t.kind);
        assert_eq!(ended.participants, "1,2,3,4,5,6");
        within("the ended notice", fake.wait_until(|f| titled(f, "🏁 Gaming session ended") == 1))
            .await;

        // (2) The next session's "started" notice meets a failing Discord; killed meanwhile.
        fake.fail_next("POST", &general, Failure::Status(503), 100_000);
        for user in 1..=5 {
            fake.voice_state_update(user, Some(200));
        }
        until_db("the started notice attempted", async || {
            row(&t.db, 1).await.is_some_and(|r| r.start_attempted_at.is_some())
        })
        .await;
        second.kill().await.unwrap();
        fake.clear_failures();
        let mut third = daemon_with(&fake, &t.url, dir.path(), &extra);
        until_db("the started notice posted", async || {
            row(&t.db, 1).await.is_some_and(|r| r.start_posted)
        })
        .await;
        within(
            "two started notices",
            fake.wait_until(|f| titled(f, "🎮 Gaming session started") == 2),
        )
        .await;
        assert_eq!(titled(&fake, "🎮 Gaming session started"), 2, "{}: once each", t.kind);
        assert_eq!(titled(&fake, "🏁 Gaming session ended"), 1, "{}", t.kind);
        let open = row(&t.db, 1).await.unwrap();
        assert_eq!((open.ended_at, open.end_at), (None, None), "six in voice: on, no timer");
        third.kill().await.unwrap();
    }
}
