//! Ratings on the real fixtures, on SQLite and PostgreSQL: the same ratings and history in any
//! import order (incremental catch-ups in time order, one rebuild after a reversed import,
//! `--rebuild`); `--evaluate` beats a coin flip and the lifetime-K/D baseline; `slomix rating`
//! and `slomix suggest-teams` as the built binary; `!suggest_teams` through the fake Discord
//! with six linked players in voice.
use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use chrono::{NaiveDateTime, TimeDelta};
use entity::{player_links, player_ratings, rating_history, rounds};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::Value;
use slomix::{
    app::start_with,
    commands::{Ctx, rating},
    ratings::{MODEL, Rating, win_probability},
    render::Names,
    settings::SettingsSource,
    stats::PairingRules,
    store::{Store, ratings as stored},
};

use crate::{
    cli::slomix,
    support::{db, fake_discord::FakeDiscord, logs, shared_fixtures},
};

fn real_files() -> Vec<PathBuf> {
    crate::support::fixture_files("real")
}

fn now() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2025-11-20 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap()
}

async fn import(store: &Store, files: &[PathBuf]) {
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let _ = store.import_file(name, &std::fs::read(path).unwrap(), now()).await;
    }
}

/// The ratings and history, keyed by what does not depend on row ids (rounded to 1e-9).
async fn ratings_dump(db: &DatabaseConnection) -> String {
    let mut out = String::new();
    for r in player_ratings::Entity::find()
        .order_by_asc(player_ratings::Column::Guid)
        .all(db)
        .await
        .unwrap()
    {
        out.push_str(&format!(
            "{} {:.9} {:.9} {} {}\n",
            r.guid, r.rating, r.uncertainty, r.maps, r.last_at
        ));
    }
    let files: BTreeMap<i32, String> = rounds::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.filename))
        .collect();
    let mut lines: Vec<String> = rating_history::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|h| {
            format!(
                "{} {} {} {:.9} {:.9} {:.9}",
                h.guid, h.at, files[&h.round_id], h.rating_before, h.rating, h.uncertainty
            )
        })
        .collect();
    lines.sort();
    out.push_str(&lines.join("\n"));
    out
}

#[tokio::test]
async fn any_import_order_gives_the_same_ratings_and_history() {
    logs();
    let files = real_files();
    for t in db::all().await {
        let store =
            Store::new(t.db.clone(), "default", PairingRules::default(), TimeDelta::minutes(60));
        // In time order, each file caught up after it (the daemon's way: maps rated one by one).
        import(&store, &files).await;
        let in_order = ratings_dump(&t.db).await;
        let games = stored::load_games(&t.db, None).await.unwrap();
        assert_eq!(games.len(), 133, "{}: every paired map with both sides", t.kind);
        let board = stored::board(&t.db).await.unwrap();
        assert!(board.len() > 20, "{}", t.kind);
        assert!(board.iter().any(|r| (r.rating - 25.0).abs() > 1.0), "{}: ratings moved", t.kind);
        let history = rating_history::Entity::find().all(&t.db).await.unwrap();
        for r in &board {
            let rows = history.iter().filter(|h| h.guid == r.guid).count();
            assert_eq!(rows, r.maps as usize, "{}: {} maps = history rows", t.kind, r.guid);
        }
        // `--rebuild` gives the same.
        assert_eq!(stored::rebuild(&t.db).await.unwrap(), stored::CaughtUp::Rebuilt(133));
        assert_eq!(ratings_dump(&t.db).await, in_order, "{}: rebuild", t.kind);
        // Newest first, every file caught up after it (a rebuild each time a map lands
        // before the last rated one).
        let reversed: Vec<PathBuf> = files.iter().rev().cloned().collect();
        let other =
            if t.kind == "sqlite" { db::sqlite().await } else { db::postgres().await.unwrap() };
        let store = Store::new(
            other.db.clone(),
            "default",
            PairingRules::default(),
            TimeDelta::minutes(60),
        );
        import(&store, &reversed).await;
        assert_eq!(ratings_dump(&other.db).await, in_order, "{}: reversed", t.kind);
    }
}

