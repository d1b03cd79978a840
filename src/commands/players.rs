//! Which player a command means, and how players are named.
//!
//! Resolution, case-insensitive: a mention → that account's link; no argument → the caller's
//! link; a GUID → that player; a name → the exact linked name, then an exact alias, then a
//! unique partial alias match. Several matches list the candidates; none suggests close
//! names. A player's display name is their link's chosen name, else the name they played
//! under most.
use std::collections::HashMap;

use entity::{player_aliases as aliases, player_links as links, player_totals as totals};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};

use super::{Caller, Candidate, CommandError, Ctx, format::edit_distance};

/// Who a command is about, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// No argument: the caller.
    Me,
    /// A Discord mention (`<@123>` or `<@!123>`): that account's linked player.
    Mention(u64),
    /// A name or GUID.
    Text(String),
}

impl Who {
    /// Reads an optional argument.
    pub fn parse(arg: Option<&str>) -> Who {
        match arg.map(str::trim).filter(|a| !a.is_empty()) {
            None => Who::Me,
            Some(text) => mention_id(text).map_or_else(|| Who::Text(text.to_owned()), Who::Mention),
        }
    }
}

/// The user id of a mention `<@123>` / `<@!123>`.
pub fn mention_id(text: &str) -> Option<u64> {
    let inner = text.strip_prefix("<@")?.strip_suffix('>')?;
    inner.strip_prefix('!').unwrap_or(inner).parse().ok()
}

/// Whether `text` looks like a GUID (8 hex digits, optionally `#n` for a shared one).
pub fn looks_like_guid(text: &str) -> bool {
    let base = text.split_once('#').map_or(text, |(g, _)| g);
    base.len() == 8 && base.chars().all(|c| c.is_ascii_hexdigit())
}

/// A resolved player.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// GUID.
    pub guid: String,
    /// Display name.
    pub name: String,
}

/// The player `who` means for `caller`.
pub async fn resolve(ctx: &Ctx, who: &Who, caller: &Caller) -> Result<Resolved, CommandError> {
    let guid = match who {
        Who::Me => match caller.discord_id {
            Some(id) => linked_guid(&ctx.db, id).await?.ok_or_else(|| CommandError::NotLinked {
                who: "Your Discord account".to_owned(),
            })?,
            None => return Err(CommandError::Invalid("give a player name".to_owned())),
        },
        Who::Mention(id) => linked_guid(&ctx.db, *id)
            .await?
            .ok_or_else(|| CommandError::NotLinked { who: format!("<@{id}>") })?,
        Who::Text(text) => by_text(&ctx.db, text).await?,
    };
    let name = display_names(&ctx.db, std::slice::from_ref(&guid))
        .await?
        .remove(&guid)
        .unwrap_or_else(|| guid.clone());
    Ok(Resolved { guid, name })
}

/// The GUID linked to a Discord account.
pub async fn linked_guid(
    db: &impl ConnectionTrait,
    discord_id: u64,
) -> Result<Option<String>, DbErr> {
    let id = i64::try_from(discord_id).unwrap_or(i64::MAX);
    Ok(links::Entity::find()
        .filter(links::Column::DiscordId.eq(id))
        .one(db)
        .await?
        .map(|link| link.player_guid))
}

fn lower(column: impl sea_orm::sea_query::IntoColumnRef) -> Expr {
    Expr::expr(Func::lower(Expr::col(column)))
}

/// `%text%`, lower-cased, with LIKE's wildcards in `text` escaped by `\\`.
pub(super) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// `LOWER(column) LIKE %text%` (case-insensitive on SQLite and PostgreSQL alike).
pub(super) fn name_contains(column: impl sea_orm::sea_query::IntoColumnRef, text: &str) -> Expr {
    lower(column).like(LikeExpr::new(contains_pattern(text)).escape('\\'))
}

