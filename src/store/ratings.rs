//! Ratings kept in step with the rounds: the import marks the earliest round time it changed
//! (`mark_changed`, in its own transaction); [`catch_up`] then rates the maps after the last
//! one rated when every change is later than it, or else keeps the history of the maps that
//! ended before the change and rates every later map again from the ratings as they stood
//! then, so any import order gives the same ratings and history. A catch-up that fails
//! leaves the mark, and the next one (after the next import, or at start) does the work.
use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use entity::{player_ratings, rating_history, rating_state, rounds};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
    sea_query::OnConflict,
};

use crate::{
    ratings::{Change, Game, MODEL, Participant, Rater, Rating},
    stats::{MapOutcome, map_outcome},
};

/// Records, in an import's transaction, that rounds from `at` on changed.
pub(super) async fn mark_changed(
    db: &impl ConnectionTrait,
    at: NaiveDateTime,
) -> Result<(), DbErr> {
    rating_state::Entity::update_many()
        .col_expr(rating_state::Column::ChangedFrom, at.into())
        .filter(rating_state::Column::Id.eq(1))
        .filter(
            Condition::any()
                .add(rating_state::Column::ChangedFrom.is_null())
                .add(rating_state::Column::ChangedFrom.gt(at)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// What a catch-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaughtUp {
    /// Nothing had changed.
    Unchanged,
    /// Maps after the last rated one were rated.
    Extended(usize),
    /// Every map was rated again from the first.
    Rebuilt(usize),
}

/// Brings the ratings in step with the rounds (see the module doc), in one transaction.
pub async fn catch_up(db: &DatabaseConnection) -> Result<CaughtUp, DbErr> {
    let txn = db.begin().await?;
    let Some(state) = rating_state::Entity::find_by_id(1).one(&txn).await? else {
        return Ok(CaughtUp::Unchanged);
    };
    let Some(changed) = state.changed_from else { return Ok(CaughtUp::Unchanged) };
    let after = match (state.rated_at, state.rated_file.clone()) {
        (Some(at), Some(file)) if changed > at => Some((at, file)),
        _ => None,
    };
    let done = match after {
        Some(after) => {
            let games = load_games(&txn, Some(&after)).await?;
            // Only the players of the new maps move: read just their ratings.
            let mut guids: Vec<String> = games
                .iter()
                .flat_map(|g| g.team1.iter().chain(&g.team2))
                .map(|p| p.guid.clone())
                .collect();
            guids.sort_unstable();
            guids.dedup();
            let mut known = Vec::with_capacity(guids.len());
            for chunk in super::rows::pieces(&guids, BATCH) {
                known.extend(
                    player_ratings::Entity::find()
                        .filter(player_ratings::Column::Guid.is_in(chunk.to_vec()))
                        .all(&txn)
                        .await?,
                );
            }
            let mut rater = Rater::with(
                MODEL,
                known.into_iter().map(|r| {
                    (
                        r.guid,
                        Rating { rating: r.rating, uncertainty: r.uncertainty },
                        r.maps.max(0) as u32,
                    )
                }),
            );
            write(&txn, &mut rater, &games).await?;
            set_rated(&txn, games.last().map(|g| (g.at, g.file.clone())).or(Some(after))).await?;
            CaughtUp::Extended(games.len())
        }
        None => {
            // Maps ending before the change keep their history; the rest are rated again
            // from every player's rating as it stood then.
            let started = std::time::Instant::now();
            let kept = ratings_before(&txn, changed).await?;
            let full = kept.is_empty();
            let games = load_games(&txn, Some(&(changed, String::new()))).await?;
            let loaded = started.elapsed();
            player_ratings::Entity::delete_many().exec(&txn).await?;
            if full {
                rating_history::Entity::delete_many().exec(&txn).await?;
                // Indexes built once over the whole history are cheaper than kept row by row.
                for (name, _) in HISTORY_INDEXES {
                    txn.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}")).await?;
                }
            } else {
                rating_history::Entity::delete_many()
                    .filter(rating_history::Column::At.gte(changed))
                    .exec(&txn)
                    .await?;
                write_players(&txn, &kept).await?;
            }
            let last_kept = kept.iter().map(|k| k.3).max();
            let mut rater = Rater::with(MODEL, kept.into_iter().map(|(g, r, m, _)| (g, r, m)));
            write(&txn, &mut rater, &games).await?;
            if full {
                for (_, create) in HISTORY_INDEXES {
                    txn.execute_unprepared(create).await?;
                }
            }
            if games.is_empty() {
                tracing::debug!(from = %changed, "ratings: nothing to rate again");
            } else {
                tracing::info!(
                    maps = games.len(),
                    from = %changed,
                    load_ms = loaded.as_millis() as u64,
                    rate_and_write_ms = (started.elapsed() - loaded).as_millis() as u64,
                    "ratings rated again"
                );
            }
            let last = match games.last() {
                Some(g) => Some((g.at, g.file.clone())),
                None => last_rated_before(&txn, last_kept).await?,
            };
            set_rated(&txn, last).await?;
            CaughtUp::Rebuilt(games.len())
        }
    };
    // Only a mark made since it was read stays.
    rating_state::Entity::update_many()
        .col_expr(rating_state::Column::ChangedFrom, Option::<NaiveDateTime>::None.into())
        .filter(rating_state::Column::Id.eq(1))
        .filter(rating_state::Column::ChangedFrom.eq(changed))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(done)
}

/// Each player's rating after their last map ending before `at`: GUID, rating, maps, when.
async fn ratings_before(
    db: &impl ConnectionTrait,
    at: NaiveDateTime,
) -> Result<Vec<(String, Rating, u32, NaiveDateTime)>, DbErr> {
    #[derive(Debug, FromQueryResult)]
    struct Kept {
        guid: String,
        rating: f64,
        uncertainty: f64,
        maps: i64,
        at: NaiveDateTime,
    }
    // Maps are rated in the order of their round 2's end, then its file: the last of them
    // per player is the rating that stood.
    let kept = Kept::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT guid, rating, uncertainty, maps, at FROM ( \
           SELECT h.guid AS guid, h.rating AS rating, h.uncertainty AS uncertainty, h.at AS at, \
                  COUNT(*) OVER (PARTITION BY h.guid) AS maps, \
                  ROW_NUMBER() OVER (PARTITION BY h.guid ORDER BY h.at DESC, r.filename DESC) AS n \
           FROM rating_history h JOIN rounds r ON r.id = h.round_id WHERE h.at < $1) x \
         WHERE n = 1",
        [at.into()],
    ))
    .all(db)
    .await?;
    Ok(kept
        .into_iter()
        .map(|k| {
            let rating = Rating { rating: k.rating, uncertainty: k.uncertainty };
            (k.guid, rating, u32::try_from(k.maps).unwrap_or(0), k.at)
        })
        .collect())
}

