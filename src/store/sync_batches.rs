//! `!sync` batches: an admin's sync of a large backlog posts at most [`SHOWN_PER_SYNC`]
//! rounds, then one line with the count of the rounds stored without a post.
//!
//! The batch lives in the database from the command on: the servers to list, the files each
//! listing let through (the newest marked to be posted, [`posted_files`]: the channel shows
//! where the backlog ends), the rounds shown and held. The publisher asks [`batch_of`]
//! before each round and counts it ([`count_shown`] / [`count_held`] in the transaction recording
//! the post); [`finished`] names the batches whose every file is settled (stored, set aside
//! or given up) with no round of them waiting, and [`close`] ends one. A daemon killed
//! mid-sync lists the servers of its open batches again ([`open_servers`]): files recorded
//! keep their marks, files not fetched yet are fetched.
use chrono::{NaiveDate, NaiveDateTime};
use entity::{
    post_outbox, processed_files, set_aside_files, sync_batch_files, sync_batch_servers,
    sync_batches,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Expr, ExprTrait, Query},
};

use crate::stats::StatsFileName;

/// Rounds a sync posts before it holds the rest back.
pub const SHOWN_PER_SYNC: i32 = 10;

/// Which of `files` (sorted oldest first) a sync posts: the newest, as many as fit in
/// [`SHOWN_PER_SYNC`] posts counting a round 2 as two (its round and the match summary).
pub fn posted_files(files: &[StatsFileName]) -> Vec<bool> {
    let mut posted = vec![false; files.len()];
    let mut budget = SHOWN_PER_SYNC;
    for (i, file) in files.iter().enumerate().rev() {
        let cost = i32::from(file.round());
        if cost > budget {
            break;
        }
        budget -= cost;
        posted[i] = true;
    }
    posted
}

/// Opens a batch over `servers` (one `!sync`); returns its id.
pub async fn open(
    db: &DatabaseConnection,
    since: Option<NaiveDate>,
    servers: &[String],
    now: NaiveDateTime,
) -> Result<i32, DbErr> {
    let txn = db.begin().await?;
    let batch = sync_batches::ActiveModel {
        requested_at: Set(now),
        since: Set(since),
        shown: Set(0),
        held: Set(0),
        closed_at: Set(None),
        ..Default::default()
    };
    let id = sync_batches::Entity::insert(batch).exec(&txn).await?.last_insert_id;
    for server in servers {
        let row = sync_batch_servers::ActiveModel {
            batch_id: Set(id),
            server: Set(server.clone()),
            listed: Set(false),
            ..Default::default()
        };
        sync_batch_servers::Entity::insert(row).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    Ok(id)
}

/// A server of an open batch (to list again after a restart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenServer {
    /// The batch.
    pub batch: i32,
    /// The game server.
    pub server: String,
    /// The batch's first day.
    pub since: Option<NaiveDate>,
}

/// Every server of every open batch, oldest batch first.
pub async fn open_servers<C: ConnectionTrait>(db: &C) -> Result<Vec<OpenServer>, DbErr> {
    let open: Vec<sync_batches::Model> = sync_batches::Entity::find()
        .filter(sync_batches::Column::ClosedAt.is_null())
        .order_by_asc(sync_batches::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for batch in open {
        let servers = sync_batch_servers::Entity::find()
            .filter(sync_batch_servers::Column::BatchId.eq(batch.id))
            .order_by_asc(sync_batch_servers::Column::Id)
            .all(db)
            .await?;
        out.extend(servers.into_iter().map(|s| OpenServer {
            batch: batch.id,
            server: s.server,
            since: batch.since,
        }));
    }
    Ok(out)
}

/// `server`'s listing for `batch` let `files` through (with whether each is to be posted):
/// records them and marks it listed, in one transaction. A listing done again (after a
/// restart) adds the files it has not seen and leaves the recorded ones as they are: the
/// rounds of files stored since still belong to the batch.
pub async fn listed(
    db: &DatabaseConnection,
    batch: i32,
    server: &str,
    files: &[(String, bool)],
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    for chunk in files.chunks(500) {
        let rows = chunk.iter().map(|(file, post)| sync_batch_files::ActiveModel {
            batch_id: Set(batch),
            server: Set(server.to_owned()),
            file: Set(file.clone()),
            post: Set(*post),
            gave_up: Set(false),
            ..Default::default()
        });
        sync_batch_files::Entity::insert_many(rows)
            .on_conflict_do_nothing()
            .exec_without_returning(&txn)
            .await?;
    }
    sync_batch_servers::Entity::update_many()
        .col_expr(sync_batch_servers::Column::Listed, Expr::value(true))
        .filter(sync_batch_servers::Column::BatchId.eq(batch))
        .filter(sync_batch_servers::Column::Server.eq(server))
        .exec(&txn)
        .await?;
    txn.commit().await
}

/// `server` gave up fetching `file`: it settles every open batch waiting for it.
pub async fn gave_up<C: ConnectionTrait>(db: &C, server: &str, file: &str) -> Result<(), DbErr> {
    sync_batch_files::Entity::update_many()
        .col_expr(sync_batch_files::Column::GaveUp, Expr::value(true))
        .filter(sync_batch_files::Column::Server.eq(server))
        .filter(sync_batch_files::Column::File.eq(file))
        .filter(sync_batch_files::Column::BatchId.in_subquery(open_ids()))
        .exec(db)
        .await?;
    Ok(())
}

fn open_ids() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(sync_batches::Column::Id)
        .from(sync_batches::Entity)
        .and_where(sync_batches::Column::ClosedAt.is_null())
        .to_owned()
}

