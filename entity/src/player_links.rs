//! `player_links`: A Discord account linked to a player GUID.
use sea_orm::entity::prelude::*;

/// A row of `player_links`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "player_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    #[allow(missing_docs)]
    pub id: i32,
    #[sea_orm(unique)]
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub player_guid: String,
    #[sea_orm(unique)]
    #[allow(missing_docs)]
    pub discord_id: i64,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub discord_username: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub player_name: String,
    #[allow(missing_docs)]
    pub linked_at: DateTime,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub display_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub display_name_source: String,
    #[allow(missing_docs)]
    pub display_name_updated_at: Option<DateTime>,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
