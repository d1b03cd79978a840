//! Lifetime totals (`player_totals`, `player_weapon_totals`, and per map `player_map_totals`)
//! kept in step with the stored
//! rows: every time the import stores a round-1 or round-2 row set it adds that round's sums,
//! and before it replaces or deletes one it subtracts them, in the same transaction. Sums
//! commute, so the totals do not depend on import order, and they always equal a `GROUP BY`
//! over the rows (a test checks exactly that). `first_seen`/`last_seen` only widen: a round is
//! only ever replaced by itself (the same file, so the same time and players), which cannot
//! narrow them.
use migration::m20261201_000004_command_tables::{PLAYER_SUMS, WEAPON_SUMS};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, Statement};

/// Adds (`sign` = 1) or subtracts (`sign` = -1) the rows of round `round_id` to the totals.
/// Match summaries (round 0) are not counted: they repeat rounds 1 and 2.
pub(super) async fn apply(
    txn: &DatabaseTransaction,
    round_id: i32,
    sign: i64,
) -> Result<(), DbErr> {
    change(txn, &[round_id], sign).await?;
    if sign < 0 {
        txn.execute_unprepared("DELETE FROM player_totals WHERE rounds <= 0").await?;
        txn.execute_unprepared("DELETE FROM player_map_totals WHERE rounds <= 0").await?;
        let zero: Vec<String> = WEAPON_SUMS.iter().map(|c| format!("{c} = 0")).collect();
        txn.execute_unprepared(&format!(
            "DELETE FROM player_weapon_totals WHERE {}",
            zero.join(" AND ")
        ))
        .await?;
    }
    Ok(())
}

/// Adds the rows of the rounds `round_ids` (round 1s and 2s stored in one batch, none of
/// them in the totals yet) to the totals, set-wise: [`apply`] with `sign` 1 for each.
pub(super) async fn add_rounds(txn: &DatabaseTransaction, round_ids: &[i32]) -> Result<(), DbErr> {
    if round_ids.is_empty() {
        return Ok(());
    }
    change(txn, round_ids, 1).await
}

/// Adds `sign` times the round-1 and round-2 rows of `round_ids` to the three totals tables,
/// one statement per table. `first_seen`/`last_seen` widen to the player's earliest and
/// latest of those rounds when adding.
async fn change(txn: &DatabaseTransaction, round_ids: &[i32], sign: i64) -> Result<(), DbErr> {
    // The SQL text depends only on `sign` and how many ids there are, and the ids are bound
    // ($n, which SQLite reads too): the driver prepares each statement once per connection.
    let backend = txn.get_database_backend();
    let ids: Vec<String> = (1..=round_ids.len()).map(|i| format!("${i}")).collect();
    let ids = ids.join(", ");
    let values: Vec<sea_orm::Value> = round_ids.iter().map(|id| (*id).into()).collect();
    let run =
        |sql: String| txn.execute_raw(Statement::from_sql_and_values(backend, sql, values.clone()));
    let columns: Vec<&str> = PLAYER_SUMS.iter().map(|(c, _)| *c).collect();
    let sums: Vec<String> =
        PLAYER_SUMS.iter().map(|(_, s)| format!("{sign} * SUM(p.{s})")).collect();
    let mut updates: Vec<String> = std::iter::once("rounds")
        .chain(columns.iter().copied())
        .chain(["time_dead_seconds", "efficiency_sum"])
        .map(|c| format!("{c} = player_totals.{c} + excluded.{c}"))
        .collect();
    if sign > 0 {
        updates.push(
            "first_seen = CASE WHEN excluded.first_seen < player_totals.first_seen \
             THEN excluded.first_seen ELSE player_totals.first_seen END"
                .to_owned(),
        );
        updates.push(
            "last_seen = CASE WHEN excluded.last_seen > player_totals.last_seen \
             THEN excluded.last_seen ELSE player_totals.last_seen END"
                .to_owned(),
        );
    }
    run(format!(
        "INSERT INTO player_totals (guid, rounds, {}, time_dead_seconds, efficiency_sum, first_seen, last_seen) \
         SELECT p.player_guid, {sign} * COUNT(*), {}, {sign} * SUM(p.time_dead_minutes * 60.0), \
                {sign} * SUM(p.efficiency), MIN(r.round_at), MAX(r.round_at) \
         FROM player_comprehensive_stats p JOIN rounds r ON r.id = p.round_id \
         WHERE p.round_id IN ({ids}) AND p.round_number IN (1, 2) \
         GROUP BY p.player_guid \
         ON CONFLICT (guid) DO UPDATE SET {}",
        columns.join(", "),
        sums.join(", "),
        updates.join(", ")
    ))
    .await?;
    let sums: Vec<String> = WEAPON_SUMS.iter().map(|c| format!("{sign} * SUM(w.{c})")).collect();
    let updates: Vec<String> = WEAPON_SUMS
        .iter()
        .map(|c| format!("{c} = player_weapon_totals.{c} + excluded.{c}"))
        .collect();
    run(format!(
        "INSERT INTO player_weapon_totals (guid, weapon, {}) \
         SELECT w.player_guid, w.weapon_name, {} FROM weapon_comprehensive_stats w \
         WHERE w.round_id IN ({ids}) AND w.round_number IN (1, 2) \
         GROUP BY w.player_guid, w.weapon_name \
         ON CONFLICT (guid, weapon) DO UPDATE SET {}",
        WEAPON_SUMS.join(", "),
        sums.join(", "),
        updates.join(", ")
    ))
    .await?;
    // Per map (`player_map_totals`): the same sums, and the grenade ones.
    let sums: Vec<String> =
        PLAYER_SUMS.iter().map(|(_, s)| format!("{sign} * SUM(p.{s})")).collect();
    let updates: Vec<String> = std::iter::once("rounds")
        .chain(columns.iter().copied())
        .map(|c| format!("{c} = player_map_totals.{c} + excluded.{c}"))
        .collect();
    run(format!(
        "INSERT INTO player_map_totals (guid, map_name, rounds, {}) \
         SELECT p.player_guid, p.map_name, {sign} * COUNT(*), {} \
         FROM player_comprehensive_stats p \
         WHERE p.round_id IN ({ids}) AND p.round_number IN (1, 2) \
         GROUP BY p.player_guid, p.map_name \
         ON CONFLICT (guid, map_name) DO UPDATE SET {}",
        columns.join(", "),
        sums.join(", "),
        updates.join(", ")
    ))
    .await?;
    run(format!(
        "INSERT INTO player_map_totals (guid, map_name, grenade_kills, grenade_hits, grenade_shots) \
         SELECT w.player_guid, w.map_name, {sign} * SUM(w.kills), {sign} * SUM(w.hits), \
                {sign} * SUM(w.shots) \
         FROM weapon_comprehensive_stats w \
         WHERE w.round_id IN ({ids}) AND w.round_number IN (1, 2) AND w.weapon_name = 'WS_GRENADE' \
         GROUP BY w.player_guid, w.map_name \
         ON CONFLICT (guid, map_name) DO UPDATE SET \
           grenade_kills = player_map_totals.grenade_kills + excluded.grenade_kills, \
           grenade_hits = player_map_totals.grenade_hits + excluded.grenade_hits, \
           grenade_shots = player_map_totals.grenade_shots + excluded.grenade_shots"
    ))
    .await?;
    Ok(())
}
