//! `sync_batch_servers`: the game servers a `!sync` batch lists, and whether each is listed.
use sea_orm::entity::prelude::*;

/// A row of `sync_batch_servers`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_batch_servers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub batch_id: i32,
    #[sea_orm(column_type = "Text")]
    pub server: String,
    /// Its listing is done and its files are in `sync_batch_files`.
    pub listed: bool,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