#[tokio::test]
async fn evaluation_on_the_real_fixtures_beats_a_coin_flip_and_the_kd_baseline() {
    for t in db::all().await {
        let store =
            Store::new(t.db.clone(), "default", PairingRules::default(), TimeDelta::minutes(60))
                .ratings_later();
        import(&store, &real_files()).await;
        let ctx = Ctx::new(t.db.clone(), Names::Plain, now());
        let reply = rating::evaluate(&ctx).await.unwrap();
        let json = reply.to_json();
        assert_eq!(json["maps"], 133, "{}", t.kind);
        let (model, baseline) =
            (json["log_loss"].as_f64().unwrap(), json["baseline"]["log_loss"].as_f64().unwrap());
        assert!(model < 2f64.ln(), "{}: {model} against a coin flip", t.kind);
        assert!(model < baseline, "{}: {model} against the baseline {baseline}", t.kind);
        for key in ["brier", "accuracy"] {
            let v = json[key].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&v), "{key} {v}");
            assert!(json["baseline"][key].as_f64().is_some());
        }
        assert_eq!(json["baseline"]["name"], "lifetime K/D");
    }
}

#[test]
fn the_terminal_shows_a_players_rating_the_board_and_fair_teams() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("r.db").display());
    let run = |args: &[&str]| {
        let output = slomix().env("SLOMIX__DATABASE__URL", &url).args(args).output().unwrap();
        assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        output.stdout
    };
    // The import exits 1: the header-only fixture is rejected; the others are stored.
    let output = slomix()
        .env("SLOMIX__DATABASE__URL", &url)
        .args(["import", shared_fixtures("real").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("ratings: 133 maps rated again"), "{text}");
    let board: Value = serde_json::from_slice(&run(&["rating", "--json"])).unwrap();
    assert_eq!(board["category"], "rating");
    // `!leaderboard rating` is the same board, ranked by μ − 3σ.
    let lb: Value = serde_json::from_slice(&run(&["leaderboard", "rating", "--json"])).unwrap();
    assert_eq!(lb["players"], board["players"]);
    let players = board["players"].as_array().unwrap();
    assert_eq!(players.len(), 10, "the first page");
    assert!(board["qualifying"].as_u64().unwrap() > 20);
    for pair in players.windows(2) {
        assert!(pair[0]["conservative"].as_f64() >= pair[1]["conservative"].as_f64());
    }
    let top = &board["players"][0];
    let guid = top["guid"].as_str().unwrap().to_owned();
    let one: Value = serde_json::from_slice(&run(&["rating", &guid, "--json"])).unwrap();
    for key in ["guid", "name", "rating", "uncertainty", "rank", "maps", "history"] {
        assert!(one.get(key).is_some(), "missing {key}");
    }
    assert_eq!(one["rank"], 1);
    assert_eq!(one["rating"], top["rating"]);
    let history = one["history"].as_array().unwrap();
    assert_eq!(history.len() as i64, one["maps"].as_i64().unwrap());
    assert_eq!(history.last().unwrap()["rating"], one["rating"]);
    for point in history {
        for key in ["at", "rating", "uncertainty", "session_id"] {
            assert!(point.get(key).is_some(), "missing {key}");
        }
        assert!(point["session_id"].as_i64().is_some());
    }
    let rebuilt: Value = serde_json::from_slice(&run(&["rating", "--rebuild", "--json"])).unwrap();
    assert_eq!(rebuilt["maps"], 133);
    let again: Value = serde_json::from_slice(&run(&["rating", &guid, "--json"])).unwrap();
    assert_eq!(again["rating"], one["rating"]);
    // Six of the board's players, given by GUID: every one in exactly one team of three.
    let six: Vec<String> = board["players"]
        .as_array()
        .unwrap()
        .iter()
        .take(6)
        .map(|p| p["guid"].as_str().unwrap().to_owned())
        .collect();
    let mut args = vec!["suggest-teams"];
    args.extend(six.iter().map(String::as_str));
    args.push("--json");
    let teams: Value = serde_json::from_slice(&run(&args)).unwrap();
    let team = |key: &str| -> Vec<String> {
        teams[key]["players"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["guid"].as_str().unwrap().to_owned())
            .collect()
    };
    let (a, b) = (team("team_a"), team("team_b"));
    assert_eq!((a.len(), b.len()), (3, 3));
    let mut all: Vec<String> = a.iter().chain(&b).cloned().collect();
    all.sort();
    let mut expected = six.clone();
    expected.sort();
    assert_eq!(all, expected);
    let pa = teams["team_a"]["win_probability"].as_f64().unwrap();
    assert!((pa + teams["team_b"]["win_probability"].as_f64().unwrap() - 1.0).abs() < 1e-9);
}

async fn within<T>(what: impl Future<Output = T>) -> Result<T, tokio::time::error::Elapsed> {
    tokio::time::timeout(Duration::from_secs(30), what).await
}

