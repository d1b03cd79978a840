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
    let (db, url) = postgres_empty().await?;
    slomix::db::migrate(&db).await.unwrap();
    Some(TestDb { kind: "postgres", db, url, _dir: None })
}

/// A fresh, empty PostgreSQL database (no migrations) and its URL, or `None` as [`postgres`].
pub async fn postgres_empty() -> Option<(DatabaseConnection, String)> {
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
    Some((db, url))
}

/// The daemon's store on `db` (server `default`, default pairing, 60-minute sessions), queueing
/// posts in the outbox as the daemon's does.
pub fn posting_store(db: &DatabaseConnection) -> slomix::store::Store {
    slomix::store::Store::new(
        db.clone(),
        "default",
        slomix::stats::PairingRules::default(),
        chrono::TimeDelta::minutes(60),
    )
    .posting()
}

/// Both databases (PostgreSQL only when configured).
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(postgres().await);
    dbs
}

/// A private PostgreSQL cluster one test may stop hard and start again (same port, same
/// data): `scripts/lib/postgres.sh` under a temp folder. Needs root (the cluster runs as the
/// `postgres` user) and the server binaries; `None` (printed) without them, unless
/// `SLOMIX_TEST_SERVICES=required`.
pub struct OwnPostgres {
    dir: tempfile::TempDir,
    /// URL of its `slomix` database.
    pub url: String,
    port: u16,
    bin: String,
}

impl OwnPostgres {
    /// Creates and starts one (a few seconds: initdb).
    pub fn start() -> Option<OwnPostgres> {
        let root = std::process::Command::new("id").arg("-u").output().ok();
        let is_root = root.is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let bin = std::process::Command::new("bash")
            .args(["-c", "ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        if !is_root || bin.is_empty() {
            if std::env::var("SLOMIX_TEST_SERVICES").as_deref() == Ok("required") {
                panic!(
                    "SLOMIX_TEST_SERVICES=required but a private PostgreSQL cannot start (root: {is_root}, binaries: {bin:?})"
                );
            }
            println!("skipped: a private PostgreSQL needs root and the server binaries");
            return None;
        }
        let dir = tempfile::Builder::new().prefix("own-pg-").tempdir_in("/tmp").unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/lib/postgres.sh");
        let out = std::process::Command::new("bash")
            .args([
                "-c",
                r#"source "$1" && pg_start "$2" 2>/dev/null && echo "$SLOMIX_TEST_POSTGRES_URL""#,
            ])
            .args(["_", script])
            .arg(dir.path())
            .output()
            .expect("bash runs");
        let url = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(
            out.status.success() && !url.is_empty(),
            "pg_start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port =
            url.rsplit_once(':').and_then(|(_, p)| p.split('/').next()?.parse().ok()).unwrap();
        Some(OwnPostgres { dir, url, port, bin })
    }

    fn pg_ctl(&self, args: &str) {
        let data = self.dir.path().join("pg/data");
        let command = format!("'{}/pg_ctl' -D '{}' {args}", self.bin, data.display());
        let status = std::process::Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c", &command])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("su runs");
        if !status.success() {
            let log =
                std::fs::read_to_string(self.dir.path().join("pg/server.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            panic!("pg_ctl {args} failed; the server log ends:\n{}", tail.join("\n"));
        }
    }

    /// `pg_ctl stop -m immediate`: every backend killed, no checkpoint (a crash, for the data).
    pub fn stop_hard(&self) {
        self.pg_ctl("-m immediate stop");
    }

    /// Starts it again on the same port; returns once it accepts connections (crash recovery
    /// on a loaded machine can take a while: up to three minutes).
    pub fn start_again(&self) {
        let d = self.dir.path().join("pg");
        self.pg_ctl(&format!(
            "-l '{}/server.log' -w -t 180 -o \"-c listen_addresses=127.0.0.1 -p {} -k '{}' -c fsync=off\" start",
            d.display(),
            self.port,
            d.display()
        ));
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("pg/data");
        let command = format!("'{}/pg_ctl' -D '{}' -m immediate stop", self.bin, data.display());
        let _ = std::process::Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c", &command])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}