/// The last rated map up to `at` (its round 2's end and file), from the history kept.
async fn last_rated_before(
    db: &impl ConnectionTrait,
    at: Option<NaiveDateTime>,
) -> Result<Option<(NaiveDateTime, String)>, DbErr> {
    let Some(at) = at else { return Ok(None) };
    let ids: Vec<i32> = rating_history::Entity::find()
        .select_only()
        .column(rating_history::Column::RoundId)
        .filter(rating_history::Column::At.eq(at))
        .into_tuple()
        .all(db)
        .await?;
    let file: Option<String> = rounds::Entity::find()
        .select_only()
        .column(rounds::Column::Filename)
        .filter(rounds::Column::Id.is_in(ids))
        .order_by_desc(rounds::Column::Filename)
        .into_tuple()
        .one(db)
        .await?;
    Ok(file.map(|f| (at, f)))
}

/// Writes players' ratings as kept from the history.
async fn write_players(
    db: &impl ConnectionTrait,
    kept: &[(String, Rating, u32, NaiveDateTime)],
) -> Result<(), DbErr> {
    let models = kept.iter().map(|(guid, rating, maps, at)| player_ratings::ActiveModel {
        guid: sea_orm::Set(guid.clone()),
        rating: sea_orm::Set(rating.rating),
        uncertainty: sea_orm::Set(rating.uncertainty),
        maps: sea_orm::Set(i32::try_from(*maps).unwrap_or(i32::MAX)),
        last_at: sea_orm::Set(*at),
    });
    super::rows::insert(db, models.collect()).await
}

