//! Conversion from parser values (`stats::Round`) to database rows (`entity::*`).
use chrono::NaiveDateTime;
use entity::{player_comprehensive_stats as pcs, rounds, weapon_comprehensive_stats as wcs};
use sea_orm::ActiveValue::{NotSet, Set};

use crate::stats::{Outcome, Player, Round, RoundKind, format_time};

/// `round_status` of a round 2 stored without its round 1 (numbers are R1 + R2).
pub const STATUS_ORPHAN: &str = "orphan_r2";
/// `round_status` of every other round.
pub const STATUS_COMPLETED: &str = "completed";

fn clamp_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn round2(value: f64) -> f64 {
    if value.is_finite() { (value * 100.0).round() / 100.0 } else { 0.0 }
}

/// The `match_id` shared by a map's rounds: the round-1 file's date, time and map, or the
/// file's own for a round without a round 1.
pub fn match_id(round: &Round) -> String {
    let own =
        || format!("{}-{}-{}", round.file.date_str(), round.file.time_str(), round.file.map());
    match round.round1_file().and_then(|name| crate::stats::StatsFileName::parse(name).ok()) {
        Some(first) => format!("{}-{}-{}", first.date_str(), first.time_str(), first.map()),
        None => own(),
    }
}

/// The `rounds` row of a round (without id, session and creation time).
pub fn round_row(round: &Round, server: &str, now: NaiveDateTime) -> rounds::ActiveModel {
    let h = &round.header;
    let status = match round.kind {
        RoundKind::Round2Orphan => STATUS_ORPHAN,
        _ => STATUS_COMPLETED,
    };
    let is_tied = matches!(round.kind, RoundKind::MatchSummary { .. }) && h.winner_team == 0;
    rounds::ActiveModel {
        id: NotSet,
        server: Set(server.to_owned()),
        match_id: Set(match_id(round)),
        round_number: Set(i32::from(round.round_number())),
        round_date: Set(round.file.date_str().to_owned()),
        round_time: Set(round.file.time_str().to_owned()),
        round_at: Set(round.file.timestamp()),
        map_name: Set(round.file.map().to_owned()),
        config: Set(h.config.clone()),
        server_name: Set(h.server.clone()),
        time_limit: Set(format_time(h.time_limit_seconds)),
        actual_time: Set(format_time(h.actual_time_seconds)),
        time_limit_seconds: Set(clamp_i32(h.time_limit_seconds)),
        actual_time_seconds: Set(clamp_i32(h.actual_time_seconds)),
        defender_team: Set(i32::from(h.defender_team)),
        winner_team: Set(i32::from(h.winner_team)),
        is_tied: Set(is_tied),
        round_outcome: Set(match round.outcome {
            Outcome::Unknown => "unknown".to_owned(),
            other => other.as_str().to_owned(),
        }),
        round_status: Set(status.to_owned()),
        gaming_session_id: NotSet,
        filename: Set(round.file.as_str().to_owned()),
        round1_filename: Set(round.round1_file().map(str::to_owned)),
        player_count: Set(i32::try_from(round.players.len()).unwrap_or(i32::MAX)),
        created_at: Set(now),
    }
}

/// The GUIDs to store players under: a second line with the same 8-digit GUID in one file
/// (two players sharing it) is kept as `<guid>#2` rather than lost.
pub fn storage_guids(players: &[Player]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::with_capacity(players.len());
    for player in players {
        let mut guid = player.guid.clone();
        let mut n = 2;
        while seen.contains(&guid) {
            guid = format!("{}#{n}", player.guid);
            n += 1;
        }
        seen.push(guid);
    }
    seen
}

