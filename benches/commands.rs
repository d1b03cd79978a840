//! Command latency (a plain bench binary): 50,000+ rounds generated from the real fixtures
//! (173 shifted copies, their players mapped onto a pool of 500 GUIDs and names), imported
//! through the normal import, then `!stats`, `!leaderboard`, `!compare`, `!last_session`
//! (with its five graph pages), each of its views, `!session_score`, `!recap`, `!teams`,
//! `!weapons`, `!achievements`, `!myaliases`, `!records`, `!season`, `!team_record`, `!h2h` and
//! `!list_players` run through the command layer with no cache, on SQLite and (with
//! `SLOMIX_TEST_POSTGRES_URL` set) PostgreSQL.
//! Prints median and p99 per command.
//!
//! The generated databases are kept (SQLite under `target/bench-data/`, PostgreSQL as
//! `slomix_bench_commands_v1`) and reused by later runs when complete.
//! `cargo bench --bench commands` (`scripts/bench commands` starts PostgreSQL);
//! `cargo bench --bench commands -- graphs` times only the five graph pages of the latest
//! session (drawn alone, with `!last_session`, and as its `graphs` view) on SQLite holding
//! one copy of the real files.
mod support;
use std::{
    collections::BTreeSet,
    path::PathBuf,
    time::{Duration, Instant},
};
use support::{percentile, real_files};

use chrono::{NaiveDateTime, TimeDelta};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
use slomix::{
    commands::{
        Caller, Ctx, achievements, aliases, charts, compare,
        leaderboard::{self, Category},
        list_players,
        players::Who,
        recap, records, session_score, sessions, stats, team_records, teams, weapons,
    },
    render::Names,
    stats::{PairingRules, StatsFileName},
    store::Store,
};

const COPIES: usize = 173;
const PLAYERS: usize = 500;

/// The GUIDs of the real files, in order.
fn real_guids(real: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut guids = BTreeSet::new();
    for (_, bytes) in real {
        for line in String::from_utf8_lossy(bytes).lines().skip(1) {
            if let Some((guid, _)) = line.split_once('\\') {
                guids.insert(guid.to_owned());
            }
        }
    }
    guids.into_iter().collect()
}

/// Copy `k` of a real file: moved 1,000 + 140·k days later (within the years file names
/// allow), its header's server name marked `#k`, and each player `i` (by GUID) renamed to
/// pool player `(35k + i) mod 500` (GUID and name), so 500 players play in all.
fn copy_of(name: &str, bytes: &[u8], k: usize, guids: &[String]) -> Option<(String, Vec<u8>)> {
    let file = StatsFileName::parse(name).ok()?;
    let t = file.timestamp()
        + TimeDelta::days(1000 + 140 * k as i64)
        + TimeDelta::minutes(k as i64 % 7);
    let new_name =
        format!("{}-{}-round-{}.txt", t.format("%Y-%m-%d-%H%M%S"), file.map(), file.round());
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.split_inclusive('\n');
    let header = lines.next()?;
    let mut out = match header.split_once('\\') {
        Some((server, rest)) => format!("{server}#{k}\\{rest}"),
        None => header.to_owned(),
    };
    for line in lines {
        let mut parts = line.splitn(3, '\\');
        let (Some(guid), Some(_name), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            out.push_str(line);
            continue;
        };
        let i = guids.iter().position(|g| g == guid).unwrap_or(0);
        let pool = (35 * k + i) % PLAYERS;
        out.push_str(&format!("{:08X}\\p{pool:03}\\{rest}", 0x5000_0000u32 + pool as u32));
    }
    Some((new_name, out.into_bytes()))
}

