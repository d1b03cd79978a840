//! `rounds`: One round (1 or 2) or a map's match summary (round 0).
use sea_orm::entity::prelude::*;

/// A row of `rounds`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    #[allow(missing_docs)]
    pub id: i32,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub server: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub match_id: String,
    #[allow(missing_docs)]
    pub round_number: i32,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub round_date: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub round_time: String,
    #[allow(missing_docs)]
    pub round_at: DateTime,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub map_name: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub config: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub server_name: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub time_limit: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub actual_time: String,
    #[allow(missing_docs)]
    pub time_limit_seconds: i32,
    #[allow(missing_docs)]
    pub actual_time_seconds: i32,
    #[allow(missing_docs)]
    pub defender_team: i32,
    #[allow(missing_docs)]
    pub winner_team: i32,
    #[allow(missing_docs)]
    pub is_tied: bool,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub round_outcome: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub round_status: String,
    #[allow(missing_docs)]
    pub gaming_session_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub filename: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub round1_filename: Option<String>,
    #[allow(missing_docs)]
    pub player_count: i32,
    #[allow(missing_docs)]
    pub created_at: DateTime,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
