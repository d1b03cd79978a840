//! `player_aliases`: Every name a GUID played under, with when and how often (rounds 1 and 2).
use sea_orm::entity::prelude::*;

/// A row of `player_aliases`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "player_aliases")]
pub struct Model {
    #[sea_orm(primary_key)]
    #[allow(missing_docs)]
    pub id: i32,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub guid: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub alias: String,
    #[allow(missing_docs)]
    pub first_seen: DateTime,
    #[allow(missing_docs)]
    pub last_seen: DateTime,
    #[allow(missing_docs)]
    pub times_seen: i32,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
