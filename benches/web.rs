//! The web site's latency (a plain bench binary): every page and API route over HTTP on the
//! commands bench's 50,000-round SQLite database (`cargo bench --bench commands` makes it),
//! 100 requests each, median and p99; `/metrics`; and the idle RSS of the release daemon with
//! the site on (an empty database, no Discord).
//! `cargo bench --bench web`.
mod support;
use std::{path::PathBuf, time::Instant};

use sea_orm::{EntityTrait, QueryOrder};
use support::percentile;

fn report(route: &str, mut took: Vec<std::time::Duration>) {
    took.sort();
    println!(
        "web {route}: {} requests, median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        took.len(),
        percentile(&took, 0.5).as_secs_f64() * 1e3,
        percentile(&took, 0.99).as_secs_f64() * 1e3,
        took.last().unwrap().as_secs_f64() * 1e3
    );
}

/// `YYYY-QN` of a time.
fn season_of(t: chrono::NaiveDateTime) -> String {
    use chrono::Datelike;
    format!("{}-Q{}", t.year(), (t.month() - 1) / 3 + 1)
}

async fn measure(db: sea_orm::DatabaseConnection) {
    let state = slomix::web::WebState {
        db: db.clone(),
        health: None,
        timezone: chrono_tz::UTC,
        memo: Default::default(),
    };
    let site = slomix::web::start("127.0.0.1:0".parse().unwrap(), state).unwrap();
    let session = entity::gaming_sessions::Entity::find()
        .order_by_desc(entity::gaming_sessions::Column::Id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let round = entity::rounds::Entity::find()
        .order_by_desc(entity::rounds::Column::Id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let player = entity::player_totals::Entity::find()
        .order_by_desc(entity::player_totals::Column::Rounds)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let routes = [
        "/".to_owned(),
        "/players".to_owned(),
        "/players?q=p01".to_owned(),
        format!("/players/{}", player.guid),
        "/sessions".to_owned(),
        format!("/sessions/{}", session.id),
        format!("/sessions/{}/graphs/1.png", session.id),
        format!("/sessions/{}/graphs/1.svg", session.id),
        format!("/rounds/{}", round.id),
        "/leaderboards/kills".to_owned(),
        "/leaderboards/dpm?map=supply".to_owned(),
        // The latest session's season (the generated history ends in 2094), and with a map.
        format!("/leaderboards/kills?season={}", season_of(session.started_at)),
        format!("/leaderboards/accuracy?map=supply&season={}", season_of(session.started_at)),
        "/maps".to_owned(),
        "/maps/supply".to_owned(),
        format!("/api/players/{}", player.guid),
        format!("/api/sessions/{}", session.id),
        "/api/leaderboards/kills".to_owned(),
        "/metrics".to_owned(),
        "/health".to_owned(),
    ];
    let client = reqwest::Client::new();
    for route in &routes {
        let url = format!("http://{}{route}", site.addr);
        // Warm up (and check it answers).
        let status = client.get(&url).send().await.unwrap().status();
        assert!(status.is_success(), "{route}: {status}");
        let mut took = Vec::new();
        for _ in 0..100 {
            let t = Instant::now();
            let body = client.get(&url).send().await.unwrap().bytes().await.unwrap();
            took.push(t.elapsed());
            assert!(!body.is_empty());
        }
        report(route, took);
    }
    site.stop().await;
}

/// The release daemon's resident memory once idle, on an empty SQLite database with the site on.
#[allow(
    clippy::disallowed_methods,
    reason = "a plain thread waiting for another process, no actix here"
)]
fn idle_rss() {
    let binary = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/slomix");
    if !binary.exists() {
        println!("web idle RSS: skipped (build target/release/slomix first)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("local_stats")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let status = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(&binary)
        .current_dir(dir.path())
        .env("SLOMIX_SETTINGS_DIR", PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("settings"))
        .env("DATABASE_URL", format!("sqlite://{}?mode=rwc", dir.path().join("idle.db").display()))
        .env("SLOMIX__STATS__LOCAL_DIR", dir.path().join("local_stats"))
        .env("SLOMIX__WEB__ADDR", format!("127.0.0.1:{port}"))
        .env("SLOMIX__HEALTH__STATUS_ADDR", format!("127.0.0.1:{status}"))
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Up, then a few requests, then idle.
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the daemon's site within 30 s");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    for path in ["/", "/health", "/metrics", "/players", "/sessions"] {
        let _ = reqwest::blocking_get(port, path);
    }
    std::thread::sleep(std::time::Duration::from_secs(5));
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let rss = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: ?").to_owned();
    println!(
        "web idle RSS of the release daemon with the site on: {}",
        rss.trim_start_matches("VmRSS:").trim()
    );
    let _ = child.kill();
    let _ = child.wait();
}

mod reqwest {
    //! A plain HTTP/1.0 GET for the idle-RSS check (no runtime needed), and the async client.
    pub use ::reqwest::*;

    /// GETs `path` on 127.0.0.1:`port`; returns the status line.
    pub fn blocking_get(port: u16, path: &str) -> std::io::Result<String> {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
        write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
        let mut out = String::new();
        stream.read_to_string(&mut out)?;
        Ok(out.lines().next().unwrap_or_default().to_owned())
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/commands-v1.db");
    if data.exists() {
        actix_rt::System::new().block_on(async {
            let url = format!("sqlite://{}?mode=rwc", data.display());
            let db = slomix::db::connect(&url).await.unwrap();
            // Tables the commands bench's run did not have yet.
            slomix::db::migrate(&db).await.unwrap();
            measure(db).await;
        });
    } else {
        println!(
            "web pages: skipped ({} missing: run `cargo bench --bench commands` first)",
            data.display()
        );
    }
    idle_rss();
}
