//! `post_outbox`: rounds the daemon stored and has not posted yet (written in the import's
//! transaction, removed in the transaction that records the post).
use sea_orm::entity::prelude::*;

/// A row of `post_outbox`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "post_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The round to post.
    #[sea_orm(unique)]
    pub round_id: i32,
    /// The stats file it came from (its webhook triggers are deleted once posted).
    #[sea_orm(column_type = "Text")]
    pub file: String,
    /// When the round was stored.
    pub queued_at: DateTime,
    /// When posting was first attempted (set before the first message is sent).
    pub attempted_at: Option<DateTime>,
    /// How many of the round's messages are known to be posted.
    pub parts_sent: i32,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
