//! Ratings (a plain bench binary), `cargo bench --bench ratings`:
//! 1. the model's parameters measured: every model and parameter set of a grid predicts each
//!    map of the simulated corpus (`../shared/fixtures/sim`) and of the real fixtures from the
//!    ratings before it (`ratings::evaluate`); the best by log loss on the simulated corpus are
//!    printed with their scores on the real files, beside the lifetime-K/D baseline;
//! 2. `slomix rating --rebuild`'s work (`store::ratings::rebuild`) on the commands bench's
//!    50,000-round databases (SQLite in `target/bench-data`, PostgreSQL with
//!    `SLOMIX_TEST_POSTGRES_URL`; made here when missing, shared with the commands bench);
//! 3. `!suggest_teams` for 12 rated players through the command layer.
//!
//! `-- --no-tune` skips 1.
mod support;
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};
use support::{
    history::{COPIES, PLAYERS, populate, postgres_bench_db},
    percentile,
};

use chrono::{NaiveDateTime, TimeDelta};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use slomix::{
    commands::{Ctx, players::Resolved, suggest_teams},
    ratings::{self, Model},
    render::Names,
    stats::PairingRules,
    store::{Store, ratings as stored},
};

async fn games_of(dir: &Path) -> Vec<ratings::Game> {
    let db = slomix::db::connect("sqlite::memory:").await.unwrap();
    slomix::db::migrate(&db).await.unwrap();
    let store = Store::new(db.clone(), "bench", PairingRules::default(), TimeDelta::minutes(60))
        .ratings_later();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let _ = store
            .import_file(&name, &std::fs::read(&path).unwrap(), NaiveDateTime::default())
            .await;
    }
    stored::load_games(&db, None).await.unwrap()
}

fn grid() -> Vec<Model> {
    let mut out = Vec::new();
    for beta in [25.0 / 6.0, 8.0, 12.0, 16.0, 20.0, 25.0, 30.0, 40.0] {
        for initial_uncertainty in [1.0, 2.0, 3.0, 5.0, 25.0 / 3.0] {
            for dynamics in [25.0 / 300.0, 0.25, 0.5] {
                for draw_probability in [0.05, 0.1, 0.2] {
                    out.push(Model::TrueSkill {
                        beta,
                        dynamics,
                        draw_probability,
                        initial_uncertainty,
                    });
                }
            }
            out.push(Model::WengLin { beta, initial_uncertainty });
        }
    }
    out
}

/// A mean log loss clearly worse than a coin flip on `maps` maps: more than two standard
/// errors above ln 2 (per-map log losses spread about 0.25 around their mean here).
fn clearly_worse(log_loss: f64, maps: usize) -> bool {
    log_loss > 2f64.ln() + 2.0 * 0.25 / (maps.max(1) as f64).sqrt()
}

fn tune(sim: &[ratings::Game], real: &[ratings::Game]) {
    let half = real.len() / 2;
    println!(
        "tuning: {} simulated maps; {} real maps (also scored on the newer {} after rating the older {half})",
        sim.len(),
        real.len(),
        real.len() - half
    );
    let show = |label: &str, e: &ratings::Evaluation| {
        format!("{label} {:.4}/{:.4}/{:.3}", e.model.log_loss, e.model.brier, e.model.accuracy)
    };
    let mut scored: Vec<(Model, ratings::Evaluation, ratings::Evaluation, ratings::Evaluation)> =
        grid()
            .into_iter()
            .map(|m| {
                (
                    m,
                    ratings::evaluate(sim, m),
                    ratings::evaluate(real, m),
                    ratings::evaluate_after(real, m, half),
                )
            })
            .collect();
    let ruled_out = scored.iter().filter(|s| clearly_worse(s.1.model.log_loss, s.1.maps)).count();
    println!(
        "  simulated corpus: {ruled_out} of {} configurations clearly worse than a coin flip (ruled out); best there {:.4}",
        scored.len(),
        scored.iter().map(|s| s.1.model.log_loss).fold(f64::INFINITY, f64::min)
    );
    scored.retain(|s| !clearly_worse(s.1.model.log_loss, s.1.maps));
    scored.sort_by(|a, b| a.2.model.log_loss.total_cmp(&b.2.model.log_loss));
    println!("  log loss/Brier/accuracy, best on all real maps first:");
    for (model, sim, all, newer) in scored.iter().take(8) {
        println!(
            "  {:<60} {} {} {}",
            model.describe(),
            show("sim", sim),
            show("real", all),
            show("newer half", newer)
        );
    }
    if let Some((model, sim, all, newer)) =
        scored.iter().find(|s| matches!(s.0, Model::WengLin { .. }))
    {
        println!(
            "  best weng-lin: {:<45} {} {} {}",
            model.describe(),
            show("sim", sim),
            show("real", all),
            show("newer half", newer)
        );
    }
    let chosen = ratings::MODEL;
    let (sim_e, real_e, newer_e) = (
        ratings::evaluate(sim, chosen),
        ratings::evaluate(real, chosen),
        ratings::evaluate_after(real, chosen, half),
    );
    println!("chosen: {}", chosen.describe());
    println!(
        "  {} | all real {} | newer half {}",
        show("sim", &sim_e),
        show("", &real_e),
        show("", &newer_e)
    );
    for (label, e) in [("sim", &sim_e), ("all real", &real_e), ("newer half of real", &newer_e)] {
        println!(
            "  baseline ({}) on {label}: log loss {:.4} brier {:.4} accuracy {:.3}",
            e.baseline.name, e.baseline.log_loss, e.baseline.brier, e.baseline.accuracy
        );
    }
}

