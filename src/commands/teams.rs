//! `!teams [session]`: the two line-ups of a session, told apart from the sides players took
//! round by round (teams swap sides between rounds, so the side alone says nothing), and the
//! maps each team won.
use super::call::{BoxFuture, Call};
use std::collections::{BTreeSet, HashMap};

use serde_json::json;

use super::{
    CommandError, CommandResult, Ctx, Reply, format, players,
    sessions::{self, Pick, SessionData},
};
use crate::render::{Field, Post, safe_name};

/// Team A or B.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Team {
    /// The team that had side 1 (Axis) in the session's first round.
    A,
    /// The other.
    B,
}

/// Who played for which team, and which side each team had in every round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineups {
    /// GUID → team.
    pub members: HashMap<String, Team>,
    /// Round id → the side (1 or 2) team A had in it.
    pub side_of_a: HashMap<i32, i32>,
}

/// Splits a session's players into two teams: the first round seeds them by side; in each
/// later round the side whose players are mostly team A is team A's side, and newcomers join
/// the team of the side they played on.
pub fn detect(data: &SessionData) -> Lineups {
    let mut members: HashMap<String, Team> = HashMap::new();
    let mut side_of_a = HashMap::new();
    for round in &data.rounds {
        let side = |s: i32| -> BTreeSet<&str> {
            data.rows
                .iter()
                .filter(|r| r.round_id == round.id && r.team == s)
                .map(|r| r.player_guid.as_str())
                .collect()
        };
        let (one, two) = (side(1), side(2));
        if one.is_empty() && two.is_empty() {
            continue;
        }
        let count = |set: &BTreeSet<&str>, team: Team| {
            set.iter().filter(|g| members.get(**g) == Some(&team)).count()
        };
        let straight = count(&one, Team::A) + count(&two, Team::B);
        let crossed = count(&one, Team::B) + count(&two, Team::A);
        let a_side = if straight >= crossed { 1 } else { 2 };
        side_of_a.insert(round.id, a_side);
        let (a_players, b_players) = if a_side == 1 { (one, two) } else { (two, one) };
        for guid in a_players {
            members.entry(guid.to_owned()).or_insert(Team::A);
        }
        for guid in b_players {
            members.entry(guid.to_owned()).or_insert(Team::B);
        }
    }
    Lineups { members, side_of_a }
}

/// Maps won by each team and maps drawn or undecided, by the stopwatch rules
/// (`stopwatch::score`: a double fullhold is a draw); a round 2 whose round 1 is not in the
/// session goes to the team holding the side it names winner.
pub fn map_wins(data: &SessionData, lineups: &Lineups) -> (usize, usize, usize) {
    use super::stopwatch::Winner;
    let score = super::stopwatch::score(data, lineups);
    let count = |w: Winner| score.maps.iter().filter(|m| m.winner == w).count();
    let (mut a, mut b, mut draws) =
        (count(Winner::TeamA), count(Winner::TeamB), count(Winner::Draw));
    for round in data.rounds.iter().filter(|r| r.round_number == 2 && r.round_status != "orphan_r2")
    {
        if score.maps.iter().any(|m| m.round2_file == round.filename) {
            continue;
        }
        match (round.winner_team, lineups.side_of_a.get(&round.id)) {
            (0, _) | (_, None) => draws += 1,
            (winner, Some(side)) if winner == *side => a += 1,
            _ => b += 1,
        }
    }
    (a, b, draws)
}

/// The command.
pub async fn teams(ctx: &Ctx, pick: Pick) -> CommandResult {
    let Some(data) = sessions::load(ctx, pick).await? else {
        return Err(CommandError::Empty("no gaming session found for that".into()));
    };
    let lineups = detect(&data);
    let guids: Vec<String> = lineups.members.keys().cloned().collect();
    let names = players::display_names(&ctx.db, &guids).await?;
    let totals = sessions::aggregate(&data.rows, &names);
    let (wins_a, wins_b, draws) = map_wins(&data, &lineups);
    let score = super::stopwatch::score(&data, &lineups);
    let mut fields = Vec::new();
    let mut json_teams = Vec::new();
    for (team, title) in [(Team::A, "═══ Team A ═══"), (Team::B, "═══ Team B ═══")]
    {
        let roster: Vec<&sessions::SessionPlayer> =
            totals.iter().filter(|p| lineups.members.get(&p.guid) == Some(&team)).collect();
        let kills: i64 = roster.iter().map(|p| p.kills).sum();
        let damage: i64 = roster.iter().map(|p| p.damage_given).sum();
        let lines: Vec<String> = roster
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "{}. **{}** — {}K/{}D, DPM {:.0}",
                    i + 1,
                    safe_name(&p.name, ctx.names, 20),
                    p.kills,
                    p.deaths,
                    p.dpm()
                )
            })
            .collect();
        let body = if lines.is_empty() { "—".to_owned() } else { lines.join("\n") };
        fields.push(Field {
            name: title.to_owned(),
            value: format::cut(
                &format!(
                    "{body}\n**Total:** {} kills, {} damage",
                    kills,
                    format::thousands(damage)
                ),
                1024,
            ),
        });
        json_teams.push(json!({
            "team": if team == Team::A { "A" } else { "B" },
            "players": roster.iter().map(|p| json!({"guid": p.guid, "name": p.name, "kills": p.kills})).collect::<Vec<_>>(),
            "kills": kills,
        }));
    }
    let post = Post {
        title: format!("👥 Teams: {}", data.started().format("%Y-%m-%d")),
        colour: 0x00E6_7E22,
        description: format!(
            "**Stopwatch:** {} · **Maps won:** Team A {wins_a} – {wins_b} Team B{}",
            score.line(),
            if draws > 0 { format!(" ({draws} drawn or undecided)") } else { String::new() }
        ),
        fields,
        footer: "Teams follow who played together; sides swap between rounds".to_owned(),
    };
    Ok(Reply::single(
        post,
        json!({
            "teams": json_teams,
            "maps_won": { "a": wins_a, "b": wins_b, "undecided": draws },
            "score": score.to_json(&lineups, |guid| names.get(guid).cloned().unwrap_or_else(|| guid.to_owned())),
        }),
    ))
}

/// The table's handler: `!teams [id|date]`, cached per session asked for.
pub fn run_teams(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let pick = Pick::parse(call.arg("which"), call.ctx.now.date())?;
        call.cached(format!("teams:{pick:?}"), teams(&call.ctx, pick)).await
    })
}
