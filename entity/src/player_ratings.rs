//! `player_ratings`: each player's current rating (`src/ratings.rs`), derived from the rounds.
use sea_orm::entity::prelude::*;

/// A row of `player_ratings`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "player_ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub guid: String,
    /// μ.
    pub rating: f64,
    /// σ.
    pub uncertainty: f64,
    /// Maps rated.
    pub maps: i32,
    /// When the last of them ended.
    pub last_at: DateTime,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
