//! Ratings kept in step with the rounds: the import marks the earliest round time it changed
//! (`mark_changed`, in its own transaction); [`catch_up`] then rates the maps after the last
//! one rated when every change is later than it, or else rebuilds every rating from the first
//! map on, so any import order gives the same ratings and history. A catch-up that fails
//! leaves the mark, and the next one (after the next import, or at start) does the work.
use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use entity::{
    player_comprehensive_stats as rows, player_ratings, rating_history, rating_state, rounds,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait, sea_query::OnConflict,
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
            let known = player_ratings::Entity::find().all(&txn).await?;
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
            let started = std::time::Instant::now();
            let games = load_games(&txn, None).await?;
            let loaded = started.elapsed();
            rating_history::Entity::delete_many().exec(&txn).await?;
            player_ratings::Entity::delete_many().exec(&txn).await?;
            // Indexes built once over the whole history are cheaper than kept row by row.
            for (name, _) in HISTORY_INDEXES {
                txn.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}")).await?;
            }
            write(&txn, &mut Rater::new(MODEL), &games).await?;
            for (_, create) in HISTORY_INDEXES {
                txn.execute_unprepared(create).await?;
            }
            tracing::info!(
                maps = games.len(),
                load_ms = loaded.as_millis() as u64,
                rate_and_write_ms = (started.elapsed() - loaded).as_millis() as u64,
                "ratings rebuilt"
            );
            set_rated(&txn, games.last().map(|g| (g.at, g.file.clone()))).await?;
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