/// Imports the generated history (`copies` shifted copies of the real files) unless the
/// database already holds it (`rounds` rounds and `players` players or more).
async fn populate(label: &str, db: &DatabaseConnection, copies: usize, rounds: u64, players: u64) {
    slomix::db::migrate(db).await.unwrap();
    let (wanted_rounds, wanted_players) = (rounds, players);
    let stored = entity::rounds::Entity::find().count(db).await.unwrap();
    let players = entity::player_totals::Entity::find().count(db).await.unwrap();
    if stored >= wanted_rounds && players >= wanted_players {
        println!("{label}: reusing {stored} stored rounds, {players} players");
        return;
    }
    let real = real_files();
    let guids = real_guids(&real);
    let store = Store::new(db.clone(), "bench", PairingRules::default(), TimeDelta::minutes(60));
    let now = NaiveDateTime::default();
    let started = Instant::now();
    let mut files = 0;
    for k in 0..copies {
        for (name, bytes) in &real {
            let Some((name, bytes)) = copy_of(name, bytes, k, &guids) else { continue };
            let _ = store.import_file(&name, &bytes, now).await;
            files += 1;
        }
        if k % 20 == 19 {
            println!("{label}: {files} files imported in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    let stored = entity::rounds::Entity::find().count(db).await.unwrap();
    let players = entity::player_totals::Entity::find().count(db).await.unwrap();
    println!(
        "{label}: {files} files -> {stored} rounds (with match summaries), {players} players, in {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

fn report(label: &str, command: &str, mut took: Vec<Duration>) {
    took.sort();
    println!(
        "{label} {command}: {} runs, median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        took.len(),
        percentile(&took, 0.5).as_secs_f64() * 1e3,
        percentile(&took, 0.99).as_secs_f64() * 1e3,
        took.last().unwrap().as_secs_f64() * 1e3
    );
}

/// A fixed pseudo-random sequence (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

async fn measure(label: &str, db: DatabaseConnection) {
    let now = NaiveDateTime::parse_from_str("2096-01-01 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    let ctx = Ctx::new(db, Names::Discord, now);
    let caller = Caller::default();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Warm the connection pool and caches of the database itself.
    for i in 0..20 {
        let _ = stats::stats(&ctx, &Who::Text(format!("p{i:03}")), &caller).await;
    }
    let runs = 300;
    let mut took = Vec::new();
    for _ in 0..runs {
        let who = Who::Text(format!("p{:03}", rng.next(PLAYERS)));
        let t = Instant::now();
        stats::stats(&ctx, &who, &caller).await.unwrap();
        took.push(t.elapsed());
    }
    report(label, "!stats", took);
    let mut took = Vec::new();
    for _ in 0..runs {
        let category = Category::ALL[rng.next(Category::ALL.len())];
        let page = 1 + rng.next(5) as u32;
        let t = Instant::now();
        leaderboard::leaderboard(&ctx, category, page).await.unwrap();
        took.push(t.elapsed());
    }
    report(label, "!leaderboard", took);
    let mut took = Vec::new();
    for _ in 0..runs {
        let a = rng.next(PLAYERS);
        let b = (a + 1 + rng.next(PLAYERS - 1)) % PLAYERS;
        let (a, b) = (Who::Text(format!("p{a:03}")), Who::Text(format!("p{b:03}")));
        let t = Instant::now();
        compare::compare(&ctx, &a, &b, &caller).await.unwrap();
        took.push(t.elapsed());
    }
    report(label, "!compare", took);
    let mut took = Vec::new();
    for _ in 0..60 {
        let t = Instant::now();
        let reply = sessions::last_session(&ctx).await.unwrap();
        took.push(t.elapsed());
        assert_eq!(reply.attachments.len(), 5);
    }
    report(label, "!last_session (5 graph pages)", took);
    for view in sessions::View::names() {
        let view = sessions::View::parse(Some(view)).unwrap();
        let mut took = Vec::new();
        for _ in 0..60 {
            let t = Instant::now();
            sessions::last_session_view(&ctx, view).await.unwrap();
            took.push(t.elapsed());
        }
        report(label, &format!("!last_session {}", view.key()), took);
    }
    let mut took = Vec::new();
    for _ in 0..60 {
        let t = Instant::now();
        let reply = session_score::session_score(&ctx, sessions::Pick::Latest).await.unwrap();
        took.push(t.elapsed());
        assert!(reply.data["score"]["maps"].is_array());
    }
    report(label, "!session_score", took);

    // The evening's other commands: 60 runs each, a random player where one is asked for.
    let pick = |rng: &mut Rng| Who::Text(format!("p{:03}", rng.next(PLAYERS)));
    macro_rules! time {
        ($name:expr, $rng:ident, $call:expr) => {{
            let mut took = Vec::new();
            for _ in 0..60 {
                #[allow(unused_variables)]
                let $rng = &mut rng;
                let t = Instant::now();
                $call.await.unwrap();
                took.push(t.elapsed());
            }
            report(label, $name, took);
        }};
    }
    time!("!recap", r, recap::recap(&ctx, sessions::Pick::Latest));
    time!("!teams", r, teams::teams(&ctx, sessions::Pick::Latest));
    time!("!weapons", r, weapons::weapons(&ctx, &pick(r), &caller));
    time!("!achievements", r, achievements::achievements(&ctx, &pick(r), &caller));
    time!("!myaliases", r, aliases::my_aliases(&ctx, &pick(r), &caller));
    time!("!records", r, records::records(&ctx, None));
    time!("!records supply", r, records::records(&ctx, Some("supply")));
    time!("!season", r, achievements::season(&ctx));
    time!("!team_record", r, team_records::team_record(&ctx));
    time!("!h2h", r, {
        let a = r.next(PLAYERS);
        let b = (a + 1 + r.next(PLAYERS - 1)) % PLAYERS;
        let (a, b) = (Who::Text(format!("p{a:03}")), Who::Text(format!("p{b:03}")));
        let (ctx, caller) = (&ctx, &caller);
        async move { team_records::h2h(ctx, &a, &b, caller).await }
    });
    time!(
        "!list_players",
        r,
        list_players::list_players(&ctx, list_players::Filter::All, 1 + r.next(5) as u32)
    );
}

/// The five graph pages of the latest session: drawn alone, with `!last_session` (summary
/// and pages) and as the `graphs` view.
async fn measure_graphs(label: &str, db: &DatabaseConnection) {
    let now = NaiveDateTime::parse_from_str("2096-01-01 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    let ctx = Ctx::new(db.clone(), Names::Discord, now);
    let data = sessions::load(&ctx, sessions::Pick::Latest).await.unwrap().unwrap();
    let players = sessions::aggregate(&data.rows, &std::collections::HashMap::new());
    let pages = charts::session_pages(&data, &players).unwrap();
    let bytes: usize = pages.iter().map(|p| p.png.len()).sum();
    println!(
        "{label}: latest session {} players, {} rounds; 5 pages {} bytes",
        players.len(),
        data.rounds.len(),
        bytes
    );
    let mut took = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let pages = charts::session_pages(&data, &players).unwrap();
        took.push(t.elapsed());
        assert_eq!(pages.len(), 5);
    }
    report(label, "charts::session_pages (5 pages)", took);
    // A full page: the session's rows three times over (as other players), 16 of them shown.
    let mut full = data.clone();
    for k in 1..3 {
        full.rows.extend(data.rows.iter().cloned().map(|mut r| {
            r.player_guid = format!("{}-{k}", r.player_guid);
            r
        }));
    }
    let many = sessions::aggregate(&full.rows, &std::collections::HashMap::new());
    let mut took = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        charts::session_pages(&full, &many).unwrap();
        took.push(t.elapsed());
    }
    report(label, &format!("charts::session_pages ({} players, 16 shown)", many.len()), took);
    let mut took = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let reply = sessions::last_session(&ctx).await.unwrap();
        took.push(t.elapsed());
        assert_eq!(reply.attachments.len(), 5);
    }
    report(label, "!last_session (5 graph pages)", took);
    let mut took = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        sessions::last_session_view(&ctx, sessions::View::Graphs).await.unwrap();
        took.push(t.elapsed());
    }
    report(label, "!last_session graphs", took);
}

fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench`: measure only under
    // `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // `cargo bench --bench commands -- graphs`: only the graph pages, on one copy of the
    // real files (a session's pages do not depend on the history before it).
    let graphs_only = std::env::args().any(|a| a == "graphs");
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&data).unwrap();
    runtime.block_on(async {
        if graphs_only {
            let url = format!("sqlite://{}?mode=rwc", data.join("commands-graphs-v1.db").display());
            let db = slomix::db::connect(&url).await.unwrap();
            populate("sqlite (graphs)", &db, 1, 1, 1).await;
            measure_graphs("sqlite", &db).await;
            return;
        }
        let url = format!("sqlite://{}?mode=rwc", data.join("commands-v1.db").display());
        let db = slomix::db::connect(&url).await.unwrap();
        populate("sqlite", &db, COPIES, 50_000, PLAYERS as u64).await;
        measure("sqlite", db).await;
        match std::env::var("SLOMIX_TEST_POSTGRES_URL") {
            Ok(server) => {
                let name = "slomix_bench_commands_v1";
                let admin = slomix::db::connect(&server).await.unwrap();
                let exists = admin
                    .query_one_raw(sea_orm::Statement::from_string(
                        admin.get_database_backend(),
                        format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
                    ))
                    .await
                    .unwrap()
                    .is_some();
                if !exists {
                    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
                }
                let (base, _) = server.rsplit_once('/').unwrap();
                let db = slomix::db::connect(&format!("{base}/{name}")).await.unwrap();
                populate("postgres", &db, COPIES, 50_000, PLAYERS as u64).await;
                measure("postgres", db).await;
            }
            Err(_) => println!("postgres: skipped (SLOMIX_TEST_POSTGRES_URL unset)"),
        }
    });
}
