//! Storage tests, each run on SQLite and on the PostgreSQL the test command starts.
use std::{collections::BTreeMap, path::PathBuf};

use chrono::{NaiveDateTime, TimeDelta};
use entity::{
    gaming_sessions, player_aliases, player_comprehensive_stats as pcs, player_totals,
    player_weapon_totals, processed_files, rounds, weapon_comprehensive_stats as wcs,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder};
use slomix::{
    local_files,
    stats::{PairingRules, RoundKind},
    store::{ImportOutcome, Store, StoreError},
};

use crate::support::{db, shared_fixtures};

fn now() -> NaiveDateTime {
    NaiveDateTime::parse_from_str("2026-11-25 12:00:00", "%Y-%m-%d %H:%M:%S").unwrap()
}

fn store(db: &DatabaseConnection) -> Store {
    Store::new(db.clone(), "default", PairingRules::default(), TimeDelta::minutes(60))
}

fn real_files() -> Vec<PathBuf> {
    crate::support::fixture_files("real")
}

async fn import_path(store: &Store, path: &PathBuf) -> Result<ImportOutcome, StoreError> {
    let name = path.file_name().unwrap().to_str().unwrap();
    store.import_file(name, &std::fs::read(path).unwrap(), now()).await
}

/// Everything stored that does not depend on import order or timing: row ids and creation
/// times are left out; rows are keyed by their natural keys.
async fn dump(db: &DatabaseConnection) -> String {
    let rounds = rounds::Entity::find().all(db).await.unwrap();
    let file_of: BTreeMap<i32, (String, i32)> =
        rounds.iter().map(|r| (r.id, (r.filename.clone(), r.round_number))).collect();
    let mut lines = Vec::new();
    for r in &rounds {
        lines.push(format!(
            "round {} {} {} {} {:?} {} {} {} {} {:?} {}",
            r.filename,
            r.round_number,
            r.match_id,
            r.map_name,
            r.round1_filename,
            r.round_status,
            r.round_outcome,
            r.winner_team,
            r.actual_time_seconds,
            r.gaming_session_id,
            r.player_count
        ));
    }
    for p in pcs::Entity::find().all(db).await.unwrap() {
        lines.push(format!(
            "player {:?} {} {:?} {} {} {} {} {} {} {} {}",
            file_of[&p.round_id],
            p.player_guid,
            p.raw_name,
            p.kills,
            p.deaths,
            p.damage_given,
            p.time_played_seconds,
            p.xp,
            p.revives_given,
            p.gibs,
            p.dpm
        ));
    }
    for w in wcs::Entity::find().all(db).await.unwrap() {
        lines.push(format!(
            "weapon {:?} {} {} {} {} {}",
            file_of[&w.round_id], w.player_guid, w.weapon_name, w.kills, w.shots, w.hits
        ));
    }
    for s in gaming_sessions::Entity::find().all(db).await.unwrap() {
        lines.push(format!("session {} {} {} {}", s.id, s.started_at, s.ended_at, s.round_count));
    }
    for a in player_aliases::Entity::find().all(db).await.unwrap() {
        lines.push(format!(
            "alias {} {:?} {} {} {}",
            a.guid, a.alias, a.first_seen, a.last_seen, a.times_seen
        ));
    }
    for t in player_totals::Entity::find().all(db).await.unwrap() {
        lines.push(format!(
            "totals {} {} {} {} {} {} {} {:.3} {} {}",
            t.guid,
            t.rounds,
            t.kills,
            t.deaths,
            t.damage_given,
            t.time_played_seconds,
            t.useful_kills,
            t.time_dead_seconds,
            t.first_seen,
            t.last_seen
        ));
    }
    for w in player_weapon_totals::Entity::find().all(db).await.unwrap() {
        lines.push(format!(
            "weapon_totals {} {} {} {} {}",
            w.guid, w.weapon, w.kills, w.shots, w.hits
        ));
    }
    lines.sort();
    lines.join("\n")
}

/// The totals a `GROUP BY` over the stored round-1 and round-2 rows gives, as text lines.
async fn totals_from_rows(db: &DatabaseConnection) -> (Vec<String>, Vec<String>) {
    let rounds_at: BTreeMap<i32, NaiveDateTime> = rounds::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.round_at))
        .collect();
    // (rounds, kills, deaths, damage, head hits, first seen, last seen) per GUID.
    type Sums = (i64, i64, i64, i64, i64, NaiveDateTime, NaiveDateTime);
    let mut players: BTreeMap<String, Sums> = BTreeMap::new();
    for p in pcs::Entity::find().all(db).await.unwrap() {
        if p.round_number == 0 {
            continue;
        }
        let at = rounds_at[&p.round_id];
        let e = players.entry(p.player_guid.clone()).or_insert((0, 0, 0, 0, 0, at, at));
        e.0 += 1;
        e.1 += i64::from(p.kills);
        e.2 += i64::from(p.deaths);
        e.3 += i64::from(p.damage_given);
        e.4 += i64::from(p.headshots);
        e.5 = e.5.min(at);
        e.6 = e.6.max(at);
    }
    let mut weapons: BTreeMap<(String, String), (i64, i64, i64)> = BTreeMap::new();
    for w in wcs::Entity::find().all(db).await.unwrap() {
        if w.round_number == 0 {
            continue;
        }
        let e = weapons.entry((w.player_guid.clone(), w.weapon_name.clone())).or_default();
        e.0 += i64::from(w.kills);
        e.1 += i64::from(w.shots);
        e.2 += i64::from(w.hits);
    }
    (
        players.into_iter().map(|(g, v)| format!("{g} {v:?}")).collect(),
        weapons.into_iter().map(|((g, n), v)| format!("{g} {n} {v:?}")).collect(),
    )
}

