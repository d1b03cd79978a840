//! The kill storm: the `slomix` binary SIGKILLed 20 times at random moments while 200 real
//! stats files arrive on a game server (the real sshd), announced by `slomix-notify` through
//! the fake Discord's webhook and found by polling. Afterwards every file is stored once and
//! every round and match summary is posted exactly once, counted at the fake Discord, and the
//! database holds what importing the same files once, in order, gives. SQLite and PostgreSQL.
//!
//! The moments are drawn from a seeded generator (the seed is printed; `SLOMIX_TEST_SEED`
//! replays one) and are defined by progress, never by sleeping: right after the bot connects,
//! after the next n files are stored, after the next n rounds are posted, or while a post is
//! in flight (its intent recorded, its round not yet recorded as posted).
use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    time::Duration,
};

use entity::{
    player_comprehensive_stats as pcs, post_outbox, processed_files, round_posts, rounds,
    set_aside_files,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::support::{
    db,
    fake_discord::{FakeConfig, FakeDiscord},
    notifier::{NotifierOptions, RunningNotifier},
    shared_fixtures,
    sshd::sshd,
};

pub const PRODUCTION: u64 = 100;
pub const CONTROL: u64 = 101;
const FILES: usize = 200;
const KILLS: usize = 20;
/// Bound on every wait for progress (generous: a slow machine must not fail the test).
const WAIT: Duration = Duration::from_secs(120);

/// xorshift64*: enough randomness for choosing moments, and replayable from its seed.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let seed = std::env::var("SLOMIX_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| u64::from(chrono::Utc::now().timestamp_subsec_nanos()) | 1);
        println!("kill storm seed: {seed} (SLOMIX_TEST_SEED={seed} replays it)");
        Rng(seed.max(1))
    }

    /// A number in `1..=n` (n ≥ 1).
    fn upto(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        1 + self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

/// The first `files` real files, in the order the game server wrote them.
pub fn corpus(files: usize) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(shared_fixtures("real"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    names.truncate(files);
    assert_eq!(names.len(), files, "the corpus has {files} files");
    names
}

/// A round as the database holds it, without its id.
pub type RoundKey = (String, i32, String, String, String, i32);

async fn round_keys(db: &DatabaseConnection) -> BTreeMap<i32, RoundKey> {
    rounds::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let key = (
                r.match_id,
                r.round_number,
                r.map_name,
                r.filename,
                r.round_outcome,
                r.player_count,
            );
            (r.id, key)
        })
        .collect()
}

/// What importing the corpus once, in order, stores and posts: round keys, files stored,
/// files set aside, and the titles of every message the outbox would send.
pub struct Expected {
    pub rounds: BTreeSet<RoundKey>,
    pub stored: BTreeSet<String>,
    pub set_aside: BTreeSet<String>,
    pub titles: BTreeMap<String, usize>,
    pub messages: usize,
}

pub async fn expected(names: &[String]) -> Expected {
    expected_in(&shared_fixtures("real"), names).await
}

/// [`expected`] for files in `dir`.
pub async fn expected_in(dir: &Path, names: &[String]) -> Expected {
    let t = db::sqlite().await;
    let store = db::posting_store(&t.db);
    let now = chrono::Utc::now().naive_utc();
    for name in names {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let _ = store.import_file(name, &bytes, now).await; // rejected files are set aside
    }
    let keys = round_keys(&t.db).await;
    let mut titles = BTreeMap::new();
    let mut messages = 0;
    for row in post_outbox::Entity::find().all(&t.db).await.unwrap() {
        for title in rendered_titles(&t.db, row.round_id).await {
            *titles.entry(title).or_default() += 1;
            messages += 1;
        }
    }
    Expected {
        rounds: keys.into_values().collect(),
        stored: stored(&t.db).await,
        set_aside: set_aside(&t.db).await,
        titles,
        messages,
    }
}

