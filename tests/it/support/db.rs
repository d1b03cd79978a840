//! The databases storage tests run on: a fresh SQLite file and a fresh PostgreSQL database.
//!
//! PostgreSQL comes from `SLOMIX_TEST_POSTGRES_URL` (set by `scripts/test`). Without it a
//! test prints `skipped: ...` for PostgreSQL, unless `SLOMIX_TEST_SERVICES=required`, where a
//! missing server is a failure.
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ConnectionTrait, DatabaseConnection};

/// One migrated, empty database.
pub struct TestDb {
    /// `sqlite` or `postgres`.
    pub kind: &'static str,
    /// The connection.
    pub db: DatabaseConnection,
    /// Its URL (for code that connects by URL).
    pub url: String,
    // Keeps the SQLite file's folder alive for the test.
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh SQLite database in a temp folder.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
    let db = slomix::db::connect(&url).await.unwrap();
    slomix::db::migrate(&db).await.unwrap();
    TestDb { kind: "sqlite", db, url, _dir: Some(dir) }
}

/// A fresh PostgreSQL database, or `None` (with a printed reason) when none is configured.
pub async fn postgres() -> Option<TestDb> {
    let Ok(server) = std::env::var("SLOMIX_TEST_POSTGRES_URL") else {
        if std::env::var("SLOMIX_TEST_SERVICES").as_deref() == Ok("required") {
            panic!("SLOMIX_TEST_SERVICES=required but SLOMIX_TEST_POSTGRES_URL is unset");
        }
        println!("skipped: PostgreSQL not configured (SLOMIX_TEST_POSTGRES_URL unset)");
        return None;
    };
    let name = format!(
        "slomix_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_subsec_nanos()
    );
    let admin = slomix::db::connect(&server).await.unwrap();
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    admin.close().await.unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    let db = slomix::db::connect(&url).await.unwrap();
    slomix::db::migrate(&db).await.unwrap();
    Some(TestDb { kind: "postgres", db, url, _dir: None })
}

/// Both databases (PostgreSQL only when configured).
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(postgres().await);
    dbs
}
