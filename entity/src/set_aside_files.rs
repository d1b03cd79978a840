//! `set_aside_files`: stats files whose import failed for their own data; polling passes
//! them by until their size changes, an explicit trigger retries them.
use sea_orm::entity::prelude::*;

/// A row of `set_aside_files`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "set_aside_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The file's base name.
    #[sea_orm(unique, column_type = "Text")]
    pub filename: String,
    /// The game server it came from.
    #[sea_orm(column_type = "Text")]
    pub server: String,
    /// Why it was set aside (file, line and field for a parse error).
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// Its size when set aside; another size is a new version, tried again.
    pub size: i64,
    /// When.
    pub set_aside_at: DateTime,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