async fn stored_totals(db: &DatabaseConnection) -> (Vec<String>, Vec<String>) {
    let players = player_totals::Entity::find()
        .order_by_asc(player_totals::Column::Guid)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| {
            format!(
                "{} {:?}",
                t.guid,
                (
                    t.rounds,
                    t.kills,
                    t.deaths,
                    t.damage_given,
                    t.headshots,
                    t.first_seen,
                    t.last_seen
                )
            )
        })
        .collect();
    let mut weapons: Vec<String> = player_weapon_totals::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|w| format!("{} {} {:?}", w.guid, w.weapon, (w.kills, w.shots, w.hits)))
        .collect();
    weapons.sort();
    (players, weapons)
}

#[tokio::test]
async fn lifetime_totals_equal_a_group_by_over_the_rows() {
    for t in db::all().await {
        let store = store(&t.db);
        // Round 2s first: each is an orphan until its round 1 arrives and re-derives it,
        // which replaces its rows (the totals must follow).
        let (twos, ones): (Vec<PathBuf>, Vec<PathBuf>) =
            real_files().into_iter().partition(|p| p.to_string_lossy().ends_with("-round-2.txt"));
        for path in twos.iter().chain(&ones) {
            let _ = import_path(&store, path).await;
        }
        let expected = totals_from_rows(&t.db).await;
        assert!(expected.0.len() > 20, "{}: players", t.kind);
        assert_eq!(stored_totals(&t.db).await, expected, "{}", t.kind);
        let per_map = map_totals_from_rows(&t.db).await;
        assert!(per_map.len() > expected.0.len(), "{}: players on several maps", t.kind);
        assert!(per_map.iter().any(|r| r.5 > 0), "{}: grenade kills counted", t.kind);
        assert_eq!(stored_map_totals(&t.db).await, per_map, "{}: per map", t.kind);
        // The migration fills them from rows already stored.
        {
            use migration::MigrationTrait;
            let manager = migration::SchemaManager::new(&t.db);
            let per_map_migration = migration::m20261204_000012_player_map_totals::Migration;
            per_map_migration.down(&manager).await.unwrap();
            per_map_migration.up(&manager).await.unwrap();
            assert_eq!(stored_map_totals(&t.db).await, per_map, "{}: per-map backfill", t.kind);
        }
        // A migration on a database that already has rounds fills the totals from them.
        t.db.execute_unprepared("DELETE FROM player_totals").await.unwrap();
        t.db.execute_unprepared("DELETE FROM player_weapon_totals").await.unwrap();
        assert_ne!(stored_totals(&t.db).await, expected);
        use migration::MigrationTrait;
        let manager = migration::SchemaManager::new(&t.db);
        // Re-running only the data part: drop and re-create the tables through the migration.
        migration::m20261201_000004_command_tables::Migration.down(&manager).await.unwrap();
        migration::m20261201_000004_command_tables::Migration.up(&manager).await.unwrap();
        assert_eq!(stored_totals(&t.db).await, expected, "{}: backfill", t.kind);
    }
}

#[tokio::test]
async fn migrations_apply_once_and_create_every_table() {
    for t in db::all().await {
        assert_eq!(slomix::db::migrate(&t.db).await.unwrap(), 0, "{}: second run", t.kind);
        for table in [
            "processed_files",
            "rounds",
            "player_comprehensive_stats",
            "weapon_comprehensive_stats",
            "player_aliases",
            "player_links",
            "gaming_sessions",
        ] {
            t.db.execute_unprepared(&format!("SELECT COUNT(*) FROM {table}"))
                .await
                .unwrap_or_else(|e| panic!("{}: {table}: {e}", t.kind));
        }
    }
}

#[tokio::test]
async fn postgresql_sessions_run_without_jit() {
    // The ratings' load took twice as long with PostgreSQL compiling its plan (docs/ratings.md).
    let Some(t) = db::postgres().await else { return };
    let row =
        t.db.query_one_raw(sea_orm::Statement::from_string(
            t.db.get_database_backend(),
            "SELECT current_setting('jit') AS jit".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "jit").unwrap(), "off");
}

#[tokio::test]
async fn a_file_name_is_recorded_at_most_once() {
    for t in db::all().await {
        let row = |hash: &str| processed_files::ActiveModel {
            filename: sea_orm::Set("2025-09-24-233255-te_escape2-round-1.txt".to_owned()),
            file_hash: sea_orm::Set(Some(hash.to_owned())),
            success: sea_orm::Set(true),
            error_message: sea_orm::Set(None),
            processed_at: sea_orm::Set(now()),
            ..Default::default()
        };
        processed_files::Entity::insert(row("aa")).exec(&t.db).await.unwrap();
        let second = processed_files::Entity::insert(row("bb")).exec(&t.db).await;
        assert!(second.is_err(), "{}: a second row with the same name was accepted", t.kind);
        assert_eq!(processed_files::Entity::find().count(&t.db).await.unwrap(), 1, "{}", t.kind);
    }
}

