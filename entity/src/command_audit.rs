//! `command_audit`: every use of an admin command, who, where, what and how it went.
use sea_orm::entity::prelude::*;

/// A row of `command_audit`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "command_audit")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub at: DateTime,
    /// Discord user id (0 on the terminal).
    pub user_id: i64,
    #[sea_orm(column_type = "Text")]
    pub user_name: String,
    pub channel_id: i64,
    #[sea_orm(column_type = "Text")]
    pub command: String,
    #[sea_orm(column_type = "Text")]
    pub arguments: String,
    /// `ok`, `refused` or `error: ...` (generic, no secrets).
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
