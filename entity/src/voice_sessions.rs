//! `voice_sessions`: gaming sessions from the voice channels (at most one open: `ended_at`
//! null), with their "started"/"ended" notices' posting state.
use sea_orm::entity::prelude::*;

/// A row of `voice_sessions`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "voice_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// When the session started (UTC).
    pub started_at: DateTime,
    /// Members in voice when it started.
    pub members_at_start: i32,
    /// Everyone seen during it: Discord user ids, comma-separated.
    #[sea_orm(column_type = "Text")]
    pub participants: String,
    /// The end timer's deadline while it runs (too few in voice).
    pub end_at: Option<DateTime>,
    /// When it ended (null: on).
    pub ended_at: Option<DateTime>,
    /// Whether a "started" notice is wanted (false for a session picked up at start-up).
    pub start_notice: bool,
    /// When posting the "started" notice was last tried and not known to have failed.
    pub start_attempted_at: Option<DateTime>,
    /// The "started" notice is posted (or given up).
    pub start_posted: bool,
    /// Same for the "ended" notice.
    pub end_attempted_at: Option<DateTime>,
    /// The "ended" notice is posted (or given up).
    pub end_posted: bool,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
