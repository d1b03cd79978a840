//! `!stats [player]`: a player's lifetime numbers from `player_totals` (rounds 1 and 2; a
//! match summary is never counted twice), their top weapons, last rounds and other names.
use super::call::{BoxFuture, Call};
use entity::player_weapon_totals as weapons;
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::{
    Caller, CommandError, CommandResult, Ctx, Reply, achievements, format,
    players::{self, Who},
};
use crate::render::{Field, Post, safe_name};

#[derive(Debug, FromQueryResult)]
struct RecentRow {
    round_date: String,
    map_name: String,
    round_number: i32,
    kills: i32,
    deaths: i32,
    damage_given: i32,
    time_played_seconds: i32,
}

/// The command.
pub async fn stats(ctx: &Ctx, who: &Who, caller: &Caller) -> CommandResult {
    let player = players::resolve(ctx, who, caller).await?;
    let Some(t) = players::totals_of(&ctx.db, &player.guid).await? else {
        return Err(CommandError::Empty(format!(
            "no rounds stored for {} yet",
            safe_name(&player.name, ctx.names, 32)
        )));
    };
    let top: Vec<weapons::Model> = weapons::Entity::find()
        .filter(weapons::Column::Guid.eq(player.guid.as_str()))
        .filter(weapons::Column::Kills.gt(0))
        .order_by_desc(weapons::Column::Kills)
        .order_by_asc(weapons::Column::Weapon)
        .limit(3)
        .all(&ctx.db)
        .await?;
    let recent =
        RecentRow::find_by_statement(recent_rounds(&ctx.db, &player.guid)).all(&ctx.db).await?;
    let aliases = players::aliases_of(&ctx.db, &player.guid, 4).await?;

    let kd = format::kd(t.kills, t.deaths);
    let dpm = format::dpm(t.damage_given, t.time_played_seconds);
    let accuracy = format::percent(t.hits, t.shots);
    let head_rate = format::percent(t.headshots, t.hits);
    let badges = achievements::badges(&t);
    let name = safe_name(&player.name, ctx.names, 32);

    let mut fields = vec![
        Field {
            name: "⚔️ Combat".to_owned(),
            value: format!(
                "**Kills:** {} · **Deaths:** {} · **K/D:** {kd:.2}\n**Gibs:** {} · **Efficiency:** {:.1}%\n**Headshot kills:** {} · **Head hits:** {} ({head_rate:.1}% of hits)",
                format::thousands(t.kills),
                format::thousands(t.deaths),
                format::thousands(t.gibs),
                format::efficiency(t.kills, t.deaths),
                format::thousands(t.headshot_kills),
                format::thousands(t.headshots),
            ),
        },
        Field {
            name: "💥 Damage".to_owned(),
            value: format!(
                "**DPM:** {dpm:.1} · **Accuracy:** {accuracy:.1}% ({}/{})\n**Given:** {} · **Received:** {} · **Team:** {}",
                format::thousands(t.hits),
                format::thousands(t.shots),
                format::thousands(t.damage_given),
                format::thousands(t.damage_received),
                format::thousands(t.team_damage_given),
            ),
        },
        Field {
            name: "🩺 Support & objectives".to_owned(),
            value: format!(
                "**Revives:** {}↑/{}↓ · **Useful kills:** {}\n**Dynamites:** {} planted, {} defused · **Objectives:** {}",
                format::thousands(t.revives_given),
                format::thousands(t.times_revived),
                format::thousands(t.useful_kills),
                t.dynamites_planted,
                t.dynamites_defused,
                t.objectives_stolen
                    + t.objectives_returned
                    + t.objectives_completed
                    + t.objectives_destroyed,
            ),
        },
        Field {
            name: "⏱️ Time".to_owned(),
            value: format!(
                "**Rounds:** {} · **Played:** {} · **Dead:** {:.0}%\n**First seen:** {} · **Last seen:** {}",
                format::thousands(t.rounds),
                format::duration(t.time_played_seconds),
                if t.time_played_seconds > 0 {
                    t.time_dead_seconds * 100.0 / t.time_played_seconds as f64
                } else {
                    0.0
                },
                t.first_seen.format("%Y-%m-%d"),
                t.last_seen.format("%Y-%m-%d"),
            ),
        },
    ];
    if !top.is_empty() {
        let lines: Vec<String> = top
            .iter()
            .map(|w| {
                format!(
                    "**{}**: {} kills, {:.1}% accuracy",
                    format::weapon(&w.weapon),
                    format::thousands(w.kills),
                    format::percent(w.hits, w.shots)
                )
            })
            .collect();
        fields.push(Field { name: "🔫 Top weapons".to_owned(), value: lines.join("\n") });
    }
    if !recent.is_empty() {
        let lines: Vec<String> = recent
            .iter()
            .map(|r| {
                format!(
                    "{} {} R{}: {}K/{}D, DPM {:.0}",
                    r.round_date,
                    safe_name(&r.map_name, ctx.names, 24),
                    r.round_number,
                    r.kills,
                    r.deaths,
                    format::dpm(i64::from(r.damage_given), i64::from(r.time_played_seconds))
                )
            })
            .collect();
        fields.push(Field { name: "🕹️ Last rounds".to_owned(), value: lines.join("\n") });
    }
    let others: Vec<String> = aliases
        .iter()
        .filter(|a| **a != player.name)
        .take(3)
        .map(|a| safe_name(a, ctx.names, 24))
        .collect();
    let footer = if others.is_empty() {
        format!("GUID: {}", player.guid)
    } else {
        format::cut(&format!("GUID: {} | Also known as: {}", player.guid, others.join(", ")), 2048)
    };
    let post = Post {
        title: format::cut(&format!("📊 Player Statistics: {name} {badges}"), 256),
        colour: 0x0058_65F2,
        description: ctx
            .site_link(&format!("/players/{}", player.guid.replace('#', "%23")), "Player page")
            .unwrap_or_default(),
        fields,
        footer,
    };
    let data = json!({
        "guid": player.guid,
        "name": player.name,
        "rounds": t.rounds,
        "kills": t.kills,
        "deaths": t.deaths,
        "kd": kd,
        "gibs": t.gibs,
        "damage_given": t.damage_given,
        "damage_received": t.damage_received,
        "team_damage_given": t.team_damage_given,
        "dpm": dpm,
        "accuracy": accuracy,
        "hits": t.hits,
        "shots": t.shots,
        "headshot_kills": t.headshot_kills,
        "headshots": t.headshots,
        "headshot_rate": head_rate,
        "revives_given": t.revives_given,
        "times_revived": t.times_revived,
        "time_played_seconds": t.time_played_seconds,
        "badges": badges,
        "top_weapons": top.iter().map(|w| json!({"weapon": w.weapon, "kills": w.kills, "hits": w.hits, "shots": w.shots})).collect::<Vec<_>>(),
        "recent": recent.iter().map(|r| json!({"date": r.round_date, "map": r.map_name, "round": r.round_number, "kills": r.kills, "deaths": r.deaths})).collect::<Vec<_>>(),
        "aliases": aliases,
    });
    Ok(Reply::single(post, data))
}

