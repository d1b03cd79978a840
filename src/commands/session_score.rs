//! `!session_score [id|date]`: a session's stopwatch score, map by map (`stopwatch`), with
//! each team's players.
use serde_json::json;

use super::{
    CommandError, CommandResult, Ctx, Reply,
    call::{BoxFuture, Call},
    format,
    gaming_session::{Pick, load},
    players, sessions, stopwatch, teams,
};
use crate::render::{Field, Post, safe_name};

/// The command.
pub async fn session_score(ctx: &Ctx, pick: Pick) -> CommandResult {
    let Some(data) = load(ctx, pick).await? else {
        return Err(CommandError::Empty("no gaming session found for that".into()));
    };
    let lineups = teams::detect(&data);
    let score = stopwatch::score(&data, &lineups);
    let guids: Vec<String> = lineups.members.keys().cloned().collect();
    let names = players::display_names(&ctx.db, &guids).await?;
    let name = |guid: &str| names.get(guid).cloned().unwrap_or_else(|| guid.to_owned());
    let json_score = score.to_json(&lineups, name);
    let mut fields = Vec::new();
    for key in ["team_a", "team_b"] {
        let team = &json_score[key];
        let roster: Vec<String> = team["players"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str())
            .map(|p| safe_name(p, ctx.names, 20))
            .collect();
        fields.push(Field {
            name: format!("{} — {} points", team["name"].as_str().unwrap_or(key), team["points"]),
            value: format::cut(&roster.join(", "), 1024),
        });
    }
    let description = if score.maps.is_empty() {
        "No map with both rounds in this session yet.".to_owned()
    } else {
        format!("**{}**", score.line())
    };
    let mut post = Post {
        title: format!("🏁 Stopwatch score: {}", data.started().format("%Y-%m-%d")),
        colour: 0x00F1_C40F,
        description,
        fields,
        footer: "A map won is 2 points, a draw (double fullhold) 1 each".to_owned(),
    };
    if !score.maps.is_empty() {
        post.fields.insert(0, sessions::score_field(&score, ctx));
    }
    let data = json!({
        "sessions": data.sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        "score": json_score,
    });
    Ok(Reply::single(post, data))
}

/// The table's handler: `!session_score [id|date]`, cached per session asked for.
pub fn run_session_score(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let pick = Pick::parse(call.arg("which"), call.ctx.now.date())?;
        call.cached(format!("session_score:{pick:?}"), session_score(&call.ctx, pick)).await
    })
}