async fn rendered_titles(db: &DatabaseConnection, round_id: i32) -> Vec<String> {
    let round = rounds::Entity::find_by_id(round_id).one(db).await.unwrap().unwrap();
    let players =
        pcs::Entity::find().filter(pcs::Column::RoundId.eq(round_id)).all(db).await.unwrap();
    let mut titles: Vec<String> =
        slomix::render::round_posts(&round, &players, slomix::render::Names::Discord)
            .iter()
            .map(|p| p.title.clone())
            .collect();
    // The badge tiers the round reached follow its posts (`posts.achievement_unlocks`, on).
    let unlocks = slomix::store::unlocks::of_round(db, round_id).await.unwrap();
    let names = slomix::render::Names::Discord;
    titles.extend(slomix::badges::unlock_post(&unlocks, names, String::new()).map(|p| p.title));
    titles
}

pub async fn stored(db: &DatabaseConnection) -> BTreeSet<String> {
    processed_files::Entity::find()
        .filter(processed_files::Column::Success.eq(true))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.filename)
        .collect()
}

pub async fn set_aside(db: &DatabaseConnection) -> BTreeSet<String> {
    set_aside_files::Entity::find().all(db).await.unwrap().into_iter().map(|r| r.filename).collect()
}

/// Files settled: stored or set aside.
pub async fn settled(db: &DatabaseConnection) -> u64 {
    let ok = processed_files::Entity::find()
        .filter(processed_files::Column::Success.eq(true))
        .count(db)
        .await
        .unwrap_or(0);
    ok + set_aside_files::Entity::find().count(db).await.unwrap_or(0)
}

pub async fn posted(db: &DatabaseConnection) -> u64 {
    round_posts::Entity::find().count(db).await.unwrap_or(0)
}

async fn in_flight(db: &DatabaseConnection) -> bool {
    post_outbox::Entity::find()
        .filter(post_outbox::Column::AttemptedAt.is_not_null())
        .count(db)
        .await
        .unwrap_or(0)
        > 0
}

pub async fn until(what: &str, logs: &Path, check: impl AsyncFn() -> bool) {
    let met = tokio::time::timeout(WAIT, async {
        while !check().await {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    if met.is_err() {
        let tail = std::fs::read_to_string(logs).unwrap_or_default();
        let tail: Vec<&str> = tail.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!("{what} within {WAIT:?}; the daemon's last log lines:\n{}", tail.join("\n"));
    }
}

pub struct Run<'a> {
    pub fake: &'a FakeDiscord,
    pub url: &'a str,
    pub remote: &'a Path,
    pub dir: &'a Path,
    pub whitelist: u64,
}

impl Run<'_> {
    /// Starts the daemon binary; its log goes to `dir/run-N.log`.
    pub fn spawn(&self, n: usize) -> (tokio::process::Child, PathBuf) {
        let server = sshd().expect("sshd");
        let log = self.dir.join(format!("run-{n}.log"));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_slomix"))
            .current_dir(self.dir)
            .env("DATABASE_URL", self.url)
            .env("SLOMIX__DISCORD__TOKEN", &self.fake.config().token)
            .env("SLOMIX__DISCORD__API_URL", self.fake.base_url())
            .env("SLOMIX__DISCORD__PRODUCTION_CHANNEL_ID", PRODUCTION.to_string())
            .env("SLOMIX__DISCORD__CONTROL_CHANNEL_ID", CONTROL.to_string())
            .env("SLOMIX__DISCORD__WEBHOOK_WHITELIST", self.whitelist.to_string())
            .env("SLOMIX__DISCORD__SLASH_COMMANDS", "false")
            .env("SLOMIX__SSH__ENABLED", "true")
            .env("SLOMIX__SSH__HOST", &server.host)
            .env("SLOMIX__SSH__PORT", server.port.to_string())
            .env("SLOMIX__SSH__USER", &server.user)
            .env("SLOMIX__SSH__KEY_PATH", &server.key)
            .env("SLOMIX__SSH__KNOWN_HOSTS", &server.known_hosts)
            .env("SLOMIX__SSH__REMOTE_PATH", self.remote)
            .env("SLOMIX__STATS__LOCAL_DIR", self.dir.join("local_stats"))
            .env("SLOMIX__HEALTH__STATUS_ADDR", format!("127.0.0.1:{port}"))
            .env("SLOMIX__WEB__ADDR", "127.0.0.1:0")
            .env("SLOMIX__POLL__TIMEZONE", "UTC")
            .env("SLOMIX__POLL__DEAD_HOURS_START", "0")
            .env("SLOMIX__POLL__DEAD_HOURS_END", "0")
            .env("SLOMIX__POLL__ACTIVE_INTERVAL_SECS", "1")
            .env("SLOMIX__POLL__IDLE_INTERVAL_SECS", "1")
            // The corpus is from 2024-2025: polling must not pass it by as too old.
            .env("SLOMIX__POLL__STARTUP_LOOKBACK_HOURS", "1000000")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        (child, log)
    }
}

/// The stage both the kill storm and the soak play on: a fake Discord that forgets nonces
/// after 2 s (so resumed posts are also found by looking in the channel, not only by the
/// nonce) with the control channel's webhook, a game-server folder on the sshd, the daemon's
/// folder, and `slomix-notify` watching the game server's folder (settling `settle_ms`).
pub struct Stage {
    pub fake: FakeDiscord,
    pub hook: u64,
    pub remote: tempfile::TempDir,
    pub dir: tempfile::TempDir,
    pub notifier: RunningNotifier,
}

impl Stage {
    pub fn start(server: &crate::support::sshd::Sshd, settle_ms: u64) -> Stage {
        let fake = FakeDiscord::start_with(FakeConfig {
            nonce_window: Duration::from_secs(2),
            ..FakeConfig::default()
        });
        let (hook, hook_url) = fake.add_webhook(CONTROL);
        let remote = server.folder();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("local_stats")).unwrap();
        let notifier = RunningNotifier::spawn(
            remote.path(),
            &hook_url,
            &dir.path().join("notify-state.json"),
            &NotifierOptions {
                settle_ms,
                rescan_ms: 200,
                log: "warn".into(),
                ..Default::default()
            },
        );
        Stage { fake, hook, remote, dir, notifier }
    }

    /// The daemon runs on this stage and database.
    pub fn run<'a>(&'a self, url: &'a str) -> Run<'a> {
        Run {
            fake: &self.fake,
            url,
            remote: self.remote.path(),
            dir: self.dir.path(),
            whitelist: self.hook,
        }
    }
}