#[tokio::test]
async fn importing_every_real_file_matches_the_parser_and_is_idempotent() {
    for t in db::all().await {
        let store = store(&t.db);
        let (mut imported, mut rejected) = (0, Vec::new());
        for path in real_files() {
            match import_path(&store, &path).await {
                Ok(ImportOutcome::Imported(_)) => imported += 1,
                Ok(other) => panic!("{}: {other:?}", path.display()),
                Err(StoreError::Rejected(e)) => rejected.push(e.file),
                Err(e) => panic!("{}: {e}", path.display()),
            }
        }
        assert_eq!(imported, 290, "{}", t.kind);
        assert_eq!(rejected, vec!["2024-09-12-174949-supply-round-2.txt".to_owned()]);

        // Per-GUID totals over rounds 1 and 2 equal what the parser reads, paired the same way.
        let mut expected: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
        for path in real_files() {
            let Ok(round) = local_files::read_round(&path, None, &PairingRules::default()) else {
                continue;
            };
            for p in &round.players {
                let e = expected.entry(p.guid.clone()).or_default();
                e.0 += i64::from(p.kills());
                e.1 += i64::from(p.tab.damage_given);
                e.2 += 1;
            }
        }
        let mut stored: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
        for p in pcs::Entity::find().all(&t.db).await.unwrap() {
            if p.round_number == 0 {
                continue;
            }
            let e = stored.entry(p.player_guid.clone()).or_default();
            e.0 += i64::from(p.kills);
            e.1 += i64::from(p.damage_given);
            e.2 += 1;
        }
        assert_eq!(stored, expected, "{}", t.kind);

        let summaries = rounds::Entity::find().all(&t.db).await.unwrap();
        let paired =
            summaries.iter().filter(|r| r.round_number == 2 && r.round1_filename.is_some());
        let r0 = summaries.iter().filter(|r| r.round_number == 0).count();
        assert_eq!(paired.count(), r0, "{}: one match summary per paired round 2", t.kind);
        let sessions = gaming_sessions::Entity::find().count(&t.db).await.unwrap();
        println!("{}: {imported} files, {r0} match summaries, {sessions} gaming sessions", t.kind);
        // Independently: sort the stored rounds' file times and cut at gaps over 60 minutes.
        let mut times: Vec<NaiveDateTime> =
            summaries.iter().filter(|r| r.round_number != 0).map(|r| r.round_at).collect();
        times.sort();
        let expected_sessions =
            1 + times.windows(2).filter(|w| w[1] - w[0] > TimeDelta::minutes(60)).count();
        assert_eq!(sessions, expected_sessions as u64, "{}", t.kind);
        let first_of_each: Vec<i64> = std::iter::once(times[0])
            .chain(times.windows(2).filter(|w| w[1] - w[0] > TimeDelta::minutes(60)).map(|w| w[1]))
            .map(slomix::store::session_key)
            .collect();
        let mut ids: Vec<i64> = gaming_sessions::Entity::find()
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        ids.sort();
        assert_eq!(ids, first_of_each, "{}: session ids are their first round's time", t.kind);

        // A second import changes nothing.
        let before = dump(&t.db).await;
        for path in real_files() {
            match import_path(&store, &path).await {
                Ok(ImportOutcome::AlreadyImported { original: None }) => {}
                Err(StoreError::Rejected(_)) => {}
                other => panic!("{}: {other:?}", path.display()),
            }
        }
        assert_eq!(dump(&t.db).await, before, "{}", t.kind);
    }
}

/// Two evenings (including a round 2 just after midnight) in time order, reversed, and
/// shuffled give the same database, sessions included.
#[tokio::test]
async fn any_import_order_gives_the_same_database() {
    let files: Vec<PathBuf> = real_files()
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.starts_with("2025-10-19") || name.starts_with("2025-10-20")
        })
        .collect();
    assert!(files.len() > 30);
    let mut orders = vec![files.clone(), files.iter().rev().cloned().collect::<Vec<_>>()];
    // A fixed pseudo-random shuffle (xorshift), so a failure is reproducible.
    let mut shuffled = files.clone();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..shuffled.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        shuffled.swap(i, usize::try_from(x % (i as u64 + 1)).unwrap());
    }
    orders.push(shuffled);
    for kind in ["sqlite", "postgres"] {
        let mut dumps = Vec::new();
        for order in &orders {
            let t = if kind == "sqlite" { Some(db::sqlite().await) } else { db::postgres().await };
            let Some(t) = t else { break };
            let store = store(&t.db);
            for path in order {
                import_path(&store, path).await.unwrap();
            }
            dumps.push(dump(&t.db).await);
        }
        for other in dumps.iter().skip(1) {
            assert_eq!(&dumps[0], other, "{kind}");
        }
        if let Some(first) = dumps.first() {
            assert!(first.contains("2025-10-20-000043-etl_adlernest-round-2.txt"));
            let midnight = first
                .lines()
                .find(|l| l.starts_with("round 2025-10-20-000043-etl_adlernest-round-2.txt 2 "))
                .unwrap();
            assert!(
                midnight.contains("Some(\"2025-10-19-235307-etl_adlernest-round-1.txt\")"),
                "{midnight}"
            );
        }
    }
}

