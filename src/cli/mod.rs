//! Terminal commands of the `slomix` binary, one module each.
pub mod adopt;
pub mod commands;
pub mod daemon;
pub mod import;
pub mod migrate;
pub mod parse;

use std::process::ExitCode;

use crate::settings::Settings;

/// What every terminal command starts with: the settings (checked) and, for those that log,
/// telemetry at `log` (None: the settings' own filter). A bad setting prints its error and
/// gives `failure` as the exit status.
pub(crate) fn settings(log: Option<&str>, failure: ExitCode) -> Result<Settings, ExitCode> {
    match crate::app::load_settings() {
        Ok(settings) => {
            crate::telemetry::init(log.unwrap_or(&settings.log.filter));
            Ok(settings)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Err(failure)
        }
    }
}

/// A tokio runtime with `threads` workers (0: the current thread), or `failure` after saying
/// why not.
pub(crate) fn runtime(
    threads: usize,
    failure: ExitCode,
) -> Result<tokio::runtime::Runtime, ExitCode> {
    crate::app::runtime(threads).map_err(|error| {
        eprintln!("error: cannot start the runtime: {error}");
        failure
    })
}

/// What a one-shot terminal command starts with: the settings (logging warnings) and a runtime
/// with `threads` workers; on a failure, the reason printed and `failure` to exit with.
pub(crate) fn one_shot(
    threads: usize,
    failure: ExitCode,
) -> Result<(Settings, tokio::runtime::Runtime), ExitCode> {
    let settings = settings(Some("warn"), failure)?;
    Ok((settings, runtime(threads, failure)?))
}
