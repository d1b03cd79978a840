//! `sync_batches`: one admin `!sync`, with the rounds its posts showed and held back.
use sea_orm::entity::prelude::*;

/// A row of `sync_batches`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub requested_at: DateTime,
    /// First day of files looked at (`None`: every file).
    pub since: Option<Date>,
    /// Rounds of the batch's files posted.
    pub shown: i32,
    /// Rounds stored and not posted (over the limit); the closing line counts them.
    pub held: i32,
    /// When every file was settled (and the closing line posted, if any).
    pub closed_at: Option<DateTime>,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
