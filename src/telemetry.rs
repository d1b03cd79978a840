//! tracing subscriber set-up: formatted events on stderr, filtered by the `log.filter` setting
//! (RUST_LOG wins), and panics logged through tracing before the default hook runs.
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Installs the subscriber once; later calls (tests) are no-ops.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().with_writer(std::io::stderr).with_target(true))
        .try_init()
        .is_ok();
    if installed {
        let default_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            tracing::error!(panic = %info, thread = thread.name().unwrap_or("unnamed"), "panic");
            default_hook(info);
        }));
    }
}
