//! Round 2: finding its round-1 companion, the round-2-only differential, and the match summary.
use std::collections::HashMap;

use chrono::TimeDelta;

use super::{
    error::{ParseError, ParseErrorKind, ParseWarning},
    file_name::StatsFileName,
    player::{Player, WeaponStats},
    round::{Outcome, ParsedFile, Round, RoundKind},
    tab::TabStats,
};

/// Default pairing window: a round 1 written at most this long before its round 2.
pub const DEFAULT_WINDOW_MINUTES: i64 = 60;

/// The rules for pairing a round 2 with its round 1; one value for the CLI, importer and daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairingRules {
    /// How long before the round-2 file its round-1 file may have been written.
    pub window: TimeDelta,
}

impl Default for PairingRules {
    fn default() -> Self {
        PairingRules { window: TimeDelta::minutes(DEFAULT_WINDOW_MINUTES) }
    }
}

impl PairingRules {
    /// Rules with a window of `minutes`.
    pub fn with_window_minutes(minutes: i64) -> Self {
        PairingRules { window: TimeDelta::minutes(minutes.max(0)) }
    }

    /// Finds the round-1 file of `round2` among `known` files (any mix of names; the caller's
    /// folder listing or database). The companion is the latest round 1 of the same map
    /// written no later than the round 2 and within the window, with no other round 2 of that
    /// map in between (that round 2 would own it). Dates are compared as date-times, so a
    /// round 1 before midnight pairs with a round 2 after it.
    pub fn find_round1<'a, I>(&self, round2: &StatsFileName, known: I) -> Option<&'a StatsFileName>
    where
        I: IntoIterator<Item = &'a StatsFileName>,
    {
        if round2.round() != 2 {
            return None;
        }
        let earliest = round2.timestamp() - self.window;
        let mut nearby: Vec<&StatsFileName> = known
            .into_iter()
            .filter(|f| f.map() == round2.map() && f.as_str() != round2.as_str())
            .filter(|f| f.timestamp() >= earliest && f.timestamp() <= round2.timestamp())
            .collect();
        // Latest first; at equal times a round 2 sorts before a round 1 (it was written after).
        nearby.sort_by(|a, b| b.timestamp().cmp(&a.timestamp()).then(b.round().cmp(&a.round())));
        match nearby.first() {
            Some(candidate) if candidate.round() == 1 => Some(candidate),
            _ => None,
        }
    }

    /// Whether `round1` could be the companion of `round2` under these rules (ignoring other files).
    pub fn check_companion(
        &self,
        round2: &StatsFileName,
        round1: &StatsFileName,
    ) -> Result<(), &'static str> {
        if round1.round() != 1 {
            return Err("it is not a round-1 file");
        }
        if round2.round() != 2 {
            return Err("the file to pair is not a round-2 file");
        }
        if round1.map() != round2.map() {
            return Err("it is another map");
        }
        if round1.timestamp() > round2.timestamp() {
            return Err("it was written after the round-2 file");
        }
        if round2.timestamp() - round1.timestamp() > self.window {
            return Err("it was written outside the pairing window");
        }
        Ok(())
    }
}

/// Pairs a round-2 file with its round-1 file and returns the round-2-only round.
///
/// Players are matched by GUID. Cumulative fields (damage, gibs, weapon numbers, time on a
/// team, ...) are subtracted; fields the writer resets every round are taken as they are. A
/// player whose counters went down between the files (reconnect or team switch) keeps the
/// round-2 file's numbers, with a warning.
pub fn pair(round2: ParsedFile, round1: &ParsedFile) -> Result<Round, ParseError> {
    pair_with(round2, round1, &PairingRules::default())
}

