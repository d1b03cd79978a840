//! `player_map_totals`: each player's sums on each map (the `player_totals` columns, plus the
//! grenade kills, hits and shots), kept in step with the stored rows by the import like the
//! lifetime totals, so a leaderboard of one map (the web's `?map=`) reads one row per player
//! instead of summing every round of the map. Filled from the rows already stored.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261201_000004_command_tables::PLAYER_SUMS;

#[derive(DeriveMigrationName)]
/// Creates and fills `player_map_totals`.
pub struct Migration;

#[derive(DeriveIden)]
enum PlayerMapTotals {
    Table,
    Guid,
    MapName,
    Rounds,
    GrenadeKills,
    GrenadeHits,
    GrenadeShots,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(PlayerMapTotals::Table)
            .if_not_exists()
            .col(text(PlayerMapTotals::Guid))
            .col(text(PlayerMapTotals::MapName))
            .col(big_integer(PlayerMapTotals::Rounds).default(0));
        for (column, _) in PLAYER_SUMS {
            table.col(big_integer(Alias::new(*column)).default(0));
        }
        table
            .col(big_integer(PlayerMapTotals::GrenadeKills).default(0))
            .col(big_integer(PlayerMapTotals::GrenadeHits).default(0))
            .col(big_integer(PlayerMapTotals::GrenadeShots).default(0))
            .primary_key(Index::create().col(PlayerMapTotals::Guid).col(PlayerMapTotals::MapName));
        manager.create_table(table.to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_player_map_totals_map")
                    .table(PlayerMapTotals::Table)
                    .col(PlayerMapTotals::MapName)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        let columns: Vec<&str> = PLAYER_SUMS.iter().map(|(c, _)| *c).collect();
        let sums: Vec<String> = PLAYER_SUMS.iter().map(|(_, s)| format!("SUM({s})")).collect();
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "INSERT INTO player_map_totals (guid, map_name, rounds, {}) \
             SELECT player_guid, map_name, COUNT(*), {} FROM player_comprehensive_stats \
             WHERE round_number IN (1, 2) GROUP BY player_guid, map_name",
            columns.join(", "),
            sums.join(", ")
        ))
        .await?;
        db.execute_unprepared(
            "UPDATE player_map_totals SET \
             grenade_kills = COALESCE((SELECT SUM(w.kills) FROM weapon_comprehensive_stats w \
               WHERE w.player_guid = player_map_totals.guid AND w.map_name = player_map_totals.map_name \
               AND w.round_number IN (1, 2) AND w.weapon_name = 'WS_GRENADE'), 0), \
             grenade_hits = COALESCE((SELECT SUM(w.hits) FROM weapon_comprehensive_stats w \
               WHERE w.player_guid = player_map_totals.guid AND w.map_name = player_map_totals.map_name \
               AND w.round_number IN (1, 2) AND w.weapon_name = 'WS_GRENADE'), 0), \
             grenade_shots = COALESCE((SELECT SUM(w.shots) FROM weapon_comprehensive_stats w \
               WHERE w.player_guid = player_map_totals.guid AND w.map_name = player_map_totals.map_name \
               AND w.round_number IN (1, 2) AND w.weapon_name = 'WS_GRENADE'), 0)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PlayerMapTotals::Table).if_exists().to_owned()).await
    }
}
