//! Shared test helpers: fixture paths and the databases every storage test runs on.
pub mod db;

use std::path::{Path, PathBuf};

/// `../shared/fixtures/<sub>` beside the repository.
pub fn shared_fixtures(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures").join(sub)
}
