//! `slomix adopt` against a PostgreSQL database made with the original bot's schema
//! (`../shared/spec/slomix-facts.md` §3) and sample rows: links and display names come over,
//! bad or conflicting links are reported and left out, the original is not written, a second
//! run changes nothing, and a linked user's `!stats` with no argument answers for them.
use std::collections::BTreeSet;

use entity::player_links;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, Set};
use slomix::{
    commands::{Caller, Ctx, players::Who, stats},
    render::Names,
};

use crate::{
    cli::slomix,
    support::{db, shared_fixtures},
};

/// The original's tables as its code creates them (the columns these checks touch, and the
/// identity tables whole).
const ORIGINAL_SCHEMA: &[&str] = &[
    "CREATE TABLE rounds (id SERIAL PRIMARY KEY, round_date TEXT NOT NULL, round_time TEXT NOT NULL, \
     match_id TEXT NOT NULL, map_name TEXT NOT NULL, round_number INTEGER NOT NULL, \
     gaming_session_id INTEGER, round_status TEXT DEFAULT 'completed')",
    "CREATE TABLE player_comprehensive_stats (id SERIAL PRIMARY KEY, round_id INTEGER NOT NULL, \
     round_date TEXT NOT NULL, map_name TEXT NOT NULL, round_number INTEGER NOT NULL, \
     player_guid TEXT NOT NULL, player_name TEXT NOT NULL, clean_name TEXT NOT NULL, team INTEGER, \
     kills INTEGER DEFAULT 0, deaths INTEGER DEFAULT 0, damage_given INTEGER DEFAULT 0)",
    "CREATE TABLE weapon_comprehensive_stats (id SERIAL PRIMARY KEY, round_id INTEGER NOT NULL, \
     player_guid TEXT NOT NULL, weapon_name TEXT NOT NULL, kills INTEGER DEFAULT 0)",
    "CREATE TABLE processed_files (id SERIAL PRIMARY KEY, filename TEXT UNIQUE NOT NULL, \
     file_hash TEXT, success BOOLEAN DEFAULT TRUE, error_message TEXT, processed_at TIMESTAMP)",
    "CREATE TABLE player_aliases (id SERIAL PRIMARY KEY, guid TEXT NOT NULL, alias TEXT NOT NULL, \
     first_seen TIMESTAMP, last_seen TIMESTAMP, times_seen INTEGER DEFAULT 1, UNIQUE (guid, alias))",
    "CREATE TABLE player_links (id SERIAL PRIMARY KEY, player_guid TEXT UNIQUE NOT NULL, \
     discord_id BIGINT UNIQUE NOT NULL, discord_username TEXT, player_name TEXT, linked_at TIMESTAMP, \
     display_name TEXT NULL, display_name_source TEXT DEFAULT 'auto', display_name_updated_at TIMESTAMP)",
    "CREATE INDEX idx_player_links_display_name ON player_links (display_name)",
    "CREATE TABLE session_teams (id SERIAL PRIMARY KEY, session_start_date TEXT, map_name TEXT, \
     team_name TEXT, player_guids JSONB, player_names JSONB, created_at TIMESTAMP, \
     UNIQUE (session_start_date, map_name, team_name))",
];

/// Five players of the real files: (GUID, name).
fn real_players() -> Vec<(String, String)> {
    let path = shared_fixtures("real/2025-11-11-233911-braundorf_b4-round-2.txt");
    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
    let parsed = slomix::stats::parse_file(&name, &std::fs::read(&path).unwrap()).unwrap();
    let mut seen = BTreeSet::new();
    parsed
        .players
        .iter()
        .filter(|p| seen.insert(p.guid.clone()))
        .map(|p| (p.guid.clone(), p.name.clone()))
        .take(5)
        .collect()
}

async fn original(players: &[(String, String)]) -> Option<(DatabaseConnection, String)> {
    let (db, url) = db::postgres_empty().await?;
    for statement in ORIGINAL_SCHEMA {
        db.execute_unprepared(statement).await.unwrap();
    }
    let link = |guid: &str, id: i64, display: &str, source: &str| {
        let display = if display.is_empty() { "NULL".to_owned() } else { format!("'{display}'") };
        format!(
            "INSERT INTO player_links (player_guid, discord_id, discord_username, player_name, linked_at, \
             display_name, display_name_source) VALUES ('{guid}', {id}, 'user{id}', 'name{id}', \
             '2025-06-01 20:00:00', {display}, '{source}')"
        )
    };
    for sql in [
        link(&players[0].0, 501, "Captain A", "custom"),
        link(&players[1].0, 502, "", "auto"),
        link("not-a-guid", 503, "", "auto"),
        // Account 504 is linked here to another player already.
        link(&players[3].0, 504, "", "auto"),
        // A display name with a control character is not kept; the link is.
        link(&players[4].0, 505, "bell\u{7}", "custom"),
        "INSERT INTO player_aliases (guid, alias, times_seen) VALUES ('ABCDEF12', 'someone', 3)"
            .to_owned(),
        "INSERT INTO session_teams (session_start_date, map_name, team_name, player_guids) \
         VALUES ('2025-06-01', 'ALL', 'Team A', '[]')"
            .to_owned(),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }
    Some((db, url))
}

