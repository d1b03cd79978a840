//! `slomix adopt --from postgres://… [--stats-dir DIR]`: brings a community in from the
//! original bot — its links and display names from its database (read-only), then its stats
//! files through the normal import — and prints what it brought, what it skipped and why.
use std::{path::PathBuf, process::ExitCode};

use crate::{adopt, db};

/// Arguments of `slomix adopt`.
#[derive(Debug, clap::Args)]
pub struct AdoptArgs {
    /// The original bot's PostgreSQL database (read only; never written).
    #[arg(long, value_name = "postgres://…")]
    pub from: String,
    /// Its `local_stats/` folder: imported after the links (our numbers, not the original's).
    #[arg(long, value_name = "DIR")]
    pub stats_dir: Option<PathBuf>,
    /// Game server name to store the rounds under (default: the `stats.server_name` setting).
    #[arg(long)]
    pub server: Option<String>,
}

/// Runs `slomix adopt`: 0 done, 1 when stats files were rejected (the others imported), 2
/// when a database cannot be used.
pub fn run(args: &AdoptArgs) -> ExitCode {
    let (settings, runtime) = match super::one_shot(2, ExitCode::from(2)) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    if !(args.from.starts_with("postgres://") || args.from.starts_with("postgresql://")) {
        eprintln!("error: --from must be the original bot's PostgreSQL URL (postgres://…)");
        return ExitCode::from(2);
    }
    let shown = db::redact_url(&args.from);
    runtime.block_on(async {
        let theirs = match db::connect(&args.from).await {
            Ok(c) => c,
            Err(error) => {
                eprintln!(
                    "error: cannot open the original database {shown}: {}",
                    db::redact_url(&error.to_string())
                );
                return ExitCode::from(2);
            }
        };
        let ours = match crate::app::open_database(&settings).await {
            Ok(c) => c,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        };
        let (found, tables) = match adopt::read(&theirs).await {
            Ok(read) => read,
            Err(error) => {
                eprintln!("error: {shown}: {error}");
                return ExitCode::from(2);
            }
        };
        let report = match adopt::bring(&ours, &found, &tables, settings.local_now()).await {
            Ok(report) => report,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        };
        println!("from {shown}: {} links", found.len());
        println!(
            "links brought: {} ({} with a display name); already here: {}; skipped: {}",
            report.linked.len(),
            report.named,
            report.already,
            report.skipped.len()
        );
        for (who, why) in &report.skipped {
            println!("  skipped {who}: {why}");
        }
        for (table, why) in &report.not_brought {
            println!("not brought: {table}: {why}");
        }
        let Some(dir) = &args.stats_dir else {
            println!("stats files: none given (--stats-dir); import them with `slomix import DIR`");
            return ExitCode::SUCCESS;
        };
        let import =
            super::import::ImportArgs { paths: vec![dir.clone()], server: args.server.clone() };
        match super::import::import(&import, &settings).await {
            Ok(summary) if summary.rejected.is_empty() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::from(1),
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(2)
            }
        }
    })
}
