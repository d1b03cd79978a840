//! `rating_history`: one row per player and rated map, the rating before and after.
use sea_orm::entity::prelude::*;

/// A row of `rating_history`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rating_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "Text")]
    pub guid: String,
    /// The map's round 2 (`rounds.id`: its map and gaming session are the round's).
    pub round_id: i32,
    /// When the map's round 2 ended.
    pub at: DateTime,
    pub rating_before: f64,
    pub rating: f64,
    pub uncertainty: f64,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
