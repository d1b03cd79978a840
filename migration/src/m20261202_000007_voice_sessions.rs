//! `voice_sessions`: the gaming sessions seen in the voice channels, written by
//! VoiceSessionTracker as they start, change and end, and read back at start-up (a session on
//! when the daemon stopped, with its end deadline if the 5-minute timer was running). The row
//! also carries the session's Discord notices, which RoundPublisher posts from here.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
/// Creates `voice_sessions`.
pub struct Migration;

#[derive(DeriveIden)]
enum VoiceSessions {
    Table,
    Id,
    StartedAt,
    MembersAtStart,
    Participants,
    EndAt,
    EndedAt,
    StartNotice,
    StartAttemptedAt,
    StartPosted,
    EndAttemptedAt,
    EndPosted,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(VoiceSessions::Table)
                    .if_not_exists()
                    .col(pk_auto(VoiceSessions::Id))
                    .col(date_time(VoiceSessions::StartedAt))
                    .col(integer(VoiceSessions::MembersAtStart))
                    .col(text(VoiceSessions::Participants))
                    .col(date_time_null(VoiceSessions::EndAt))
                    .col(date_time_null(VoiceSessions::EndedAt))
                    .col(boolean(VoiceSessions::StartNotice))
                    .col(date_time_null(VoiceSessions::StartAttemptedAt))
                    .col(boolean(VoiceSessions::StartPosted).default(false))
                    .col(date_time_null(VoiceSessions::EndAttemptedAt))
                    .col(boolean(VoiceSessions::EndPosted).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(VoiceSessions::Table).if_exists().to_owned()).await
    }
}