/// A player's last three rounds (1 and 2), newest first; sea-query binds the GUID.
fn recent_rounds(db: &sea_orm::DatabaseConnection, guid: &str) -> sea_orm::Statement {
    use entity::{player_comprehensive_stats as p, rounds as r};
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query};
    let query = Query::select()
        .expr_as(Expr::col((r::Entity, r::Column::RoundDate)), Alias::new("round_date"))
        .expr_as(Expr::col((r::Entity, r::Column::MapName)), Alias::new("map_name"))
        .expr_as(Expr::col((r::Entity, r::Column::RoundNumber)), Alias::new("round_number"))
        .columns([
            (p::Entity, p::Column::Kills),
            (p::Entity, p::Column::Deaths),
            (p::Entity, p::Column::DamageGiven),
            (p::Entity, p::Column::TimePlayedSeconds),
        ])
        .from(p::Entity)
        .join(
            JoinType::InnerJoin,
            r::Entity,
            Expr::col((r::Entity, r::Column::Id)).equals((p::Entity, p::Column::RoundId)),
        )
        .and_where(Expr::col((p::Entity, p::Column::PlayerGuid)).eq(guid))
        .and_where(Expr::col((p::Entity, p::Column::RoundNumber)).is_in([1, 2]))
        .order_by((p::Entity, p::Column::RoundDate), Order::Desc)
        .order_by((r::Entity, r::Column::RoundAt), Order::Desc)
        .order_by((r::Entity, r::Column::RoundNumber), Order::Desc)
        .limit(3)
        .to_owned();
    db.get_database_backend().build(&query)
}

/// The table's handler: `!stats [player]`, `slomix stats NAME`.
pub fn run_stats(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move { stats(&call.ctx, &Who::parse(call.arg("player"))?, &call.caller).await })
}