async fn rebuild(label: &str, db: &DatabaseConnection) {
    slomix::db::migrate(db).await.unwrap();
    let rounds = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM rounds WHERE round_number IN (1, 2)".to_owned(),
        ))
        .await
        .unwrap()
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        .unwrap_or(0);
    let started = Instant::now();
    let games = stored::load_games(db, None).await.unwrap();
    let load = started.elapsed();
    let started = Instant::now();
    let mut rater = ratings::Rater::new(ratings::MODEL);
    let changes: usize = games.iter().map(|g| rater.apply(g).len()).sum();
    println!(
        "{label}: loading {} maps {:.0} ms, rating them ({changes} changes) {:.0} ms",
        games.len(),
        load.as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64() * 1000.0
    );
    let mut took = Vec::new();
    let mut maps = 0;
    for _ in 0..5 {
        let started = Instant::now();
        if let stored::CaughtUp::Rebuilt(n) = stored::rebuild(db).await.unwrap() {
            maps = n;
        }
        took.push(started.elapsed());
    }
    took.sort();
    println!(
        "{label}: rebuild of {rounds} rounds ({maps} maps): median {:.0} ms, max {:.0} ms",
        took[took.len() / 2].as_secs_f64() * 1000.0,
        took[took.len() - 1].as_secs_f64() * 1000.0
    );
    let board = stored::board(db).await.unwrap();
    let players: Vec<Resolved> = board
        .iter()
        .take(12)
        .map(|r| Resolved { guid: r.guid.clone(), name: r.guid.clone() })
        .collect();
    let ctx = Ctx::new(db.clone(), Names::Discord, NaiveDateTime::default());
    let mut took: Vec<Duration> = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        suggest_teams::suggest_teams(&ctx, &players, 0).await.unwrap();
        took.push(started.elapsed());
    }
    took.sort();
    println!(
        "{label}: !suggest_teams of {} players: median {:.2} ms, p99 {:.2} ms",
        players.len(),
        percentile(&took, 0.5).as_secs_f64() * 1000.0,
        percentile(&took, 0.99).as_secs_f64() * 1000.0
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    slomix::telemetry::init("slomix=info");
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    runtime.block_on(async {
        if !std::env::args().any(|a| a == "--no-tune") {
            let sim = games_of(&fixtures.join("sim")).await;
            let real = games_of(&fixtures.join("real")).await;
            tune(&sim, &real);
        }
        let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
        std::fs::create_dir_all(&data).unwrap();
        let url = format!("sqlite://{}?mode=rwc", data.join("commands-v1.db").display());
        let db = slomix::db::connect(&url).await.unwrap();
        populate("sqlite", &db, COPIES, 50_000, PLAYERS as u64).await;
        rebuild("sqlite", &db).await;
        if let Ok(server) = std::env::var("SLOMIX_TEST_POSTGRES_URL") {
            let db = postgres_bench_db(&server).await;
            populate("postgres", &db, COPIES, 50_000, PLAYERS as u64).await;
            rebuild("postgres", &db).await;
        }
    });
}
