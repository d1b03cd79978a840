//! `!rating [player]`: a player's team rating (TrueSkill over stopwatch maps, `crate::ratings`),
//! rank, maps rated and history, with a chart of the rating over time; and the rating board
//! (`!leaderboard rating`, `slomix rating` with no name), ranked by μ − 3σ.
use serde_json::json;

use super::{
    CommandError, CommandResult, Ctx, Pages, Reply,
    call::{BoxFuture, Call},
    charts, format,
    leaderboard::{MAX_PAGES, PAGE_SIZE},
    players::{self, Resolved, Who},
};
use crate::{
    ratings::Rating,
    render::{Field, Post, safe_name},
    store::ratings as stored,
};

/// The words `!leaderboard` takes for the rating board.
pub const BOARD_WORDS: [&str; 4] = ["rating", "ratings", "skill", "elo"];

fn conservative(r: &entity::player_ratings::Model) -> f64 {
    Rating { rating: r.rating, uncertainty: r.uncertainty }.conservative()
}

/// One player's rating, with its chart.
pub async fn rating(ctx: &Ctx, player: &Resolved) -> CommandResult {
    rating_of(ctx, player, true).await
}

/// One player's rating; the chart only when `chart` (the web draws its own).
pub async fn rating_of(ctx: &Ctx, player: &Resolved, chart: bool) -> CommandResult {
    let Some(current) = stored::current(&ctx.db, &player.guid).await? else {
        return Err(CommandError::Empty(format!(
            "{} has no rated map yet (a map counts once both its rounds are stored)",
            safe_name(&player.name, ctx.names, 32)
        )));
    };
    let board = stored::board(&ctx.db).await?;
    let rank = board.iter().position(|r| r.guid == player.guid).map_or(board.len(), |i| i + 1);
    let history = stored::history(&ctx.db, &player.guid).await?;
    let name = safe_name(&player.name, ctx.names, 32);
    let mut fields = vec![Field {
        name: "Rank".to_owned(),
        value: format!("#{rank} of {} (by μ − 3σ = {:.1})", board.len(), conservative(&current)),
    }];
    fields.push(Field { name: "Maps rated".to_owned(), value: current.maps.to_string() });
    if let Some(last) = history.last() {
        fields.push(Field {
            name: "Last map".to_owned(),
            value: format!(
                "{:+.2} on {} ({})",
                last.rating - last.rating_before,
                safe_name(&last.map, ctx.names, 40),
                last.at.format("%Y-%m-%d")
            ),
        });
    }
    if let Some(session) = history.last().and_then(|p| p.session_id) {
        let tonight: Vec<_> = history.iter().filter(|p| p.session_id == Some(session)).collect();
        if let (Some(first), Some(last)) = (tonight.first(), tonight.last()) {
            fields.push(Field {
                name: "Last session".to_owned(),
                value: format!(
                    "{:+.2} over {} maps (session {session})",
                    last.rating - first.rating_before,
                    tonight.len()
                ),
            });
        }
    }
    if let Some(best) = history.iter().max_by(|a, b| a.rating.total_cmp(&b.rating)) {
        fields.push(Field {
            name: "Peak".to_owned(),
            value: format!("{:.2} ({})", best.rating, best.at.format("%Y-%m-%d")),
        });
    }
    let points: Vec<(f64, f64)> = history.iter().map(|p| (p.rating, p.uncertainty)).collect();
    let attachments = match charts::rating_chart(&player.name, &points) {
        _ if !chart => Vec::new(),
        Ok(image) => vec![image],
        Err(error) => {
            tracing::warn!(error = %error, "rating chart not drawn; answering with the numbers");
            Vec::new()
        }
    };
    let mut description = format!("**{:.2}** ± {:.2}", current.rating, current.uncertainty);
    if let Some(link) = ctx.site_link(&format!("/players/{}", player.guid), "Player page") {
        description.push('\n');
        description.push_str(&link);
    }
    let post = Post {
        title: format::cut(&format!("📈 Rating: {name}"), 256),
        colour: 0x0034_98DB,
        description,
        fields,
        footer: "TrueSkill over stopwatch maps, each player counted by time played".to_owned(),
    };
    let data = json!({
        "guid": player.guid,
        "name": player.name,
        "rating": current.rating,
        "uncertainty": current.uncertainty,
        "rank": rank,
        "maps": current.maps,
        "history": history.iter().map(|p| json!({
            "at": p.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            "rating": p.rating,
            "uncertainty": p.uncertainty,
            "session_id": p.session_id,
        })).collect::<Vec<_>>(),
    });
    Ok(Reply { posts: vec![post], attachments, pages: None, data })
}