/// The open batch `file` belongs to, if any (the newest, when two syncs overlap), and
/// whether the file is one the batch posts.
pub async fn batch_of<C: ConnectionTrait>(
    db: &C,
    file: &str,
) -> Result<Option<(sync_batches::Model, bool)>, DbErr> {
    let Some(row) = sync_batch_files::Entity::find()
        .filter(sync_batch_files::Column::File.eq(file))
        .filter(sync_batch_files::Column::BatchId.in_subquery(open_ids()))
        .order_by_desc(sync_batch_files::Column::BatchId)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(sync_batches::Entity::find_by_id(row.batch_id).one(db).await?.map(|b| (b, row.post)))
}

/// One more round of `batch` was posted.
pub async fn count_shown<C: ConnectionTrait>(db: &C, batch: i32) -> Result<(), DbErr> {
    bump(db, batch, sync_batches::Column::Shown).await
}

/// One more round of `batch` was stored without a post.
pub async fn count_held<C: ConnectionTrait>(db: &C, batch: i32) -> Result<(), DbErr> {
    bump(db, batch, sync_batches::Column::Held).await
}

async fn bump<C: ConnectionTrait>(
    db: &C,
    batch: i32,
    column: sync_batches::Column,
) -> Result<(), DbErr> {
    sync_batches::Entity::update_many()
        .col_expr(column, Expr::col(column).add(1))
        .filter(sync_batches::Column::Id.eq(batch))
        .exec(db)
        .await?;
    Ok(())
}

/// The open batches that are done: every server listed, every file stored, set aside or
/// given up, and none of their rounds waiting to be posted. Oldest first.
pub async fn finished<C: ConnectionTrait>(db: &C) -> Result<Vec<sync_batches::Model>, DbErr> {
    let open: Vec<sync_batches::Model> = sync_batches::Entity::find()
        .filter(sync_batches::Column::ClosedAt.is_null())
        .order_by_asc(sync_batches::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for batch in open {
        let unlisted = sync_batch_servers::Entity::find()
            .filter(sync_batch_servers::Column::BatchId.eq(batch.id))
            .filter(sync_batch_servers::Column::Listed.eq(false))
            .count(db)
            .await?;
        if unlisted > 0 {
            continue;
        }
        let stored = Query::select()
            .column(processed_files::Column::Filename)
            .from(processed_files::Entity)
            .and_where(processed_files::Column::Success.eq(true))
            .to_owned();
        let aside = Query::select()
            .column(set_aside_files::Column::Filename)
            .from(set_aside_files::Entity)
            .to_owned();
        let unsettled = sync_batch_files::Entity::find()
            .filter(sync_batch_files::Column::BatchId.eq(batch.id))
            .filter(sync_batch_files::Column::GaveUp.eq(false))
            .filter(sync_batch_files::Column::File.not_in_subquery(stored))
            .filter(sync_batch_files::Column::File.not_in_subquery(aside))
            .count(db)
            .await?;
        if unsettled > 0 {
            continue;
        }
        let files = Query::select()
            .column(sync_batch_files::Column::File)
            .from(sync_batch_files::Entity)
            .and_where(sync_batch_files::Column::BatchId.eq(batch.id))
            .to_owned();
        let waiting = post_outbox::Entity::find()
            .filter(post_outbox::Column::File.in_subquery(files))
            .limit(1)
            .count(db)
            .await?;
        if waiting == 0 {
            out.push(batch);
        }
    }
    Ok(out)
}

/// Whether any batch is open.
pub async fn any_open<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    Ok(sync_batches::Entity::find()
        .filter(sync_batches::Column::ClosedAt.is_null())
        .count(db)
        .await?
        > 0)
}

/// Ends `batch` (after its closing line, if it has one, is posted).
pub async fn close<C: ConnectionTrait>(
    db: &C,
    batch: i32,
    now: NaiveDateTime,
) -> Result<(), DbErr> {
    sync_batches::Entity::update_many()
        .col_expr(sync_batches::Column::ClosedAt, Expr::value(now))
        .filter(sync_batches::Column::Id.eq(batch))
        .filter(sync_batches::Column::ClosedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<StatsFileName> {
        list.iter().map(|n| StatsFileName::parse(n).unwrap()).collect()
    }

    #[test]
    fn the_newest_files_are_posted_a_round_2_counting_twice() {
        let mut list = Vec::new();
        for hour in 10..20 {
            list.push(format!("2025-11-01-{hour}0000-supply-round-1.txt"));
            list.push(format!("2025-11-01-{hour}3000-supply-round-2.txt"));
        }
        let files = names(&list.iter().map(String::as_str).collect::<Vec<_>>());
        let posted = posted_files(&files);
        // From the newest: R2 (2), R1 (1), R2, R1, R2, R1 = 9, then an R2 would make 11.
        let expected: Vec<bool> = (0..20).map(|i| i >= 14).collect();
        assert_eq!(posted, expected);
        let cost: i32 =
            files.iter().zip(&posted).filter(|(_, p)| **p).map(|(f, _)| i32::from(f.round())).sum();
        assert!(cost <= SHOWN_PER_SYNC, "{cost}");
    }

    #[test]
    fn a_small_sync_posts_everything() {
        let files = names(&[
            "2025-11-01-100000-supply-round-1.txt",
            "2025-11-01-103000-supply-round-2.txt",
        ]);
        assert_eq!(posted_files(&files), [true, true]);
        assert!(posted_files(&[]).is_empty());
    }
}
