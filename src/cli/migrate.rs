//! `slomix migrate`: applies pending migrations to the configured database.
use std::process::ExitCode;

/// Runs `slomix migrate`.
pub fn run() -> ExitCode {
    ExitCode::FAILURE
}
