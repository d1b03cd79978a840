//! Team ratings over stopwatch maps (pure: no I/O). A map is a game between the players who
//! attacked in round 1 (team 1) and those who attacked in round 2 (team 2), decided as the
//! stopwatch score decides it (`commands::stopwatch::decide`): won, lost or drawn.
//!
//! The model is TrueSkill from the `skillratings` crate, with partial play: each player counts
//! by the share of the map's time they played (docs/ratings.md says why TrueSkill, and how its
//! parameters were measured). [`Rater`] keeps every player's rating, applies maps in order and
//! predicts a map before it is played; [`evaluate`] measures those predictions against a
//! baseline; [`balance`] picks the fairest split of a group into two teams.
use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;
use skillratings::{
    MultiTeamOutcome, Outcomes,
    trueskill::{TrueSkillConfig, TrueSkillRating, expected_score_two_teams, trueskill_multi_team},
    weng_lin::{WengLinConfig, WengLinRating, weng_lin_two_teams},
};

/// A player's part in one map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Participant {
    /// GUID.
    pub guid: String,
    /// The share of the map's time they played, in (0, 1].
    pub weight: f64,
    /// Kills on this map (the baseline's lifetime K/D grows by them).
    pub kills: i64,
    /// Deaths on this map.
    pub deaths: i64,
}

/// One rated map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Game {
    /// When its round 2 ended (the order maps are rated in, with `file`).
    pub at: NaiveDateTime,
    /// Its round-2 file (ties in `at` are ordered by it).
    pub file: String,
    /// Its round 2's `rounds.id`.
    pub round_id: i32,
    /// The map.
    pub map: String,
    /// Round 1's attackers.
    pub team1: Vec<Participant>,
    /// Round 2's attackers.
    pub team2: Vec<Participant>,
    /// Team 1's result: 1 won, 0.5 drawn, 0 lost.
    pub result: f64,
}

/// A rating: the skill estimate and how unsure it still is (one standard deviation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rating {
    /// The estimate (μ).
    pub rating: f64,
    /// Its uncertainty (σ).
    pub uncertainty: f64,
}

impl Rating {
    /// The rating we are fairly sure a player has reached: μ − 3σ (leaderboards rank by it, so
    /// a newcomer's lucky first map does not top them).
    pub fn conservative(&self) -> f64 {
        self.rating - 3.0 * self.uncertainty
    }
}

/// Which model, with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// TrueSkill with partial-play weights.
    TrueSkill {
        /// Performance spread (β).
        beta: f64,
        /// Uncertainty added before each map (τ), so ratings can still move.
        dynamics: f64,
        /// How often maps are drawn.
        draw_probability: f64,
        /// A newcomer's uncertainty.
        initial_uncertainty: f64,
    },
    /// Weng-Lin (OpenSkill); partial play by moving each player only by their share of the
    /// update (the crate's Weng-Lin takes no weights).
    WengLin {
        /// Performance spread (β).
        beta: f64,
        /// A newcomer's uncertainty.
        initial_uncertainty: f64,
    },
}

/// Where every rating starts (μ), for both models.
pub const INITIAL_RATING: f64 = 25.0;

/// The model slomix rates with: TrueSkill, its parameters as measured by `cargo bench --bench
/// ratings` (docs/ratings.md).
pub const MODEL: Model =
    Model::TrueSkill { beta: 8.0, dynamics: 0.5, draw_probability: 0.05, initial_uncertainty: 3.0 };

impl Model {
    /// A newcomer's rating.
    pub fn initial(&self) -> Rating {
        let uncertainty = match *self {
            Model::TrueSkill { initial_uncertainty, .. }
            | Model::WengLin { initial_uncertainty, .. } => initial_uncertainty,
        };
        Rating { rating: INITIAL_RATING, uncertainty }
    }

