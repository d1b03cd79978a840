//! The `slomix` binary: the daemon (no arguments) and its terminal commands.
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// ET:Legacy round statistics to Discord.
#[derive(Debug, Parser)]
#[command(name = "slomix", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse one stats file and print what it holds.
    Parse(slomix::cli::parse::ParseArgs),
    /// Import stats files and folders into the database.
    Import(slomix::cli::import::ImportArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Bring a community in from the original bot: links and names, then its stats files.
    Adopt(slomix::cli::adopt::AdoptArgs),
    /// Print each actor's health from the running daemon.
    Status,
    #[command(flatten)]
    Query(slomix::cli::commands::Query),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Parse(args)) => slomix::cli::parse::run(&args),
        Some(Command::Import(args)) => slomix::cli::import::run(&args),
        Some(Command::Migrate) => slomix::cli::migrate::run(),
        Some(Command::Adopt(args)) => slomix::cli::adopt::run(&args),
        Some(Command::Status) => slomix::cli::daemon::status(),
        Some(Command::Query(query)) => slomix::cli::commands::run(&query),
        None => slomix::cli::daemon::run(),
    }
}
