//! An index on `rounds (round_number, map_name)`: how often each map was played (`!records`,
//! the web's `/maps`) is counted from the index alone, without reading every round.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
/// Creates `idx_rounds_number_map`.
pub struct Migration;

#[derive(DeriveIden)]
enum Rounds {
    Table,
    RoundNumber,
    MapName,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_rounds_number_map")
                    .table(Rounds::Table)
                    .col(Rounds::RoundNumber)
                    .col(Rounds::MapName)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_rounds_number_map").table(Rounds::Table).to_owned())
            .await
    }
}
