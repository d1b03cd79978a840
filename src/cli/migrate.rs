//! `slomix migrate`: applies pending migrations to the configured database.
use std::process::ExitCode;

use crate::db;

/// Runs `slomix migrate`.
pub fn run() -> ExitCode {
    let (settings, runtime) = match super::one_shot(0, ExitCode::FAILURE) {
        Ok(ready) => ready,
        Err(code) => return code,
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
