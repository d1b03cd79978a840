//! `player_weapon_totals`: one player's lifetime sums with one weapon (rounds 1 and 2).
use sea_orm::entity::prelude::*;

/// A row of `player_weapon_totals`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "player_weapon_totals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub guid: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub weapon: String,
    pub kills: i64,
    pub deaths: i64,
    pub headshots: i64,
    pub hits: i64,
    pub shots: i64,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
