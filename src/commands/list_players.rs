//! `!list_players [linked|unlinked|active] [page]` (`!players`, `!lp`): every player with a
//! stored round, ten a page (page buttons on Discord), most recently seen first: link mark,
//! name, GUID, days played, K/D, last seen. `active` means seen in the last 30 days.
use std::collections::{HashMap, HashSet};

use chrono::TimeDelta;
use entity::{player_comprehensive_stats as pcs, player_links as links, player_totals as totals};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, Func},
};
use serde_json::json;

use super::{
    CommandError, CommandResult, Ctx, Pages, Reply,
    call::{BoxFuture, Call},
    format, players,
};
use crate::render::{Post, safe_name};

/// Players a page.
pub const PER_PAGE: usize = 10;

/// Which players.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Everyone.
    All,
    /// With a Discord link.
    Linked,
    /// Without one.
    Unlinked,
    /// Seen in the last 30 days.
    Active,
}

impl Filter {
    /// Reads `[linked|unlinked|active]` (none: all).
    pub fn parse(text: Option<&str>) -> Result<Filter, CommandError> {
        match text.map(|t| t.trim().to_lowercase()).as_deref() {
            None | Some("" | "all") => Ok(Filter::All),
            Some("linked") => Ok(Filter::Linked),
            Some("unlinked") => Ok(Filter::Unlinked),
            Some("active") => Ok(Filter::Active),
            Some(_) => Err(CommandError::Invalid(
                "list which players? linked, unlinked, active (or nothing: all)".into(),
            )),
        }
    }

    fn key(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Linked => "linked",
            Filter::Unlinked => "unlinked",
            Filter::Active => "active",
        }
    }
}

/// The command: page `page` (from 1; past the last: the last).
pub async fn list_players(ctx: &Ctx, filter: Filter, page: u32) -> CommandResult {
    let mut all: Vec<totals::Model> = totals::Entity::find().all(&ctx.db).await?;
    let linked: HashSet<String> = links::Entity::find()
        .select_only()
        .column(links::Column::PlayerGuid)
        .into_tuple::<String>()
        .all(&ctx.db)
        .await?
        .into_iter()
        .collect();
    let since = ctx.now - TimeDelta::days(30);
    all.retain(|t| match filter {
        Filter::All => true,
        Filter::Linked => linked.contains(&t.guid),
        Filter::Unlinked => !linked.contains(&t.guid),
        Filter::Active => t.last_seen >= since,
    });
    if all.is_empty() {
        return Err(CommandError::Empty(format!("no {} players", filter.key())));
    }
    all.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(a.guid.cmp(&b.guid)));
    let total = all.len().div_ceil(PER_PAGE).max(1);
    let page = (page.max(1) as usize).min(total);
    let shown: Vec<&totals::Model> =
        all.iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect();
    let guids: Vec<String> = shown.iter().map(|t| t.guid.clone()).collect();
    let names = players::display_names(&ctx.db, &guids).await?;
    let days: HashMap<String, i64> = pcs::Entity::find()
        .select_only()
        .column(pcs::Column::PlayerGuid)
        .column_as(Expr::from(Func::count_distinct(Expr::col(pcs::Column::RoundDate))), "days")
        .filter(pcs::Column::PlayerGuid.is_in(guids.clone()))
        .filter(pcs::Column::RoundNumber.is_in([1, 2]))
        .group_by(pcs::Column::PlayerGuid)
        .into_tuple::<(String, i64)>()
        .all(&ctx.db)
        .await?
        .into_iter()
        .collect();
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for t in &shown {
        let name = names.get(&t.guid).cloned().unwrap_or_else(|| t.guid.clone());
        let is_linked = linked.contains(&t.guid);
        let played = days.get(&t.guid).copied().unwrap_or(0);
        lines.push(format!(
            "{} **{}** `{}` — {} days · K/D {:.2} · last {}",
            if is_linked { "🔗" } else { "▫️" },
            safe_name(&name, ctx.names, 24),
            t.guid,
            played,
            format::kd(t.kills, t.deaths),
            t.last_seen.format("%Y-%m-%d")
        ));
        rows.push(json!({"guid": t.guid, "name": name, "linked": is_linked, "days": played,
            "kd": format::kd(t.kills, t.deaths), "last_seen": t.last_seen.to_string()}));
    }
    let post = Post {
        title: format!("👥 Players ({})", filter.key()),
        colour: 0x0034_98DB,
        description: format::cut(&lines.join("\n"), 4000),
        fields: Vec::new(),
        footer: format!("{} players · page {page} of {total} · 🔗 linked", all.len()),
    };
    let page = u32::try_from(page).unwrap_or(u32::MAX);
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    let mut reply = Reply::single(
        post,
        json!({"filter": filter.key(), "page": page, "pages": total, "count": all.len(), "players": rows}),
    );
    reply.pages = Some(Pages { page, total });
    Ok(reply)
}

/// The table's handler: `!list_players [filter] [page]` (a page button's page wins).
pub fn run_list_players(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let filter = Filter::parse(call.arg("filter"))?;
        let page = call.page.or(call.number("page")?).unwrap_or(1);
        call.cached(format!("lp:{}:{page}", filter.key()), list_players(&call.ctx, filter, page))
            .await
    })
}
