//! The `slomix-notify` binary: settings from a file, the environment and three flags, then
//! [`slomix::notify::run`] until SIGTERM or Ctrl-C. Exit codes: 0 after a clean stop, 2 for
//! bad settings, 1 for any other error.
use std::{collections::HashMap, path::PathBuf, process::ExitCode};

use clap::Parser;
use slomix::notify::{NotifySettings, Overrides};
use slomix::settings::Secret;

/// Announces each new ET:Legacy stats file to a Discord webhook, exactly once.
#[derive(Parser)]
#[command(name = "slomix-notify", version)]
struct Cli {
    /// The stats folder to watch (overrides the `dir` key, SLOMIX_NOTIFY__DIR and STATS_PATH).
    #[arg(long, value_name = "STATS_DIR")]
    dir: Option<PathBuf>,
    /// The control channel's webhook URL (overrides the `webhook_url` key, SLOMIX_NOTIFY__WEBHOOK_URL and
    /// DISCORD_WEBHOOK_URL). Prefer the environment: the command line is visible to `ps`.
    #[arg(long, value_name = "URL")]
    webhook_url: Option<String>,
    /// The state file (overrides the `state` key and SLOMIX_NOTIFY__STATE).
    #[arg(long, value_name = "STATE_FILE")]
    state: Option<PathBuf>,
    /// A settings file layered over the defaults (default: SLOMIX_NOTIFY_CONFIG, if set).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

// Deliberately no Debug on Cli: it holds the webhook URL.

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env: HashMap<String, String> = std::env::vars().collect();
    let config = cli.config.or_else(|| env.get("SLOMIX_NOTIFY_CONFIG").map(PathBuf::from));
    let flags =
        Overrides { dir: cli.dir, webhook_url: cli.webhook_url.map(Secret::new), state: cli.state };
    let settings = match NotifySettings::load(config.as_deref(), &env, &flags) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    slomix::telemetry::init(&settings.log_filter);
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(error = %error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(slomix::notify::run(settings, stop_signal())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "slomix-notify stopped");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
