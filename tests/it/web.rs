//! The web site and the operator endpoints over HTTP, on SQLite and PostgreSQL with the real
//! fixtures: every page answers with the numbers the command layer (and so the terminal)
//! gives, the JSON API is the terminal's `--json`, unknown ids are 404 and malformed ones 400
//! (never 5xx), hostile names are escaped, every answer carries the Content-Security-Policy,
//! and `/health` and `/metrics` describe a running daemon.
use std::{net::SocketAddr, time::Duration};

use entity::{gaming_sessions, player_totals, rounds};
use sea_orm::{EntityTrait, QueryOrder};
use slomix::{
    commands::{
        Caller,
        leaderboard::{self, Category},
        players::Who,
        sessions::{self, Pick},
        stats,
    },
    render::Names,
    web::{self, WebState},
};

use crate::{
    commands::imported,
    support::{db, logs, shared_fixtures},
};

fn state(db: &sea_orm::DatabaseConnection) -> WebState {
    WebState { db: db.clone(), health: None, timezone: chrono_tz::UTC, memo: Default::default() }
}

fn local() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

async fn get(addr: SocketAddr, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = reqwest::Client::new()
        .get(format!("http://{addr}{path}"))
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// `text` as maud writes it into a page.
fn escaped(text: &str) -> String {
    maud::html! { (text) }.into_string()
}

#[actix::test]
async fn every_page_shows_the_command_layers_numbers_and_refuses_bad_ids() {
    logs();
    for t in db::all().await {
        let ctx = imported(&t).await;
        let site = web::start(local(), state(&t.db)).unwrap();
        let plain = slomix::commands::Ctx::new(t.db.clone(), Names::Plain, ctx.now);

        // `/`: the latest session, linked; the security headers.
        let latest = gaming_sessions::Entity::find()
            .order_by_desc(gaming_sessions::Column::Id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        let (status, headers, home) = get(site.addr, "/").await;
        assert_eq!(status, 200, "{}", t.kind);
        assert_eq!(headers["content-security-policy"], web::CSP);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(home.contains(&format!("href=\"/sessions/{}\"", latest.id)), "{}", t.kind);
        let newest = rounds::Entity::find()
            .order_by_desc(rounds::Column::RoundAt)
            .order_by_desc(rounds::Column::Id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert!(home.contains(&format!("href=\"/rounds/{}\"", newest.id)));

        // A player page: the `!stats` numbers, and the API is `slomix stats GUID --json`.
        let top = player_totals::Entity::find()
            .order_by_desc(player_totals::Column::Kills)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        let who = Who::Text(top.guid.clone());
        let reply = stats::stats(&plain, &who, &Caller::default()).await.unwrap();
        let (status, _, page) = get(site.addr, &format!("/players/{}", top.guid)).await;
        assert_eq!(status, 200);
        for post in &reply.posts {
            assert!(page.contains(&escaped(&post.title)), "{}: {}", t.kind, post.title);
            for field in &post.fields {
                for line in field.value.lines().filter(|l| !l.contains("**") && !l.contains('`')) {
                    assert!(page.contains(&escaped(line.trim())), "{}: {line}", t.kind);
                }
            }
        }
        assert!(page.contains("<svg"), "the K/D and DPM charts are inline SVG");
        // (Compared as text: the same serializer wrote both; parsing floats back may round.)
        let (status, _, api) = get(site.addr, &format!("/api/players/{}", top.guid)).await;
        assert_eq!(status, 200);
        assert_eq!(api, reply.data.to_string(), "{}", t.kind);
        let api: serde_json::Value = serde_json::from_str(&api).unwrap();
        assert_eq!(api["kills"].as_i64(), Some(top.kills), "{}", t.kind);

        // The session page and its API; a graph page is a PNG.
        let session = sessions::session(&plain, Pick::Id(latest.id)).await.unwrap();
        let (status, _, page) = get(site.addr, &format!("/sessions/{}", latest.id)).await;
        assert_eq!(status, 200);
        for view in ["top", "combat", "obj", "weapons", "support", "sprees", "maps"] {
            assert!(page.contains(&format!("id=\"{view}\"")), "{view}");
        }
        for post in &session.posts {
            assert!(page.contains(&escaped(&post.title)), "{}", post.title);
        }
        let (_, _, api) = get(site.addr, &format!("/api/sessions/{}", latest.id)).await;
        assert_eq!(api, session.data.to_string());
        let api: serde_json::Value = serde_json::from_str(&api).unwrap();
        assert_eq!(api["rounds"].as_u64(), Some(session.data["rounds"].as_u64().unwrap()));
        let png = reqwest::get(format!("http://{}/sessions/{}/graphs/1.png", site.addr, latest.id))
            .await
            .unwrap();
        assert_eq!(png.headers()["content-type"], "image/png");
        assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG"));
        // The page shows them as SVG, with real text (a player's name on page 1).
        assert!(page.contains(&format!("/sessions/{}/graphs/1.svg", latest.id)));
        let (status, headers, svg) =
            get(site.addr, &format!("/sessions/{}/graphs/1.svg", latest.id)).await;
        assert_eq!(
            (status, &headers["content-type"]),
            (200, &"image/svg+xml".parse::<reqwest::header::HeaderValue>().unwrap())
        );
        assert!(svg.starts_with("<svg") && svg.contains("<text"), "{}", &svg[..200.min(svg.len())]);
        let first = session.data["players"][0]["name"].as_str().unwrap();
        assert!(svg.contains(&escaped(&first.chars().take(12).collect::<String>())), "{first}");

        // A leaderboard and its API.
        let board = leaderboard::leaderboard(&plain, Category::Kills, 1).await.unwrap();
        let (status, _, page) = get(site.addr, "/leaderboards/kills").await;
        assert_eq!(status, 200);
        let first = board.data["players"][0]["guid"].as_str().unwrap();
        assert!(page.contains(&format!("href=\"/players/{first}\"")));
        let (_, _, api) = get(site.addr, "/api/leaderboards/kills").await;
        assert_eq!(api, board.data.to_string());

        // A board sliced by map and season: the sums over that map's rounds in that season.
        let (map, season) = ("supply", "2025-Q4");
        let rows = entity::player_comprehensive_stats::Entity::find().all(&t.db).await.unwrap();
        let mut kills: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
        for r in rows.iter().filter(|r| {
            r.map_name == map && r.round_number != 0 && r.round_date.as_str() >= "2025-10-01"
        }) {
            let e = kills.entry(r.player_guid.clone()).or_default();
            e.0 += i64::from(r.kills);
            e.1 += 1;
        }
        let mut expected: Vec<(i64, String)> =
            kills.into_iter().filter(|(_, (_, n))| *n > 10).map(|(g, (k, _))| (-k, g)).collect();
        expected.sort();
        assert!(!expected.is_empty(), "{}: players with over 10 rounds on {map}", t.kind);
        let (status, _, api) =
            get(site.addr, &format!("/api/leaderboards/kills?map={map}&season={season}")).await;
        assert_eq!(status, 200, "{api}");
        let api: serde_json::Value = serde_json::from_str(&api).unwrap();
        let shown: Vec<(i64, String)> = api["players"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (-p["kills"].as_i64().unwrap(), p["guid"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(shown, expected.iter().take(10).cloned().collect::<Vec<_>>(), "{}", t.kind);
        assert_eq!(api["qualifying"].as_u64(), Some(expected.len() as u64));
        // One map over all time comes from `player_map_totals`: the same sums as the rows.
        let mut all_time: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
        for r in rows.iter().filter(|r| r.map_name == map && r.round_number != 0) {
            let e = all_time.entry(r.player_guid.clone()).or_default();
            e.0 += i64::from(r.kills);
            e.1 += 1;
        }
        let mut expected: Vec<(i64, String)> =
            all_time.into_iter().filter(|(_, (_, n))| *n > 10).map(|(g, (k, _))| (-k, g)).collect();
        expected.sort();
        let (_, _, api) = get(site.addr, &format!("/api/leaderboards/kills?map={map}")).await;
        let api: serde_json::Value = serde_json::from_str(&api).unwrap();
        let shown: Vec<(i64, String)> = api["players"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (-p["kills"].as_i64().unwrap(), p["guid"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(shown, expected.iter().take(10).cloned().collect::<Vec<_>>(), "{}", t.kind);
        assert_eq!(get(site.addr, &format!("/leaderboards/grenades?map={map}")).await.0, 200);
        let (status, _, page) =
            get(site.addr, &format!("/leaderboards/dpm?map={map}&period=365d")).await;
        assert_eq!(status, 200);
        assert!(page.contains("supply · last 365 days"), "the slice is named");
        assert_eq!(get(site.addr, "/leaderboards/grenades?season=2025-Q4").await.0, 200);

        // A round, a map, the lists.
        let (status, _, page) = get(site.addr, &format!("/rounds/{}", newest.id)).await;
        assert_eq!(status, 200);
        assert!(page.contains(&escaped(&newest.map_name)));
        for path in ["/players", "/players?q=a", "/sessions", "/leaderboards", "/maps"] {
            assert_eq!(get(site.addr, path).await.0, 200, "{path}");
        }
        let (status, _, page) = get(site.addr, &format!("/maps/{}", newest.map_name)).await;
        assert_eq!(status, 200);
        assert!(page.contains("the attackers finished"), "{page}");

        // Unknown ids: 404; malformed ones: 400 with a reason; never a 5xx.
        for path in [
            "/players/DEADBEEF",
            "/sessions/20991231235959",
            "/rounds/999999",
            "/maps/no_such_map",
            "/leaderboards/nonsense",
            "/api/players/DEADBEEF",
            "/no/such/page",
            &format!("/sessions/{}/graphs/9.png", latest.id),
        ] {
            assert_eq!(get(site.addr, path).await.0, 404, "{path} ({})", t.kind);
        }
        for path in [
            "/players/%3Cscript%3E",
            "/players/..%2F..%2Fetc%2Fpasswd",
            "/sessions/abc",
            "/sessions/99999999999999999999999",
            "/rounds/-1",
            "/rounds/99999999999999999999",
            "/maps/%3Cb%3E",
            "/leaderboards/kills?page=abc",
            "/leaderboards/kills?page=99999999999999",
            "/api/sessions/1%27%20OR%201=1",
            "/leaderboards/kills?season=2025-Q5",
            "/leaderboards/kills?season=now",
            "/leaderboards/kills?period=2d",
            "/leaderboards/kills?map=%27%3B%20DROP%20TABLE%20rounds",
            "/api/leaderboards/kills?map=a%20b",
        ] {
            let (status, _, body) = get(site.addr, path).await;
            assert_eq!(status, 400, "{path} ({})", t.kind);
            assert!(body.contains("<p class=\"message\">"), "{path}: a reason");
            assert!(!body.contains("<script>"), "{path}");
        }
        site.stop().await;
    }
}

/// A round whose player names try HTML, ET colour codes and bytes that are not UTF-8.
fn hostile_round() -> (String, Vec<u8>) {
    let name = "2025-10-21-210000-supply-round-1.txt";
    let source = std::fs::read(shared_fixtures("real").join(crate::daemon::R1)).unwrap();
    let mut lines = source.split(|b| *b == b'\n');
    let header = String::from_utf8_lossy(lines.next().unwrap()).replace("sw_goldrush_te", "supply");
    let player = lines.next().unwrap();
    let rest = player.splitn(3, |b| *b == b'\\').nth(2).unwrap();
    let names: [&[u8]; 3] =
        [b"<script>alert(1)</script>", b"^1Red^7<img src=x onerror=alert(2)>", b"bad\xff\xfebytes"];
    let mut out = format!("{header}\n").into_bytes();
    for (i, shown) in names.iter().enumerate() {
        out.extend_from_slice(format!("{:08X}\\", 0xB000_0000u32 + i as u32).as_bytes());
        out.extend_from_slice(shown);
        out.push(b'\\');
        out.extend_from_slice(rest);
        out.push(b'\n');
    }
    (name.to_owned(), out)
}

#[actix::test]
async fn hostile_names_are_escaped_on_every_page_that_shows_them() {
    logs();
    let t = db::sqlite().await;
    let store = crate::support::db::posting_store(&t.db);
    let (name, bytes) = hostile_round();
    let now = chrono::Utc::now().naive_utc();
    store.import_file(&name, &bytes, now).await.unwrap();
    let site = web::start(local(), state(&t.db)).unwrap();
    let round = rounds::Entity::find().one(&t.db).await.unwrap().unwrap();
    let session = round.gaming_session_id.unwrap();
    for path in [
        "/".to_owned(),
        "/players/B0000000".to_owned(),
        "/players/B0000001".to_owned(),
        "/players/B0000002".to_owned(),
        "/players?q=script".to_owned(),
        format!("/rounds/{}", round.id),
        format!("/sessions/{session}"),
        "/leaderboards/kills".to_owned(),
    ] {
        let (status, _, page) = get(site.addr, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!page.contains("<script>alert"), "{path}");
        assert!(!page.contains("<img src=x"), "{path}");
    }
    let (_, _, page) = get(site.addr, "/players/B0000000").await;
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
    site.stop().await;
}

#[actix::test]
async fn health_and_metrics_describe_the_running_daemon() {
    use crate::daemon::{R1, drop_in, local_source, next_post, settings, start_with};
    logs();
    let t = db::sqlite().await;
    let folder = tempfile::tempdir().unwrap();
    let (app, _recorder, mut posts) =
        start_with(&t.db, settings(folder.path(), &[]), vec![local_source(folder.path())]);
    let with_health = WebState { health: Some(app.health.clone()), ..state(&t.db) };
    let site = web::start(local(), with_health).unwrap();

    let (status, headers, body) = get(site.addr, "/health").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["content-type"], "application/json");
    let health: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(matches!(health["status"].as_str(), Some("ok" | "degraded")), "{health}");
    let actors = health["actors"].as_array().unwrap();
    let names: Vec<&str> = actors.iter().map(|a| a["name"].as_str().unwrap()).collect();
    for actor in [
        "voice_session_tracker",
        "poll_scheduler",
        "file_fetcher",
        "stats_parser",
        "db_writer",
        "round_publisher",
    ] {
        assert!(names.contains(&actor), "{actor} in {names:?}");
    }
    for actor in actors {
        for key in ["name", "state", "since", "detail"] {
            assert!(actor.get(key).is_some(), "{key} in {actor}");
        }
    }

    let counter = |text: &str, name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
            .unwrap_or_else(|| panic!("{name} in\n{text}"))
    };
    let (status, headers, before) = get(site.addr, "/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], slomix::metrics::CONTENT_TYPE);
    for name in [
        "slomix_rounds_stored_total",
        "slomix_round_posts_total",
        "slomix_files_set_aside_total",
        "slomix_trigger_to_post_seconds_count",
        "slomix_db_writer_queue_depth",
    ] {
        counter(&before, name);
    }
    assert!(before.contains("slomix_actor_up{actor=\"db_writer\"} 1"), "{before}");
    assert!(before.contains("slomix_files_fetched_total{server=\"default\"} "), "{before}");

    // A round stored and posted moves the counters (other tests in this process may add to
    // them too: they only grow).
    drop_in(folder.path(), R1);
    next_post(&mut posts).await;
    let db = &t.db;
    crate::faults::until_db("the round recorded as posted", async || {
        entity::round_posts::Entity::find().one(db).await.unwrap().is_some()
    })
    .await;
    let (_, _, after) = get(site.addr, "/metrics").await;
    assert!(
        counter(&after, "slomix_rounds_stored_total")
            >= counter(&before, "slomix_rounds_stored_total") + 1.0
    );
    assert!(
        counter(&after, "slomix_round_posts_total")
            >= counter(&before, "slomix_round_posts_total") + 1.0
    );
    site.stop().await;
    app.stop_polling().await;
}

#[actix::test]
async fn health_answers_503_while_a_game_server_refuses_our_key() {
    use crate::{
        daemon::{settings, start_with},
        support::sshd::{keygen, sftp_server, sshd},
    };
    logs();
    let Some(shared) = sshd() else { return };
    let t = db::sqlite().await;
    let remote = shared.folder();
    let local_dir = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let mut target = shared.target(remote.path());
    target.key_path = keygen(keys.path(), "stranger");
    let source = slomix::app::Source {
        server: sftp_server("refusing", &target, local_dir.path()),
        remote: std::sync::Arc::new(slomix::sftp::SftpFiles::new(target)),
    };
    let fast =
        [("SLOMIX__POLL__ACTIVE_INTERVAL_SECS", "1"), ("SLOMIX__POLL__IDLE_INTERVAL_SECS", "1")];
    let (app, _recorder, _posts) =
        start_with(&t.db, settings(local_dir.path(), &fast), vec![source]);
    let site =
        web::start(local(), WebState { health: Some(app.health.clone()), ..state(&t.db) }).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let health = loop {
        let (status, _, body) = get(site.addr, "/health").await;
        if status == 503 {
            break serde_json::from_str::<serde_json::Value>(&body).unwrap();
        }
        assert!(tokio::time::Instant::now() < deadline, "503 within 60 s: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(health["status"], "down");
    let fetcher = health["actors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "file_fetcher")
        .unwrap()
        .clone();
    assert_eq!(fetcher["state"], "down", "{health}");
    assert!(fetcher["since"].is_string(), "{fetcher}");
    let detail = fetcher["detail"].as_str().unwrap();
    assert!(detail.contains("authentication") && detail.matches("failed").count() == 1, "{detail}");
    let (_, _, metrics) = get(site.addr, "/metrics").await;
    assert!(metrics.contains("slomix_actor_up{actor=\"file_fetcher\"} 0"), "{metrics}");
    site.stop().await;
    app.stop_polling().await;
}