    /// A short description (`trueskill beta=4.17 …`).
    pub fn describe(&self) -> String {
        match *self {
            Model::TrueSkill { beta, dynamics, draw_probability, initial_uncertainty } => format!(
                "trueskill beta={beta:.3} tau={dynamics:.4} draw={draw_probability:.2} sigma0={initial_uncertainty:.3}"
            ),
            Model::WengLin { beta, initial_uncertainty } => {
                format!("weng-lin beta={beta:.3} sigma0={initial_uncertainty:.3}")
            }
        }
    }
}

/// Every player's current rating and maps played, updated map by map.
#[derive(Debug, Clone)]
pub struct Rater {
    model: Model,
    ratings: HashMap<String, (Rating, u32)>,
}

/// One player's rating after a map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// GUID.
    pub guid: String,
    /// Before the map.
    pub before: Rating,
    /// After it.
    pub after: Rating,
    /// Maps rated so far, this one included.
    pub maps: u32,
}

fn outcome_of(result: f64) -> Outcomes {
    if result > 0.75 {
        Outcomes::WIN
    } else if result < 0.25 {
        Outcomes::LOSS
    } else {
        Outcomes::DRAW
    }
}

impl Rater {
    /// No one rated yet.
    pub fn new(model: Model) -> Rater {
        Rater { model, ratings: HashMap::new() }
    }

    /// Ratings kept from before (`(guid, rating, maps)`).
    pub fn with(model: Model, known: impl IntoIterator<Item = (String, Rating, u32)>) -> Rater {
        let ratings = known.into_iter().map(|(g, r, m)| (g, (r, m))).collect();
        Rater { model, ratings }
    }

    /// The model.
    pub fn model(&self) -> Model {
        self.model
    }

    /// A player's rating (a newcomer's when unrated).
    pub fn rating(&self, guid: &str) -> Rating {
        self.ratings.get(guid).map_or_else(|| self.model.initial(), |(r, _)| *r)
    }

    /// Every rated player: GUID, rating, maps.
    pub fn all(&self) -> impl Iterator<Item = (&str, Rating, u32)> {
        self.ratings.iter().map(|(g, (r, m))| (g.as_str(), *r, *m))
    }

    /// Team 1's chance to win `team1` against `team2` (weights as played).
    pub fn win_probability(&self, team1: &[(Rating, f64)], team2: &[(Rating, f64)]) -> f64 {
        win_probability(self.model, team1, team2)
    }

    fn team(&self, players: &[Participant]) -> Vec<(Rating, f64)> {
        players.iter().map(|p| (self.rating(&p.guid), p.weight)).collect()
    }

    /// Team 1's chance to win `game`, from the ratings before it.
    pub fn predict(&self, game: &Game) -> f64 {
        self.win_probability(&self.team(&game.team1), &self.team(&game.team2))
    }

    /// Rates `game`: every player's rating moves by the result; returns the changes (team 1's
    /// players, then team 2's). A map with an empty side changes nothing.
    pub fn apply(&mut self, game: &Game) -> Vec<Change> {
        if game.team1.is_empty() || game.team2.is_empty() {
            return Vec::new();
        }
        let (one, two) = (self.team(&game.team1), self.team(&game.team2));
        let (new_one, new_two) = update(self.model, &one, &two, game.result);
        let mut changes = Vec::with_capacity(one.len() + two.len());
        let players = game.team1.iter().zip(one.iter().zip(new_one));
        let players = players.chain(game.team2.iter().zip(two.iter().zip(new_two)));
        for (player, (&(before, _), after)) in players {
            let entry = self.ratings.entry(player.guid.clone()).or_insert((before, 0));
            entry.0 = after;
            entry.1 += 1;
            changes.push(Change { guid: player.guid.clone(), before, after, maps: entry.1 });
        }
        changes
    }
}

fn truesk(r: Rating) -> TrueSkillRating {
    TrueSkillRating { rating: r.rating, uncertainty: r.uncertainty }
}

fn wl(r: Rating) -> WengLinRating {
    WengLinRating { rating: r.rating, uncertainty: r.uncertainty }
}

