//! Ratings (`src/ratings.rs`): `player_ratings` (each player's current rating, uncertainty and
//! maps rated), `rating_history` (one row per player and rated map: the rating before, the
//! rating and uncertainty after, the map's round 2 and when it ended) and `rating_state` (one row: the last map
//! rated, and the earliest time an import has changed since, so the next catch-up knows
//! whether to go on from there or rebuild). Both rating tables are derived from the rounds;
//! the state starts "changed since the beginning", so the first catch-up rates every stored map.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
/// Creates the rating tables.
pub struct Migration;

#[derive(DeriveIden)]
enum PlayerRatings {
    Table,
    Guid,
    Rating,
    Uncertainty,
    Maps,
    LastAt,
}

#[derive(DeriveIden)]
enum RatingHistory {
    Table,
    Id,
    Guid,
    RoundId,
    At,
    RatingBefore,
    Rating,
    Uncertainty,
}

#[derive(DeriveIden)]
enum RatingState {
    Table,
    Id,
    RatedAt,
    RatedFile,
    ChangedFrom,
}

#[derive(DeriveIden)]
enum Rounds {
    Table,
    Server,
    MatchId,
    RoundNumber,
    RoundAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlayerRatings::Table)
                    .if_not_exists()
                    .col(text(PlayerRatings::Guid).primary_key())
                    .col(double(PlayerRatings::Rating))
                    .col(double(PlayerRatings::Uncertainty))
                    .col(integer(PlayerRatings::Maps))
                    .col(date_time(PlayerRatings::LastAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RatingHistory::Table)
                    .if_not_exists()
                    .col(pk_auto(RatingHistory::Id))
                    .col(text(RatingHistory::Guid))
                    .col(integer(RatingHistory::RoundId))
                    .col(date_time(RatingHistory::At))
                    .col(double(RatingHistory::RatingBefore))
                    .col(double(RatingHistory::Rating))
                    .col(double(RatingHistory::Uncertainty))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rating_history_player")
                    .table(RatingHistory::Table)
                    .col(RatingHistory::Guid)
                    .col(RatingHistory::At)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // One row per map and player: two catch-ups at once cannot both write one.
        manager
            .create_index(
                Index::create()
                    .name("rating_history_once")
                    .table(RatingHistory::Table)
                    .col(RatingHistory::RoundId)
                    .col(RatingHistory::Guid)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rounds_number_at")
                    .table(Rounds::Table)
                    .col(Rounds::RoundNumber)
                    .col(Rounds::RoundAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        // The rating's loader pairs each round 2 with its round 1 by match.
        manager
            .create_index(
                Index::create()
                    .name("idx_rounds_match")
                    .table(Rounds::Table)
                    .col(Rounds::Server)
                    .col(Rounds::MatchId)
                    .col(Rounds::RoundNumber)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RatingState::Table)
                    .if_not_exists()
                    .col(integer(RatingState::Id).primary_key())
                    .col(date_time_null(RatingState::RatedAt))
                    .col(text_null(RatingState::RatedFile))
                    .col(date_time_null(RatingState::ChangedFrom))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO rating_state (id, rated_at, rated_file, changed_from) \
                 VALUES (1, NULL, NULL, '1970-01-01 00:00:00')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["rating_state", "rating_history", "player_ratings"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).if_exists().to_owned())
                .await?;
        }
        manager
            .drop_index(Index::drop().name("idx_rounds_match").table(Rounds::Table).to_owned())
            .await?;
        manager
            .drop_index(Index::drop().name("idx_rounds_number_at").table(Rounds::Table).to_owned())
            .await
    }
}
