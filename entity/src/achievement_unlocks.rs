//! `achievement_unlocks`: badge tiers reached, once per (player, ladder, tier).
use sea_orm::entity::prelude::*;

/// A row of `achievement_unlocks`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "achievement_unlocks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(column_type = "Text")]
    pub guid: String,
    /// The player's name in the round that reached it.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The ladder's name (`badges::LADDERS`).
    #[sea_orm(column_type = "Text")]
    pub ladder: String,
    /// Tier number, from 1.
    pub tier: i32,
    /// The round whose import reached it (its posts announce it).
    pub round_id: i32,
    pub reached_at: DateTime,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