async fn by_text(db: &impl ConnectionTrait, text: &str) -> Result<String, CommandError> {
    let wanted = text.to_lowercase();
    if looks_like_guid(text) {
        let guid = text.to_uppercase();
        if totals::Entity::find_by_id(guid.clone()).one(db).await?.is_some() {
            return Ok(guid);
        }
    }
    let linked: Vec<String> = links::Entity::find()
        .select_only()
        .column(links::Column::PlayerGuid)
        .filter(lower(links::Column::PlayerName).eq(wanted.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    if let [guid] = linked.as_slice() {
        return Ok(guid.clone());
    }
    let exact: Vec<String> = aliases::Entity::find()
        .select_only()
        .column(aliases::Column::Guid)
        .distinct()
        .filter(lower(aliases::Column::Alias).eq(wanted.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    if let [guid] = exact.as_slice() {
        return Ok(guid.clone());
    }
    let guids = if exact.len() > 1 {
        exact
    } else {
        aliases::Entity::find()
            .select_only()
            .column(aliases::Column::Guid)
            .distinct()
            .filter(name_contains(aliases::Column::Alias, text))
            .into_tuple()
            .all(db)
            .await?
    };
    match guids.as_slice() {
        [guid] => Ok(guid.clone()),
        [] => Err(CommandError::NotFound {
            query: text.to_owned(),
            suggestions: suggestions(db, text).await?,
        }),
        many => Err(CommandError::Ambiguous {
            query: text.to_owned(),
            count: many.len(),
            candidates: candidates(db, many).await?,
        }),
    }
}

/// The players `guids` are, most rounds first (at most 10).
pub async fn candidates(
    db: &impl ConnectionTrait,
    guids: &[String],
) -> Result<Vec<Candidate>, DbErr> {
    let rows: Vec<(String, i64)> = totals::Entity::find()
        .select_only()
        .column(totals::Column::Guid)
        .column(totals::Column::Rounds)
        .filter(totals::Column::Guid.is_in(guids.iter().cloned()))
        .order_by_desc(totals::Column::Rounds)
        .order_by_asc(totals::Column::Guid)
        .limit(10)
        .into_tuple()
        .all(db)
        .await?;
    let shown: Vec<String> = rows.iter().map(|(g, _)| g.clone()).collect();
    let names = display_names(db, &shown).await?;
    Ok(rows
        .into_iter()
        .map(|(guid, rounds)| Candidate {
            name: names.get(&guid).cloned().unwrap_or_else(|| guid.clone()),
            guid,
            rounds,
        })
        .collect())
}

/// Up to three known names close to `text`.
async fn suggestions(db: &impl ConnectionTrait, text: &str) -> Result<Vec<String>, DbErr> {
    let names: Vec<String> = aliases::Entity::find()
        .select_only()
        .column(aliases::Column::Alias)
        .order_by_desc(aliases::Column::LastSeen)
        .limit(5000)
        .into_tuple()
        .all(db)
        .await?;
    let wanted = text.to_lowercase();
    let allowed = (wanted.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, String)> = names
        .into_iter()
        .map(|name| (edit_distance(&wanted, &name.to_lowercase()), name))
        .filter(|(d, _)| *d <= allowed)
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1.eq_ignore_ascii_case(&b.1));
    Ok(scored.into_iter().take(3).map(|(_, n)| n).collect())
}

/// Display names of `guids`: the link's chosen name, else the alias seen most (then last).
pub async fn display_names(
    db: &impl ConnectionTrait,
    guids: &[String],
) -> Result<HashMap<String, String>, DbErr> {
    let mut out = HashMap::new();
    if guids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(String, String)> = aliases::Entity::find()
        .select_only()
        .column(aliases::Column::Guid)
        .column(aliases::Column::Alias)
        .filter(aliases::Column::Guid.is_in(guids.iter().cloned()))
        .order_by_asc(aliases::Column::TimesSeen)
        .order_by_asc(aliases::Column::LastSeen)
        .into_tuple()
        .all(db)
        .await?;
    // Ascending order: the last row per GUID wins.
    for (guid, alias) in rows {
        out.insert(guid, alias);
    }
    let chosen: Vec<(String, Option<String>)> = links::Entity::find()
        .select_only()
        .column(links::Column::PlayerGuid)
        .column(links::Column::DisplayName)
        .filter(links::Column::PlayerGuid.is_in(guids.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    for (guid, name) in chosen {
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            out.insert(guid, name);
        }
    }
    Ok(out)
}

/// The names a GUID played under, most recent first.
pub async fn aliases_of(
    db: &impl ConnectionTrait,
    guid: &str,
    limit: u64,
) -> Result<Vec<String>, DbErr> {
    aliases::Entity::find()
        .select_only()
        .column(aliases::Column::Alias)
        .filter(aliases::Column::Guid.eq(guid))
        .order_by_desc(aliases::Column::LastSeen)
        .order_by_desc(aliases::Column::TimesSeen)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// A player's lifetime totals.
pub async fn totals_of(
    db: &impl ConnectionTrait,
    guid: &str,
) -> Result<Option<totals::Model>, DbErr> {
    totals::Entity::find_by_id(guid.to_owned()).one(db).await
}

/// Whether any player has a stored round.
pub async fn any_players(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(totals::Entity::find().one(db).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        assert_eq!(Who::parse(None), Who::Me);
        assert_eq!(Who::parse(Some("  ")), Who::Me);
        assert_eq!(Who::parse(Some("<@123>")), Who::Mention(123));
        assert_eq!(Who::parse(Some("<@!45>")), Who::Mention(45));
        assert_eq!(Who::parse(Some("<@x>")), Who::Text("<@x>".into()));
        assert_eq!(Who::parse(Some(" bob ")), Who::Text("bob".into()));
        assert!(looks_like_guid("0A1B2C3D"));
        assert!(looks_like_guid("0a1b2c3d#2"));
        assert!(!looks_like_guid("0A1B2C3"));
        assert!(!looks_like_guid("zzzzzzzz"));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("A_b%"), "%a\\_b\\%%");
    }
}
