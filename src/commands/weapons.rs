//! `!weapons [player]`: a player's lifetime numbers per weapon (kills, deaths, accuracy,
//! head-shot rate), most kills first, from `player_weapon_totals`.
use entity::player_weapon_totals as weapons;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::{
    Caller, CommandError, CommandResult, Ctx, Reply,
    call::{BoxFuture, Call},
    format,
    players::{self, Who},
};
use crate::render::{Post, pack_posts, safe_name};

/// The command.
pub async fn weapons(ctx: &Ctx, who: &Who, caller: &Caller) -> CommandResult {
    let player = players::resolve(ctx, who, caller).await?;
    let rows: Vec<weapons::Model> = weapons::Entity::find()
        .filter(weapons::Column::Guid.eq(player.guid.as_str()))
        .order_by_desc(weapons::Column::Kills)
        .order_by_asc(weapons::Column::Weapon)
        .all(&ctx.db)
        .await?;
    let rows: Vec<weapons::Model> =
        rows.into_iter().filter(|w| w.kills > 0 || w.shots > 0 || w.deaths > 0).collect();
    if rows.is_empty() {
        return Err(CommandError::Empty(format!(
            "no weapon numbers stored for {} yet",
            safe_name(&player.name, ctx.names, 32)
        )));
    }
    let blocks: Vec<String> = rows
        .iter()
        .map(|w| {
            format!(
                "**{}** — {} kills · {} deaths · {:.1}% acc ({}/{}) · {:.1}% HS",
                safe_name(w.weapon.trim_start_matches("WS_"), ctx.names, 24),
                format::thousands(w.kills),
                format::thousands(w.deaths),
                format::percent(w.hits, w.shots),
                format::thousands(w.hits),
                format::thousands(w.shots),
                format::percent(w.headshots, w.hits)
            )
        })
        .collect();
    let head = Post {
        title: format!("🔫 Weapons: {}", safe_name(&player.name, ctx.names, 32)),
        colour: 0x00C0_392B,
        description: format!("{} weapons, most kills first", rows.len()),
        fields: Vec::new(),
        footer: "Accuracy: hits / shots · HS: head hits / hits".to_owned(),
    };
    let data = json!({
        "guid": player.guid,
        "name": player.name,
        "weapons": rows.iter().map(|w| json!({
            "weapon": w.weapon, "kills": w.kills, "deaths": w.deaths, "hits": w.hits,
            "shots": w.shots, "headshots": w.headshots,
            "accuracy": format::percent(w.hits, w.shots),
            "headshot_percent": format::percent(w.headshots, w.hits),
        })).collect::<Vec<_>>(),
    });
    Ok(Reply {
        posts: pack_posts(head, &blocks, Vec::new()),
        attachments: Vec::new(),
        pages: None,
        data,
    })
}

/// The table's handler: `!weapons [player]`, `slomix weapons NAME`.
pub fn run_weapons(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(
        async move { weapons(&call.ctx, &Who::parse(call.arg("player"))?, &call.caller).await },
    )
}
