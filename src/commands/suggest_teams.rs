//! `!suggest_teams [names...]` (`balance`, `st`): the split of a group into two teams with the
//! smallest predicted advantage by their ratings, trying every split (`ratings::balance`), with
//! each team's chance to win. The group is the names given, or else the members of the gaming
//! voice channels whose Discord accounts are linked to a player.
use std::collections::BTreeSet;

use serde_json::json;

use super::{
    CommandError, CommandResult, Ctx, Reply,
    args::words,
    call::{BoxFuture, Call},
    format,
    players::{self, Resolved, Who},
};
use crate::{
    ratings::{MAX_BALANCED, MODEL, Rating, balance},
    render::{Field, Post, safe_name},
    store::ratings as stored,
};

/// The reply for `players` (at least two, at most [`MAX_BALANCED`]); `unlinked` members of
/// the voice channels had no linked player and were left out.
pub async fn suggest_teams(ctx: &Ctx, players: &[Resolved], unlinked: usize) -> CommandResult {
    if players.len() < 2 {
        return Err(CommandError::Invalid(
            "give at least two players, or ask while two or more linked players are in the gaming voice channels"
                .into(),
        ));
    }
    if players.len() > MAX_BALANCED {
        return Err(CommandError::Invalid(format!("at most {MAX_BALANCED} players")));
    }
    let mut ratings = Vec::with_capacity(players.len());
    for player in players {
        let rating = stored::current(&ctx.db, &player.guid).await?.map_or_else(
            || MODEL.initial(),
            |r| Rating { rating: r.rating, uncertainty: r.uncertainty },
        );
        ratings.push(rating);
    }
    let split = balance(MODEL, &ratings)
        .ok_or_else(|| CommandError::Internal("no split of the players".into()))?;
    let team = |ids: &[usize]| -> Vec<serde_json::Value> {
        ids.iter()
            .map(|&i| {
                json!({
                    "guid": players[i].guid,
                    "name": players[i].name,
                    "rating": ratings[i].rating,
                    "uncertainty": ratings[i].uncertainty,
                })
            })
            .collect()
    };
    let roster = |ids: &[usize]| -> String {
        let lines: Vec<String> = ids
            .iter()
            .map(|&i| {
                format!("{} ({:.1})", safe_name(&players[i].name, ctx.names, 24), ratings[i].rating)
            })
            .collect();
        format::cut(&lines.join("\n"), 1024)
    };
    let (a, b) = (split.chance_a, 1.0 - split.chance_a);
    let fields = vec![
        Field {
            name: format!("Team A — {:.1} % to win", a * 100.0), value: roster(&split.team_a)
        },
        Field {
            name: format!("Team B — {:.1} % to win", b * 100.0), value: roster(&split.team_b)
        },
    ];
    let mut footer = format!(
        "Every split of {} players tried; ratings are TrueSkill over stopwatch maps",
        players.len()
    );
    if unlinked > 0 {
        footer.push_str(&format!(" · {unlinked} in voice without a linked player left out"));
    }
    let post = Post {
        title: "⚖️ Suggested teams".to_owned(),
        colour: 0x001A_BC9C,
        description: format!(
            "The fairest split: **{:.1} %** against **{:.1} %**",
            a * 100.0,
            b * 100.0
        ),
        fields,
        footer,
    };
    let data = json!({
        "players": players.len(),
        "unlinked": unlinked,
        "team_a": { "players": team(&split.team_a), "win_probability": a },
        "team_b": { "players": team(&split.team_b), "win_probability": b },
    });
    Ok(Reply::single(post, data))
}

/// The players a use of the command means: the names given (each resolved as `!stats` does;
/// one player named twice counts once), or the linked members in the gaming voice channels.
/// Returns them with the number of voice members left out for want of a link.
async fn group(call: &Call) -> Result<(Vec<Resolved>, usize), CommandError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    if let Some(text) = call.arg("players") {
        let names = words(text);
        if names.len() > MAX_BALANCED {
            return Err(CommandError::Invalid(format!("at most {MAX_BALANCED} players")));
        }
        for name in names {
            let who = Who::parse(Some(&name))?;
            let player = players::resolve(&call.ctx, &who, &call.caller).await?;
            if seen.insert(player.guid.clone()) {
                out.push(player);
            }
        }
        return Ok((out, 0));
    }
    let mut unlinked = 0;
    for member in call.front.voice_members() {
        match players::linked_guid(&call.ctx.db, member).await? {
            Some(guid) if seen.insert(guid.clone()) => {
                out.push(Resolved { name: guid.clone(), guid })
            }
            Some(_) => {}
            None => unlinked += 1,
        }
    }
    let guids: Vec<String> = out.iter().map(|p| p.guid.clone()).collect();
    let names = players::display_names(&call.ctx.db, &guids).await?;
    for player in &mut out {
        if let Some(name) = names.get(&player.guid) {
            player.name = name.clone();
        }
    }
    Ok((out, unlinked))
}

/// The table's handler: `!suggest_teams [names...]`.
pub fn run_suggest_teams(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let (players, unlinked) = group(call).await?;
        suggest_teams(&call.ctx, &players, unlinked).await
    })
}
