//! The stopwatch score of a gaming session: map by map, which team won, on the game's own
//! decision as the round headers record it (`rounds.round_outcome`, decided at import from the
//! winner against the defending side, the clock only when those do not tell).
//!
//! A map is a round 1 and the round 2 of the same match. Team 1 attacked in round 1 and set a
//! time (`time_set`) or was held (`fullhold`); in round 2 team 2 attacks against that time:
//! - round 2 `time_beaten`: team 2 completed faster (or, after a fullhold, at all): team 2 wins;
//! - round 2 `fullhold` after round 1 `time_set`: team 1's time stood: team 1 wins;
//! - both held (double fullhold), or a round the headers cannot decide: a draw.
//!
//! A win is 2 points to 0, a draw 1 to 1. The teams are the session's line-ups
//! (`teams::detect`), so a team keeps its points whichever side it played.
use serde::Serialize;
use serde_json::{Value, json};

use crate::render::{Names, safe_name};

use super::{
    gaming_session::SessionData,
    teams::{Lineups, Team},
};

/// Who won a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Winner {
    /// Team A.
    TeamA,
    /// Team B.
    TeamB,
    /// Nobody (double fullhold, or undecidable).
    Draw,
}

pub use crate::stats::{MapOutcome, map_outcome as decide};

/// One map of the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MapScore {
    /// The map.
    pub map: String,
    /// Its round-1 file.
    pub round1_file: String,
    /// Its round-2 file.
    pub round2_file: String,
    /// Round 1's time (the attackers' time, or the limit after a fullhold).
    pub round1_seconds: i32,
    /// Round 2's time.
    pub round2_seconds: i32,
    /// Who won.
    pub winner: Winner,
    /// In words: "R2 attackers beat 7:12 in 5:03", "double fullhold", ...
    #[serde(skip)]
    pub how: String,
}

/// A session's score.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Score {
    /// Team A's points.
    pub team_a: u32,
    /// Team B's points.
    pub team_b: u32,
    /// Every map whose two rounds are in the session, in play order.
    pub maps: Vec<MapScore>,
}

fn clock(seconds: i32) -> String {
    let seconds = seconds.max(0);
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// The score of `data` with its line-ups.
pub fn score(data: &SessionData, lineups: &Lineups) -> Score {
    let mut out = Score::default();
    for r2 in data.rounds.iter().filter(|r| r.round_number == 2 && r.round_status != "orphan_r2") {
        let Some(r1) =
            data.rounds.iter().find(|r| r.round_number == 1 && r.match_id == r2.match_id)
        else {
            continue;
        };
        // Round 1's attackers: the side not defending it (or, when round 1 does not say,
        // the side defending round 2: the teams swap sides).
        let team_of = |round: i32, side: i32| match lineups.side_of_a.get(&round) {
            Some(a) if *a == side => Some(Team::A),
            Some(_) => Some(Team::B),
            None => None,
        };
        let team1 = match (r1.defender_team, r2.defender_team) {
            (1 | 2, _) => team_of(r1.id, 3 - r1.defender_team),
            (_, 1 | 2) => team_of(r2.id, r2.defender_team),
            _ => None,
        };
        let outcome = decide(&r1.round_outcome, &r2.round_outcome);
        let winner = match (outcome, team1) {
            (MapOutcome::Team1, Some(Team::A)) | (MapOutcome::Team2, Some(Team::B)) => {
                Winner::TeamA
            }
            (MapOutcome::Team1, Some(Team::B)) | (MapOutcome::Team2, Some(Team::A)) => {
                Winner::TeamB
            }
            _ => Winner::Draw,
        };
        let (r1s, r2s) = (r1.actual_time_seconds, r2.actual_time_seconds);
        let how = match (r1.round_outcome.as_str(), r2.round_outcome.as_str()) {
            ("time_set", "time_beaten") => {
                format!("R2 attackers beat {} in {}", clock(r1s), clock(r2s))
            }
            ("time_set", "fullhold") => format!("R1 time {} held", clock(r1s)),
            ("fullhold", "time_beaten") => {
                format!("R2 attackers completed in {} after an R1 fullhold", clock(r2s))
            }
            ("fullhold", "fullhold") => "double fullhold".to_owned(),
            _ => "undecided".to_owned(),
        };
        match winner {
            Winner::TeamA => out.team_a += 2,
            Winner::TeamB => out.team_b += 2,
            Winner::Draw => {
                out.team_a += 1;
                out.team_b += 1;
            }
        }
        out.maps.push(MapScore {
            map: r1.map_name.clone(),
            round1_file: r1.filename.clone(),
            round2_file: r2.filename.clone(),
            round1_seconds: r1s,
            round2_seconds: r2s,
            winner,
            how,
        });
    }
    out
}

impl Score {
    /// `Team A 6 – 4 Team B`.
    pub fn line(&self) -> String {
        format!("Team A {} – {} Team B", self.team_a, self.team_b)
    }

    /// One line per map: `supply: Team A (R1 time 8:40 held)`, map names written for `names`.
    pub fn map_lines(&self, names: Names) -> Vec<String> {
        self.maps
            .iter()
            .map(|m| {
                let who = match m.winner {
                    Winner::TeamA => "Team A",
                    Winner::TeamB => "Team B",
                    Winner::Draw => "draw",
                };
                format!("{}: **{who}** ({})", safe_name(&m.map, names, 40), m.how)
            })
            .collect()
    }

    /// The `"score"` object of `--json`: each team's name, players (name by GUID from
    /// `names`) and points, and the maps.
    pub fn to_json(&self, lineups: &Lineups, name: impl Fn(&str) -> String) -> Value {
        let team = |team: Team, label: &str, points: u32| {
            let mut players: Vec<String> = lineups
                .members
                .iter()
                .filter(|(_, t)| **t == team)
                .map(|(guid, _)| name(guid))
                .collect();
            players.sort_by_key(|n| n.to_lowercase());
            json!({"name": label, "players": players, "points": points})
        };
        json!({
            "team_a": team(Team::A, "Team A", self.team_a),
            "team_b": team(Team::B, "Team B", self.team_b),
            "maps": self.maps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_game_decides_each_map_and_double_holds_are_draws() {
        assert_eq!(decide("time_set", "time_beaten"), MapOutcome::Team2);
        assert_eq!(decide("time_set", "fullhold"), MapOutcome::Team1);
        assert_eq!(decide("fullhold", "time_beaten"), MapOutcome::Team2);
        assert_eq!(decide("fullhold", "fullhold"), MapOutcome::Draw);
        assert_eq!(decide("unknown", "fullhold"), MapOutcome::Draw);
        assert_eq!(decide("time_set", "unknown"), MapOutcome::Draw);
        assert_eq!(decide("unknown", "time_beaten"), MapOutcome::Team2);
    }
}
