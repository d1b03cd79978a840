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
    path::PathBuf,
    time::{Duration, Instant},
};
use support::{
    history::{COPIES, PLAYERS, populate, postgres_bench_db},
    percentile,
};

use chrono::NaiveDateTime;
use sea_orm::DatabaseConnection;
use slomix::{
    commands::{
        Caller, Ctx, achievements, aliases, charts, compare,
        leaderboard::{self, Category},
        list_players,
        players::Who,
        recap, records, session_score, sessions, stats, team_records, teams, weapons,
    },
    render::Names,
};

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
                let db = postgres_bench_db(&server).await;
                populate("postgres", &db, COPIES, 50_000, PLAYERS as u64).await;
                measure("postgres", db).await;
            }
            Err(_) => println!("postgres: skipped (SLOMIX_TEST_POSTGRES_URL unset)"),
        }
    });
}
