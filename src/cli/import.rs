//! `slomix import PATH...`: imports stats files and folders (recursively), in any order.
use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Instant,
};

use entity::rounds;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    db,
    settings::Settings,
    stats::{PairingRules, RoundKind, StatsFileName},
    store::{ImportOutcome, Store, convert::STATUS_ORPHAN},
};

/// Arguments of `slomix import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Stats files or folders (searched recursively for `.txt` files).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Game server name to store the rounds under (default: the `stats.server_name` setting).
    #[arg(long)]
    pub server: Option<String>,
}

/// Counts of one import run.
#[derive(Debug, Default)]
pub struct Summary {
    /// Round-1 files stored.
    pub round1: usize,
    /// Round-2 files stored paired with their round 1.
    pub round2: usize,
    /// Round-2 files stored without a round 1 (so far).
    pub orphans: usize,
    /// Files already in the database (same name or same content).
    pub already: usize,
    /// Files refused, with the reason.
    pub rejected: Vec<(String, String)>,
    /// Whether Ctrl-C stopped the run early.
    pub interrupted: bool,
}

fn collect(paths: &[PathBuf], out: &mut Vec<PathBuf>, rejected: &mut Vec<(String, String)>) {
    for path in paths {
        if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(entries) => {
                    let mut children: Vec<PathBuf> =
                        entries.filter_map(Result::ok).map(|e| e.path()).collect();
                    children.retain(|p| p.is_dir() || p.extension().is_some_and(|e| e == "txt"));
                    collect(&children, out, rejected);
                }
                Err(error) => rejected.push((path.display().to_string(), error.to_string())),
            }
        } else {
            out.push(path.clone());
        }
    }
}

fn sort_key(path: &Path) -> (u8, Option<StatsFileName>, PathBuf) {
    let name = path.file_name().and_then(|n| n.to_str()).and_then(|n| StatsFileName::parse(n).ok());
    (u8::from(name.is_none()), name, path.to_path_buf())
}

/// The process's peak resident memory (`VmHWM`), where `/proc` tells it.
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    let kib: u64 = line.trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib.div_ceil(1024))
}

/// Runs `slomix import`: exit 0 when every file was imported or already there, 1 when any was
/// rejected (after importing all the others), 130 when interrupted.
pub fn run(args: &ImportArgs) -> ExitCode {
    let (settings, runtime) = match super::one_shot(2, ExitCode::FAILURE) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    match runtime.block_on(import(args, &settings)) {
        Ok(summary) => {
            if summary.interrupted {
                ExitCode::from(130)
            } else if summary.rejected.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) async fn import(
    args: &ImportArgs,
    settings: &Settings,
) -> Result<Summary, Box<dyn std::error::Error>> {
    let connection = crate::app::open_database(settings).await?;
    let server = args.server.clone().unwrap_or_else(|| settings.stats.server_name.clone());
    let store = Store::new(
        connection.clone(),
        &server,
        PairingRules::with_window_minutes(settings.config().round_match_window_minutes),
        settings.config().session_gap,
    )
    .ratings_later();
    let mut summary = Summary::default();
    let mut files = Vec::new();
    collect(&args.paths, &mut files, &mut summary.rejected);
    files.sort_by_cached_key(|p| sort_key(p));
    files.dedup();

    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop_flag.store(true, Ordering::SeqCst);
        }
    });

    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let bar = ProgressBar::new(files.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} files {per_sec} eta {eta} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        eprintln!(
            "importing {} file(s) into {}",
            files.len(),
            db::redact_url(settings.database.url.expose())
        );
        None
    };
    let started = Instant::now();
    let total = files.len();
    let mut attempted = 0usize;
    // Each batch is one transaction: stopping between batches leaves the database consistent.
    let ended = crate::bulk::import_paths(
        &store,
        files,
        crate::bulk::BATCH_FILES,
        &stop,
        |path, result| {
            attempted += 1;
            match result {
                Ok(ImportOutcome::Imported(imported)) => match imported.kind {
                    RoundKind::Round1 => summary.round1 += 1,
                    RoundKind::Round2 { .. } => summary.round2 += 1,
                    _ => summary.orphans += 1,
                },
                Ok(ImportOutcome::AlreadyImported { .. }) => summary.already += 1,
                Err(reason) => summary.rejected.push((path.display().to_string(), reason.clone())),
            }
            match &bar {
                Some(bar) => bar.inc(1),
                None if attempted.is_multiple_of(5000) => eprintln!("{attempted} / {total} files"),
                None => {}
            }
        },
    )
    .await?;
    summary.interrupted = ended == crate::bulk::Ended::Stopped;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Ratings once for the whole import (an interrupted one too: what was stored is rated).
    let ratings = store.catch_up_ratings().await?;
    let elapsed = started.elapsed().as_secs_f64();
    let waiting = rounds::Entity::find()
        .filter(rounds::Column::RoundStatus.eq(STATUS_ORPHAN))
        .filter(rounds::Column::Server.eq(server.as_str()))
        .count(&connection)
        .await?;
    let imported = summary.round1 + summary.round2 + summary.orphans;
    println!(
        "imported: {imported} (round 1: {}, round 2 paired: {}, round 2 without round 1: {}) in {elapsed:.1} s",
        summary.round1, summary.round2, summary.orphans
    );
    println!("already there: {}", summary.already);
    match ratings {
        crate::store::ratings::CaughtUp::Rebuilt(maps) => {
            println!("ratings: {maps} maps rated again")
        }
        crate::store::ratings::CaughtUp::Extended(maps) => {
            println!("ratings: {maps} new maps rated")
        }
        crate::store::ratings::CaughtUp::Unchanged => println!("ratings: unchanged"),
    }
    println!("orphans waiting for a round 1: {waiting}");
    if let Some(mib) = peak_memory_mib() {
        println!("peak memory: {mib} MiB");
    }
    println!("rejected: {}", summary.rejected.len());
    for (file, reason) in &summary.rejected {
        println!("  {file}: {reason}");
    }
    if summary.interrupted {
        println!("interrupted: {} file(s) not attempted", total.saturating_sub(attempted));
    }
    Ok(summary)
}
