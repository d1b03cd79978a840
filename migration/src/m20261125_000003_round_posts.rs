//! `round_posts`: which stored rounds were posted, so each is posted exactly once.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
/// Creates `round_posts`.
pub struct Migration;

#[derive(DeriveIden)]
enum RoundPosts {
    Table,
    Id,
    RoundId,
    Sink,
    PostedAt,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoundPosts::Table)
                    .if_not_exists()
                    .col(pk_auto(RoundPosts::Id))
                    .col(integer_uniq(RoundPosts::RoundId))
                    .col(text(RoundPosts::Sink))
                    .col(date_time(RoundPosts::PostedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_round_posts_round")
                            .from(RoundPosts::Table, RoundPosts::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RoundPosts::Table).if_exists().to_owned()).await
    }
}