#[tokio::test]
async fn an_orphan_round2_is_rederived_when_its_round1_arrives() {
    let r1 = shared_fixtures("real/2025-10-12-224530-sw_goldrush_te-round-1.txt");
    let r2 = shared_fixtures("real/2025-10-12-225242-sw_goldrush_te-round-2.txt");
    for t in db::all().await {
        let store = store(&t.db);
        let ImportOutcome::Imported(first) = import_path(&store, &r2).await.unwrap() else {
            panic!()
        };
        assert_eq!(first.kind, RoundKind::Round2Orphan);
        let orphan = rounds::Entity::find_by_id(first.round_id).one(&t.db).await.unwrap().unwrap();
        assert_eq!(orphan.round_status, "orphan_r2");
        let ImportOutcome::Imported(second) = import_path(&store, &r1).await.unwrap() else {
            panic!()
        };
        assert_eq!(second.kind, RoundKind::Round1);
        assert_eq!(second.rederived, vec!["2025-10-12-225242-sw_goldrush_te-round-2.txt"]);
        let fixed = rounds::Entity::find_by_id(first.round_id).one(&t.db).await.unwrap().unwrap();
        assert_eq!(fixed.round_status, "completed", "{}: same row id, re-derived", t.kind);
        assert_eq!(
            fixed.round1_filename.as_deref(),
            Some("2025-10-12-224530-sw_goldrush_te-round-1.txt")
        );
        let all = rounds::Entity::find()
            .order_by_asc(rounds::Column::RoundNumber)
            .all(&t.db)
            .await
            .unwrap();
        assert_eq!(all.iter().map(|r| r.round_number).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert!(all.iter().all(|r| r.match_id == "2025-10-12-224530-sw_goldrush_te"));
        assert_eq!(
            all.iter().filter_map(|r| r.gaming_session_id).collect::<Vec<_>>(),
            vec![20251012224530; 3]
        );
        // Round 2's numbers are now round-2 only: endekk's damage 1989 of 4637 cumulative.
        let players = pcs::Entity::find().all(&t.db).await.unwrap();
        let endekk_r2 = players
            .iter()
            .find(|p| p.round_id == first.round_id && p.player_guid == "7B84BE88")
            .unwrap();
        assert_eq!(endekk_r2.damage_given, 1989, "{}", t.kind);
        let endekk_r0 =
            players.iter().find(|p| p.round_number == 0 && p.player_guid == "7B84BE88").unwrap();
        assert_eq!(endekk_r0.damage_given, 4637, "{}: match summary = R1 + R2", t.kind);
    }
}

#[tokio::test]
async fn same_content_under_another_name_is_already_imported() {
    let path = shared_fixtures("real/2025-10-12-224530-sw_goldrush_te-round-1.txt");
    let bytes = std::fs::read(&path).unwrap();
    for t in db::all().await {
        let store = store(&t.db);
        store
            .import_file("2025-10-12-224530-sw_goldrush_te-round-1.txt", &bytes, now())
            .await
            .unwrap();
        let again = store
            .import_file("2025-10-12-224531-sw_goldrush_te-round-1.txt", &bytes, now())
            .await
            .unwrap();
        assert_eq!(
            again,
            ImportOutcome::AlreadyImported {
                original: Some("2025-10-12-224530-sw_goldrush_te-round-1.txt".into())
            }
        );
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 1, "{}", t.kind);
    }
}

#[tokio::test]
async fn a_failed_import_is_not_marked_done_and_is_retried() {
    let name = "2025-10-12-224530-sw_goldrush_te-round-1.txt";
    let good = std::fs::read(shared_fixtures("real").join(name)).unwrap();
    let half = &good[..good.len() / 2];
    for t in db::all().await {
        let store = store(&t.db);
        let error = store.import_file(name, half, now()).await.unwrap_err();
        assert!(matches!(error, StoreError::Rejected(_)), "{error}");
        let row = processed_files::Entity::find().one(&t.db).await.unwrap().unwrap();
        assert!(!row.success);
        assert!(row.error_message.unwrap().contains(name));
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 0);
        let retried = store.import_file(name, &good, now()).await.unwrap();
        assert!(matches!(retried, ImportOutcome::Imported(_)), "{}: {retried:?}", t.kind);
        let row = processed_files::Entity::find().one(&t.db).await.unwrap().unwrap();
        assert!(row.success && row.error_message.is_none());
    }
}

#[tokio::test]
async fn a_failure_mid_import_leaves_nothing_behind() {
    let path = shared_fixtures("real/2025-10-12-224530-sw_goldrush_te-round-1.txt");
    for t in db::all().await {
        // Break the last table the import writes to, so the transaction fails half-way.
        t.db.execute_unprepared("DROP TABLE player_aliases").await.unwrap();
        let error = import_path(&store(&t.db), &path).await.unwrap_err();
        assert!(matches!(error, StoreError::Db(_)), "{}: {error}", t.kind);
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 0, "{}", t.kind);
        assert_eq!(pcs::Entity::find().count(&t.db).await.unwrap(), 0, "{}", t.kind);
        assert_eq!(processed_files::Entity::find().count(&t.db).await.unwrap(), 0, "{}", t.kind);
    }
}

