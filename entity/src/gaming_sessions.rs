//! `gaming_sessions`: One gaming session: consecutive rounds with no gap over the session gap. The id is the first round's file time as YYYYMMDDHHMMSS, so it follows from the data, not from import order.
use sea_orm::entity::prelude::*;

/// A row of `gaming_sessions`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "gaming_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    #[allow(missing_docs)]
    pub id: i64,
    #[allow(missing_docs)]
    pub started_at: DateTime,
    #[allow(missing_docs)]
    pub ended_at: DateTime,
    #[allow(missing_docs)]
    pub round_count: i32,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
