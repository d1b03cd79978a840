//! Gaming sessions inside the import's transaction: rounds no more than the session gap apart
//! form one session, whose id is its first round's file time (`YYYYMMDDHHMMSS`), so ids
//! follow from the data whatever the import order.
use chrono::NaiveDateTime;
use entity::{gaming_sessions, rounds};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use super::{Store, StoreError};

impl Store {
    /// Re-assigns the gaming session of every round connected to time `t` (consecutive
    /// rounds at most the session gap apart). A session's id is its first round's file time
    /// as `YYYYMMDDHHMMSS`, so ids follow from the data whatever the import order.
    pub(super) async fn recompute_sessions(
        &self,
        txn: &DatabaseTransaction,
        t: NaiveDateTime,
    ) -> Result<(NaiveDateTime, NaiveDateTime), StoreError> {
        let start = self.component_edge(txn, t, false).await?;
        let end = self.component_edge(txn, t, true).await?;
        let key = session_key(start);
        let round_count = rounds::Entity::find()
            .filter(rounds::Column::RoundNumber.is_in([1, 2]))
            .filter(rounds::Column::RoundAt.between(start, end))
            .count(txn)
            .await?;
        let old_ids: Vec<Option<i64>> = rounds::Entity::find()
            .select_only()
            .column(rounds::Column::GamingSessionId)
            .distinct()
            .filter(rounds::Column::RoundAt.between(start, end))
            .into_tuple()
            .all(txn)
            .await?;
        let session = gaming_sessions::ActiveModel {
            id: Set(key),
            started_at: Set(start),
            ended_at: Set(end),
            round_count: Set(i32::try_from(round_count).unwrap_or(i32::MAX)),
        };
        match gaming_sessions::Entity::find_by_id(key).one(txn).await? {
            Some(_) => {
                session.update(txn).await?;
            }
            None => {
                gaming_sessions::Entity::insert(session).exec_without_returning(txn).await?;
            }
        }
        rounds::Entity::update_many()
            .col_expr(rounds::Column::GamingSessionId, Expr::value(key))
            .filter(rounds::Column::RoundAt.between(start, end))
            .exec(txn)
            .await?;
        let stale: Vec<i64> = old_ids.into_iter().flatten().filter(|id| *id != key).collect();
        if !stale.is_empty() {
            gaming_sessions::Entity::delete_many()
                .filter(gaming_sessions::Column::Id.is_in(stale))
                .exec(txn)
                .await?;
        }
        Ok((start, end))
    }

    /// The first (or, `forward`, last) round time of the chain of rounds around `t` with no
    /// gap larger than the session gap.
    pub(super) async fn component_edge(
        &self,
        txn: &DatabaseTransaction,
        t: NaiveDateTime,
        forward: bool,
    ) -> Result<NaiveDateTime, StoreError> {
        let mut edge = t;
        loop {
            let mut query = rounds::Entity::find()
                .select_only()
                .column(rounds::Column::RoundAt)
                .filter(rounds::Column::RoundNumber.is_in([1, 2]))
                .limit(256);
            query = if forward {
                query.filter(rounds::Column::RoundAt.gt(edge)).order_by_asc(rounds::Column::RoundAt)
            } else {
                query
                    .filter(rounds::Column::RoundAt.lt(edge))
                    .order_by_desc(rounds::Column::RoundAt)
            };
            let times: Vec<NaiveDateTime> = query.into_tuple().all(txn).await?;
            let batch = times.len();
            for next in times {
                let gap = if forward { next - edge } else { edge - next };
                if gap > self.session_gap {
                    return Ok(edge);
                }
                edge = next;
            }
            if batch < 256 {
                return Ok(edge);
            }
        }
    }
}

/// `YYYYMMDDHHMMSS` of a time, as a number.
pub fn session_key(t: NaiveDateTime) -> i64 {
    t.format("%Y%m%d%H%M%S").to_string().parse().unwrap_or_default()
}