async fn links_here(db: &DatabaseConnection) -> Vec<(String, i64, Option<String>, String)> {
    player_links::Entity::find()
        .order_by_asc(player_links::Column::DiscordId)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.player_guid, l.discord_id, l.display_name, l.display_name_source))
        .collect()
}

#[tokio::test]
async fn adopt_brings_links_and_names_and_then_the_stats_files_once() {
    let players = real_players();
    assert_eq!(players.len(), 5);
    let Some((theirs, from)) = original(&players).await else { return };
    for t in db::all().await {
        // Here, account 504 is linked to the third player already.
        player_links::Entity::insert(player_links::ActiveModel {
            player_guid: Set(players[2].0.clone()),
            discord_id: Set(504),
            discord_username: Set("here504".into()),
            player_name: Set(players[2].1.clone()),
            linked_at: Set(chrono::NaiveDateTime::default()),
            display_name: Set(None),
            display_name_source: Set("auto".into()),
            display_name_updated_at: Set(None),
            ..Default::default()
        })
        .exec(&t.db)
        .await
        .unwrap();
        let run = || {
            slomix()
                .env("SLOMIX__DATABASE__URL", &t.url)
                .args(["adopt", "--from", &from, "--stats-dir"])
                .arg(shared_fixtures("real"))
                .output()
                .unwrap()
        };
        let first = run();
        let out = String::from_utf8_lossy(&first.stdout).into_owned();
        // The header-only fixture is rejected by the import: exit 1, the rest imported.
        assert_eq!(
            first.status.code(),
            Some(1),
            "{}: {out}\n{}",
            t.kind,
            String::from_utf8_lossy(&first.stderr)
        );
        assert!(out.contains("from postgres://"), "{out}");
        let password = url::Url::parse(&from).unwrap().password().unwrap_or("").to_owned();
        assert!(password.len() >= 4, "the test server has a password");
        let all = format!("{out}{}", String::from_utf8_lossy(&first.stderr));
        assert!(!all.contains(&password), "the password is never printed: {all}");
        assert!(
            out.contains("links brought: 3 (1 with a display name); already here: 0; skipped: 2"),
            "{}: {out}",
            t.kind
        );
        assert!(out.contains("skipped account 503: not a GUID of 8 hex digits"), "{out}");
        assert!(
            out.contains(&format!(
                "skipped {}: account 504 is linked to another player here",
                players[3].0
            )),
            "{out}"
        );
        assert!(
            out.contains("not brought: player_aliases: derived from the stats files at import"),
            "{out}"
        );
        assert!(out.contains("not brought: session_teams:"), "{out}");
        assert!(out.contains("imported: 290"), "{out}");
        let here = links_here(&t.db).await;
        assert_eq!(
            here,
            vec![
                (players[0].0.clone(), 501, Some("Captain A".into()), "custom".into()),
                (players[1].0.clone(), 502, None, "auto".into()),
                (players[2].0.clone(), 504, None, "auto".into()),
                (players[4].0.clone(), 505, None, "auto".into()),
            ],
            "{}",
            t.kind
        );
        // Again: nothing new.
        let second = run();
        let again = String::from_utf8_lossy(&second.stdout).into_owned();
        assert!(
            again.contains("links brought: 0 (0 with a display name); already here: 3; skipped: 2"),
            "{again}"
        );
        assert!(again.contains("imported: 0") && again.contains("already there: 290"), "{again}");
        assert_eq!(links_here(&t.db).await, here);
        // The linked user's `!stats` with no argument is theirs, under the name they chose.
        let ctx = Ctx::new(t.db.clone(), Names::Plain, chrono::NaiveDateTime::default());
        let caller = Caller { discord_id: Some(501), name: "user501".into(), admin: false };
        let reply = stats::stats(&ctx, &Who::Me, &caller).await.unwrap();
        assert_eq!(reply.data["guid"], players[0].0.as_str(), "{}", t.kind);
        assert_eq!(reply.data["name"], "Captain A");
    }
    // The original is as it was.
    let count = |table: &'static str| {
        let theirs = theirs.clone();
        async move {
            theirs
                .query_one_raw(sea_orm::Statement::from_string(
                    theirs.get_database_backend(),
                    format!("SELECT COUNT(*) AS n FROM {table}"),
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap()
        }
    };
    assert_eq!(count("player_links").await, 5);
    assert_eq!(count("rounds").await, 0);
}

#[test]
fn adopt_refuses_what_is_not_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("a.db").display());
    let output = slomix()
        .env("SLOMIX__DATABASE__URL", &url)
        .args(["adopt", "--from", "sqlite:///etc/passwd"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("--from must be the original bot's PostgreSQL URL")
    );
}
