//! Storage: the stats schema's rows from parser values, and the exactly-once import.
//!
//! Only this module (and, in the daemon, the DbWriter actor calling it) writes the database.
//! Import is one transaction per file; everything it derives (pairing, match summaries,
//! gaming sessions, aliases, lifetime totals, ratings) is recomputed from stored data, so the database does not depend
//! on the order files arrive in.
mod aliases;
pub mod convert;
pub mod dedup;
mod deferred;
pub mod errors;
mod gaming_sessions;
pub mod import;
pub mod names;
mod pairing;
mod posting;
pub mod ratings;
mod rows;
pub mod sync_batches;
mod totals;
pub mod unlocks;
pub mod voice;

pub use gaming_sessions::session_key;
pub use import::{BatchFile, ImportOutcome, Imported, Store, sha256_hex};
pub use posting::posting_done;

use crate::stats::ParseError;

/// Why storing a file failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is unusable; the attempt was recorded as failed and will be retried.
    #[error(transparent)]
    Rejected(#[from] ParseError),
    /// The database failed; the transaction was rolled back and nothing was stored.
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl StoreError {
    /// True when the database (not the file) failed, so the same import may succeed later.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Rejected(_) => false,
            StoreError::Db(error) => errors::is_transient(error),
        }
    }
}