#[tokio::test]
async fn hostile_names_round_trip_exactly() {
    let names: Vec<&[u8]> = vec![
        b"O'Brien \"quoted\"",
        b"back\\slash",
        b"100%_under_score",
        b"'; DROP TABLE rounds; --",
        "emoji \u{1F3AE}\u{1F525}".as_bytes(),
        b"bad \xff\xfe utf8",
        b"**bold** @everyone <@123>",
    ];
    let mut file = b"srv\\supply\\legacy3\\1\\1\\2\\10:00\\8:00\n".to_vec();
    for (i, name) in names.iter().enumerate() {
        file.extend(format!("ABCDEF{i:02}\\").bytes());
        file.extend(*name);
        file.extend(b"\\1\\1\\16 10 20 1 2 3 \t100\t50\n");
    }
    for t in db::all().await {
        store(&t.db)
            .import_file("2025-10-12-200000-supply-round-1.txt", &file, now())
            .await
            .unwrap();
        let mut stored =
            pcs::Entity::find().order_by_asc(pcs::Column::PlayerGuid).all(&t.db).await.unwrap();
        stored.sort_by(|a, b| a.player_guid.cmp(&b.player_guid));
        assert_eq!(stored.len(), names.len());
        for (row, name) in stored.iter().zip(&names) {
            let exact =
                row.raw_name_bytes.clone().unwrap_or_else(|| row.raw_name.clone().into_bytes());
            assert_eq!(&exact, name, "{}", t.kind);
        }
        let aliases = player_aliases::Entity::find().count(&t.db).await.unwrap();
        assert_eq!(aliases, names.len() as u64);
    }
}

#[tokio::test]
async fn dedup_layers_against_the_database() {
    use sea_orm::ActiveModelTrait;
    use slomix::store::dedup::{Decision, Dedup, SkipReason, Trigger};
    let r1 = shared_fixtures("real/2025-10-12-224530-sw_goldrush_te-round-1.txt");
    let r1_name =
        slomix::stats::StatsFileName::parse("2025-10-12-224530-sw_goldrush_te-round-1.txt")
            .unwrap();
    let other = slomix::stats::StatsFileName::parse("2025-10-12-225242-sw_goldrush_te-round-2.txt")
        .unwrap();
    for t in db::all().await {
        let local = tempfile::tempdir().unwrap();
        let mut dedup = Dedup::new(now(), TimeDelta::hours(24 * 365 * 5), local.path());
        assert_eq!(
            dedup.decide(&t.db, "default", &r1_name, Trigger::Poll).await.unwrap(),
            Decision::Fetch
        );
        // A downloaded copy that never imported is imported, not taken for done.
        std::fs::write(local.path().join(other.as_str()), b"partial").unwrap();
        assert_eq!(
            dedup.decide(&t.db, "default", &other, Trigger::Poll).await.unwrap(),
            Decision::ImportLocal(local.path().join(other.as_str()))
        );
        import_path(&store(&t.db), &r1).await.unwrap();
        assert_eq!(
            dedup.decide(&t.db, "default", &r1_name, Trigger::Poll).await.unwrap(),
            Decision::Skip(SkipReason::Processed),
            "{}",
            t.kind
        );
        assert_eq!(
            dedup.decide(&t.db, "default", &r1_name, Trigger::Poll).await.unwrap(),
            Decision::Skip(SkipReason::InMemory)
        );
        // Layer 5 catches a stored round whose processed_files row is gone; it matches the
        // file's own round, not just the date.
        dedup.forget();
        let row = processed_files::Entity::find().one(&t.db).await.unwrap().unwrap();
        sea_orm::ModelTrait::delete(row, &t.db).await.unwrap();
        assert_eq!(
            dedup.decide(&t.db, "default", &r1_name, Trigger::Poll).await.unwrap(),
            Decision::Skip(SkipReason::RoundStored),
            "{}",
            t.kind
        );
        let mut other_server = Dedup::new(now(), TimeDelta::hours(24 * 365 * 5), local.path());
        assert_eq!(
            other_server.decide(&t.db, "other-server", &r1_name, Trigger::Poll).await.unwrap(),
            Decision::Fetch
        );
        // A failed attempt is retried.
        let failed = processed_files::ActiveModel {
            filename: sea_orm::Set(other.as_str().to_owned()),
            success: sea_orm::Set(false),
            processed_at: sea_orm::Set(now()),
            ..Default::default()
        };
        failed.insert(&t.db).await.unwrap();
        assert!(matches!(
            dedup.decide(&t.db, "default", &other, Trigger::Poll).await.unwrap(),
            Decision::ImportLocal(_)
        ));
    }
}

