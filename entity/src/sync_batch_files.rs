//! `sync_batch_files`: the files a `!sync` batch let through (to fetch or import).
use sea_orm::entity::prelude::*;

/// A row of `sync_batch_files`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_batch_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub batch_id: i32,
    #[sea_orm(column_type = "Text")]
    pub server: String,
    /// The file's base name.
    #[sea_orm(column_type = "Text")]
    pub file: String,
    /// One of the newest files: its rounds are posted (the others' are counted).
    pub post: bool,
    /// Its fetch retries were spent: it settles the batch without a round.
    pub gave_up: bool,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