/// `rating_history`'s indexes as its migration makes them: a rebuild drops them and makes
/// them again after writing.
const HISTORY_INDEXES: [(&str, &str); 2] = [
    (
        "idx_rating_history_player",
        "CREATE INDEX IF NOT EXISTS idx_rating_history_player ON rating_history (guid, at)",
    ),
    (
        "rating_history_once",
        "CREATE UNIQUE INDEX IF NOT EXISTS rating_history_once ON rating_history (round_id, guid)",
    ),
];

/// Marks every map changed, so the next [`catch_up`] rebuilds (`slomix rating --rebuild`).
pub async fn rebuild(db: &DatabaseConnection) -> Result<CaughtUp, DbErr> {
    rating_state::Entity::update_many()
        .col_expr(rating_state::Column::RatedAt, Option::<NaiveDateTime>::None.into())
        .col_expr(rating_state::Column::ChangedFrom, NaiveDateTime::default().into())
        .filter(rating_state::Column::Id.eq(1))
        .exec(db)
        .await?;
    catch_up(db).await
}

async fn set_rated(
    db: &impl ConnectionTrait,
    last: Option<(NaiveDateTime, String)>,
) -> Result<(), DbErr> {
    let (at, file) = last.map_or((None, None), |(a, f)| (Some(a), Some(f)));
    rating_state::Entity::update_many()
        .col_expr(rating_state::Column::RatedAt, at.into())
        .col_expr(rating_state::Column::RatedFile, file.into())
        .filter(rating_state::Column::Id.eq(1))
        .exec(db)
        .await?;
    Ok(())
}

/// History rows written at a time while rating (6 values each: one SQLite statement).
const HISTORY_ROWS: usize = 5000;

/// Rows per multi-row upsert of players' ratings (5 values each: within SQLite's 32,766
/// parameters and PostgreSQL's 65,535), and ids per `IN (…)` list.
const BATCH: usize = 3000;

