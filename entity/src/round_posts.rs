//! `round_posts`: rounds already posted (exactly-once publishing).
use sea_orm::entity::prelude::*;

/// A row of `round_posts`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "round_posts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub round_id: i32,
    #[sea_orm(column_type = "Text")]
    pub sink: String,
    pub posted_at: DateTime,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