#[tokio::test]
async fn killed_twenty_times_while_two_hundred_files_arrive_each_is_stored_and_posted_once() {
    let Some(server) = sshd() else { return };
    let names = corpus(FILES);
    let want = expected(&names).await;
    assert!(want.messages > FILES, "the corpus posts rounds and summaries: {}", want.messages);
    let mut rng = Rng::seeded();
    for t in db::all().await {
        let stage = Stage::start(&server, 200);
        let (fake, remote) = (&stage.fake, stage.remote.path());
        let run = stage.run(&t.url);
        let mut written = 0;
        let mut moments = Vec::new();
        for n in 0..KILLS {
            // The game server writes the next ten files (in one go each, as its script does).
            for name in &names[written..written + FILES / KILLS] {
                std::fs::copy(shared_fixtures("real").join(name), remote.join(name)).unwrap();
            }
            written += FILES / KILLS;
            let (mut daemon, log) = run.spawn(n);
            let (done, sent, identified) =
                (settled(&t.db).await, posted(&t.db).await, fake.identify_count());
            let outbox = post_outbox::Entity::find().count(&t.db).await.unwrap();
            let waiting = want
                .stored
                .iter()
                .chain(&want.set_aside)
                .filter(|f| names[..written].contains(f))
                .count() as u64;
            let moment = match rng.upto(4) {
                1 => {
                    until("the bot connected", &log, async || fake.identify_count() > identified)
                        .await;
                    "connected".to_owned()
                }
                2 if waiting > done => {
                    let k = rng.upto((waiting - done).min(8));
                    until("files stored", &log, async || settled(&t.db).await >= done + k).await;
                    format!("{k} stored")
                }
                3 if outbox > 0 => {
                    let k = rng.upto(outbox.min(5));
                    until("rounds posted", &log, async || posted(&t.db).await >= sent + k).await;
                    format!("{k} posted")
                }
                _ if outbox > 0 || waiting > done => {
                    until("a post in flight", &log, async || in_flight(&t.db).await).await;
                    "mid-post".to_owned()
                }
                _ => {
                    until("the bot connected", &log, async || fake.identify_count() > identified)
                        .await;
                    "connected".to_owned()
                }
            };
            daemon.kill().await.unwrap(); // SIGKILL
            moments.push(moment);
        }
        println!("{}: killed after {}", t.kind, moments.join(", "));

        // Started once more, it finishes the work: every file settled, every round posted.
        let (mut last, log) = run.spawn(KILLS);
        let total = (want.stored.len() + want.set_aside.len()) as u64;
        until("every file settled", &log, async || settled(&t.db).await == total).await;
        until("every round posted", &log, async || {
            post_outbox::Entity::find().count(&t.db).await.unwrap_or(1) == 0
        })
        .await;
        let (_, notified) = stage.notifier.stop().await;

        // Stored once: the same files, the same rounds as one import in order.
        assert_eq!(stored(&t.db).await, want.stored, "{}", t.kind);
        assert_eq!(set_aside(&t.db).await, want.set_aside, "{}", t.kind);
        let keys = round_keys(&t.db).await;
        let got: BTreeSet<RoundKey> = keys.values().cloned().collect();
        assert_eq!(got.len(), keys.len(), "{}: no round twice", t.kind);
        assert_eq!(got, want.rounds, "{}", t.kind);
        let recorded: BTreeSet<i32> = round_posts::Entity::find()
            .all(&t.db)
            .await
            .unwrap()
            .iter()
            .map(|p| p.round_id)
            .collect();
        let unposted: Vec<_> = keys.iter().filter(|(id, _)| !recorded.contains(id)).collect();
        let stale: Vec<_> = recorded.iter().filter(|id| !keys.contains_key(id)).collect();
        assert!(
            unposted.is_empty() && stale.is_empty(),
            "{}: rounds not recorded as posted: {unposted:?}; posts of rounds gone: {stale:?}",
            t.kind
        );

        // Posted once, counted at Discord: one message per part of every round, none twice.
        let messages = fake.messages(PRODUCTION);
        let mut parts = BTreeSet::new();
        let mut titles: BTreeMap<String, usize> = BTreeMap::new();
        for m in &messages {
            let nonce = m.payload["nonce"].as_str().unwrap_or_default().to_owned();
            let round: i32 = nonce
                .strip_prefix("slx")
                .and_then(|s| s.split_once('p'))
                .and_then(|(r, _)| r.parse().ok())
                .unwrap_or_else(|| {
                    panic!("{}: a message without a round's nonce: {nonce:?}", t.kind)
                });
            assert!(keys.contains_key(&round), "{}: {nonce} is a stored round", t.kind);
            assert!(parts.insert(nonce.clone()), "{}: {nonce} posted twice", t.kind);
            let title = m.payload["embeds"][0]["title"].as_str().unwrap_or_default().to_owned();
            *titles.entry(title).or_default() += 1;
        }
        assert_eq!(messages.len(), want.messages, "{}: {} posts", t.kind, messages.len());
        assert_eq!(titles, want.titles, "{}", t.kind);
        assert!(
            notified.lines().all(|l| !l.contains("ERROR")),
            "{}: the notifier never failed: {notified}",
            t.kind
        );
        // The gate took some triggers (the rest were found by polling).
        // Every trigger is tidied away once its file's rounds are posted, also those that
        // arrived while the daemon was dead or were over the gate's rate limit; only the
        // set-aside files' triggers stay.
        let triggers: Vec<(u64, String)> = fake
            .messages(CONTROL)
            .iter()
            .map(|m| (m.id, m.payload["content"].as_str().unwrap_or_default().to_owned()))
            .collect();
        assert_eq!(triggers.len(), FILES, "{}: one trigger per file", t.kind);
        let keep: Vec<u64> = triggers
            .iter()
            .filter(|(_, text)| want.set_aside.iter().any(|f| text.contains(f.as_str())))
            .map(|(id, _)| *id)
            .collect();
        let tidy = tokio::time::timeout(
            WAIT,
            fake.wait_until(|f| {
                let deleted = f.deleted();
                triggers
                    .iter()
                    .all(|(id, _)| keep.contains(id) != deleted.contains(&(CONTROL, *id)))
            }),
        )
        .await;
        let deleted = fake.deleted();
        let left: Vec<&String> = triggers
            .iter()
            .filter(|(id, _)| !deleted.contains(&(CONTROL, *id)))
            .map(|(_, text)| text)
            .collect();
        assert!(tidy.is_ok(), "{}: triggers left: {left:?} (kept: {})", t.kind, keep.len());
        last.kill().await.unwrap();
    }
}