/// Team 1's chance to beat team 2 under `model`: the teams' weighted performances compared
/// (each player's rating and uncertainty scaled by their share of play).
pub fn win_probability(model: Model, team1: &[(Rating, f64)], team2: &[(Rating, f64)]) -> f64 {
    if team1.is_empty() || team2.is_empty() {
        return 0.5;
    }
    let scaled = |team: &[(Rating, f64)]| -> Vec<Rating> {
        team.iter()
            .map(|(r, w)| Rating { rating: r.rating * w, uncertainty: r.uncertainty * w })
            .collect()
    };
    let (one, two) = (scaled(team1), scaled(team2));
    match model {
        Model::TrueSkill { beta, dynamics, draw_probability, .. } => {
            let config = TrueSkillConfig { draw_probability, beta, dynamics_factor: dynamics };
            let one: Vec<_> = one.into_iter().map(truesk).collect();
            let two: Vec<_> = two.into_iter().map(truesk).collect();
            expected_score_two_teams(&one, &two, &config).0
        }
        Model::WengLin { beta, .. } => {
            let config = WengLinConfig { beta, uncertainty_tolerance: 1e-6 };
            let one: Vec<_> = one.into_iter().map(wl).collect();
            let two: Vec<_> = two.into_iter().map(wl).collect();
            skillratings::weng_lin::expected_score_two_teams(&one, &two, &config).0
        }
    }
}

/// The two teams' ratings after a map with team 1's `result`.
fn update(
    model: Model,
    one: &[(Rating, f64)],
    two: &[(Rating, f64)],
    result: f64,
) -> (Vec<Rating>, Vec<Rating>) {
    let back = |r: TrueSkillRating| Rating { rating: r.rating, uncertainty: r.uncertainty };
    match model {
        Model::TrueSkill { beta, dynamics, draw_probability, .. } => {
            let config = TrueSkillConfig { draw_probability, beta, dynamics_factor: dynamics };
            let r1: Vec<_> = one.iter().map(|(r, _)| truesk(*r)).collect();
            let r2: Vec<_> = two.iter().map(|(r, _)| truesk(*r)).collect();
            let w1: Vec<f64> = one.iter().map(|(_, w)| *w).collect();
            let w2: Vec<f64> = two.iter().map(|(_, w)| *w).collect();
            let (rank1, rank2) = match outcome_of(result) {
                Outcomes::WIN => (1, 2),
                Outcomes::LOSS => (2, 1),
                Outcomes::DRAW => (1, 1),
            };
            let teams =
                [(&r1[..], MultiTeamOutcome::new(rank1)), (&r2[..], MultiTeamOutcome::new(rank2))];
            match trueskill_multi_team(&teams, &config, Some(&[&w1[..], &w2[..]])) {
                Ok(mut new) if new.len() == 2 => {
                    let new_two = new.pop().unwrap_or_default();
                    let new_one = new.pop().unwrap_or_default();
                    (
                        new_one.into_iter().map(back).collect(),
                        new_two.into_iter().map(back).collect(),
                    )
                }
                // Weights are never negative here; keep the ratings if the crate refuses.
                _ => (one.iter().map(|(r, _)| *r).collect(), two.iter().map(|(r, _)| *r).collect()),
            }
        }
        Model::WengLin { beta, .. } => {
            let config = WengLinConfig { beta, uncertainty_tolerance: 1e-6 };
            let r1: Vec<_> = one.iter().map(|(r, _)| wl(*r)).collect();
            let r2: Vec<_> = two.iter().map(|(r, _)| wl(*r)).collect();
            let (n1, n2) = weng_lin_two_teams(&r1, &r2, &outcome_of(result), &config);
            let partial = |old: &[(Rating, f64)], new: Vec<WengLinRating>| -> Vec<Rating> {
                old.iter()
                    .zip(new)
                    .map(|((o, w), n)| Rating {
                        rating: o.rating + w * (n.rating - o.rating),
                        uncertainty: (o.uncertainty.powi(2)
                            + w * (n.uncertainty.powi(2) - o.uncertainty.powi(2)))
                        .max(0.0)
                        .sqrt(),
                    })
                    .collect()
            };
            (partial(one, n1), partial(two, n2))
        }
    }
}

