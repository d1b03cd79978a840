//! `idx_rounds_map_at` on `rounds (map_name, round_at)`: the import looks up a map's rounds
//! within a time window for every file (round-2 pairing, re-derivation); with only the map
//! index that look-up read every round of the map, so importing slowed as history grew.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
/// Creates `idx_rounds_map_at`.
pub struct Migration;

#[derive(DeriveIden)]
enum Rounds {
    Table,
    MapName,
    RoundAt,
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
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_rounds_map_at").table(Rounds::Table).to_owned())
            .await
    }
}
