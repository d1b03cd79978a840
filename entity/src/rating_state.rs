//! `rating_state`: one row (id 1): the last map rated and the earliest time changed since.
use sea_orm::entity::prelude::*;

/// The row of `rating_state`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rating_state")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// When the last rated map's round 2 ended (None: nothing rated).
    pub rated_at: Option<DateTime>,
    /// That round 2's file.
    #[sea_orm(column_type = "Text", nullable)]
    pub rated_file: Option<String>,
    /// The earliest round time an import stored, re-derived or removed since (None: none).
    pub changed_from: Option<DateTime>,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
