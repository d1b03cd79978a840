//! Import benchmark (a plain bench binary, one long run per case): the real fixtures, then a
//! generated history of 10,000+ rounds built from them by shifting dates, on SQLite and (with
//! `SLOMIX_TEST_POSTGRES_URL` set) PostgreSQL. Prints rounds per second.
//!
//! `cargo bench --bench import` (add `-- --quick` for one 2,900-file history).
mod support;
use std::time::Instant;
use support::real_files;

use chrono::{NaiveDateTime, TimeDelta};
use sea_orm::ConnectionTrait;
use slomix::{
    stats::{PairingRules, StatsFileName},
    store::{ImportOutcome, Store},
};

/// `copies` shifted copies of the real files: copy k is moved 2 years + k weeks later and its
/// header's server name gets `#k`, so every file has its own name and content.
fn history(real: &[(String, Vec<u8>)], copies: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::with_capacity(real.len() * copies);
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
            out.push((new_name, content));
        }
    }
    out.sort();
    out
}

async fn run(label: &str, url: &str, files: &[(String, Vec<u8>)]) {
    let db = slomix::db::connect(url).await.unwrap();
    slomix::db::migrate(&db).await.unwrap();
    let store = Store::new(db.clone(), "bench", PairingRules::default(), TimeDelta::minutes(60));
    let now = NaiveDateTime::default();
    let started = Instant::now();
    let mut rounds = 0usize;
    for (name, bytes) in files {
        if let Ok(ImportOutcome::Imported(_)) = store.import_file(name, bytes, now).await {
            rounds += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{label}: {rounds} rounds from {} files in {seconds:.1} s = {:.0} rounds/s",
        files.len(),
        rounds as f64 / seconds
    );
    db.close().await.unwrap();
}

async fn postgres_url(name: &str) -> Option<String> {
    let server = std::env::var("SLOMIX_TEST_POSTGRES_URL").ok()?;
    let admin = slomix::db::connect(&server).await.unwrap();
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await.unwrap();
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}

fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench`: measure only under
    // `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let real = real_files();
    let generated = history(&real, if quick { 10 } else { 35 });
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        for (label, files) in [("real fixtures", &real), ("generated history", &generated)] {
            let file = dir.path().join(format!("{}.db", label.replace(' ', "_")));
            run(
                &format!("sqlite {label}"),
                &format!("sqlite://{}?mode=rwc", file.display()),
                files,
            )
            .await;
            match postgres_url(&format!("slomix_bench_{}", label.replace(' ', "_"))).await {
                Some(url) => run(&format!("postgres {label}"), &url, files).await,
                None => println!("postgres {label}: skipped (SLOMIX_TEST_POSTGRES_URL unset)"),
            }
        }
    });
}
