//! Durable hand-offs between the daemon's stages: `post_outbox` (rounds stored by the daemon
//! and not yet posted, with how far posting got) and `set_aside_files` (files whose import
//! failed for their own data, kept out of the pipeline until explicitly retried or changed).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
/// Creates `post_outbox` and `set_aside_files`.
pub struct Migration;

#[derive(DeriveIden)]
enum PostOutbox {
    Table,
    Id,
    RoundId,
    File,
    QueuedAt,
    AttemptedAt,
    PartsSent,
}

#[derive(DeriveIden)]
enum SetAsideFiles {
    Table,
    Id,
    Filename,
    Server,
    Reason,
    Size,
    SetAsideAt,
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
                    .table(PostOutbox::Table)
                    .if_not_exists()
                    .col(pk_auto(PostOutbox::Id))
                    .col(integer_uniq(PostOutbox::RoundId))
                    .col(text(PostOutbox::File))
                    .col(date_time(PostOutbox::QueuedAt))
                    .col(date_time_null(PostOutbox::AttemptedAt))
                    .col(integer(PostOutbox::PartsSent).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_post_outbox_round")
                            .from(PostOutbox::Table, PostOutbox::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SetAsideFiles::Table)
                    .if_not_exists()
                    .col(pk_auto(SetAsideFiles::Id))
                    .col(text_uniq(SetAsideFiles::Filename))
                    .col(text(SetAsideFiles::Server))
                    .col(text(SetAsideFiles::Reason))
                    .col(big_integer(SetAsideFiles::Size))
                    .col(date_time(SetAsideFiles::SetAsideAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SetAsideFiles::Table).if_exists().to_owned())
            .await?;
        manager.drop_table(Table::drop().table(PostOutbox::Table).if_exists().to_owned()).await
    }
}
