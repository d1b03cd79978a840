//! `sync_batches`, `sync_batch_servers` and `sync_batch_files`: what an admin's `!sync` asked
//! for, so a large backlog posts at most a few rounds and then one line with the count of
//! the rest. A batch names the servers to list and, once each is listed, the files it let
//! through, the newest marked to be posted; the publisher counts the rounds it showed and
//! held back, and closes the batch when every file is settled. A daemon killed mid-sync lists the unlisted servers again.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
/// Creates the three sync tables.
pub struct Migration;

#[derive(DeriveIden)]
enum SyncBatches {
    Table,
    Id,
    RequestedAt,
    Since,
    Shown,
    Held,
    ClosedAt,
}

#[derive(DeriveIden)]
enum SyncBatchServers {
    Table,
    Id,
    BatchId,
    Server,
    Listed,
}

#[derive(DeriveIden)]
enum SyncBatchFiles {
    Table,
    Id,
    BatchId,
    Server,
    File,
    Post,
    GaveUp,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SyncBatches::Table)
                    .if_not_exists()
                    .col(pk_auto(SyncBatches::Id))
                    .col(date_time(SyncBatches::RequestedAt))
                    .col(date_null(SyncBatches::Since))
                    .col(integer(SyncBatches::Shown).default(0))
                    .col(integer(SyncBatches::Held).default(0))
                    .col(date_time_null(SyncBatches::ClosedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SyncBatchServers::Table)
                    .if_not_exists()
                    .col(pk_auto(SyncBatchServers::Id))
                    .col(integer(SyncBatchServers::BatchId))
                    .col(text(SyncBatchServers::Server))
                    .col(boolean(SyncBatchServers::Listed).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sync_batch_servers_once")
                    .table(SyncBatchServers::Table)
                    .col(SyncBatchServers::BatchId)
                    .col(SyncBatchServers::Server)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SyncBatchFiles::Table)
                    .if_not_exists()
                    .col(pk_auto(SyncBatchFiles::Id))
                    .col(integer(SyncBatchFiles::BatchId))
                    .col(text(SyncBatchFiles::Server))
                    .col(text(SyncBatchFiles::File))
                    .col(boolean(SyncBatchFiles::Post).default(false))
                    .col(boolean(SyncBatchFiles::GaveUp).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sync_batch_files_once")
                    .table(SyncBatchFiles::Table)
                    .col(SyncBatchFiles::BatchId)
                    .col(SyncBatchFiles::File)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sync_batch_files_file")
                    .table(SyncBatchFiles::Table)
                    .col(SyncBatchFiles::File)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SyncBatchFiles::Table.into_iden(),
            SyncBatchServers::Table.into_iden(),
            SyncBatches::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
