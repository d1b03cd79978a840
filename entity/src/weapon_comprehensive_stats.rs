//! `weapon_comprehensive_stats`: One weapon's numbers for one player in one round.
use sea_orm::entity::prelude::*;

/// A row of `weapon_comprehensive_stats`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "weapon_comprehensive_stats")]
pub struct Model {
    #[sea_orm(primary_key)]
    #[allow(missing_docs)]
    pub id: i32,
    #[allow(missing_docs)]
    pub round_id: i32,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub round_date: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub map_name: String,
    #[allow(missing_docs)]
    pub round_number: i32,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub player_guid: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub player_name: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub weapon_name: String,
    #[allow(missing_docs)]
    pub kills: i32,
    #[allow(missing_docs)]
    pub deaths: i32,
    #[allow(missing_docs)]
    pub headshots: i32,
    #[allow(missing_docs)]
    pub shots: i32,
    #[allow(missing_docs)]
    pub hits: i32,
    #[allow(missing_docs)]
    pub accuracy: f64,
    #[allow(missing_docs)]
    pub created_at: DateTime,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
