//! Linking a Discord account to a player (`!link`, `!unlink`) and finding players
//! (`!find_player`). A link makes `!stats` without a name, and mentions, mean that player.
use super::call::{BoxFuture, Call};
use entity::{player_aliases as aliases, player_links as links, player_totals as totals};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};
use serde_json::json;

use super::{
    Caller, CommandError, CommandResult, Ctx, Reply, format,
    players::{self, Who},
};
use crate::render::{Field, Post, safe_name};

fn post(title: &str, colour: u32, description: String) -> Post {
    Post {
        title: title.to_owned(),
        colour,
        description,
        fields: Vec::new(),
        footer: "slomix".to_owned(),
    }
}

fn db_id(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// `!link [name|GUID]`, or for admins `!link @user <name|GUID>` (`for_user`).
pub async fn link(
    ctx: &Ctx,
    caller: &Caller,
    for_user: Option<(u64, String)>,
    arg: Option<&str>,
) -> CommandResult {
    let (account, account_name, yours) = match for_user {
        Some((id, name)) => {
            if !caller.admin {
                return Err(CommandError::Refused("only admins can link other accounts".into()));
            }
            (id, name, false)
        }
        None => match caller.discord_id {
            Some(id) => (id, caller.name.clone(), true),
            None => return Err(CommandError::Invalid("linking needs a Discord account".into())),
        },
    };
    if let Some(existing) = players::linked_guid(&ctx.db, account).await? {
        let name = players::display_names(&ctx.db, std::slice::from_ref(&existing))
            .await?
            .remove(&existing);
        return Err(CommandError::Refused(format!(
            "{} already linked to {} (`{existing}`); `!unlink` first",
            if yours { "you are" } else { "that account is" },
            safe_name(&name.unwrap_or_else(|| existing.clone()), ctx.names, 32)
        )));
    }
    let Some(arg) = arg.map(str::trim).filter(|a| !a.is_empty()) else {
        return unlinked_suggestions(ctx).await;
    };
    let player = players::resolve(ctx, &Who::Text(arg.to_owned()), caller).await?;
    let taken = links::Entity::find()
        .filter(links::Column::PlayerGuid.eq(player.guid.as_str()))
        .one(&ctx.db)
        .await?;
    if taken.is_some() {
        return Err(CommandError::Refused(format!(
            "{} (`{}`) is already linked to another account",
            safe_name(&player.name, ctx.names, 32),
            player.guid
        )));
    }
    links::ActiveModel {
        player_guid: Set(player.guid.clone()),
        discord_id: Set(db_id(account)),
        discord_username: Set(account_name),
        player_name: Set(player.name.clone()),
        linked_at: Set(chrono::Utc::now().naive_utc()),
        display_name: Set(None),
        display_name_source: Set("auto".to_owned()),
        display_name_updated_at: Set(None),
        ..Default::default()
    }
    .insert(&ctx.db)
    .await?;
    tracing::info!(command = "link", discord_id = account, guid = %player.guid, "account linked");
    Ok(Reply::single(
        post(
            "🔗 Linked",
            0x0057_F287,
            format!(
                "<@{account}> is now **{}** (`{}`). `!stats` without a name shows this player.",
                safe_name(&player.name, ctx.names, 32),
                player.guid
            ),
        ),
        json!({ "discord_id": account, "guid": player.guid, "name": player.name }),
    ))
}

/// The three players seen last who have no link yet.
async fn unlinked_suggestions(ctx: &Ctx) -> Result<Reply, CommandError> {
    let linked: Vec<String> = links::Entity::find()
        .select_only()
        .column(links::Column::PlayerGuid)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let recent: Vec<totals::Model> = totals::Entity::find()
        .filter(totals::Column::Guid.is_not_in(linked))
        .order_by_desc(totals::Column::LastSeen)
        .limit(3)
        .all(&ctx.db)
        .await?;
    let guids: Vec<String> = recent.iter().map(|t| t.guid.clone()).collect();
    let names = players::display_names(&ctx.db, &guids).await?;
    let lines: Vec<String> = recent
        .iter()
        .map(|t| {
            format!(
                "`{}` **{}** — {} rounds, last seen {}",
                t.guid,
                safe_name(names.get(&t.guid).map_or(&t.guid, |n| n), ctx.names, 24),
                t.rounds,
                t.last_seen.format("%Y-%m-%d")
            )
        })
        .collect();
    let description = if lines.is_empty() {
        "No unlinked players. Use `!link <name or GUID>`.".to_owned()
    } else {
        format!(
            "Recently seen players without a link:\n{}\n\nUse `!link <GUID>` or `!link <name>`.",
            lines.join("\n")
        )
    };
    Ok(Reply::single(
        post("🔗 Link your account", 0x0058_65F2, description),
        json!({ "unlinked": guids }),
    ))
}

/// `!unlink`, or for admins `!unlink @user`.
pub async fn unlink(ctx: &Ctx, caller: &Caller, for_user: Option<u64>) -> CommandResult {
    let account = match for_user {
        Some(id) if !caller.admin && Some(id) != caller.discord_id => {
            return Err(CommandError::Refused("only admins can unlink other accounts".into()));
        }
        Some(id) => id,
        None => caller
            .discord_id
            .ok_or_else(|| CommandError::Invalid("unlinking needs a Discord account".into()))?,
    };
    let removed = links::Entity::delete_many()
        .filter(links::Column::DiscordId.eq(db_id(account)))
        .exec(&ctx.db)
        .await?;
    if removed.rows_affected == 0 {
        return Err(CommandError::NotLinked { who: format!("<@{account}>") });
    }
    tracing::info!(command = "unlink", discord_id = account, "account unlinked");
    Ok(Reply::single(
        post("🔓 Unlinked", 0x0095_A5A6, format!("<@{account}> has no linked player now.")),
        json!({ "discord_id": account, "unlinked": true }),
    ))
}

/// `!find_player <text>`: up to five players with a name containing `text`, seen last first.
pub async fn find_player(ctx: &Ctx, text: &str) -> CommandResult {
    let text = text.trim();
    if text.chars().count() < 2 {
        return Err(CommandError::Invalid("give at least two characters of the name".into()));
    }
    let matched: Vec<(String, chrono::NaiveDateTime)> = aliases::Entity::find()
        .select_only()
        .column(aliases::Column::Guid)
        .column_as(aliases::Column::LastSeen.max(), "last")
        .filter(players::name_contains(aliases::Column::Alias, text))
        .group_by(aliases::Column::Guid)
        .order_by_desc(Expr::col(sea_orm::sea_query::Alias::new("last")))
        .limit(5)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    if matched.is_empty() {
        return Err(CommandError::NotFound { query: text.to_owned(), suggestions: Vec::new() });
    }
    let guids: Vec<String> = matched.iter().map(|(g, _)| g.clone()).collect();
    let names = players::display_names(&ctx.db, &guids).await?;
    let linked: Vec<String> = links::Entity::find()
        .select_only()
        .column(links::Column::PlayerGuid)
        .filter(links::Column::PlayerGuid.is_in(guids.clone()))
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let mut fields = Vec::new();
    let mut data = Vec::new();
    for (guid, last) in &matched {
        let t = players::totals_of(&ctx.db, guid).await?;
        let known = players::aliases_of(&ctx.db, guid, 3).await?;
        let name = names.get(guid).cloned().unwrap_or_else(|| guid.clone());
        let (rounds, kd) =
            t.as_ref().map_or((0, 0.0), |t| (t.rounds, format::kd(t.kills, t.deaths)));
        let is_linked = linked.contains(guid);
        let shown: Vec<String> = known.iter().map(|a| safe_name(a, ctx.names, 20)).collect();
        fields.push(Field {
            name: format::cut(&format!("{} ({guid})", safe_name(&name, ctx.names, 32)), 256),
            value: format!(
                "Names: {}\nK/D {kd:.2} · {rounds} rounds · last seen {}\n{}",
                shown.join(", "),
                last.format("%Y-%m-%d"),
                if is_linked {
                    "🔗 linked".to_owned()
                } else {
                    format!("not linked: `!link {guid}`")
                }
            ),
        });
        data.push(json!({ "guid": guid, "name": name, "aliases": known, "rounds": rounds, "kd": kd, "linked": is_linked }));
    }
    let post = Post {
        title: format::cut(
            &format!("🔍 Players matching \"{}\"", safe_name(text, ctx.names, 32)),
            256,
        ),
        colour: 0x0058_65F2,
        description: String::new(),
        fields,
        footer: "Link yours with !link <GUID>".to_owned(),
    };
    Ok(Reply::single(post, json!({ "query": text, "players": data })))
}

/// The table's handler: `!find_player <text>`.
pub fn run_find_player(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move { find_player(&call.ctx, call.arg("text").unwrap_or_default()).await })
}

