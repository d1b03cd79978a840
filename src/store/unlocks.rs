//! Achievement unlocks inside the import's transaction: the lifetime totals of a file's
//! players are read before the round is stored and after, and every badge tier the change
//! crossed is recorded once in `achievement_unlocks` (a tier already recorded, reached earlier
//! or lost to a re-derivation and reached again, is not recorded twice), naming the file's
//! round so its posts announce it. The one table that depends on arrival order: which round
//! crossed a tier.
use std::collections::HashMap;

use chrono::NaiveDateTime;
use entity::{achievement_unlocks as unlocks, player_totals as totals};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, sea_query,
};

use super::StoreError;
use crate::badges::{self, LADDERS};

/// The totals of `guids` as they are now.
pub(super) async fn snapshot(
    txn: &DatabaseTransaction,
    guids: &[String],
) -> Result<HashMap<String, totals::Model>, StoreError> {
    let rows = totals::Entity::find()
        .filter(totals::Column::Guid.is_in(guids.iter().cloned()))
        .all(txn)
        .await?;
    Ok(rows.into_iter().map(|t| (t.guid.clone(), t)).collect())
}

/// Records the tiers that `players` (storage GUID, name) crossed since `before`, for
/// `round_id`; returns how many were new.
pub(super) async fn record(
    txn: &DatabaseTransaction,
    players: &[(String, String)],
    before: &HashMap<String, totals::Model>,
    round_id: i32,
    reached_at: NaiveDateTime,
) -> Result<usize, StoreError> {
    let guids: Vec<String> = players.iter().map(|(g, _)| g.clone()).collect();
    let after = snapshot(txn, &guids).await?;
    let mut rows = Vec::new();
    for (guid, name) in players {
        let Some(now) = after.get(guid) else { continue };
        for (ladder, tier) in badges::crossed(before.get(guid), now) {
            rows.push(row(guid, name, ladder, tier, round_id, reached_at));
        }
    }
    insert(txn, rows).await
}

/// The `achievement_unlocks` row of `guid` (called `name`) reaching `tier` of ladder
/// `ladder` (an index in [`LADDERS`]) with round `round_id`.
pub(super) fn row(
    guid: &str,
    name: &str,
    ladder: usize,
    tier: usize,
    round_id: i32,
    reached_at: NaiveDateTime,
) -> unlocks::ActiveModel {
    unlocks::ActiveModel {
        guid: Set(guid.to_owned()),
        name: Set(name.to_owned()),
        ladder: Set(LADDERS[ladder].name.to_owned()),
        tier: Set(i32::try_from(tier).unwrap_or(i32::MAX)),
        round_id: Set(round_id),
        reached_at: Set(reached_at),
        ..Default::default()
    }
}

/// Inserts `rows`, leaving a tier already recorded as it is; returns how many were new.
pub(super) async fn insert(
    txn: &DatabaseTransaction,
    rows: Vec<unlocks::ActiveModel>,
) -> Result<usize, StoreError> {
    let mut added = 0;
    for chunk in super::rows::pieces(&rows, 500) {
        let result = unlocks::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                sea_query::OnConflict::columns([
                    unlocks::Column::Guid,
                    unlocks::Column::Ladder,
                    unlocks::Column::Tier,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
        added += usize::try_from(result).unwrap_or(0);
    }
    Ok(added)
}

/// The unlocks a round announces, ladder by ladder in [`LADDERS`] order, then by name.
pub async fn of_round(
    db: &impl sea_orm::ConnectionTrait,
    round_id: i32,
) -> Result<Vec<unlocks::Model>, sea_orm::DbErr> {
    let mut rows =
        unlocks::Entity::find().filter(unlocks::Column::RoundId.eq(round_id)).all(db).await?;
    let order = |l: &str| LADDERS.iter().position(|x| x.name == l).unwrap_or(usize::MAX);
    rows.sort_by(|a, b| {
        (order(&a.ladder), &a.name, a.tier).cmp(&(order(&b.ladder), &b.name, b.tier))
    });
    Ok(rows)
}
