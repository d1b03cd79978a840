//! Indexes for `!records` (and the web's map pages): the best kills and damage of one player
//! in one round on a map, and the fastest objective time on a map, each found by an index
//! seek instead of a scan of every row of the map.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
/// Creates the three record indexes.
pub struct Migration;

#[derive(DeriveIden)]
enum PlayerComprehensiveStats {
    Table,
    MapName,
    RoundNumber,
    Kills,
    DamageGiven,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    MapName,
    RoundNumber,
    RoundOutcome,
    ActualTimeSeconds,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in [
            ("idx_pcs_map_round_kills", PlayerComprehensiveStats::Kills),
            ("idx_pcs_map_round_damage", PlayerComprehensiveStats::DamageGiven),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(PlayerComprehensiveStats::Table)
                        .col(PlayerComprehensiveStats::MapName)
                        .col(PlayerComprehensiveStats::RoundNumber)
                        .col(column)
                        .if_not_exists()
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_rounds_map_round_outcome_time")
                    .table(Rounds::Table)
                    .col(Rounds::MapName)
                    .col(Rounds::RoundNumber)
                    .col(Rounds::RoundOutcome)
                    .col(Rounds::ActualTimeSeconds)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_pcs_map_round_kills", "idx_pcs_map_round_damage"] {
            manager
                .drop_index(
                    Index::drop().name(name).table(PlayerComprehensiveStats::Table).to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_rounds_map_round_outcome_time")
                    .table(Rounds::Table)
                    .to_owned(),
            )
            .await
    }
}
