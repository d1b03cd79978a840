//! Database connection and migrations (sea-orm; SQLite by default, PostgreSQL in production).
use std::path::Path;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// Why connecting or migrating failed. Messages never carry the password.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The SQLite file's folder could not be created.
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The database refused the connection.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The URL with its password masked.
        url: String,
        /// What the driver said, with the password masked.
        message: String,
    },
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[source] sea_orm::DbErr),
}

/// `url` with any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The password in `url` as written there (percent-encoded) and decoded: an error message
/// may carry either.
fn passwords_of(url: &str) -> Vec<String> {
    let Some(written) = url::Url::parse(url).ok().and_then(|u| u.password().map(str::to_owned))
    else {
        return Vec::new();
    };
    let decoded = percent_encoding::percent_decode_str(&written).decode_utf8_lossy().into_owned();
    [written, decoded].into_iter().filter(|p| !p.is_empty()).collect()
}

/// Connects to `url`, creating a SQLite file's folder first.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbError> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or_default();
        if let Some(parent) = Path::new(file).parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|source| DbError::Folder { path: parent.display().to_string(), source })?;
        }
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options.sqlx_logging(false).max_connections(8);
    // PostgreSQL's JIT compiles the plan of any query it guesses costly, and our whole-table
    // reads (the ratings' load, the leaderboards) run in well under the second it spends
    // compiling them: off for our sessions (measured in docs/ratings.md).
    options.map_sqlx_postgres_opts(|o| o.options([("jit", "off")]));
    Database::connect(options).await.map_err(|error| {
        let mut message = error.to_string();
        for password in passwords_of(url) {
            message = message.replace(&password, "***");
        }
        DbError::Connect { url: redact_url(url), message }
    })
}

/// Applies pending migrations; returns how many were applied.
pub async fn migrate(db: &DatabaseConnection) -> Result<usize, DbError> {
    let pending = Migrator::get_pending_migrations(db).await.map_err(DbError::Migrate)?.len();
    Migrator::up(db, None).await.map_err(DbError::Migrate)?;
    Ok(pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact_url("postgres://u:s3cret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(
            redact_url("sqlite://data/slomix.db?mode=rwc"),
            "sqlite://data/slomix.db?mode=rwc"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        // An encoded password is masked whole, and both of its spellings are known.
        assert_eq!(redact_url("postgres://u:p%40ss%3Aw@h/db"), "postgres://u:***@h/db");
        assert_eq!(passwords_of("postgres://u:p%40ss@h/db"), ["p%40ss", "p@ss"]);
        assert!(passwords_of("sqlite://x.db").is_empty());
    }
}