/// The table's handler: `!link [player]`, or for admins `!link @user <player>` (a mention
/// must name a valid user; linking someone else is audited). Replies shown before are dropped.
pub fn run_link(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let (target, rest) = match call.arg("player") {
            Some(text) => {
                let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
                match players::mention_id(first)? {
                    Some(id) => {
                        let name = call.front.user_name(id.get()).await;
                        let name = name.unwrap_or_else(|| id.to_string());
                        (Some((id.get(), name)), Some(rest.trim().to_owned()))
                    }
                    None => (None, Some(text.to_owned())),
                }
            }
            None => (None, None),
        };
        let result = link(&call.ctx, &call.caller, target.clone(), rest.as_deref()).await;
        if let Some((id, _)) = &target {
            let arguments = format!("<@{id}> {}", rest.as_deref().unwrap_or(""));
            call.audit("link", &arguments, &result).await;
        }
        let reply = result?;
        call.changed();
        Ok(reply)
    })
}

/// The table's handler: `!unlink`, or for admins `!unlink @user` (audited).
pub fn run_unlink(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let target = match call.arg("user") {
            None => None,
            Some(text) => Some(
                players::mention_id(text)?
                    .ok_or_else(|| {
                        CommandError::Invalid(
                            "`!unlink` takes a @mention of the account (nothing: your own link)"
                                .into(),
                        )
                    })?
                    .get(),
            ),
        };
        let result = unlink(&call.ctx, &call.caller, target).await;
        if let Some(id) = target.filter(|id| Some(*id) != call.caller.discord_id) {
            call.audit("unlink", &format!("<@{id}>"), &result).await;
        }
        let reply = result?;
        call.changed();
        Ok(reply)
    })
}