/// A round inserted into the past that bridges two sessions merges them under the earlier
/// one's id; the rounds on either side are fixed in the same transaction.
#[tokio::test]
async fn a_back_filled_round_bridges_two_sessions() {
    let file = |server: &str| {
        format!("{server}\\supply\\legacy3\\1\\1\\2\\10:00\\8:00\nABCDEF01\\p\\1\\1\\16 10 20 1 2 3 \t100\t50\n")
            .into_bytes()
    };
    for t in db::all().await {
        let store = store(&t.db);
        store.import_file("2025-10-12-200000-supply-round-1.txt", &file("a"), now()).await.unwrap();
        store.import_file("2025-10-12-213000-supply-round-1.txt", &file("b"), now()).await.unwrap();
        let ids = |rows: Vec<rounds::Model>| {
            let mut ids: Vec<Option<i64>> = rows.into_iter().map(|r| r.gaming_session_id).collect();
            ids.sort();
            ids
        };
        let before = ids(rounds::Entity::find().all(&t.db).await.unwrap());
        assert_eq!(before, vec![Some(20251012200000), Some(20251012213000)], "{}", t.kind);
        store.import_file("2025-10-12-204500-supply-round-1.txt", &file("c"), now()).await.unwrap();
        let after = ids(rounds::Entity::find().all(&t.db).await.unwrap());
        assert_eq!(after, vec![Some(20251012200000); 3], "{}", t.kind);
        let sessions = gaming_sessions::Entity::find().all(&t.db).await.unwrap();
        assert_eq!(sessions.len(), 1);
        assert_eq!(
            (sessions[0].round_count, sessions[0].ended_at.to_string().as_str()),
            (3, "2025-10-12 21:30:00")
        );
    }
}

/// A round 2 stored before its round 1 is queued for posting alone; the round 1 arriving
/// later queues itself and the match summary the pairing made, each once.
#[tokio::test]
async fn a_round_one_stored_after_its_round_two_queues_the_match_summary() {
    use entity::post_outbox;
    const R1: &str = "2025-10-12-224530-sw_goldrush_te-round-1.txt";
    const R2: &str = "2025-10-12-225242-sw_goldrush_te-round-2.txt";
    for t in db::all().await {
        let store = store(&t.db).posting();
        let read = |name| std::fs::read(shared_fixtures("real").join(name)).unwrap();
        store.import_file(R2, &read(R2), now()).await.unwrap();
        store.import_file(R1, &read(R1), now()).await.unwrap();
        let mut queued = Vec::new();
        for row in post_outbox::Entity::find().all(&t.db).await.unwrap() {
            let round = rounds::Entity::find_by_id(row.round_id).one(&t.db).await.unwrap().unwrap();
            queued.push((round.round_number, row.file));
        }
        assert_eq!(
            queued,
            [(2, R2.to_owned()), (1, R1.to_owned()), (0, R1.to_owned())],
            "{}",
            t.kind
        );
        // The same file again changes nothing.
        store.import_file(R1, &read(R1), now()).await.unwrap();
        assert_eq!(post_outbox::Entity::find().count(&t.db).await.unwrap(), 3, "{}", t.kind);
    }
}

/// Every real file imported in the order the game server wrote them: each badge tier a player
/// reached is recorded once, naming the round that crossed it (the 50th round of a player
/// names their 50th stored round), every tier of the final totals is there for the ladders
/// that only grow, and importing everything again records nothing new.
#[tokio::test]
async fn badge_tiers_are_recorded_once_by_the_round_that_reached_them() {
    use entity::achievement_unlocks as unlocks;
    use slomix::badges::{LADDERS, tiers_reached};
    for t in db::all().await {
        let store = store(&t.db);
        for path in real_files() {
            let _ = import_path(&store, &path).await;
        }
        let rows = unlocks::Entity::find().all(&t.db).await.unwrap();
        assert!(rows.len() >= 10, "{}: only {} unlocks", t.kind, rows.len());
        let totals: BTreeMap<String, player_totals::Model> = player_totals::Entity::find()
            .all(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.guid.clone(), m))
            .collect();
        for ladder in LADDERS.iter().filter(|l| !l.name.starts_with("K/D")) {
            for (guid, total) in &totals {
                let mut tiers: Vec<i32> = rows
                    .iter()
                    .filter(|r| &r.guid == guid && r.ladder == ladder.name)
                    .map(|r| r.tier)
                    .collect();
                tiers.sort_unstable();
                let reached = tiers_reached(ladder, total) as i32;
                assert_eq!(
                    tiers,
                    (1..=reached).collect::<Vec<_>>(),
                    "{}: {guid} {}",
                    t.kind,
                    ladder.name
                );
            }
        }
        // "Rounds played" tier 1 (50 rounds): named by the player's 50th round 1 or 2 row.
        let fiftieth = rows.iter().filter(|r| r.ladder == "Rounds played" && r.tier == 1);
        let mut checked = 0;
        for unlock in fiftieth {
            let mut played: Vec<i32> = pcs::Entity::find()
                .all(&t.db)
                .await
                .unwrap()
                .into_iter()
                .filter(|p| p.player_guid == unlock.guid && p.round_number != 0)
                .map(|p| p.round_id)
                .collect();
            played.sort_unstable();
            assert_eq!(played.get(49), Some(&unlock.round_id), "{}: {}", t.kind, unlock.guid);
            checked += 1;
        }
        assert!(checked > 0, "{}: nobody played 50 rounds", t.kind);
        let before = rows.len();
        for path in real_files() {
            let _ = import_path(&store, &path).await;
        }
        assert_eq!(unlocks::Entity::find().count(&t.db).await.unwrap() as usize, before);
    }
}

