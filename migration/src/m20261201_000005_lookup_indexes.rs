//! Two indexes for look-ups that otherwise read a whole history:
//! `idx_rounds_map_at` on `rounds (map_name, round_at)`, for the import's look-up of a map's
//! rounds within a time window (round-2 pairing, re-derivation), which with only the map index
//! read every round of the map, so importing slowed as history grew; and `idx_pcs_guid_date`
//! on `player_comprehensive_stats (player_guid, round_date)`, for a player's latest rounds
//! (`!stats`), which otherwise sorted every row the player ever had.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
/// Creates `idx_rounds_map_at` and `idx_pcs_guid_date`.
pub struct Migration;

#[derive(DeriveIden)]
enum Rounds {
    Table,
    MapName,
    RoundAt,
}

#[derive(DeriveIden)]
enum PlayerComprehensiveStats {
    Table,
    PlayerGuid,
    RoundDate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_rounds_map_at")
                    .table(Rounds::Table)
                    .col(Rounds::MapName)
                    .col(Rounds::RoundAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_pcs_guid_date")
                    .table(PlayerComprehensiveStats::Table)
                    .col(PlayerComprehensiveStats::PlayerGuid)
                    .col(PlayerComprehensiveStats::RoundDate)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_pcs_guid_date")
                    .table(PlayerComprehensiveStats::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(Index::drop().name("idx_rounds_map_at").table(Rounds::Table).to_owned())
            .await
    }
}
