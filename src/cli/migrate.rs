//! `slomix migrate`: applies pending migrations to the configured database.
use std::process::ExitCode;

use crate::{db, settings::Settings, telemetry};

/// Runs `slomix migrate`.
pub fn run() -> ExitCode {
    let settings = match Settings::from_process_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init("warn");
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let url = settings.database.url.expose().to_owned();
    let result = runtime.block_on(async {
        let connection = db::connect(&url).await?;
        db::migrate(&connection).await
    });
    match result {
        Ok(applied) => {
            println!("{}: {applied} migration(s) applied, schema up to date", db::redact_url(&url));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