/// How well a way of predicting did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Its name.
    pub name: String,
    /// Mean log loss of team 1's predicted chance (a draw counts as half a win).
    pub log_loss: f64,
    /// Mean squared error of that chance.
    pub brier: f64,
    /// Share of decided maps whose winner had the higher chance (an even call counts half).
    pub accuracy: f64,
}

/// [`evaluate`]'s answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Maps predicted.
    pub maps: usize,
    /// The model's predictions.
    #[serde(flatten)]
    pub model: Score,
    /// The lifetime K/D baseline's.
    pub baseline: Score,
}

#[derive(Default)]
struct Tally {
    log_loss: f64,
    brier: f64,
    right: f64,
    decided: usize,
    maps: usize,
}

impl Tally {
    fn add(&mut self, p: f64, y: f64) {
        let p = p.clamp(1e-9, 1.0 - 1e-9);
        self.log_loss -= y * p.ln() + (1.0 - y) * (1.0 - p).ln();
        self.brier += (p - y).powi(2);
        self.maps += 1;
        if y != 0.5 {
            self.decided += 1;
            if (p - 0.5).abs() < 1e-12 {
                self.right += 0.5;
            } else if (p > 0.5) == (y > 0.5) {
                self.right += 1.0;
            }
        }
    }

    fn score(&self, name: &str) -> Score {
        let n = self.maps.max(1) as f64;
        Score {
            name: name.to_owned(),
            log_loss: self.log_loss / n,
            brier: self.brier / n,
            accuracy: if self.decided == 0 { 0.0 } else { self.right / self.decided as f64 },
        }
    }
}

/// The name of [`evaluate`]'s baseline.
pub const BASELINE: &str = "lifetime K/D";

/// Goes through `games` in order: predicts each from the ratings before it (and the baseline
/// from each team's lifetime kills and deaths before it: team 1's chance is its K/D over the
/// sum of both, each K/D as (kills + 1) / (deaths + 1)), then rates it.
pub fn evaluate(games: &[Game], model: Model) -> Evaluation {
    evaluate_after(games, model, 0)
}

/// [`evaluate`], scoring only the maps after the first `warm_up` (those are rated, not
/// scored): a held-out measurement of the later maps.
pub fn evaluate_after(games: &[Game], model: Model, warm_up: usize) -> Evaluation {
    let mut rater = Rater::new(model);
    let mut lifetime: HashMap<&str, (i64, i64)> = HashMap::new();
    let (mut rated, mut baseline) = (Tally::default(), Tally::default());
    for (index, game) in games.iter().enumerate() {
        if game.team1.is_empty() || game.team2.is_empty() {
            continue;
        }
        let scored = index >= warm_up;
        if scored {
            rated.add(rater.predict(game), game.result);
        }
        let kd = |team: &[Participant]| {
            let (k, d) = team.iter().fold((0, 0), |(k, d), p| {
                let (pk, pd) = lifetime.get(p.guid.as_str()).copied().unwrap_or_default();
                (k + pk, d + pd)
            });
            (k as f64 + 1.0) / (d as f64 + 1.0)
        };
        let (kd1, kd2) = (kd(&game.team1), kd(&game.team2));
        if scored {
            baseline.add(kd1 / (kd1 + kd2), game.result);
        }
        rater.apply(game);
        for p in game.team1.iter().chain(&game.team2) {
            let entry = lifetime.entry(p.guid.as_str()).or_default();
            entry.0 += p.kills;
            entry.1 += p.deaths;
        }
    }
    Evaluation {
        maps: rated.maps,
        model: rated.score(&model.describe()),
        baseline: baseline.score(BASELINE),
    }
}

/// The most players [`balance`] splits (every split is tried).
pub const MAX_BALANCED: usize = 20;

/// A split into two teams.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Split {
    /// Indexes (into the players given) of team A; it holds the first player.
    pub team_a: Vec<usize>,
    /// Team B's.
    pub team_b: Vec<usize>,
    /// Team A's chance to win.
    pub chance_a: f64,
}

