//! The import's hand-offs to the rest of the daemon, in its transaction: rounds queued for
//! posting (`post_outbox`), files set aside and cleared (`set_aside_files`), and whether a
//! file's posts are all done (its triggers may go).
use chrono::NaiveDateTime;
use entity::{post_outbox, processed_files, round_posts, set_aside_files};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter,
};

use super::StoreError;

/// Queues `round_id` for posting unless it is posted or queued already.
/// Whether `file` is done with as far as its triggers go: stored (or a known duplicate) and
/// none of the posts its import queued still waiting. A file set aside or not stored yet is not.
pub async fn posting_done(db: &DatabaseConnection, file: &str) -> Result<bool, sea_orm::DbErr> {
    let stored = processed_files::Entity::find()
        .filter(processed_files::Column::Filename.eq(file))
        .filter(processed_files::Column::Success.eq(true))
        .count(db)
        .await?
        > 0;
    if !stored {
        return Ok(false);
    }
    let waiting =
        post_outbox::Entity::find().filter(post_outbox::Column::File.eq(file)).count(db).await?;
    Ok(waiting == 0)
}

pub(super) async fn queue_post(
    txn: &DatabaseTransaction,
    round_id: i32,
    file: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let posted = round_posts::Entity::find()
        .filter(round_posts::Column::RoundId.eq(round_id))
        .count(txn)
        .await?
        > 0;
    let queued = post_outbox::Entity::find()
        .filter(post_outbox::Column::RoundId.eq(round_id))
        .count(txn)
        .await?
        > 0;
    if !posted && !queued {
        let row = post_outbox::ActiveModel {
            round_id: Set(round_id),
            file: Set(file.to_owned()),
            queued_at: Set(now),
            attempted_at: Set(None),
            parts_sent: Set(0),
            ..Default::default()
        };
        post_outbox::Entity::insert(row).exec_without_returning(txn).await?;
    }
    Ok(())
}

pub(super) async fn upsert_set_aside(
    txn: &DatabaseTransaction,
    server: &str,
    name: &str,
    reason: &str,
    size: usize,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    clear_set_aside(txn, name).await?;
    let row = set_aside_files::ActiveModel {
        filename: Set(name.to_owned()),
        server: Set(server.to_owned()),
        reason: Set(reason.chars().take(1000).collect()),
        size: Set(i64::try_from(size).unwrap_or(i64::MAX)),
        set_aside_at: Set(now),
        ..Default::default()
    };
    set_aside_files::Entity::insert(row).exec_without_returning(txn).await?;
    Ok(())
}

pub(super) async fn clear_set_aside(
    txn: &DatabaseTransaction,
    name: &str,
) -> Result<(), StoreError> {
    set_aside_files::Entity::delete_many()
        .filter(set_aside_files::Column::Filename.eq(name))
        .exec(txn)
        .await?;
    Ok(())
}