/// Rows per multi-row insert of history (9 values each: 27,000 parameters, within SQLite's
/// 32,766 and PostgreSQL's 65,535), and ids per `IN (…)` list.
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
        if history.len() >= BATCH {
            rating_history::Entity::insert_many(std::mem::take(&mut history))
                .exec_without_returning(db)
                .await?;
        }
    }
    if !history.is_empty() {
        rating_history::Entity::insert_many(history).exec_without_returning(db).await?;
    }
    let mut players: Vec<_> = latest.into_values().collect();
    players.sort_by(|a, b| a.0.guid.cmp(&b.0.guid));
    for chunk in players.chunks(BATCH) {
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

type RoundRow = (i32, String, String, i32, NaiveDateTime, String, String, i32, String, i32);
/// A player row of a round: GUID, side, seconds played, kills, deaths.
type PlayerRow = (String, i32, i32, i32, i32);

/// Every stored map whose two rounds are both there, in rating order (round 2's end, then
/// its file), after `after` when given. A map needs a round 1 and a paired round 2 of the
/// same match on the same server, a defending side in one of them, and players on both sides.
pub async fn load_games(
    db: &impl ConnectionTrait,
    after: Option<&(NaiveDateTime, String)>,
) -> Result<Vec<Game>, DbErr> {
    let columns = [
        rounds::Column::Id,
        rounds::Column::Server,
        rounds::Column::MatchId,
        rounds::Column::RoundNumber,
        rounds::Column::RoundAt,
        rounds::Column::Filename,
        rounds::Column::MapName,
        rounds::Column::DefenderTeam,
        rounds::Column::RoundOutcome,
        rounds::Column::ActualTimeSeconds,
    ];
    let mut query = rounds::Entity::find()
        .select_only()
        .columns(columns)
        .filter(rounds::Column::RoundNumber.eq(2))
        .filter(rounds::Column::RoundStatus.ne("orphan_r2"));
    if let Some((at, file)) = after {
        query = query.filter(
            Condition::any().add(rounds::Column::RoundAt.gt(*at)).add(
                Condition::all()
                    .add(rounds::Column::RoundAt.eq(*at))
                    .add(rounds::Column::Filename.gt(file.as_str())),
            ),
        );
    }
    let round2s: Vec<RoundRow> = query
        .order_by_asc(rounds::Column::RoundAt)
        .order_by_asc(rounds::Column::Filename)
        .into_tuple()
        .all(db)
        .await?;
    if round2s.is_empty() {
        return Ok(Vec::new());
    }
    let mut round1s: HashMap<(String, String), RoundRow> = HashMap::new();
    let mut r1_query = rounds::Entity::find()
        .select_only()
        .columns(columns)
        .filter(rounds::Column::RoundNumber.eq(1));
    if after.is_some() {
        let ids: Vec<String> = round2s.iter().map(|r| r.2.clone()).collect();
        r1_query = r1_query.filter(rounds::Column::MatchId.is_in(ids));
    }
    for row in r1_query.into_tuple::<RoundRow>().all(db).await? {
        round1s.insert((row.1.clone(), row.2.clone()), row);
    }
    let pairs: Vec<(RoundRow, RoundRow)> = round2s
        .into_iter()
        .filter_map(|r2| round1s.remove(&(r2.1.clone(), r2.2.clone())).map(|r1| (r1, r2)))
        .collect();
    let mut players: HashMap<i32, Vec<PlayerRow>> = HashMap::new();
    let row_query = rows::Entity::find()
        .select_only()
        .columns([
            rows::Column::RoundId,
            rows::Column::PlayerGuid,
            rows::Column::Team,
            rows::Column::TimePlayedSeconds,
            rows::Column::Kills,
            rows::Column::Deaths,
        ])
        .filter(rows::Column::RoundNumber.is_in([1, 2]));
    let chunks: Vec<Vec<i32>> = if after.is_some() {
        let ids: Vec<i32> = pairs.iter().flat_map(|(a, b)| [a.0, b.0]).collect();
        ids.chunks(BATCH).map(<[i32]>::to_vec).collect()
    } else {
        vec![Vec::new()]
    };
    for ids in chunks {
        let mut q = row_query.clone();
        if after.is_some() {
            q = q.filter(rows::Column::RoundId.is_in(ids));
        }
        for (round, guid, team, time, kills, deaths) in
            q.into_tuple::<(i32, String, i32, i32, i32, i32)>().all(db).await?
        {
            players.entry(round).or_default().push((guid, team, time, kills, deaths));
        }
    }
    let empty = Vec::new();
    Ok(pairs
        .into_iter()
        .filter_map(|(r1, r2)| {
            let p1 = players.get(&r1.0).unwrap_or(&empty);
            let p2 = players.get(&r2.0).unwrap_or(&empty);
            game_of(&r1, &r2, p1, p2)
        })
        .collect())
}

/// One map from its two rounds and their player rows `(guid, side, seconds, kills, deaths)`.
fn game_of(
    r1: &RoundRow,
    r2: &RoundRow,
    p1: &[PlayerRow],
    p2: &[PlayerRow],
) -> Option<Game> {
    // The defending side is the same in both rounds; take it from round 1, else round 2.
    let defender = [r1.7, r2.7].into_iter().find(|d| (1..=2).contains(d))?;
    // Team 1 attacks round 1 (the other side than the defenders) and defends round 2.
    let result = match map_outcome(&r1.8, &r2.8) {
        MapOutcome::Team1 => 1.0,
        MapOutcome::Team2 => 0.0,
        MapOutcome::Draw => 0.5,
    };
    let length = f64::from(r1.9.max(0) + r2.9.max(0));
    // Per player: seconds on team 1, on team 2, kills, deaths.
    let mut seen: BTreeMap<&str, (i64, i64, i64, i64)> = BTreeMap::new();
    let sides =
        p1.iter().map(|p| (p, p.1 != defender)).chain(p2.iter().map(|p| (p, p.1 == defender)));
    for ((guid, side, time, kills, deaths), team1) in sides {
        if !(1..=2).contains(side) {
            continue;
        }
        let entry = seen.entry(guid.as_str()).or_default();
        let time = i64::from((*time).max(0));
        if team1 {
            entry.0 += time
        } else {
            entry.1 += time
        }
        entry.2 += i64::from(*kills);
        entry.3 += i64::from(*deaths);
    }
    let (mut team1, mut team2) = (Vec::new(), Vec::new());
    for (guid, (t1, t2, kills, deaths)) in seen {
        let time = t1 + t2;
        if time <= 0 {
            continue;
        }
        let weight = if length > 0.0 { (time as f64 / length).clamp(0.01, 1.0) } else { 1.0 };
        let player = Participant { guid: guid.to_owned(), weight, kills, deaths };
        if t1 >= t2 { team1.push(player) } else { team2.push(player) }
    }
    if team1.is_empty() || team2.is_empty() {
        return None;
    }
    Some(Game {
        at: r2.4,
        file: r2.5.clone(),
        round_id: r2.0,
        map: r2.6.clone(),
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
