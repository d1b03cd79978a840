//! The bot against the fake Discord (`support/fake_discord`), the way it runs in production:
//! `cli::daemon::start` with a token and `discord.api_url` pointing at the fake. Webhook
//! triggers for files on the real sshd become one round embed each (SQLite and PostgreSQL),
//! bad triggers do nothing, voice channels make session posts (paused time), and faults
//! (gateway drop, 429) lose and duplicate nothing.
use std::{path::Path, sync::Arc, time::Duration};

use entity::{player_comprehensive_stats as pcs, rounds};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use slomix::{
    actors::health::GetHealth,
    app::{Running, Source, start},
    sftp::SftpFiles,
};

use crate::{
    daemon::{OTHER, R1, R2, local_source, settings},
    support::{
        db,
        fake_discord::{Failure, FakeConfig, FakeDiscord},
        logs, shared_fixtures,
        sshd::sshd,
    },
};

const PRODUCTION: u64 = 100;
const CONTROL: u64 = 101;
const GENERAL: u64 = 102;
const WEBHOOK: u64 = 4242;
const HOOK_NAME: &str = "ET:Legacy Stats";

/// Starts the daemon with Discord on the fake, polling off (only triggers fetch), and waits
/// (30 s at most) until it is on the gateway.
async fn start_bot(
    fake: &FakeDiscord,
    db: &DatabaseConnection,
    sources: Vec<Source>,
    local: &Path,
) -> Running {
    let running = start_daemon(fake, db, sources, local).await;
    within(fake.wait_ready()).await;
    running
}

/// Starts the daemon with Discord on the fake without waiting for the gateway (for paused
/// time, where a timeout would fire at once).
async fn start_daemon(
    fake: &FakeDiscord,
    db: &DatabaseConnection,
    sources: Vec<Source>,
    local: &Path,
) -> Running {
    let env: Vec<(String, String)> = [
        ("SLOMIX__DISCORD__TOKEN", fake.config().token.clone()),
        ("SLOMIX__DISCORD__API_URL", fake.base_url()),
        ("SLOMIX__DISCORD__PRODUCTION_CHANNEL_ID", PRODUCTION.to_string()),
        ("SLOMIX__DISCORD__CONTROL_CHANNEL_ID", CONTROL.to_string()),
        ("SLOMIX__DISCORD__GENERAL_CHANNEL_ID", GENERAL.to_string()),
        ("SLOMIX__DISCORD__WEBHOOK_WHITELIST", WEBHOOK.to_string()),
        ("SLOMIX__DISCORD__GAMING_VOICE_CHANNELS", "200,201".to_owned()),
        ("SLOMIX__VOICE__AUTOMATION_ENABLED", "true".to_owned()),
        ("SLOMIX__POLL__ENABLED", "false".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    start(settings(local, &env), db.clone(), sources).await.unwrap()
}

/// Real-time limit for a wait on the fake.
async fn within<T>(what: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), what).await.expect("within 30 s")
}

pub fn sftp_source(folder: &Path, local: &Path) -> Source {
    let shared = sshd().expect("sshd");
    let target = shared.target(folder);
    Source {
        server: crate::support::sshd::sftp_server("default", &target, local),
        remote: Arc::new(SftpFiles::new(target)),
    }
}

fn put(folder: &Path, name: &str) {
    std::fs::copy(shared_fixtures("real").join(name), folder.join(name)).unwrap();
}

fn trigger(fake: &FakeDiscord, file: &str) -> u64 {
    fake.webhook_message(CONTROL, WEBHOOK, HOOK_NAME, &format!("📊 `{file}`"))
}

fn embed(fake: &FakeDiscord, channel: u64, index: usize) -> Value {
    fake.messages(channel)[index].payload["embeds"][0].clone()
}

fn text_of(embed: &Value) -> String {
    embed["fields"].as_array().unwrap().iter().map(|f| f["value"].as_str().unwrap()).collect()
}

