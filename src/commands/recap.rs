//! `!recap [id|date]`: the evening in one post — the stopwatch score, the maps, the MVP, the
//! top three by DPM, the personal bests set that evening (most kills and most damage in one
//! round, against the player's rounds before the session), the badge tiers reached in its
//! rounds (`achievement_unlocks`) and the biggest rating climbers of its maps.
use std::collections::HashMap;

use entity::{achievement_unlocks as unlocks, player_comprehensive_stats as pcs, rounds};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, sea_query::Query};
use serde_json::json;

use super::{
    CommandError, CommandResult, Ctx, Reply,
    call::{BoxFuture, Call},
    format,
    gaming_session::{Pick, SessionData, SessionPlayer, aggregate, load},
    players, sessions, stopwatch, teams,
};
use crate::{
    badges::{LADDERS, threshold_text},
    render::{Field, Post, safe_name},
};

/// The MVP: the best DPM among players who played at least half the rounds the most regular
/// player played (so one lucky round does not win it); none without players.
pub fn mvp(players: &[SessionPlayer]) -> Option<&SessionPlayer> {
    let most = players.iter().map(|p| p.rounds).max()?;
    players
        .iter()
        .filter(|p| p.rounds * 2 >= most)
        .max_by(|a, b| a.dpm().total_cmp(&b.dpm()).then(b.guid.cmp(&a.guid)))
}

/// The top `n` by DPM (ties: more damage, then GUID).
pub fn top_dpm(players: &[SessionPlayer], n: usize) -> Vec<&SessionPlayer> {
    let mut ranked: Vec<&SessionPlayer> = players.iter().collect();
    ranked.sort_by(|a, b| {
        b.dpm()
            .total_cmp(&a.dpm())
            .then(b.damage_given.cmp(&a.damage_given))
            .then(a.guid.cmp(&b.guid))
    });
    ranked.truncate(n);
    ranked
}

/// A personal best set in the session: `what` reached `tonight`, above the player's `before`.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonalBest {
    /// GUID.
    pub guid: String,
    /// "kills" or "damage".
    pub what: &'static str,
    /// The session's best single round.
    pub tonight: i64,
    /// The best single round before the session.
    pub before: i64,
}

/// Each player's best round (kills, damage) among `rows` (rounds 1 and 2).
fn best_rounds<'a>(rows: impl Iterator<Item = &'a pcs::Model>) -> HashMap<String, (i64, i64)> {
    let mut best: HashMap<String, (i64, i64)> = HashMap::new();
    for row in rows.filter(|r| r.round_number != 0) {
        let entry = best.entry(row.player_guid.clone()).or_default();
        entry.0 = entry.0.max(i64::from(row.kills));
        entry.1 = entry.1.max(i64::from(row.damage_given));
    }
    best
}

/// The personal bests the session's rows set (players with rounds before it only).
async fn personal_bests(ctx: &Ctx, data: &SessionData) -> Result<Vec<PersonalBest>, DbErr> {
    let tonight = best_rounds(data.rows.iter());
    let guids: Vec<String> = tonight.keys().cloned().collect();
    let earlier = Query::select()
        .column(rounds::Column::Id)
        .from(rounds::Entity)
        .and_where(rounds::Column::RoundAt.lt(data.started()))
        .to_owned();
    let before: Vec<(String, Option<i32>, Option<i32>)> = pcs::Entity::find()
        .select_only()
        .column(pcs::Column::PlayerGuid)
        .column_as(pcs::Column::Kills.max(), "kills")
        .column_as(pcs::Column::DamageGiven.max(), "damage")
        .filter(pcs::Column::PlayerGuid.is_in(guids))
        .filter(pcs::Column::RoundNumber.is_in([1, 2]))
        .filter(pcs::Column::RoundId.in_subquery(earlier))
        .group_by(pcs::Column::PlayerGuid)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let mut out = Vec::new();
    for (guid, kills, damage) in before {
        let Some(&(k, d)) = tonight.get(&guid) else { continue };
        for (what, now, was) in [("kills", k, kills), ("damage", d, damage)] {
            let was = i64::from(was.unwrap_or(0));
            if now > was && was > 0 {
                out.push(PersonalBest { guid: guid.clone(), what, tonight: now, before: was });
            }
        }
    }
    out.sort_by(|a, b| a.guid.cmp(&b.guid).then(a.what.cmp(b.what)));
    Ok(out)
}

