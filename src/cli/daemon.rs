//! `slomix` with no arguments: the daemon.
use std::process::ExitCode;

/// Runs the daemon until it is told to stop.
pub fn run() -> ExitCode {
    ExitCode::FAILURE
}