/// The `player_comprehensive_stats` row of one player.
pub fn player_row(
    round: &Round,
    round_id: i32,
    guid: &str,
    p: &Player,
    now: NaiveDateTime,
) -> pcs::ActiveModel {
    let t = &p.tab;
    let raw = p.raw_name.to_string_lossy();
    pcs::ActiveModel {
        id: NotSet,
        round_id: Set(round_id),
        round_date: Set(round.file.date_str().to_owned()),
        map_name: Set(round.file.map().to_owned()),
        round_number: Set(i32::from(round.round_number())),
        player_guid: Set(guid.to_owned()),
        player_name: Set(p.name.clone()),
        clean_name: Set(p.name.clone()),
        raw_name: Set(raw),
        // The exact bytes, kept only when the text form cannot hold them (invalid UTF-8 or NUL).
        raw_name_bytes: Set(
            (!p.raw_name.is_utf8() || p.raw_name.0.contains(&0)).then(|| p.raw_name.0.clone())
        ),
        team: Set(i32::from(p.team)),
        kills: Set(clamp_i32(p.kills())),
        deaths: Set(clamp_i32(p.deaths())),
        damage_given: Set(t.damage_given),
        damage_received: Set(t.damage_received),
        team_damage_given: Set(t.team_damage_given),
        team_damage_received: Set(t.team_damage_received),
        gibs: Set(t.gibs),
        self_kills: Set(t.self_kills),
        team_kills: Set(t.team_kills),
        team_gibs: Set(t.team_gibs),
        headshot_kills: Set(t.headshot_kills),
        headshots: Set(clamp_i32(p.headshots())),
        hits: Set(clamp_i32(p.hits())),
        shots: Set(clamp_i32(p.shots())),
        time_played_seconds: Set(clamp_i32(p.time_played_seconds())),
        time_played_minutes: Set(t.time_played_minutes),
        time_dead_minutes: Set(t.time_dead_minutes),
        time_dead_ratio: Set(round2(p.time_dead_percent())),
        time_played_percent: Set(t.time_played_percent),
        xp: Set(t.xp),
        kd_ratio: Set(round2(p.kd_ratio())),
        dpm: Set(round2(p.dpm())),
        efficiency: Set(round2(p.efficiency())),
        accuracy: Set(round2(p.accuracy())),
        bullets_fired: Set(t.bullets_fired),
        kill_assists: Set(t.kill_assists),
        objectives_completed: Set(0),
        objectives_destroyed: Set(0),
        objectives_stolen: Set(t.objectives_stolen),
        objectives_returned: Set(t.objectives_returned),
        dynamites_planted: Set(t.dynamites_planted),
        dynamites_defused: Set(t.dynamites_defused),
        times_revived: Set(t.times_revived),
        revives_given: Set(t.revives_given),
        most_useful_kills: Set(t.useful_kills),
        useless_kills: Set(t.useless_kills),
        kill_steals: Set(t.kill_steals),
        denied_playtime: Set(t.denied_playtime),
        constructions: Set(t.repairs_constructions),
        tank_meatshield: Set(t.tank_meatshield),
        double_kills: Set(t.multikill_2x),
        triple_kills: Set(t.multikill_3x),
        quad_kills: Set(t.multikill_4x),
        multi_kills: Set(t.multikill_5x),
        mega_kills: Set(t.multikill_6x),
        killing_spree_best: Set(t.killing_spree),
        death_spree_worst: Set(t.death_spree),
        full_selfkills: Set(t.full_selfkills),
        session_rounds: Set(i32::try_from(p.rounds).unwrap_or(i32::MAX)),
        created_at: Set(now),
    }
}

/// The `weapon_comprehensive_stats` rows of one player.
pub fn weapon_rows(
    round: &Round,
    round_id: i32,
    guid: &str,
    p: &Player,
    now: NaiveDateTime,
) -> Vec<wcs::ActiveModel> {
    p.weapons
        .iter()
        .map(|w| wcs::ActiveModel {
            id: NotSet,
            round_id: Set(round_id),
            round_date: Set(round.file.date_str().to_owned()),
            map_name: Set(round.file.map().to_owned()),
            round_number: Set(i32::from(round.round_number())),
            player_guid: Set(guid.to_owned()),
            player_name: Set(p.name.clone()),
            weapon_name: Set(w.weapon.name()),
            kills: Set(clamp_i32(w.kills)),
            deaths: Set(clamp_i32(w.deaths)),
            headshots: Set(clamp_i32(w.headshots)),
            shots: Set(clamp_i32(w.shots)),
            hits: Set(clamp_i32(w.hits)),
            accuracy: Set(if w.shots == 0 {
                0.0
            } else {
                round2(f64::from(w.hits) * 100.0 / f64::from(w.shots))
            }),
            created_at: Set(now),
        })
        .collect()
}
