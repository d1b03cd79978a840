//! The generated history the command, web and ratings benches share: shifted copies of the
//! real fixtures, their players mapped onto a pool of 500 GUIDs and names, imported through
//! the normal import.
#![allow(dead_code)] // each bench uses some of these

use std::{collections::BTreeSet, time::Instant};

use chrono::{NaiveDateTime, TimeDelta};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};
use slomix::{
    stats::{PairingRules, StatsFileName},
    store::{BatchFile, Store},
};

use super::real_files;

/// Copies of the real files in the commands bench's history.
pub const COPIES: usize = 173;
/// The pool of players.
pub const PLAYERS: usize = 500;

/// The GUIDs of the real files, in order.
pub fn real_guids(real: &[(String, Vec<u8>)]) -> Vec<String> {
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
pub fn copy_of(name: &str, bytes: &[u8], k: usize, guids: &[String]) -> Option<(String, Vec<u8>)> {
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
pub async fn populate(
    label: &str,
    db: &DatabaseConnection,
    copies: usize,
    rounds: u64,
    players: u64,
) {
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
    // The copies overlap in time (140 days apart, 575 days long): rate once at the end.
    let store = Store::new(db.clone(), "bench", PairingRules::default(), TimeDelta::minutes(60))
        .ratings_later();
    let now = NaiveDateTime::default();
    let started = Instant::now();
    let mut files = 0;
    for k in 0..copies {
        // One copy a batch, the way `slomix import` stores a history (same database as file
        // by file: tested in `store`).
        let batch: Vec<BatchFile> = real
            .iter()
            .filter_map(|(name, bytes)| copy_of(name, bytes, k, &guids))
            .map(|(name, bytes)| BatchFile::new(name, bytes))
            .collect();
        files += batch.len();
        store.import_batch(batch, now).await.unwrap();
        if k % 20 == 19 {
            println!("{label}: {files} files imported in {:.0} s", started.elapsed().as_secs_f64());
        }
    }
    store.catch_up_ratings().await.unwrap();
    let stored = entity::rounds::Entity::find().count(db).await.unwrap();
    let players = entity::player_totals::Entity::find().count(db).await.unwrap();
    println!(
        "{label}: {files} files -> {stored} rounds (with match summaries), {players} players, in {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

/// The PostgreSQL bench database `slomix_bench_commands_v1` on the server of `server` (a
/// database URL), created when missing.
pub async fn postgres_bench_db(server: &str) -> DatabaseConnection {
    let name = "slomix_bench_commands_v1";
    let admin = slomix::db::connect(server).await.unwrap();
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
    slomix::db::connect(&format!("{base}/{name}")).await.unwrap()
}