/// The recap of the session `pick` names.
pub async fn recap(ctx: &Ctx, pick: Pick) -> CommandResult {
    let Some(data) = load(ctx, pick).await? else {
        return Err(CommandError::Empty("no gaming session found for that".into()));
    };
    let mut guids: Vec<String> = data.rows.iter().map(|r| r.player_guid.clone()).collect();
    guids.sort();
    guids.dedup();
    let names = players::display_names(&ctx.db, &guids).await?;
    let players = aggregate(&data.rows, &names);
    let name_of =
        |guid: &str| safe_name(names.get(guid).map_or(guid, String::as_str), ctx.names, 24);
    let lineups = teams::detect(&data);
    let score = stopwatch::score(&data, &lineups);
    let maps: Vec<String> = data
        .maps()
        .iter()
        .map(|(m, n)| if *n > 1 { format!("{m} (x{n})") } else { m.clone() })
        .collect();
    let (started, ended) = (data.started(), data.ended());
    let description = format::cut(
        &format!(
            "{} players · {} rounds · {}–{} ({})\n🗺️ {}",
            players.len(),
            data.rounds.len(),
            started.format("%H:%M"),
            ended.format("%H:%M"),
            format::duration((ended - started).num_seconds()),
            safe_name(&maps.join(", "), ctx.names, 900),
        ),
        4096,
    );
    let mut fields = Vec::new();
    if !score.maps.is_empty() {
        fields.push(sessions::score_field(&score, ctx));
    }
    let best = mvp(&players);
    if let Some(p) = best {
        fields.push(Field {
            name: "⭐ MVP".to_owned(),
            value: format!(
                "**{}** — {:.0} DPM · {} kills · K/D {:.2} · {} rounds",
                name_of(&p.guid),
                p.dpm(),
                p.kills,
                format::kd(p.kills, p.deaths),
                p.rounds
            ),
        });
    }
    let top = top_dpm(&players, 3);
    if !top.is_empty() {
        let lines: Vec<String> = top
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!("{} **{}** {:.0} DPM", crate::render::rank(i), name_of(&p.guid), p.dpm())
            })
            .collect();
        fields.push(Field { name: "🔥 Top DPM".to_owned(), value: lines.join("\n") });
    }
    let bests = personal_bests(ctx, &data).await?;
    if !bests.is_empty() {
        let lines: Vec<String> = bests
            .iter()
            .map(|b| {
                format!(
                    "**{}** {} {} in a round (was {})",
                    name_of(&b.guid),
                    format::thousands(b.tonight),
                    b.what,
                    format::thousands(b.before)
                )
            })
            .collect();
        fields.push(Field {
            name: "📈 Personal bests".to_owned(),
            value: format::cut(&lines.join("\n"), 1024),
        });
    }
    let round_ids: Vec<i32> = data.rounds.iter().map(|r| r.id).collect();
    let reached = unlocks::Entity::find()
        .filter(unlocks::Column::RoundId.is_in(round_ids))
        .all(&ctx.db)
        .await?;
    if !reached.is_empty() {
        let lines: Vec<String> = reached
            .iter()
            .filter_map(|u| {
                let ladder = LADDERS.iter().find(|l| l.name == u.ladder)?;
                let threshold = ladder.tiers.get(usize::try_from(u.tier - 1).ok()?)?;
                Some(format!(
                    "**{}** {} {} {}",
                    name_of(&u.guid),
                    ladder.emoji,
                    ladder.name,
                    threshold_text(*threshold)
                ))
            })
            .collect();
        fields.push(Field {
            name: "🏅 Badges reached".to_owned(),
            value: format::cut(&lines.join("\n"), 1024),
        });
    }
    // The ratings' biggest rises over the session's maps (`store::ratings`).
    let round2s: Vec<i32> =
        data.rounds.iter().filter(|r| r.round_number == 2).map(|r| r.id).collect();
    let climbers: Vec<(String, f64, f64)> = crate::store::ratings::changes_over(&ctx.db, &round2s)
        .await?
        .into_iter()
        .filter(|(_, before, after)| after > before)
        .take(3)
        .collect();
    if !climbers.is_empty() {
        let lines: Vec<String> = climbers
            .iter()
            .map(|(guid, before, after)| {
                format!(
                    "**{}** {:+.2} ({:.1} → {:.1})",
                    name_of(guid),
                    after - before,
                    before,
                    after
                )
            })
            .collect();
        fields.push(Field {
            name: "📈 Biggest climbers".to_owned(),
            value: format::cut(&lines.join("\n"), 1024),
        });
    }
    let ids: Vec<String> = data.sessions.iter().map(|s| format!("#{}", s.id)).collect();
    let post = Post {
        title: format!("🌙 Session recap: {}", started.format("%Y-%m-%d")),
        colour: 0x009B_59B6,
        description,
        fields,
        footer: format!("Session {} · !last_session for every view", ids.join(", ")),
    };
    let json = json!({
        "sessions": data.sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        "mvp": best.map(|p| p.guid.clone()),
        "top_dpm": top.iter().map(|p| json!({"guid": p.guid, "dpm": p.dpm()})).collect::<Vec<_>>(),
        "personal_bests": bests
            .iter()
            .map(|b| json!({"guid": b.guid, "what": b.what, "tonight": b.tonight, "before": b.before}))
            .collect::<Vec<_>>(),
        "badges": reached
            .iter()
            .map(|u| json!({"guid": u.guid, "ladder": u.ladder, "tier": u.tier}))
            .collect::<Vec<_>>(),
        "score": score.to_json(&lineups, |guid| names.get(guid).cloned().unwrap_or_else(|| guid.to_owned())),
        "climbers": climbers
            .iter()
            .map(|(guid, before, after)| json!({"guid": guid, "before": before, "after": after, "change": after - before}))
            .collect::<Vec<_>>(),
    });
    Ok(Reply::single(post, json))
}

/// The table's handler: `!recap [id|date]`, cached per session asked for.
pub fn run_recap(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let pick = Pick::parse(call.arg("which"), call.ctx.now.date())?;
        call.cached(format!("recap:{pick:?}"), recap(&call.ctx, pick)).await
    })
}

/// The recap of the latest gaming session with a round between `from` and `to` (game-server
/// local time), as one post; none when no round was played then.
pub async fn recap_between(
    ctx: &Ctx,
    from: chrono::NaiveDateTime,
    to: chrono::NaiveDateTime,
) -> Result<Option<Post>, CommandError> {
    use entity::gaming_sessions as sessions;
    use sea_orm::QueryOrder;
    let session = sessions::Entity::find()
        .filter(sessions::Column::EndedAt.gte(from))
        .filter(sessions::Column::StartedAt.lte(to))
        .order_by_desc(sessions::Column::Id)
        .one(&ctx.db)
        .await?;
    let Some(session) = session else { return Ok(None) };
    Ok(recap(ctx, Pick::Id(session.id)).await?.posts.into_iter().next())
}