/// Every Discord limit, checked on the JSON the bot sent.
fn assert_within_limits(payload: &Value) {
    let chars = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    assert_eq!(payload["allowed_mentions"]["parse"], json!([]), "mentions disabled");
    for embed in payload["embeds"].as_array().unwrap() {
        let fields = embed["fields"].as_array().map_or(&[][..], Vec::as_slice);
        assert!(chars(&embed["title"]) <= 256);
        assert!(chars(&embed["description"]) <= 4096);
        assert!(fields.len() <= 25);
        let mut total =
            chars(&embed["title"]) + chars(&embed["description"]) + chars(&embed["footer"]["text"]);
        for field in fields {
            assert!(chars(&field["name"]) <= 256);
            assert!(chars(&field["value"]) <= 1024, "{}", chars(&field["value"]));
            total += chars(&field["name"]) + chars(&field["value"]);
        }
        assert!(total <= 6000, "{total}");
    }
}

async fn top_player(db: &DatabaseConnection, file: &str, round_number: i32) -> pcs::Model {
    let round = rounds::Entity::find()
        .filter(rounds::Column::Filename.eq(file))
        .filter(rounds::Column::RoundNumber.eq(round_number))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    pcs::Entity::find()
        .filter(pcs::Column::RoundId.eq(round.id))
        .order_by_desc(pcs::Column::Kills)
        .order_by_desc(pcs::Column::DamageGiven)
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

#[actix::test]
async fn a_webhook_trigger_posts_each_round_once_and_deletes_the_trigger() {
    logs();
    if sshd().is_none() {
        return;
    }
    for t in db::all().await {
        let fake = FakeDiscord::start();
        let folder = sshd().unwrap().folder();
        let local = tempfile::tempdir().unwrap();
        let running =
            start_bot(&fake, &t.db, vec![sftp_source(folder.path(), local.path())], local.path())
                .await;

        put(folder.path(), R1);
        let first = trigger(&fake, R1);
        within(fake.wait_until(|f| f.deleted().contains(&(CONTROL, first)))).await;
        assert_eq!(fake.messages(PRODUCTION).len(), 1, "{}", t.kind);
        let r1 = embed(&fake, PRODUCTION, 0);
        assert_eq!(r1["title"], "🎮 Round 1 Complete - sw_goldrush_te");
        assert_eq!(r1["color"], 0x3498DB, "blue for round 1");
        let top = top_player(&t.db, R1, 1).await;
        let text = text_of(&r1);
        assert!(text.starts_with("🥇 **"), "{text}");
        assert!(text.contains(&format!("{}K/{}D/{}G", top.kills, top.deaths, top.gibs)), "{text}");
        assert!(r1["footer"]["text"].as_str().unwrap().ends_with(R1));
        assert_within_limits(&fake.messages(PRODUCTION)[0].payload);

        // Announced again: nothing new is posted, the trigger is still tidied away.
        let again = trigger(&fake, R1);
        within(fake.wait_until(|f| f.deleted().contains(&(CONTROL, again)))).await;
        assert_eq!(fake.messages(PRODUCTION).len(), 1, "{}", t.kind);

        put(folder.path(), R2);
        let second = trigger(&fake, R2);
        within(fake.wait_until(|f| {
            f.deleted().contains(&(CONTROL, second)) && f.messages(PRODUCTION).len() >= 3
        }))
        .await;
        let titles: Vec<Value> =
            (0..3).map(|i| embed(&fake, PRODUCTION, i)["title"].clone()).collect();
        assert_eq!(
            titles,
            [
                "🎮 Round 1 Complete - sw_goldrush_te",
                "🎮 Round 2 Complete - sw_goldrush_te",
                "🏆 Match Complete - sw_goldrush_te"
            ]
        );
        assert_eq!(embed(&fake, PRODUCTION, 1)["color"], 0xE74C3C, "red for round 2");
        let top2 = top_player(&t.db, R2, 2).await;
        assert!(
            text_of(&embed(&fake, PRODUCTION, 1))
                .contains(&format!("{}K/{}D/{}G", top2.kills, top2.deaths, top2.gibs))
        );
        assert_eq!(fake.messages(PRODUCTION).len(), 3, "{}", t.kind);
        assert!(fake.messages(CONTROL).is_empty(), "nothing is ever posted in the control channel");
        running.stop().await;
    }
}

/// Triggers posted while the bot was away are in the control channel's history, not on the
/// new gateway session: the bot reads them when it connects. Polling is off here, so without
/// that the files announced during the outage would never be fetched. A trigger for a round
/// posted earlier is deleted at once; a refused one is left alone.
#[actix::test]
async fn triggers_posted_while_the_bot_was_away_are_followed_up_when_it_connects() {
    logs();
    let Some(server) = sshd() else { return };
    for t in db::all().await {
        let fake = FakeDiscord::start();
        let folder = server.folder();
        let local = tempfile::tempdir().unwrap();
        let source = || vec![sftp_source(folder.path(), local.path())];
        let first = start_bot(&fake, &t.db, source(), local.path()).await;
        put(folder.path(), R1);
        let live = trigger(&fake, R1);
        within(fake.wait_until(|f| f.deleted().contains(&(CONTROL, live)))).await;
        first.stop().await;
        assert_eq!(fake.messages(PRODUCTION).len(), 1, "{}", t.kind);

        // While it is away: R1 announced again, R2 and another map played, and a trigger
        // from a webhook that is not on the whitelist.
        put(folder.path(), R2);
        put(folder.path(), OTHER);
        let again = trigger(&fake, R1);
        let missed = [trigger(&fake, R2), trigger(&fake, OTHER)];
        let stranger = fake.webhook_message(CONTROL, 999, HOOK_NAME, &format!("📊 `{OTHER}`"));
        let identified = fake.identify_count();
        let second = start_bot(&fake, &t.db, source(), local.path()).await;
        assert!(fake.identify_count() > identified);
        within(fake.wait_until(|f| {
            let deleted = f.deleted();
            missed.iter().chain([&again]).all(|id| deleted.contains(&(CONTROL, *id)))
        }))
        .await;
        let titles: Vec<String> = fake
            .messages(PRODUCTION)
            .iter()
            .map(|m| m.payload["embeds"][0]["title"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            titles,
            [
                "🎮 Round 1 Complete - sw_goldrush_te",
                "🎮 Round 2 Complete - sw_goldrush_te",
                "🏆 Match Complete - sw_goldrush_te",
                "🎮 Round 1 Complete - etl_adlernest",
            ],
            "{}",
            t.kind
        );
        assert!(!fake.deleted().contains(&(CONTROL, stranger)), "{}: refused, left alone", t.kind);
        second.stop().await;
    }
}

/// A trigger for a file whose content is already stored under another name has nothing to
/// post, and is still tidied away (RoundPublisher's periodic tidy).
#[actix::test]
async fn a_trigger_for_a_duplicate_file_is_tidied_without_a_post() {
    logs();
    let Some(server) = sshd() else { return };
    let t = db::sqlite().await;
    let fake = FakeDiscord::start();
    let folder = server.folder();
    let local = tempfile::tempdir().unwrap();
    let running =
        start_bot(&fake, &t.db, vec![sftp_source(folder.path(), local.path())], local.path()).await;
    put(folder.path(), R1);
    let first = trigger(&fake, R1);
    within(fake.wait_until(|f| f.deleted().contains(&(CONTROL, first)))).await;
    // The same bytes under the next second's name.
    let copy = "2025-10-12-224531-sw_goldrush_te-round-1.txt";
    std::fs::copy(shared_fixtures("real").join(R1), folder.path().join(copy)).unwrap();
    let second = trigger(&fake, copy);
    within(fake.wait_until(|f| f.deleted().contains(&(CONTROL, second)))).await;
    assert_eq!(fake.messages(PRODUCTION).len(), 1, "nothing posted for the duplicate");
    running.stop().await;
}

#[actix::test]
async fn bad_triggers_fetch_and_post_nothing() {
    logs();
    if sshd().is_none() {
        return;
    }
    let t = db::sqlite().await;
    let fake = FakeDiscord::start();
    let folder = sshd().unwrap().folder();
    let local = tempfile::tempdir().unwrap();
    let running =
        start_bot(&fake, &t.db, vec![sftp_source(folder.path(), local.path())], local.path()).await;
    put(folder.path(), R1);
    put(folder.path(), OTHER);
    let other = format!("📊 `{OTHER}`");
    let long = format!("📊 `{}-round-1.txt`", "a".repeat(300));
    let bad = [
        fake.webhook_message(CONTROL, 999, HOOK_NAME, &other),
        fake.user_message(CONTROL, 555, "mallory", &other),
        fake.webhook_message(103, WEBHOOK, HOOK_NAME, &other),
        fake.webhook_message(CONTROL, WEBHOOK, "Impostor", &other),
        fake.webhook_message(CONTROL, WEBHOOK, HOOK_NAME, "📊 `../../../etc/passwd`"),
        fake.webhook_message(CONTROL, WEBHOOK, HOOK_NAME, &format!("📊 `{OTHER}\0`")),
        fake.webhook_message(CONTROL, WEBHOOK, HOOK_NAME, &long),
        fake.webhook_message(
            CONTROL,
            WEBHOOK,
            HOOK_NAME,
            "📊 `2025-02-30-212214-etl_adlernest-round-1.txt`",
        ),
    ];
    // Five good triggers use up the webhook's minute; the sixth is refused.
    let good: Vec<u64> = (0..5).map(|_| trigger(&fake, R1)).collect();
    let sixth = trigger(&fake, OTHER);
    within(fake.wait_until(|f| good.iter().all(|id| f.deleted().contains(&(CONTROL, *id))))).await;
    // Give the refused ones every chance to do something.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(fake.messages(PRODUCTION).len(), 1);
    assert_eq!(embed(&fake, PRODUCTION, 0)["title"], "🎮 Round 1 Complete - sw_goldrush_te");
    assert!(!local.path().join(OTHER).exists(), "the refused file was never fetched");
    let deleted = fake.deleted();
    for id in bad.iter().chain([&sixth]) {
        assert!(!deleted.iter().any(|(_, m)| m == id), "refused trigger {id} left alone");
    }
    let posts_anywhere: usize = (100..=105).map(|c| fake.messages(c).len()).sum();
    assert_eq!(posts_anywhere, 1, "no replies to refused triggers");
    running.stop().await;
}

/// Up to (and including) the first message in `channel` whose embed title starts with `prefix`.
fn count_titled(fake: &FakeDiscord, channel: u64, prefix: &str) -> usize {
    fake.messages(channel)
        .iter()
        .filter(|m| m.payload["embeds"][0]["title"].as_str().is_some_and(|t| t.starts_with(prefix)))
        .count()
}

/// Waits until the voice tracker reports `present` members in voice, without letting paused
/// time advance (it yields instead of sleeping, so the runtime is never idle), and returns the
/// instant it did: the tracker's own timers run from then.
async fn voice_present(app: &slomix::app::App, present: usize) -> tokio::time::Instant {
    let wanted = format!(", {present} in voice,");
    loop {
        let health = app.voice.send(GetHealth).await.unwrap();
        if health.detail.contains(&wanted) {
            return tokio::time::Instant::now();
        }
        tokio::task::yield_now().await;
    }
}

#[actix::test]
async fn voice_channels_start_and_end_gaming_sessions_on_paused_time() {
    logs();
    let t = db::sqlite().await;
    // Heartbeats far apart: paused time must not starve the gateway of its ACKs.
    let fake = FakeDiscord::start_with(FakeConfig {
        heartbeat_interval_ms: 24 * 3_600_000,
        ..FakeConfig::default()
    });
    let local = tempfile::tempdir().unwrap();
    let running = start_bot(&fake, &t.db, vec![local_source(local.path())], local.path()).await;
    // The start-up snapshot (GUILD_CREATE lists nobody) is in; the joins below come after it.
    within(async {
        while !running.app.voice.send(GetHealth).await.unwrap().detail.ends_with(" 1 snapshots") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let started = |f: &FakeDiscord| count_titled(f, GENERAL, "🎮 Gaming session started");
    let ended = |f: &FakeDiscord| count_titled(f, GENERAL, "🏁 Gaming session ended");

    for user in 1..=5 {
        fake.voice_state_update(user, Some(200));
    }
    fake.voice_state_update(50, Some(201)); // both gaming channels count
    within(fake.wait_until(|f| started(f) == 1)).await;
    assert!(
        embed(&fake, GENERAL, 0)["description"].as_str().unwrap().starts_with("6 players"),
        "{}",
        embed(&fake, GENERAL, 0)
    );

    // From here the daemon runs on paused tokio time (the fake keeps real time).
    // Each wait for the tracker to see a change yields instead of sleeping, so no time passes
    // while the fake's real-time websocket delivers the events.
    tokio::time::pause();
    for user in 1..=5 {
        fake.voice_state_update(user, None);
    }
    let left = voice_present(&running.app, 1).await;
    tokio::time::sleep_until(left + Duration::from_secs(299)).await;
    assert_eq!(ended(&fake), 0, "not before 300 s");
    fake.wait_until(|f| ended(f) == 1).await;
    let waited = left.elapsed();
    assert!(waited >= Duration::from_secs(300), "{waited:?}");

    // A new session; people drift off and come back within the delay: no end.
    for user in 1..=5 {
        fake.voice_state_update(user, Some(200));
    }
    fake.wait_until(|f| started(f) == 2).await;
    for user in 1..=5 {
        fake.voice_state_update(user, None);
    }
    let left = voice_present(&running.app, 1).await;
    tokio::time::sleep_until(left + Duration::from_secs(100)).await;
    for user in 1..=5 {
        fake.voice_state_update(user, Some(200));
    }
    voice_present(&running.app, 6).await;
    tokio::time::sleep_until(left + Duration::from_secs(700)).await;
    assert_eq!(ended(&fake), 1, "the rejoin cancelled the end timer");

    // A restart with six in voice resumes the session (no new "started" post) and it ends
    // normally.
    running.stop().await;
    let again = start_daemon(&fake, &t.db, vec![local_source(local.path())], local.path()).await;
    fake.wait_until(|f| f.identify_count() == 2 && f.is_ready()).await;
    voice_present(&again.app, 6).await;
    for user in 1..=5 {
        fake.voice_state_update(user, None);
    }
    let left = voice_present(&again.app, 1).await;
    tokio::time::sleep_until(left + Duration::from_secs(299)).await;
    assert_eq!(ended(&fake), 1, "the resumed session's timer runs its full 300 s");
    fake.wait_until(|f| ended(f) == 2).await;
    assert!(left.elapsed() >= Duration::from_secs(300));
    assert_eq!(started(&fake), 2, "a recovered session is not announced again");
    again.stop().await;
}

/// People who join in the moment the bot connects (their VOICE_STATE_UPDATEs right behind a
/// GUILD_CREATE that does not list them) start a new session with its notice: the start-up
/// snapshot is what GUILD_CREATE lists, not what the cache holds when its handler runs (the
/// handlers run concurrently; CI once saw the six joins taken for a session under way).
#[actix::test]
async fn joins_right_behind_the_guild_create_are_a_new_announced_session() {
    logs();
    let t = db::sqlite().await;
    let fake = FakeDiscord::start();
    fake.joins_behind_next_guild_create(&[1, 2, 3, 4, 5, 6], 200);
    let local = tempfile::tempdir().unwrap();
    let running = start_bot(&fake, &t.db, vec![local_source(local.path())], local.path()).await;
    let started = |f: &FakeDiscord| count_titled(f, GENERAL, "🎮 Gaming session started");
    within(fake.wait_until(|f| started(f) == 1)).await;
    let description = embed(&fake, GENERAL, 0)["description"].as_str().unwrap().to_owned();
    assert!(description.starts_with("6 players"), "{description}");
    // The notice is marked posted after Discord answered it.
    let db = &t.db;
    crate::faults::until_db("the start notice marked posted", async || {
        let open = entity::voice_sessions::Entity::find().all(db).await.unwrap();
        open.len() == 1 && open[0].start_posted
    })
    .await;
    let open = entity::voice_sessions::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(open.len(), 1);
    assert!(open[0].ended_at.is_none() && open[0].members_at_start == 6, "{:?}", open[0]);
    running.stop().await;
}

#[actix::test]
async fn a_dropped_gateway_and_a_429_lose_and_duplicate_nothing() {
    logs();
    let t = db::sqlite().await;
    let fake = FakeDiscord::start();
    let local = tempfile::tempdir().unwrap();
    let running = start_bot(&fake, &t.db, vec![local_source(local.path())], local.path()).await;

    fake.drop_gateway();
    within(fake.wait_until(|f| f.identify_count() == 2 && f.is_ready())).await;
    let posts = format!("/api/v10/channels/{PRODUCTION}/messages");
    fake.fail_next("POST", &posts, Failure::Status(503), 1);
    fake.fail_next("POST", &posts, Failure::RateLimited { retry_after_secs: 0.5 }, 1);
    put(local.path(), R1);
    let id = trigger(&fake, R1);
    within(fake.wait_until(|f| f.deleted().contains(&(CONTROL, id)))).await;
    assert_eq!(fake.messages(PRODUCTION).len(), 1, "one post after the 503 and the 429");
    let statuses: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with(&format!("/{PRODUCTION}/messages")))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [503, 429, 200]);
    running.stop().await;
}

/// A round-1 file with 20 players whose names try markdown, mentions and length.
pub fn twenty_player_file() -> (String, Vec<u8>) {
    let name = "2025-10-20-210000-supply-round-1.txt";
    let source = std::fs::read(shared_fixtures("real").join(R1)).unwrap();
    let text = String::from_utf8_lossy(&source);
    let mut lines = text.lines();
    let header = lines.next().unwrap().replace("sw_goldrush_te", "supply");
    let player = lines.next().unwrap();
    let rest = player.splitn(3, '\\').nth(2).unwrap();
    let names = ["@everyone", "**bold**", "`code`", "<@123456>", "__u__", "~~s~~", "> quote"];
    let mut out = format!("{header}\n");
    for i in 0..20u32 {
        let shown = format!("{}{}", names[i as usize % names.len()], "W".repeat(i as usize * 2));
        out.push_str(&format!("{:08X}\\{shown}\\{rest}\n", 0xA000_0000u32 + i));
    }
    (name.to_owned(), out.into_bytes())
}

#[actix::test]
async fn a_twenty_player_round_fits_discord_limits_with_names_defused() {
    logs();
    let t = db::sqlite().await;
    let fake = FakeDiscord::start();
    let local = tempfile::tempdir().unwrap();
    let running = start_bot(&fake, &t.db, vec![local_source(local.path())], local.path()).await;
    let (name, bytes) = twenty_player_file();
    std::fs::write(local.path().join(&name), bytes).unwrap();
    let id = trigger(&fake, &name);
    within(fake.wait_until(|f| f.deleted().contains(&(CONTROL, id)))).await;
    let posts = fake.messages(PRODUCTION);
    assert!(!posts.is_empty());
    let mut players = 0;
    for post in &posts {
        assert_within_limits(&post.payload);
        let text = text_of(&post.payload["embeds"][0]);
        players += text.matches("↳ TmDmg").count();
        assert!(!text.contains("@everyone") && !text.contains("<@123456>"), "{text}");
    }
    assert_eq!(players, 20, "every player once");
    running.stop().await;
}

#[actix::test]
async fn a_rejected_token_or_a_missing_channel_stops_start_up_with_a_clear_error() {
    logs();
    let t = db::sqlite().await;
    let fake = FakeDiscord::start();
    fake.reject_token(true);
    let local = tempfile::tempdir().unwrap();
    let token = "super-secret-token-value";
    let base = fake.base_url();
    let env = [
        ("SLOMIX__DISCORD__TOKEN", token),
        ("SLOMIX__DISCORD__API_URL", base.as_str()),
        ("SLOMIX__DISCORD__PRODUCTION_CHANNEL_ID", "100"),
    ];
    let error = start(settings(local.path(), &env), t.db.clone(), vec![local_source(local.path())])
        .await
        .err()
        .expect("start-up fails");
    let text = error.to_string();
    assert!(text.contains("Discord rejected the bot token (HTTP 401)"), "{text}");
    assert!(!text.contains(token), "{text}");
    // Without a production channel there is nowhere to post: refused before any request.
    let requests = fake.requests().len();
    let env = [("SLOMIX__DISCORD__TOKEN", token), ("SLOMIX__DISCORD__API_URL", base.as_str())];
    let error = start(settings(local.path(), &env), t.db.clone(), vec![local_source(local.path())])
        .await
        .err()
        .expect("start-up fails");
    assert!(error.to_string().contains("discord.production_channel_id"), "{error}");
    assert_eq!(fake.requests().len(), requests);
}