/// [`pair`] with explicit rules.
pub fn pair_with(
    round2: ParsedFile,
    round1: &ParsedFile,
    rules: &PairingRules,
) -> Result<Round, ParseError> {
    rules.check_companion(&round2.file, &round1.file).map_err(|reason| {
        ParseError::new(
            round2.file.as_str(),
            ParseErrorKind::NotCompanion { round1: round1.file.as_str().to_owned(), reason },
        )
    })?;
    let ParsedFile { file, header, players, mut warnings } = round2;
    if header.time_limit_seconds != round1.header.actual_time_seconds {
        warnings.push(ParseWarning::new(
            Some(1),
            Some("time_limit"),
            format!(
                "time to beat {} s differs from the time round 1 set ({} s in {})",
                header.time_limit_seconds, round1.header.actual_time_seconds, round1.file
            ),
        ));
    }
    let mut by_guid: HashMap<&str, Vec<&Player>> = HashMap::new();
    for player in &round1.players {
        by_guid.entry(player.guid.as_str()).or_default().push(player);
    }
    let mut round2_players = Vec::with_capacity(players.len());
    for player in players {
        let candidates = by_guid.get(player.guid.as_str()).map(Vec::as_slice).unwrap_or_default();
        let earlier = match candidates {
            [] => None,
            [only] => Some(*only),
            several => {
                several.iter().copied().find(|p| p.raw_name == player.raw_name).or_else(|| {
                    warnings.push(ParseWarning::new(
                        Some(player.line),
                        Some("guid"),
                        format!(
                            "GUID {} is on several round-1 lines; paired with the first",
                            player.guid
                        ),
                    ));
                    several.first().copied()
                })
            }
        };
        round2_players.push(match earlier {
            None => player,
            Some(earlier) => player_round2_only(player, earlier, &mut warnings),
        });
    }
    let outcome = Outcome::decide(2, &header);
    Ok(Round {
        file,
        header,
        kind: RoundKind::Round2 { round1_file: round1.file.as_str().to_owned() },
        players: round2_players,
        outcome,
        warnings,
    })
}

fn player_round2_only(
    cumulative: Player,
    round1: &Player,
    warnings: &mut Vec<ParseWarning>,
) -> Player {
    if let Some(field) = cumulative.tab.first_reset(&round1.tab) {
        warnings.push(ParseWarning::new(
            Some(cumulative.line),
            Some(field),
            format!(
                "{} ({}): counters went down since round 1 (reconnect or team switch); \
                 round-2 numbers taken as they are",
                cumulative.name, cumulative.guid
            ),
        ));
        return cumulative;
    }
    let weapons: Vec<WeaponStats> = cumulative
        .weapons
        .iter()
        .map(|w| match round1.weapons.iter().find(|r| r.weapon == w.weapon) {
            Some(r) => w.minus_clamped(r),
            None => *w,
        })
        .filter(WeaponStats::is_used)
        .collect();
    let mut tab = cumulative.tab.round2_only(&round1.tab);
    recompute_derived(&mut tab, &weapons);
    tab.time_played_percent = alive_percent_round2(&cumulative.tab, &round1.tab, &tab);
    Player { weapons, tab, ..cumulative }
}

/// Round 2's share of time alive: alive time of both rounds minus round 1's, over round 2's time.
fn alive_percent_round2(cumulative: &TabStats, round1: &TabStats, round2: &TabStats) -> f64 {
    let alive_both = cumulative.time_played_percent / 100.0 * cumulative.time_played_minutes;
    let alive_round1 = round1.time_played_percent / 100.0 * round1.time_played_minutes;
    percent(alive_both - alive_round1, round2.time_played_minutes)
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { ((part / whole * 1000.0).round() / 10.0).clamp(0.0, 100.0) } else { 0.0 }
}

/// Recomputes the writer's ratio fields from the other numbers of the same round.
fn recompute_derived(tab: &mut TabStats, weapons: &[WeaponStats]) {
    let kills: u32 = weapons.iter().map(|w| w.kills).fold(0, u32::saturating_add);
    let deaths: u32 = weapons.iter().map(|w| w.deaths).fold(0, u32::saturating_add);
    let shots: u32 = weapons.iter().map(|w| w.shots).fold(0, u32::saturating_add);
    tab.bullets_fired = i32::try_from(shots).unwrap_or(i32::MAX);
    tab.writer_dpm = 0.0;
    tab.writer_kd_ratio = if deaths == 0 {
        f64::from(kills) + 1.0
    } else {
        (f64::from(kills) / f64::from(deaths) * 10.0).round() / 10.0
    };
    tab.time_dead_ratio = percent(tab.time_dead_minutes, tab.time_played_minutes);
}

