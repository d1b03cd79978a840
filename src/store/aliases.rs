//! Player aliases inside the import's transaction: each (GUID, name) with its first and last
//! time seen and round count.
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
    use sea_orm::sea_query::OnConflict;
    let at = round.file.timestamp();
    let guids = convert::storage_guids(&round.players);
    let mut rows: Vec<player_aliases::ActiveModel> = Vec::with_capacity(guids.len());
    let mut seen = std::collections::HashSet::new();
    for (player, guid) in round.players.iter().zip(guids) {
        if !seen.insert((guid.clone(), player.name.clone())) {
            continue;
        }
        rows.push(player_aliases::ActiveModel {
            guid: Set(guid),
            alias: Set(player.name.clone()),
            first_seen: Set(at),
            last_seen: Set(at),
            times_seen: Set(1),
            ..Default::default()
        });
    }
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
    player_aliases::Entity::insert_many(rows)
        .on_conflict(on_conflict)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}
