//! Shared test helpers: fixture paths and the databases every storage test runs on.
pub mod db;
pub mod fake_discord;
pub mod notifier;
pub mod sshd;
pub mod tap;

use std::path::{Path, PathBuf};

/// `../shared/fixtures/<sub>` beside the repository.
pub fn shared_fixtures(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures").join(sub)
}

/// The `.txt` files of `../shared/fixtures/<sub>`, sorted by name (the game server's order).
pub fn fixture_files(sub: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared_fixtures(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

/// Logs to the test's captured output (shown when it fails); `RUST_LOG` filters, default
/// `slomix=debug`. Safe to call from every test.
pub fn logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("slomix=debug"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}

/// Log lines written while the returned guard lives, captured as plain text. The subscriber is
/// this thread's default, so it sees everything an `#[actix::test]` runs (its runtime is this
/// one thread).
pub fn capture_logs()
-> (std::sync::Arc<std::sync::Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    use std::sync::{Arc, Mutex};
    #[derive(Clone)]
    struct Writer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Writer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = Writer(buffer.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("slomix=info"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}
