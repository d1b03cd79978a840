//! `processed_files`: one row per stats file name the daemon has attempted (slomix-facts §3.4).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
/// Creates `processed_files`.
pub struct Migration;

#[derive(DeriveIden)]
enum ProcessedFiles {
    Table,
    Id,
    Filename,
    FileHash,
    Success,
    ErrorMessage,
    ProcessedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProcessedFiles::Table)
                    .if_not_exists()
                    .col(pk_auto(ProcessedFiles::Id))
                    .col(text_uniq(ProcessedFiles::Filename))
                    .col(text_null(ProcessedFiles::FileHash))
                    .col(boolean(ProcessedFiles::Success).default(true))
                    .col(text_null(ProcessedFiles::ErrorMessage))
                    .col(date_time(ProcessedFiles::ProcessedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ProcessedFiles::Table).if_exists().to_owned()).await
    }
}
