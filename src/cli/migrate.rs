//! `slomix migrate`: applies pending migrations to the configured database.
use std::process::ExitCode;

use crate::{app, db, telemetry};

/// Runs `slomix migrate`.
pub fn run() -> ExitCode {
    let settings = match app::load_settings() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init("warn");
    let runtime = match app::runtime(0) {
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
