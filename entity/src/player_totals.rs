//! `player_totals`: one player's lifetime sums over their round-1 and round-2 rows, kept by
//! the import in the same transaction as those rows.
use sea_orm::entity::prelude::*;

/// A row of `player_totals`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "player_totals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub guid: String,
    pub rounds: i64,
    pub kills: i64,
    pub deaths: i64,
    pub gibs: i64,
    pub self_kills: i64,
    pub team_kills: i64,
    pub damage_given: i64,
    pub damage_received: i64,
    pub team_damage_given: i64,
    pub team_damage_received: i64,
    pub headshot_kills: i64,
    pub headshots: i64,
    pub hits: i64,
    pub shots: i64,
    pub time_played_seconds: i64,
    pub revives_given: i64,
    pub times_revived: i64,
    pub objectives_completed: i64,
    pub objectives_destroyed: i64,
    pub objectives_stolen: i64,
    pub objectives_returned: i64,
    pub dynamites_planted: i64,
    pub dynamites_defused: i64,
    pub constructions: i64,
    pub useful_kills: i64,
    pub useless_kills: i64,
    pub kill_assists: i64,
    pub denied_playtime: i64,
    pub xp: i64,
    pub double_kills: i64,
    pub triple_kills: i64,
    pub quad_kills: i64,
    pub multi_kills: i64,
    pub mega_kills: i64,
    pub time_dead_seconds: f64,
    pub efficiency_sum: f64,
    pub first_seen: DateTime,
    pub last_seen: DateTime,
}

/// No relations are declared; queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