/// Every split of `ratings` into two halves: the smallest gap from an even chance.
fn best_gap(ratings: &[Rating]) -> f64 {
    let n = ratings.len();
    let mut best = f64::INFINITY;
    for mask in 0u32..(1 << n) {
        if mask.count_ones() as usize != n / 2 {
            continue;
        }
        let team = |inside: bool| -> Vec<(Rating, f64)> {
            (0..n).filter(|i| (mask & (1 << i) != 0) == inside).map(|i| (ratings[i], 1.0)).collect()
        };
        best = best.min((win_probability(MODEL, &team(true), &team(false)) - 0.5).abs());
    }
    best
}

#[actix::test]
async fn suggest_teams_splits_the_linked_players_in_voice() {
    logs();
    for t in db::all().await {
        let store =
            Store::new(t.db.clone(), "default", PairingRules::default(), TimeDelta::minutes(60))
                .ratings_later();
        import(&store, &real_files()).await;
        store.catch_up_ratings().await.unwrap();
        // Six rated players with very different ratings, linked to users 301..=306, in voice.
        let board = stored::board(&t.db).await.unwrap();
        let picked: Vec<&player_ratings::Model> =
            [0, 1, 2, board.len() / 2, board.len() - 2, board.len() - 1]
                .iter()
                .map(|&i| &board[i])
                .collect();
        for (i, player) in picked.iter().enumerate() {
            player_links::Entity::insert(player_links::ActiveModel {
                player_guid: Set(player.guid.clone()),
                discord_id: Set(301 + i as i64),
                discord_username: Set(format!("user{}", 301 + i)),
                player_name: Set(player.guid.clone()),
                linked_at: Set(now()),
                display_name: Set(None),
                display_name_source: Set("auto".to_owned()),
                display_name_updated_at: Set(None),
                ..Default::default()
            })
            .exec(&t.db)
            .await
            .unwrap();
        }
        let fake = FakeDiscord::start();
        let local = tempfile::tempdir().unwrap();
        let env: std::collections::HashMap<String, String> = [
            ("SLOMIX__STATS__LOCAL_DIR", local.path().display().to_string()),
            ("SLOMIX__POLL__ENABLED", "false".to_owned()),
            ("SLOMIX__DISCORD__TOKEN", fake.config().token.clone()),
            ("SLOMIX__DISCORD__API_URL", fake.base_url()),
            ("SLOMIX__DISCORD__PRODUCTION_CHANNEL_ID", "100".to_owned()),
            ("SLOMIX__DISCORD__GENERAL_CHANNEL_ID", "102".to_owned()),
            ("SLOMIX__DISCORD__GAMING_VOICE_CHANNELS", "200".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("settings");
        let settings = slomix::settings::Settings::load(&dir, &env).unwrap();
        let sources = vec![crate::daemon::local_source(local.path())];
        let running =
            start_with(settings, SettingsSource::Fixed { dir, env }, t.db.clone(), sources)
                .await
                .unwrap();
        within(fake.wait_until(|f| {
            f.is_ready() && f.commands(None).iter().any(|c| c["name"] == "suggest_teams")
        }))
        .await
        .expect("ready");
        for i in 0..6 {
            fake.voice_state_update(301 + i, Some(200));
        }
        // One more in voice without a link, and one linked elsewhere (not in voice).
        fake.voice_state_update(399, Some(200));
        let before = fake.messages(102).len();
        fake.user_message(102, 301, "user301", "!balance");
        within(fake.wait_until(|f| f.messages(102).len() > before)).await.expect("an answer");
        let posted = fake.messages(102)[before].clone();
        let embed = &posted.payload["embeds"][0];
        assert_eq!(embed["title"], "⚖️ Suggested teams", "{}: {}", t.kind, posted.payload);
        assert_eq!(posted.payload["allowed_mentions"]["parse"], serde_json::json!([]));
        let fields = embed["fields"].as_array().unwrap();
        let names = slomix::commands::players::display_names(
            &t.db,
            &picked.iter().map(|p| p.guid.clone()).collect::<Vec<_>>(),
        )
        .await
        .unwrap();
        let mut seen = Vec::new();
        for field in fields {
            let lines: Vec<&str> = field["value"].as_str().unwrap().lines().collect();
            assert_eq!(lines.len(), 3, "{}: {field}", t.kind);
            for line in lines {
                let who = picked
                    .iter()
                    .filter(|p| {
                        line.starts_with(&slomix::render::safe_name(
                            &names[&p.guid],
                            Names::Discord,
                            24,
                        ))
                    })
                    .map(|p| p.guid.clone())
                    .next()
                    .unwrap_or_else(|| panic!("{}: {line} is none of the six", t.kind));
                seen.push(who);
            }
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 6, "{}: each player in exactly one team", t.kind);
        assert!(
            embed["footer"]["text"]
                .as_str()
                .unwrap()
                .contains("1 in voice without a linked player")
        );
        // The chosen split is the best balanced of the ten.
        let ratings: Vec<Rating> = picked
            .iter()
            .map(|p| Rating { rating: p.rating, uncertainty: p.uncertainty })
            .collect();
        let gap = best_gap(&ratings);
        let shown = format!("Team A — {:.1} % to win", (0.5 + gap) * 100.0);
        let shown_low = format!("Team A — {:.1} % to win", (0.5 - gap) * 100.0);
        let first = fields[0]["name"].as_str().unwrap();
        assert!(first == shown || first == shown_low, "{}: {first} vs {shown}", t.kind);
        // `!rating` for the linked user 301: their rating and its chart.
        let before = fake.messages(102).len();
        fake.user_message(102, 301, "user301", "!rating");
        within(fake.wait_until(|f| f.messages(102).len() > before)).await.expect("an answer");
        let rated = fake.messages(102)[before].clone();
        let title = rated.payload["embeds"][0]["title"].as_str().unwrap_or_default().to_owned();
        assert_eq!(title, format!("📈 Rating: {}", names[&picked[0].guid]), "{}", t.kind);
        let description = rated.payload["embeds"][0]["description"].as_str().unwrap_or_default();
        assert!(description.contains(&format!("{:.2}", picked[0].rating)), "{description}");
        assert_eq!(rated.files.len(), 1, "{}", t.kind);
        assert_eq!(rated.files[0].filename, slomix::commands::charts::RATING_NAME);
        let png =
            png::Decoder::new(std::io::Cursor::new(&rated.files[0].bytes)).read_info().unwrap();
        assert_eq!((png.info().width, png.info().height), slomix::commands::charts::RATING_SIZE);
        running.stop().await;
    }
}

/// The recap's climbers are the biggest rises over the session's maps in the history, and a
/// player's page shows their rating and its line.
#[actix::test]
async fn the_recap_names_the_climbers_and_the_player_page_shows_the_rating() {
    logs();
    for t in db::all().await {
        let ctx = crate::commands::imported(&t).await;
        let plain = Ctx::new(t.db.clone(), Names::Plain, ctx.now);
        let reply =
            slomix::commands::recap::recap(&plain, slomix::commands::gaming_session::Pick::Latest)
                .await
                .unwrap();
        let climbers = reply.data["climbers"].as_array().unwrap().clone();
        assert!(!climbers.is_empty(), "{}: the last evening has rated maps", t.kind);
        // Each climber's change from the history of the session's maps.
        let session = reply.data["sessions"][0].as_i64().unwrap();
        let round2s: Vec<i32> = rounds::Entity::find()
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.round_number == 2 && r.gaming_session_id == Some(session))
            .map(|r| r.id)
            .collect();
        let history = rating_history::Entity::find().all(&t.db).await.unwrap();
        let mut changes: Vec<(f64, String)> = Vec::new();
        let mut guids: Vec<String> = history
            .iter()
            .filter(|h| round2s.contains(&h.round_id))
            .map(|h| h.guid.clone())
            .collect();
        guids.sort();
        guids.dedup();
        for guid in &guids {
            let mut mine: Vec<_> = history
                .iter()
                .filter(|h| &h.guid == guid && round2s.contains(&h.round_id))
                .collect();
            mine.sort_by_key(|h| (h.at, h.id));
            changes.push((mine[mine.len() - 1].rating - mine[0].rating_before, guid.clone()));
        }
        changes.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (shown, (change, guid)) in climbers.iter().zip(&changes) {
            assert_eq!(shown["guid"], guid.as_str(), "{}", t.kind);
            assert!((shown["change"].as_f64().unwrap() - change).abs() < 1e-9);
        }
        // The page of the best climber: the rating card and its chart.
        let guid = climbers[0]["guid"].as_str().unwrap().to_owned();
        let state = slomix::web::WebState {
            db: t.db.clone(),
            health: None,
            timezone: chrono_tz::UTC,
            memo: Default::default(),
        };
        let site = slomix::web::start("127.0.0.1:0".parse().unwrap(), state).unwrap();
        let page = reqwest::get(format!("http://{}/players/{guid}", site.addr))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let current =
            player_ratings::Entity::find_by_id(guid.clone()).one(&t.db).await.unwrap().unwrap();
        assert!(page.contains("Rating after each map"), "{}", t.kind);
        assert!(page.contains(&format!("{:.2}", current.rating)), "{}: {}", t.kind, current.rating);
        assert!(page.contains("Last session"), "{}", t.kind);
        site.stop().await;
    }
}