/// Rates `games` in order and writes the history rows and every changed player's rating.
async fn write(db: &impl ConnectionTrait, rater: &mut Rater, games: &[Game]) -> Result<(), DbErr> {
    let mut history = Vec::new();
    let mut latest: HashMap<String, (Change, NaiveDateTime)> = HashMap::new();
    for game in games {
        for change in rater.apply(game) {
            history.push(rating_history::ActiveModel {
                guid: sea_orm::Set(change.guid.clone()),
                round_id: sea_orm::Set(game.round_id),
                at: sea_orm::Set(game.at),
                rating_before: sea_orm::Set(change.before.rating),
                rating: sea_orm::Set(change.after.rating),
                uncertainty: sea_orm::Set(change.after.uncertainty),
                ..Default::default()
            });
            latest.insert(change.guid.clone(), (change, game.at));
        }
        if history.len() >= HISTORY_ROWS {
            super::rows::insert(db, std::mem::take(&mut history)).await?;
        }
    }
    super::rows::insert(db, history).await?;
    let mut players: Vec<_> = latest.into_values().collect();
    players.sort_by(|a, b| a.0.guid.cmp(&b.0.guid));
    for chunk in super::rows::pieces(&players, BATCH) {
        let models = chunk.iter().map(|(change, at)| player_ratings::ActiveModel {
            guid: sea_orm::Set(change.guid.clone()),
            rating: sea_orm::Set(change.after.rating),
            uncertainty: sea_orm::Set(change.after.uncertainty),
            maps: sea_orm::Set(i32::try_from(change.maps).unwrap_or(i32::MAX)),
            last_at: sea_orm::Set(*at),
        });
        player_ratings::Entity::insert_many(models)
            .on_conflict(
                OnConflict::column(player_ratings::Column::Guid)
                    .update_columns([
                        player_ratings::Column::Rating,
                        player_ratings::Column::Uncertainty,
                        player_ratings::Column::Maps,
                        player_ratings::Column::LastAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// One map's two rounds and its players, as [`load_games`] reads them.
#[derive(Debug, sea_orm::FromQueryResult)]
struct MapRow {
    id: i32,
    round_at: NaiveDateTime,
    filename: String,
    map_name: String,
    defender1: i32,
    defender2: i32,
    outcome1: String,
    outcome2: String,
    seconds1: i32,
    seconds2: i32,
    /// A JSON array of [`PlayerRow`]s (`null` for none).
    players: Option<String>,
}

/// A player's part in one map: GUID; seconds on side 1 and side 2 in round 1, then in round
/// 2; kills; deaths.
type PlayerRow = (String, i64, i64, i64, i64, i64, i64);

/// Every stored map whose two rounds are both there, in rating order (round 2's end, then
/// its file), after `after` when given. A map needs a round 1 and a paired round 2 of the
/// same match on the same server, a defending side in one of them, and players on both sides.
/// The database pairs the rounds and sums each player's time per round and side; one row
/// comes back per map with its players as a JSON array (reading a row costs far more than
/// reading its JSON: 23,000 rows instead of 155,000).
pub async fn load_games(
    db: &(impl ConnectionTrait + sea_orm::StreamTrait),
    after: Option<&(NaiveDateTime, String)>,
) -> Result<Vec<Game>, DbErr> {
    let backend = ConnectionTrait::get_database_backend(db);
    let (filter, values) = match after {
        Some((at, file)) => (
            " AND (r2.round_at > $1 OR (r2.round_at = $1 AND r2.filename > $2))",
            vec![sea_orm::Value::from(*at), sea_orm::Value::from(file.clone())],
        ),
        None => ("", Vec::new()),
    };
    let (array_of_arrays, array) = match backend {
        sea_orm::DatabaseBackend::Postgres => ("json_agg", "json_build_array"),
        _ => ("json_group_array", "json_array"),
    };
    let seconds = |round: &str, side: i32| {
        format!(
            "SUM(CASE WHEN p.round_id = {round}.id AND p.team = {side} \
             THEN p.time_played_seconds ELSE 0 END)"
        )
    };
    // SQLite takes `$1` as PostgreSQL does. Everything else in this text is ours.
    let sql = format!(
        "SELECT r2.id AS id, r2.round_at AS round_at, r2.filename AS filename, \
                r2.map_name AS map_name, r1.defender_team AS defender1, \
                r2.defender_team AS defender2, r1.round_outcome AS outcome1, \
                r2.round_outcome AS outcome2, r1.actual_time_seconds AS seconds1, \
                r2.actual_time_seconds AS seconds2, \
                (SELECT CAST({array_of_arrays}({array}(guid, r1s1, r1s2, r2s1, r2s2, kills, deaths)) AS TEXT) \
                 FROM (SELECT p.player_guid AS guid, {} AS r1s1, {} AS r1s2, {} AS r2s1, \
                              {} AS r2s2, SUM(p.kills) AS kills, SUM(p.deaths) AS deaths \
                       FROM player_comprehensive_stats p WHERE p.round_id IN (r1.id, r2.id) \
                       GROUP BY p.player_guid) sums) AS players \
         FROM rounds r2 JOIN rounds r1 ON r1.server = r2.server AND r1.match_id = r2.match_id \
         AND r1.round_number = 1 \
         WHERE r2.round_number = 2 AND r2.round_status <> 'orphan_r2'{filter} \
         ORDER BY r2.round_at, r2.filename",
        seconds("r1", 1),
        seconds("r1", 2),
        seconds("r2", 1),
        seconds("r2", 2),
    );
    // Read as they come: a history's JSON would otherwise be held whole beside its games.
    let mut maps = MapRow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .stream(db)
        .await?;
    let mut games = Vec::new();
    while let Some(map) = futures_util::StreamExt::next(&mut maps).await {
        let mut map = map?;
        let players: Vec<PlayerRow> = match map.players.take() {
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| DbErr::Custom(format!("players of round {}: {e}", map.id)))?,
            None => Vec::new(),
        };
        games.extend(game_of(map, players));
    }
    Ok(games)
}

/// One map from its rounds and its players' sums.
fn game_of(map: MapRow, rows: Vec<PlayerRow>) -> Option<Game> {
    // The defending side is the same in both rounds; take it from round 1, else round 2.
    let defender = [map.defender1, map.defender2].into_iter().find(|d| (1..=2).contains(d))?;
    // Team 1 attacks round 1 (the other side than the defenders) and defends round 2.
    let result = match map_outcome(&map.outcome1, &map.outcome2) {
        MapOutcome::Team1 => 1.0,
        MapOutcome::Team2 => 0.0,
        MapOutcome::Draw => 0.5,
    };
    let length = f64::from(map.seconds1.max(0) + map.seconds2.max(0));
    let (mut team1, mut team2) = (Vec::new(), Vec::new());
    let mut rows = rows;
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (guid, r1_side1, r1_side2, r2_side1, r2_side2, kills, deaths) in rows {
        let (r1_attack, r1_defend, r2_attack, r2_defend) = if defender == 1 {
            (r1_side2, r1_side1, r2_side2, r2_side1)
        } else {
            (r1_side1, r1_side2, r2_side1, r2_side2)
        };
        let (t1, t2) = (r1_attack.max(0) + r2_defend.max(0), r1_defend.max(0) + r2_attack.max(0));
        let time = t1 + t2;
        if time <= 0 {
            continue;
        }
        let weight = if length > 0.0 { (time as f64 / length).clamp(0.01, 1.0) } else { 1.0 };
        let player = Participant { guid, weight, kills, deaths };
        if t1 >= t2 { team1.push(player) } else { team2.push(player) }
    }
    if team1.is_empty() || team2.is_empty() {
        return None;
    }
    Some(Game {
        at: map.round_at,
        file: map.filename,
        round_id: map.id,
        map: map.map_name,
        team1,
        team2,
        result,
    })
}

/// A player's current rating and maps, if rated.
pub async fn current(
    db: &impl ConnectionTrait,
    guid: &str,
) -> Result<Option<player_ratings::Model>, DbErr> {
    player_ratings::Entity::find_by_id(guid.to_owned()).one(db).await
}

/// Every rated player, best first by the conservative rating (μ − 3σ), then GUID.
pub async fn board(db: &impl ConnectionTrait) -> Result<Vec<player_ratings::Model>, DbErr> {
    let mut all = player_ratings::Entity::find().all(db).await?;
    let key = |r: &player_ratings::Model| {
        Rating { rating: r.rating, uncertainty: r.uncertainty }.conservative()
    };
    all.sort_by(|a, b| key(b).total_cmp(&key(a)).then_with(|| a.guid.cmp(&b.guid)));
    Ok(all)
}

/// One rated map of a player's history, with its round's gaming session.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Point {
    /// When the map ended.
    pub at: NaiveDateTime,
    /// After the map.
    pub rating: f64,
    /// After the map.
    pub uncertainty: f64,
    /// Before it.
    pub rating_before: f64,
    /// The map.
    pub map: String,
    /// The gaming session of its round 2.
    pub session_id: Option<i64>,
}

/// A player's history, oldest first.
pub async fn history(db: &impl ConnectionTrait, guid: &str) -> Result<Vec<Point>, DbErr> {
    let points = rating_history::Entity::find()
        .filter(rating_history::Column::Guid.eq(guid))
        .order_by_asc(rating_history::Column::At)
        .order_by_asc(rating_history::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = points.iter().map(|p| p.round_id).collect();
    let mut sessions: HashMap<i32, (String, Option<i64>)> = HashMap::new();
    for chunk in ids.chunks(BATCH) {
        let found: Vec<(i32, String, Option<i64>)> = rounds::Entity::find()
            .select_only()
            .columns([rounds::Column::Id, rounds::Column::MapName, rounds::Column::GamingSessionId])
            .filter(rounds::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        sessions.extend(found.into_iter().map(|(id, map, session)| (id, (map, session))));
    }
    Ok(points
        .into_iter()
        .map(|p| {
            let (map, session_id) = sessions.get(&p.round_id).cloned().unwrap_or_default();
            Point {
                at: p.at,
                rating: p.rating,
                uncertainty: p.uncertainty,
                rating_before: p.rating_before,
                map,
                session_id,
            }
        })
        .collect())
}

/// Each player's rating before and after the maps of the given rounds (a session's round 2s):
/// `(guid, before the first, after the last)`, biggest rise first.
pub async fn changes_over(
    db: &impl ConnectionTrait,
    round_ids: &[i32],
) -> Result<Vec<(String, f64, f64)>, DbErr> {
    let mut rows = Vec::new();
    for chunk in round_ids.chunks(BATCH) {
        rows.extend(
            rating_history::Entity::find()
                .filter(rating_history::Column::RoundId.is_in(chunk.to_vec()))
                .all(db)
                .await?,
        );
    }
    rows.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    let mut by_player: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for row in rows {
        by_player.entry(row.guid).or_insert((row.rating_before, row.rating)).1 = row.rating;
    }
    let mut out: Vec<(String, f64, f64)> =
        by_player.into_iter().map(|(g, (before, after))| (g, before, after)).collect();
    out.sort_by(|a, b| (b.2 - b.1).total_cmp(&(a.2 - a.1)).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}
