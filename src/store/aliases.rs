//! Player aliases inside the import's transaction: each (GUID, name) with its first and last
//! time seen and round count.
use chrono::NaiveDateTime;
use entity::player_aliases;
use sea_orm::{ActiveValue::Set, DatabaseTransaction, EntityTrait, sea_query::Expr};

use super::{StoreError, convert};
use crate::stats::Round;

/// Counts one more round for each player's (GUID, name): first/last seen widen to the round's
/// time. Min, max and count commute, so the result does not depend on import order; it runs
/// once per newly stored round-1 or round-2 file (never for re-derivations or summaries).
pub(super) async fn add_aliases(
    txn: &DatabaseTransaction,
    round: &Round,
) -> Result<(), StoreError> {
    let at = round.file.timestamp();
    let rows: Vec<player_aliases::ActiveModel> =
        names_of(round).into_iter().map(|(guid, alias)| row(guid, alias, at, at, 1)).collect();
    upsert(txn, rows).await
}

/// Each (storage GUID, name) of a round's players, once.
pub(super) fn names_of(round: &Round) -> Vec<(String, String)> {
    let guids = convert::storage_guids(&round.players);
    let mut seen = std::collections::HashSet::new();
    round
        .players
        .iter()
        .zip(guids)
        .map(|(player, guid)| (guid, player.name.clone()))
        .filter(|pair| seen.insert(pair.clone()))
        .collect()
}

/// An alias row: seen `times` times between `first` and `last`.
pub(super) fn row(
    guid: String,
    alias: String,
    first: NaiveDateTime,
    last: NaiveDateTime,
    times: i32,
) -> player_aliases::ActiveModel {
    player_aliases::ActiveModel {
        guid: Set(guid),
        alias: Set(alias),
        first_seen: Set(first),
        last_seen: Set(last),
        times_seen: Set(times),
        ..Default::default()
    }
}

/// Adds `rows` (each (GUID, name) at most once) to the aliases: counts add up, first/last
/// seen widen.
pub(super) async fn upsert(
    txn: &DatabaseTransaction,
    rows: Vec<player_aliases::ActiveModel>,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::OnConflict;
    if rows.is_empty() {
        return Ok(());
    }
    let on_conflict =
        OnConflict::columns([player_aliases::Column::Guid, player_aliases::Column::Alias])
            .value(
                player_aliases::Column::TimesSeen,
                Expr::cust("player_aliases.times_seen + excluded.times_seen"),
            )
            .value(
                player_aliases::Column::FirstSeen,
                Expr::cust(
                    "CASE WHEN excluded.first_seen < player_aliases.first_seen \
                 THEN excluded.first_seen ELSE player_aliases.first_seen END",
                ),
            )
            .value(
                player_aliases::Column::LastSeen,
                Expr::cust(
                    "CASE WHEN excluded.last_seen > player_aliases.last_seen \
                 THEN excluded.last_seen ELSE player_aliases.last_seen END",
                ),
            )
            .to_owned();
    for chunk in super::rows::pieces(&rows, 1000) {
        player_aliases::Entity::insert_many(chunk.to_vec())
            .on_conflict(on_conflict.clone())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}
