//! Shared test helpers: fixture paths and the databases every storage test runs on.
pub mod db;
pub mod fake_discord;
pub mod notifier;
pub mod sshd;

use std::path::{Path, PathBuf};

/// `../shared/fixtures/<sub>` beside the repository.
pub fn shared_fixtures(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures").join(sub)
}

/// Logs to the test's captured output (shown when it fails); `RUST_LOG` filters, default
/// `slomix=debug`. Safe to call from every test.
pub fn logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("slomix=debug"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}
