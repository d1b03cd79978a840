//! Import benchmark (a plain bench binary, one long run per case), old and new side by side:
//! a history built from the real fixtures by shifting dates is written to a folder, then
//! imported into a fresh SQLite and (with `SLOMIX_TEST_POSTGRES_URL` set) PostgreSQL
//! database twice: file by file in one transaction each, as `slomix import` did before
//! batching, and by the `slomix import` binary itself (batches, parsing ahead on every core),
//! whose peak RSS is measured too. Both end with the one ratings catch-up. Prints files per
//! second and checks both databases hold the same rounds.
//!
//! `cargo bench --bench import` (10,185 files); `-- --quick` (2,910); `-- --large` adds the
//! binary alone on 100,000+ files, with the 10,000-file rate beside it.
mod support;
use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};
use support::real_files;

use chrono::{NaiveDateTime, TimeDelta};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use slomix::{
    stats::{PairingRules, StatsFileName},
    store::Store,
};

/// Writes `copies` shifted copies of the real files into `dir`: copy k is moved 2 years + k
/// weeks later and its header's server name gets `#k`, so every file has its own name and
/// content. Returns how many files were written.
fn write_history(real: &[(String, Vec<u8>)], copies: usize, dir: &Path) -> usize {
    std::fs::create_dir_all(dir).unwrap();
    let mut written = 0;
    for k in 0..copies {
        let shift = TimeDelta::days(730 + 7 * k as i64);
        for (name, bytes) in real {
            let Ok(file) = StatsFileName::parse(name) else { continue };
            let t = file.timestamp() + shift;
            let new_name = format!(
                "{}-{}-round-{}.txt",
                t.format("%Y-%m-%d-%H%M%S"),
                file.map(),
                file.round()
            );
            let split = bytes.iter().position(|b| *b == b'\\').unwrap_or(0);
            let mut content = bytes[..split].to_vec();
            content.extend(format!("#{k}").bytes());
            content.extend(&bytes[split..]);
            std::fs::write(dir.join(new_name), content).unwrap();
            written += 1;
        }
    }
    written
}

/// The `.txt` files of `dir`, in the order `slomix import` takes them (by file time).
fn files_of(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort_by_cached_key(|p| {
        (StatsFileName::parse(p.file_name().unwrap().to_str().unwrap()).ok(), p.clone())
    });
    files
}

/// The old import: one transaction per file, then one ratings catch-up. Seconds.
async fn file_by_file(url: &str, files: &[PathBuf]) -> f64 {
    let db = slomix::db::connect(url).await.unwrap();
    slomix::db::migrate(&db).await.unwrap();
    let store = Store::new(db.clone(), "bench", PairingRules::default(), TimeDelta::minutes(60))
        .ratings_later();
    let now = NaiveDateTime::default();
    let started = Instant::now();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let bytes = std::fs::read(path).unwrap();
        if let Err(error) = store.import_file(name, &bytes, now).await {
            assert!(matches!(error, slomix::store::StoreError::Rejected(_)), "{error}");
        }
    }
    store.catch_up_ratings().await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    db.close().await.unwrap();
    seconds
}

/// The new import: `slomix import DIR` into `url`. Seconds and peak RSS in MiB (the binary
/// prints its own, from `/proc/self/status`).
fn binary(url: &str, dir: &Path) -> (f64, f64) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_slomix"))
        .arg("import")
        .arg(dir)
        .args(["--server", "bench"])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Exit 1: some files were rejected (the fixtures hold one round 2 without players).
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "slomix import: {}\n{stdout}",
        output.status
    );
    let rss = stdout
        .lines()
        .find_map(|l| l.strip_prefix("peak memory: "))
        .and_then(|l| l.trim_end_matches(" MiB").parse().ok())
        .unwrap_or_else(|| panic!("no peak memory line in:\n{stdout}"));
    (seconds, rss)
}

/// A digest of the stored rounds and derived tables, to check both imports agree.
async fn digest(url: &str) -> Vec<String> {
    let db: DatabaseConnection = slomix::db::connect(url).await.unwrap();
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) || '' FROM rounds",
        "SELECT COUNT(*) || '' FROM player_comprehensive_stats",
        "SELECT COUNT(*) || ' ' || COALESCE(SUM(round_count), 0) FROM gaming_sessions",
        "SELECT COUNT(*) || ' ' || SUM(kills) FROM player_totals",
        "SELECT COUNT(*) || ' ' || SUM(times_seen) FROM player_aliases",
        "SELECT COUNT(*) || '' FROM achievement_unlocks",
        "SELECT COUNT(*) || '' FROM rating_history",
    ] {
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        out.push(row.try_get_by_index::<String>(0).unwrap());
    }
    db.close().await.unwrap();
    out
}

async fn postgres_url(name: &str) -> Option<String> {
    let server = std::env::var("SLOMIX_TEST_POSTGRES_URL").ok()?;
    let admin = slomix::db::connect(&server).await.unwrap();
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await.unwrap();
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    admin.close().await.unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}

/// Fresh databases for one case: SQLite always, PostgreSQL when configured.
async fn databases(tmp: &Path, case: &str) -> Vec<(&'static str, String)> {
    let mut out =
        vec![("sqlite", format!("sqlite://{}?mode=rwc", tmp.join(format!("{case}.db")).display()))];
    if let Some(url) = postgres_url(&format!("slomix_bench_import_{case}")).await {
        out.push(("postgres", url));
    }
    out
}

fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench`: measure only under
    // `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let large = std::env::args().any(|a| a == "--large");
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let real = real_files();
    let tmp = tempfile::tempdir().unwrap();
    let history = tmp.path().join("history");
    let count = write_history(&real, if quick { 10 } else { 35 }, &history);
    let files = files_of(&history);
    assert_eq!(files.len(), count);
    if std::env::var("SLOMIX_TEST_POSTGRES_URL").is_err() {
        println!("postgres: skipped (SLOMIX_TEST_POSTGRES_URL unset)");
    }
    runtime.block_on(async {
        let mut rates = Vec::new();
        for ((db, old_url), (_, new_url)) in databases(tmp.path(), "old")
            .await
            .into_iter()
            .zip(databases(tmp.path(), "new").await)
        {
            let old = file_by_file(&old_url, &files).await;
            let (new, rss) = binary(&new_url, &history);
            let (old_digest, new_digest) = (digest(&old_url).await, digest(&new_url).await);
            assert_eq!(old_digest, new_digest, "{db}: the two imports differ");
            let n = files.len() as f64;
            println!(
                "{db} {count} files: file by file {old:.1} s = {:.0} files/s | batched (slomix import) {new:.1} s = {:.0} files/s, peak RSS {rss:.0} MiB | {:.1}x; same rounds, sessions, totals, aliases, unlocks, ratings ({})",
                n / old,
                n / new,
                old / new,
                new_digest.join(" / ")
            );
            rates.push((db, n / new));
        }
        if large {
            let big = tmp.path().join("large");
            let count = write_history(&real, 345, &big);
            for (db, url) in databases(tmp.path(), "large").await {
                let (seconds, rss) = binary(&url, &big);
                let rate = count as f64 / seconds;
                let small = rates.iter().find(|(d, _)| *d == db).map_or(f64::NAN, |(_, r)| *r);
                println!(
                    "{db} {count} files: batched (slomix import) {seconds:.1} s = {rate:.0} files/s ({:+.0}% against {:.0} files/s at {} files), peak RSS {rss:.0} MiB",
                    (rate / small - 1.0) * 100.0,
                    small,
                    files.len()
                );
            }
        }
    });
}