/// The rating board, page `page` (from 1).
pub async fn board(ctx: &Ctx, page: u32) -> CommandResult {
    let board = stored::board(&ctx.db).await?;
    let count = board.len();
    let total = u32::try_from(count).unwrap_or(u32::MAX).div_ceil(PAGE_SIZE).clamp(1, MAX_PAGES);
    let page = page.clamp(1, total);
    let offset = ((page - 1) * PAGE_SIZE) as usize;
    let shown: Vec<_> = board.iter().skip(offset).take(PAGE_SIZE as usize).collect();
    let guids: Vec<String> = shown.iter().map(|r| r.guid.clone()).collect();
    let names = players::display_names(&ctx.db, &guids).await?;
    let mut lines = Vec::new();
    let mut data = Vec::new();
    for (i, row) in shown.iter().enumerate() {
        let place = offset + i + 1;
        let name = names.get(&row.guid).cloned().unwrap_or_else(|| row.guid.clone());
        lines.push(format!(
            "**{place}.** **{}**\n↳ {:.2} ± {:.2} · {} maps",
            safe_name(&name, ctx.names, 24),
            row.rating,
            row.uncertainty,
            row.maps
        ));
        data.push(json!({
            "rank": place,
            "guid": row.guid,
            "name": name,
            "rating": row.rating,
            "uncertainty": row.uncertainty,
            "conservative": conservative(row),
            "maps": row.maps,
        }));
    }
    let description = if lines.is_empty() {
        "Nobody is rated yet: a map counts once both its rounds are stored.".to_owned()
    } else {
        format::cut(&lines.join("\n"), 4096)
    };
    let post = Post {
        title: "🏆 Leaderboard: Rating".to_owned(),
        colour: 0x00F1_C40F,
        description,
        fields: Vec::new(),
        footer: format!("Page {page}/{total} · {count} rated · ranked by μ − 3σ"),
    };
    Ok(Reply {
        posts: vec![post],
        attachments: Vec::new(),
        pages: Some(Pages { page, total }),
        data: json!({ "category": "rating", "page": page, "pages": total, "qualifying": count, "players": data }),
    })
}

/// `slomix rating --rebuild`: every stored map rated again, in time order.
pub async fn rebuild(ctx: &Ctx) -> CommandResult {
    let done = stored::rebuild(&ctx.db).await?;
    let maps = match done {
        stored::CaughtUp::Rebuilt(n) | stored::CaughtUp::Extended(n) => n,
        stored::CaughtUp::Unchanged => 0,
    };
    let players = stored::board(&ctx.db).await?.len();
    let post = Post {
        title: "📈 Ratings rebuilt".to_owned(),
        colour: 0x0034_98DB,
        description: format!("{maps} maps rated in time order; {players} players rated."),
        fields: Vec::new(),
        footer: crate::ratings::MODEL.describe(),
    };
    Ok(Reply::single(post, json!({ "maps": maps, "players": players })))
}

/// `slomix rating --evaluate`: each stored map predicted from the ratings before it, then
/// rated; the model's log loss, Brier score and accuracy beside the lifetime-K/D baseline's.
pub async fn evaluate(ctx: &Ctx) -> CommandResult {
    let games = stored::load_games(&ctx.db, None).await?;
    let eval = crate::ratings::evaluate(&games, crate::ratings::MODEL);
    let line = |s: &crate::ratings::Score| {
        format!(
            "log loss {:.4} · Brier {:.4} · accuracy {:.1} %",
            s.log_loss,
            s.brier,
            s.accuracy * 100.0
        )
    };
    let post = Post {
        title: format!("📈 Ratings evaluated on {} maps", eval.maps),
        colour: 0x0034_98DB,
        description:
            "Each map predicted from the ratings before it (a coin flip's log loss is 0.6931)."
                .to_owned(),
        fields: vec![
            Field { name: format!("Model: {}", eval.model.name), value: line(&eval.model) },
            Field {
                name: format!("Baseline: {}", eval.baseline.name),
                value: line(&eval.baseline),
            },
        ],
        footer: String::new(),
    };
    let data = serde_json::to_value(&eval).unwrap_or_default();
    Ok(Reply::single(post, data))
}

/// The table's handler: `!rating [player]`; on the terminal with no name, the board.
pub fn run_rating(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        if call.arg("rebuild").is_some() {
            return rebuild(&call.ctx).await;
        }
        if call.arg("evaluate").is_some() {
            return evaluate(&call.ctx).await;
        }
        let arg = call.arg("player");
        if arg.is_none() && call.caller.discord_id.is_none() {
            let page = call.page.unwrap_or(1);
            return call.cached(format!("rating:board:{page}"), board(&call.ctx, page)).await;
        }
        let who = Who::parse(arg)?;
        let player = players::resolve(&call.ctx, &who, &call.caller).await?;
        call.cached(format!("rating:{}", player.guid), rating(&call.ctx, &player)).await
    })
}
