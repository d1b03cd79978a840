//! `player_comprehensive_stats`: One player's numbers in one round (or match summary).
use sea_orm::entity::prelude::*;

/// A row of `player_comprehensive_stats`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "player_comprehensive_stats")]
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
    pub clean_name: String,
    #[sea_orm(column_type = "Text")]
    #[allow(missing_docs)]
    pub raw_name: String,
    #[sea_orm(column_type = "Blob")]
    #[allow(missing_docs)]
    pub raw_name_bytes: Option<Vec<u8>>,
    #[allow(missing_docs)]
    pub team: i32,
    #[allow(missing_docs)]
    pub kills: i32,
    #[allow(missing_docs)]
    pub deaths: i32,
    #[allow(missing_docs)]
    pub damage_given: i32,
    #[allow(missing_docs)]
    pub damage_received: i32,
    #[allow(missing_docs)]
    pub team_damage_given: i32,
    #[allow(missing_docs)]
    pub team_damage_received: i32,
    #[allow(missing_docs)]
    pub gibs: i32,
    #[allow(missing_docs)]
    pub self_kills: i32,
    #[allow(missing_docs)]
    pub team_kills: i32,
    #[allow(missing_docs)]
    pub team_gibs: i32,
    #[allow(missing_docs)]
    pub headshot_kills: i32,
    #[allow(missing_docs)]
    pub headshots: i32,
    #[allow(missing_docs)]
    pub hits: i32,
    #[allow(missing_docs)]
    pub shots: i32,
    #[allow(missing_docs)]
    pub time_played_seconds: i32,
    #[allow(missing_docs)]
    pub time_played_minutes: f64,
    #[allow(missing_docs)]
    pub time_dead_minutes: f64,
    #[allow(missing_docs)]
    pub time_dead_ratio: f64,
    #[allow(missing_docs)]
    pub time_played_percent: f64,
    #[allow(missing_docs)]
    pub xp: i32,
    #[allow(missing_docs)]
    pub kd_ratio: f64,
    #[allow(missing_docs)]
    pub dpm: f64,
    #[allow(missing_docs)]
    pub efficiency: f64,
    #[allow(missing_docs)]
    pub accuracy: f64,
    #[allow(missing_docs)]
    pub bullets_fired: i32,
    #[allow(missing_docs)]
    pub kill_assists: i32,
    #[allow(missing_docs)]
    pub objectives_completed: i32,
    #[allow(missing_docs)]
    pub objectives_destroyed: i32,
    #[allow(missing_docs)]
    pub objectives_stolen: i32,
    #[allow(missing_docs)]
    pub objectives_returned: i32,
    #[allow(missing_docs)]
    pub dynamites_planted: i32,
    #[allow(missing_docs)]
    pub dynamites_defused: i32,
    #[allow(missing_docs)]
    pub times_revived: i32,
    #[allow(missing_docs)]
    pub revives_given: i32,
    #[allow(missing_docs)]
    pub most_useful_kills: i32,
    #[allow(missing_docs)]
    pub useless_kills: i32,
    #[allow(missing_docs)]
    pub kill_steals: i32,
    #[allow(missing_docs)]
    pub denied_playtime: i32,
    #[allow(missing_docs)]
    pub constructions: i32,
    #[allow(missing_docs)]
    pub tank_meatshield: f64,
    #[allow(missing_docs)]
    pub double_kills: i32,
    #[allow(missing_docs)]
    pub triple_kills: i32,
    #[allow(missing_docs)]
    pub quad_kills: i32,
    #[allow(missing_docs)]
    pub multi_kills: i32,
    #[allow(missing_docs)]
    pub mega_kills: i32,
    #[allow(missing_docs)]
    pub killing_spree_best: i32,
    #[allow(missing_docs)]
    pub death_spree_worst: i32,
    #[allow(missing_docs)]
    pub full_selfkills: i32,
    #[allow(missing_docs)]
    pub session_rounds: i32,
    #[allow(missing_docs)]
    pub created_at: DateTime,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