/// (guid, map, rounds, kills, damage given, grenade kills, grenade shots) per player and map,
/// from the rows.
async fn map_totals_from_rows(
    db: &DatabaseConnection,
) -> Vec<(String, String, i64, i64, i64, i64, i64)> {
    map_rows(
        db,
        "SELECT p.player_guid AS g, p.map_name AS m, COUNT(*) AS r, SUM(p.kills) AS k, \
         SUM(p.damage_given) AS d, \
         COALESCE((SELECT SUM(w.kills) FROM weapon_comprehensive_stats w WHERE w.player_guid = p.player_guid \
           AND w.map_name = p.map_name AND w.round_number IN (1, 2) AND w.weapon_name = 'WS_GRENADE'), 0) AS gk, \
         COALESCE((SELECT SUM(w.shots) FROM weapon_comprehensive_stats w WHERE w.player_guid = p.player_guid \
           AND w.map_name = p.map_name AND w.round_number IN (1, 2) AND w.weapon_name = 'WS_GRENADE'), 0) AS gs \
         FROM player_comprehensive_stats p WHERE p.round_number IN (1, 2) \
         GROUP BY p.player_guid, p.map_name ORDER BY p.player_guid, p.map_name",
    )
    .await
}

/// The same from `player_map_totals`.
async fn stored_map_totals(
    db: &DatabaseConnection,
) -> Vec<(String, String, i64, i64, i64, i64, i64)> {
    map_rows(
        db,
        "SELECT guid AS g, map_name AS m, rounds AS r, kills AS k, damage_given AS d, \
         grenade_kills AS gk, grenade_shots AS gs FROM player_map_totals ORDER BY guid, map_name",
    )
    .await
}

async fn map_rows(
    db: &DatabaseConnection,
    sql: &str,
) -> Vec<(String, String, i64, i64, i64, i64, i64)> {
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let n = |c: &str| r.try_get::<i64>("", c).unwrap();
            (
                r.try_get("", "g").unwrap(),
                r.try_get("", "m").unwrap(),
                n("r"),
                n("k"),
                n("d"),
                n("gk"),
                n("gs"),
            )
        })
        .collect()
}

/// `processed_files`, `achievement_unlocks` and `player_ratings` as text (by name and by the unlocking round's
/// file), beside [`dump`].
async fn dump_files_and_unlocks(db: &DatabaseConnection) -> String {
    let file_of: BTreeMap<i32, String> = rounds::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id, format!("{} {}", r.filename, r.round_number)))
        .collect();
    let mut lines = Vec::new();
    for f in processed_files::Entity::find().all(db).await.unwrap() {
        lines.push(format!(
            "file {} {} {:?} {:?} {:?} {}",
            f.filename,
            f.success,
            f.file_hash,
            f.duplicate_of,
            f.error_message,
            f.content.map_or(0, |c| c.len())
        ));
    }
    for u in entity::achievement_unlocks::Entity::find().all(db).await.unwrap() {
        lines.push(format!("unlock {} {} {} {}", u.guid, u.ladder, u.tier, file_of[&u.round_id]));
    }
    for r in entity::player_ratings::Entity::find().all(db).await.unwrap() {
        lines.push(format!(
            "rating {} {:.9} {:.9} {} {}",
            r.guid, r.rating, r.uncertainty, r.maps, r.last_at
        ));
    }
    lines.sort();
    lines.join("\n")
}

#[tokio::test]
async fn a_batched_import_gives_the_same_database_and_outcomes_as_file_by_file() {
    // Every real file in time order (every file's work left to the end of its batch) and in
    // a fixed shuffle (round 2s before their round 1s, re-derivations: the one-file way in
    // between), plus, in the same batch as their originals: the same content under another
    // name, the same name from another folder, and a broken file; batches of 7 so pairs
    // straddle them.
    let dir = tempfile::tempdir().unwrap();
    let mut files = real_files();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for i in (1..files.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        files.swap(i, usize::try_from(x % (i as u64 + 1)).unwrap());
    }
    let copy = dir.path().join("2025-10-12-224531-sw_goldrush_te-round-1.txt");
    std::fs::copy(shared_fixtures("real/2025-10-12-224530-sw_goldrush_te-round-1.txt"), &copy)
        .unwrap();
    std::fs::create_dir(dir.path().join("again")).unwrap();
    let again = dir.path().join("again/2025-10-12-224530-sw_goldrush_te-round-1.txt");
    std::fs::copy(shared_fixtures("real/2025-10-12-224530-sw_goldrush_te-round-1.txt"), &again)
        .unwrap();
    let broken = dir.path().join("2025-10-12-230000-supply-round-1.txt");
    std::fs::write(&broken, b"not a stats file\n").unwrap();
    let at = files
        .iter()
        .position(|p| p.ends_with("2025-10-12-224530-sw_goldrush_te-round-1.txt"))
        .unwrap();
    files.insert(at + 1, copy);
    files.insert(at + 2, broken);
    files.insert(at + 3, again);
    let mut in_time_order = files.clone();
    in_time_order.sort_by_key(|p| p.file_name().unwrap().to_owned());
    for (kind, files) in [
        ("sqlite", &in_time_order),
        ("sqlite", &files),
        ("postgres", &in_time_order),
        ("postgres", &files),
    ] {
        let (one, batched) = if kind == "sqlite" {
            (db::sqlite().await, db::sqlite().await)
        } else {
            let (Some(one), Some(batched)) = (db::postgres().await, db::postgres().await) else {
                continue;
            };
            (one, batched)
        };
        let mut expected = Vec::new();
        let single = store(&one.db).ratings_later();
        for path in files {
            expected.push(import_path(&single, path).await.map_err(|e| e.to_string()));
        }
        let mut got = Vec::new();
        let stop = std::sync::atomic::AtomicBool::new(false);
        let many = store(&batched.db).ratings_later();
        let ended = slomix::bulk::import_paths(&many, files.clone(), 7, &stop, |_, result| {
            got.push(result.clone())
        })
        .await
        .unwrap();
        assert_eq!(ended, slomix::bulk::Ended::Done);
        assert_eq!(got.len(), expected.len(), "{kind}");
        for ((path, a), b) in files.iter().zip(&expected).zip(&got) {
            // A rejected file's message names the file: the same text either way.
            assert_eq!(a, b, "{kind}: {}", path.display());
        }
        assert!(
            got.iter().filter(|r| r.is_err()).count() >= 2,
            "{kind}: the broken file and the empty round 2 are rejected"
        );
        assert_eq!(
            got.iter().filter(|r| matches!(r, Ok(ImportOutcome::AlreadyImported { .. }))).count(),
            2,
            "{kind}"
        );
        single.catch_up_ratings().await.unwrap();
        many.catch_up_ratings().await.unwrap();
        assert_eq!(dump(&one.db).await, dump(&batched.db).await, "{kind}");
        assert_eq!(
            dump_files_and_unlocks(&one.db).await,
            dump_files_and_unlocks(&batched.db).await,
            "{kind}"
        );
        assert_eq!(totals_from_rows(&batched.db).await, stored_totals(&batched.db).await);
    }
}

