//! `!myaliases [player]` (`!aliases`, `!mynames`): the names a player has played under, most
//! recent first, with how often each was seen.
use entity::player_aliases as aliases;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::{
    Caller, CommandResult, Ctx, Reply,
    call::{BoxFuture, Call},
    players::{self, Who},
};
use crate::render::{Post, pack_posts, safe_name};

/// How many names are shown.
const SHOWN: u64 = 25;

/// The command.
pub async fn my_aliases(ctx: &Ctx, who: &Who, caller: &Caller) -> CommandResult {
    let player = players::resolve(ctx, who, caller).await?;
    let rows: Vec<aliases::Model> = aliases::Entity::find()
        .filter(aliases::Column::Guid.eq(player.guid.as_str()))
        .order_by_desc(aliases::Column::LastSeen)
        .order_by_desc(aliases::Column::TimesSeen)
        .order_by_asc(aliases::Column::Alias)
        .limit(SHOWN)
        .all(&ctx.db)
        .await?;
    let blocks: Vec<String> = rows
        .iter()
        .map(|a| {
            format!(
                "**{}** — seen {}×, last {}",
                safe_name(&a.alias, ctx.names, 32),
                a.times_seen,
                a.last_seen.format("%Y-%m-%d")
            )
        })
        .collect();
    let head = Post {
        title: format!("🏷️ Names of {}", safe_name(&player.name, ctx.names, 32)),
        colour: 0x0095_A5A6,
        description: format!("GUID `{}` · {} names, most recent first", player.guid, rows.len()),
        fields: Vec::new(),
        footer: "Names come from the stats files".to_owned(),
    };
    let data = json!({
        "guid": player.guid,
        "name": player.name,
        "aliases": rows.iter().map(|a| json!({"alias": a.alias, "times_seen": a.times_seen,
            "first_seen": a.first_seen.to_string(), "last_seen": a.last_seen.to_string()})).collect::<Vec<_>>(),
    });
    Ok(Reply {
        posts: pack_posts(head, &blocks, Vec::new()),
        attachments: Vec::new(),
        pages: None,
        data,
    })
}

/// The table's handler: `!myaliases [player]` (none: yours).
pub fn run_my_aliases(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(
        async move { my_aliases(&call.ctx, &Who::parse(call.arg("player"))?, &call.caller).await },
    )
}