/// Round 1 plus round 2 of one map, per GUID: the match summary stored as round 0.
/// `round2` must be the paired round-2 round (round-2-only numbers).
pub fn match_summary(round1: &Round, round2: &Round) -> Round {
    let mut players: Vec<Player> = Vec::with_capacity(round2.players.len());
    for second in &round2.players {
        let combined = match round1.players.iter().find(|p| p.guid == second.guid) {
            None => second.clone(),
            Some(first) => {
                let mut weapons: Vec<WeaponStats> = first.weapons.clone();
                for w in &second.weapons {
                    match weapons.iter_mut().find(|x| x.weapon == w.weapon) {
                        Some(existing) => *existing = existing.plus(w),
                        None => weapons.push(*w),
                    }
                }
                weapons.sort_by_key(|w| w.weapon);
                let mut tab = first.tab.combined(&second.tab);
                recompute_derived(&mut tab, &weapons);
                let alive = first.tab.time_played_percent / 100.0 * first.tab.time_played_minutes
                    + second.tab.time_played_percent / 100.0 * second.tab.time_played_minutes;
                tab.time_played_percent = percent(alive, tab.time_played_minutes);
                Player { weapons, tab, ..second.clone() }
            }
        };
        players.push(combined);
    }
    for first in &round1.players {
        if !round2.players.iter().any(|p| p.guid == first.guid) {
            players.push(first.clone());
        }
    }
    let mut header = round2.header.clone();
    // Stopwatch: round 2 decides the map unless both rounds were held to the clock (a draw).
    if round1.outcome == Outcome::Fullhold && round2.outcome == Outcome::Fullhold {
        header.winner_team = 0;
    }
    header.actual_time_seconds =
        round1.header.actual_time_seconds.saturating_add(round2.header.actual_time_seconds);
    let mut warnings = round1.warnings.clone();
    warnings.extend(round2.warnings.iter().cloned());
    Round {
        file: round2.file.clone(),
        header,
        kind: RoundKind::MatchSummary { round1_file: round1.file.as_str().to_owned() },
        players,
        outcome: round2.outcome,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<StatsFileName> {
        list.iter().map(|n| StatsFileName::parse(n).unwrap()).collect()
    }

    #[test]
    fn finds_the_latest_round1_within_the_window() {
        let known = names(&[
            "2025-10-12-220000-supply-round-1.txt",
            "2025-10-12-221500-supply-round-1.txt",
            "2025-10-12-221600-adlernest-round-1.txt",
        ]);
        let r2 = StatsFileName::parse("2025-10-12-222400-supply-round-2.txt").unwrap();
        let found = PairingRules::default().find_round1(&r2, &known).unwrap();
        assert_eq!(found.as_str(), "2025-10-12-221500-supply-round-1.txt");
        let narrow = PairingRules::with_window_minutes(5);
        assert_eq!(narrow.find_round1(&r2, &known), None);
    }

    #[test]
    fn pairs_across_midnight_even_when_the_map_is_played_again_that_day() {
        let known = names(&[
            "2025-10-19-235510-etl_adlernest-round-1.txt",
            "2025-10-20-213000-etl_adlernest-round-1.txt",
        ]);
        let r2 = StatsFileName::parse("2025-10-20-000043-etl_adlernest-round-2.txt").unwrap();
        let found = PairingRules::default().find_round1(&r2, &known).unwrap();
        assert_eq!(found.as_str(), "2025-10-19-235510-etl_adlernest-round-1.txt");
    }

    #[test]
    fn a_round1_already_followed_by_a_round2_is_not_taken_again() {
        let known = names(&[
            "2025-10-12-220000-supply-round-1.txt",
            "2025-10-12-220900-supply-round-2.txt",
        ]);
        let r2 = StatsFileName::parse("2025-10-12-222000-supply-round-2.txt").unwrap();
        assert_eq!(PairingRules::default().find_round1(&r2, &known), None);
        // The same-timestamp synthetic pair still pairs.
        let same = names(&["2025-12-17-120000-goldrush-round-1.txt"]);
        let r2 = StatsFileName::parse("2025-12-17-120000-goldrush-round-2.txt").unwrap();
        assert!(PairingRules::default().find_round1(&r2, &same).is_some());
    }

    #[test]
    fn refuses_a_wrong_companion() {
        let rules = PairingRules::default();
        let r2 = StatsFileName::parse("2025-10-12-222400-supply-round-2.txt").unwrap();
        let other_map = StatsFileName::parse("2025-10-12-221500-radar-round-1.txt").unwrap();
        let later = StatsFileName::parse("2025-10-12-223000-supply-round-1.txt").unwrap();
        assert_eq!(rules.check_companion(&r2, &other_map), Err("it is another map"));
        assert_eq!(
            rules.check_companion(&r2, &later),
            Err("it was written after the round-2 file")
        );
    }
}
