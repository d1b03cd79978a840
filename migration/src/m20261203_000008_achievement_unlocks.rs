//! `achievement_unlocks`: every badge tier a player has reached since this table exists, at
//! most once per (player, ladder, tier). The import writes a row in the transaction of the
//! round that lifted the player's lifetime totals over the tier, naming that round; the
//! publisher announces a round's unlocks with its posts, so each tier is announced once.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
/// Creates `achievement_unlocks`.
pub struct Migration;

#[derive(DeriveIden)]
enum AchievementUnlocks {
    Table,
    Id,
    Guid,
    Name,
    Ladder,
    Tier,
    RoundId,
    ReachedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AchievementUnlocks::Table)
                    .if_not_exists()
                    .col(pk_auto(AchievementUnlocks::Id))
                    .col(text(AchievementUnlocks::Guid))
                    .col(text(AchievementUnlocks::Name))
                    .col(text(AchievementUnlocks::Ladder))
                    .col(integer(AchievementUnlocks::Tier))
                    .col(integer(AchievementUnlocks::RoundId))
                    .col(date_time(AchievementUnlocks::ReachedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("achievement_unlocks_once")
                    .table(AchievementUnlocks::Table)
                    .col(AchievementUnlocks::Guid)
                    .col(AchievementUnlocks::Ladder)
                    .col(AchievementUnlocks::Tier)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("achievement_unlocks_round")
                    .table(AchievementUnlocks::Table)
                    .col(AchievementUnlocks::RoundId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AchievementUnlocks::Table).if_exists().to_owned())
            .await
    }
}