/// Writes `copies` copies of the real files into `dir`, copy k moved 2 years + k weeks later
/// with `#k` after the header's server name (its own names and contents), as the import bench.
fn write_history(dir: &std::path::Path, copies: i64) -> usize {
    let mut written = 0;
    for k in 0..copies {
        for path in real_files() {
            let name = path.file_name().unwrap().to_str().unwrap();
            let Ok(file) = slomix::stats::StatsFileName::parse(name) else { continue };
            let t = file.timestamp() + TimeDelta::days(730 + 7 * k);
            let new_name = format!(
                "{}-{}-round-{}.txt",
                t.format("%Y-%m-%d-%H%M%S"),
                file.map(),
                file.round()
            );
            let bytes = std::fs::read(&path).unwrap();
            let split = bytes.iter().position(|b| *b == b'\\').unwrap_or(0);
            let mut content = bytes[..split].to_vec();
            content.extend(format!("#{k}").bytes());
            content.extend(&bytes[split..]);
            std::fs::write(dir.join(new_name), content).unwrap();
            written += 1;
        }
    }
    written
}

#[tokio::test]
async fn an_import_stopped_by_ctrl_c_keeps_whole_batches_and_a_second_run_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let total = write_history(dir.path(), 7);
    assert!(total > 4 * slomix::bulk::BATCH_FILES, "{total}");
    let count = |db: DatabaseConnection| async move {
        processed_files::Entity::find().count(&db).await.unwrap() as usize
    };
    for kind in ["sqlite", "postgres"] {
        let (t, reference) = if kind == "sqlite" {
            (db::sqlite().await, db::sqlite().await)
        } else {
            let (Some(t), Some(reference)) = (db::postgres().await, db::postgres().await) else {
                continue;
            };
            (t, reference)
        };
        let import = |url: &str| {
            tokio::process::Command::new(env!("CARGO_BIN_EXE_slomix"))
                .arg("import")
                .arg(dir.path())
                .env("DATABASE_URL", url)
                .env("RUST_LOG", "warn")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap()
        };
        let child = import(&t.url);
        // Ctrl-C once the first batch is committed.
        let mut seen = 0;
        for _ in 0..1200 {
            seen = count(t.db.clone()).await;
            if seen > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(seen > 0, "{kind}: no batch committed within 120 s");
        let pid = child.id().unwrap().to_string();
        assert!(
            std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap().success()
        );
        let out =
            tokio::time::timeout(std::time::Duration::from_secs(120), child.wait_with_output())
                .await
                .expect("stops within 120 s")
                .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(130), "{kind}: {stdout}");
        let stored = count(t.db.clone()).await;
        // Whole batches: every file of a batch leaves its record, and none of the next.
        assert_eq!(stored % slomix::bulk::BATCH_FILES, 0, "{kind}: {stored} files recorded");
        assert!(stored < total, "{kind}");
        assert!(
            stdout.contains(&format!("interrupted: {} file(s) not attempted", total - stored)),
            "{kind}: {stdout}"
        );
        // Consistent: the totals are those of the stored rows, every stored file has its round.
        assert_eq!(totals_from_rows(&t.db).await, stored_totals(&t.db).await, "{kind}");
        let orphaned = t
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                t.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM processed_files p WHERE p.success AND p.content IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM rounds r WHERE r.filename = p.filename)",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(orphaned, 0, "{kind}");
        // A second run stores the rest; the database is then the one a single run makes.
        let out = import(&t.url).wait_with_output().await.unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{kind}: the empty round 2s are rejected: {stdout}");
        assert!(!stdout.contains("interrupted"), "{kind}: {stdout}");
        let out = import(&reference.url).wait_with_output().await.unwrap();
        assert_eq!(out.status.code(), Some(1), "{kind}");
        assert_eq!(dump(&t.db).await, dump(&reference.db).await, "{kind}");
        assert_eq!(count(t.db.clone()).await, total, "{kind}");
    }
}