/// The split of `players` into two teams of equal size (or one apart) with the smallest
/// predicted advantage, trying every split; on a tie the first found (team A holding the
/// lowest indexes). None with fewer than two players or more than [`MAX_BALANCED`].
pub fn balance(model: Model, players: &[Rating]) -> Option<Split> {
    let n = players.len();
    if !(2..=MAX_BALANCED).contains(&n) {
        return None;
    }
    let mut best: Option<(f64, Split)> = None;
    // Team A always holds player 0, so each split is seen once; sizes n/2 and n - n/2.
    let sizes: Vec<usize> = if n.is_multiple_of(2) { vec![n / 2] } else { vec![n / 2, n / 2 + 1] };
    for mask in 0u32..(1 << (n - 1)) {
        let size = mask.count_ones() as usize + 1;
        if !sizes.contains(&size) {
            continue;
        }
        let in_a = |i: usize| i == 0 || mask & (1 << (i - 1)) != 0;
        let (a, b): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| in_a(i));
        let team = |ids: &[usize]| ids.iter().map(|&i| (players[i], 1.0)).collect::<Vec<_>>();
        let chance = win_probability(model, &team(&a), &team(&b));
        let gap = (chance - 0.5).abs();
        if best.as_ref().is_none_or(|(g, _)| gap < *g - 1e-12) {
            best = Some((gap, Split { team_a: a, team_b: b, chance_a: chance }));
        }
    }
    best.map(|(_, split)| split)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap_or_default()
    }

    fn p(guid: &str, weight: f64) -> Participant {
        Participant { guid: guid.into(), weight, kills: 0, deaths: 0 }
    }

    fn game(team1: &[(&str, f64)], team2: &[(&str, f64)], result: f64) -> Game {
        Game {
            at: at("2025-01-01 20:00:00"),
            file: "f".into(),
            round_id: 1,
            map: "supply".into(),
            team1: team1.iter().map(|(g, w)| p(g, *w)).collect(),
            team2: team2.iter().map(|(g, w)| p(g, *w)).collect(),
            result,
        }
    }

    /// The TrueSkill update worked by hand (Herbrich et al.'s two-team case, no draw margin
    /// approximation beyond the crate's): two new players 1 v 1, μ 25, σ 25/3, β 25/6, τ 25/300,
    /// draw probability 0.1. σ² after τ: 69.451; c² = 2β² + 2σ² = 173.63, c = 13.177;
    /// draw margin ε = Φ⁻¹(0.55)·√2·β = 0.7403; t = 0/c; v(t, ε/c) = φ(t−ε')/Φ(t−ε') with
    /// ε' = 0.05618: φ(−0.05618)/Φ(−0.05618) = 0.39832/0.47760 = 0.83401;
    /// winner μ = 25 + σ²/c·v = 25 + 69.451/13.177·0.83401 = 29.396;
    /// w = v(v + t − ε') = 0.83401·0.77783 = 0.64872; σ'² = σ²(1 − σ²/c²·w) = 69.451·(1 −
    /// 0.39999·0.64872) = 51.430, σ' = 7.1715.
    #[test]
    fn one_on_one_trueskill_update_matches_the_hand_computation() {
        let textbook = Model::TrueSkill {
            beta: 25.0 / 6.0,
            dynamics: 25.0 / 300.0,
            draw_probability: 0.1,
            initial_uncertainty: 25.0 / 3.0,
        };
        let mut rater = Rater::new(textbook);
        let changes = rater.apply(&game(&[("a", 1.0)], &[("b", 1.0)], 1.0));
        let (a, b) = (rater.rating("a"), rater.rating("b"));
        assert!((a.rating - 29.396).abs() < 0.01, "{a:?}");
        assert!((b.rating - 20.604).abs() < 0.01, "{b:?}");
        assert!((a.uncertainty - 7.1715).abs() < 0.01, "{a:?}");
        assert!((b.uncertainty - a.uncertainty).abs() < 1e-9);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].before, textbook.initial());
        assert_eq!(changes[0].maps, 1);
    }

    #[test]
    fn a_draw_between_equals_keeps_the_ratings_and_shrinks_the_uncertainty() {
        let mut rater = Rater::new(MODEL);
        rater.apply(&game(&[("a", 1.0), ("b", 1.0)], &[("c", 1.0), ("d", 1.0)], 0.5));
        for guid in ["a", "b", "c", "d"] {
            let r = rater.rating(guid);
            assert!((r.rating - 25.0).abs() < 1e-9, "{guid} {r:?}");
            assert!(r.uncertainty < 25.0 / 3.0, "{guid} {r:?}");
        }
    }

    #[test]
    fn a_part_time_player_moves_less_than_a_full_time_team_mate() {
        let mut rater = Rater::new(MODEL);
        rater.apply(&game(&[("full", 1.0), ("part", 0.25)], &[("c", 1.0), ("d", 1.0)], 1.0));
        let (full, part) = (rater.rating("full"), rater.rating("part"));
        assert!(full.rating > part.rating && part.rating > 25.0, "{full:?} {part:?}");
        assert!(part.uncertainty > full.uncertainty, "{full:?} {part:?}");
        let wl = Model::WengLin { beta: 25.0 / 6.0, initial_uncertainty: 25.0 / 3.0 };
        let mut rater = Rater::new(wl);
        rater.apply(&game(&[("full", 1.0), ("part", 0.25)], &[("c", 1.0), ("d", 1.0)], 1.0));
        let (full, part) = (rater.rating("full"), rater.rating("part"));
        assert!((part.rating - 25.0 - 0.25 * (full.rating - 25.0)).abs() < 1e-9);
    }

    #[test]
    fn the_stronger_team_is_predicted_to_win_and_evaluation_counts_every_map() {
        let mut games = Vec::new();
        for i in 0..20 {
            // "a" and "b" always beat "c" and "d"; the sides swap every other map.
            let (one, two, result) = if i % 2 == 0 {
                (["a", "b"], ["c", "d"], 1.0)
            } else {
                (["c", "d"], ["a", "b"], 0.0)
            };
            games.push(game(
                &[(one[0], 1.0), (one[1], 1.0)],
                &[(two[0], 1.0), (two[1], 1.0)],
                result,
            ));
        }
        let eval = evaluate(&games, MODEL);
        assert_eq!(eval.maps, 20);
        assert!(eval.model.log_loss < 0.693 && eval.model.accuracy > 0.8, "{eval:?}");
        // The baseline sees no kills at all: every call is even.
        assert!((eval.baseline.log_loss - 2f64.ln()).abs() < 1e-9, "{eval:?}");
        assert!((eval.baseline.accuracy - 0.5).abs() < 1e-9);
        let mut rater = Rater::new(MODEL);
        games.iter().for_each(|g| {
            rater.apply(g);
        });
        let before = Rater::new(MODEL).predict(&games[0]);
        assert!((before - 0.5).abs() < 1e-6 && rater.predict(&games[0]) > 0.6, "{before}");
    }

    #[test]
    fn balance_pairs_the_strongest_with_the_weakest() {
        let r = |rating: f64| Rating { rating, uncertainty: 1.0 };
        let players = [r(40.0), r(30.0), r(20.0), r(10.0)];
        let split = balance(MODEL, &players).unwrap_or_else(|| panic!("a split"));
        assert_eq!((split.team_a.clone(), split.team_b.clone()), (vec![0, 3], vec![1, 2]));
        assert!((split.chance_a - 0.5).abs() < 1e-6, "{split:?}");
        let odd = balance(MODEL, &[r(30.0), r(20.0), r(10.0)]).unwrap_or_else(|| panic!("odd"));
        assert_eq!(odd.team_a.len() + odd.team_b.len(), 3);
        assert!(balance(MODEL, &[r(1.0)]).is_none());
        assert!(balance(MODEL, &vec![r(1.0); MAX_BALANCED + 1]).is_none());
    }
}
