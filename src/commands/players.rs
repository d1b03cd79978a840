//! Which player a command means, and how players are named.
//!
//! Resolution, case-insensitive: a mention → that account's link; no argument → the caller's
//! link; a GUID → that player; a name → the exact linked name, then an exact alias, then a
//! unique partial alias match. Several matches list the candidates; none suggests close
//! names. A player's display name is their link's chosen name, else the name they played
//! under most.
use std::{collections::HashMap, num::NonZeroU64};

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
    /// A Discord mention (`<@123>` or `<@!123>`) of a valid user id: that account's linked
    /// player.
    Mention(NonZeroU64),
    /// A name or GUID.
    Text(String),
}

impl Who {
    /// Reads an optional argument. Text written as a mention must be a valid one: `<@0>`,
    /// `<@99999999999999999999>` or `<@&5>` are refused rather than taken as a name.
    pub fn parse(arg: Option<&str>) -> Result<Who, CommandError> {
        let Some(text) = arg.map(str::trim).filter(|a| !a.is_empty()) else {
            return Ok(Who::Me);
        };
        Ok(match mention_id(text)? {
            Some(id) => Who::Mention(id),
            None => Who::Text(text.to_owned()),
        })
    }
}

/// The largest user id accepted. Discord's ids are snowflakes that fit an `i64`, and so do
/// our `discord_id` columns.
pub const MAX_USER_ID: u64 = i64::MAX.unsigned_abs();

/// A user id written by a user, in the one form Discord writes it: ASCII digits only (no
/// sign, no spaces, no leading zero, so not 0), at most [`MAX_USER_ID`]. This check comes
/// before any `serenity::UserId` is made (`UserId::new` panics on 0).
pub fn user_id(digits: &str) -> Option<NonZeroU64> {
    if digits.is_empty()
        || digits.len() > 20
        || digits.starts_with('0')
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    digits.parse::<u64>().ok().filter(|id| *id <= MAX_USER_ID).and_then(NonZeroU64::new)
}

/// The user id of a mention `<@123>` / `<@!123>`: `Ok(None)` when `text` is not written as a
/// mention (then it is a name), an error when it is one but names no valid user (`<@0>`, an
/// id too large, `<@007>`, `<@&5>` (a role), `<@-1>`, `<@x>`).
pub fn mention_id(text: &str) -> Result<Option<NonZeroU64>, CommandError> {
    let Some(inner) = text.strip_prefix("<@").and_then(|t| t.strip_suffix('>')) else {
        return Ok(None);
    };
    let digits = inner.strip_prefix('!').unwrap_or(inner);
    user_id(digits).map(Some).ok_or_else(|| bad_mention(digits))
}

/// The error for a mention naming no valid user. Only a short run of digits is echoed back;
/// anything else the user wrote is not repeated.
fn bad_mention(digits: &str) -> CommandError {
    let what =
        if !digits.is_empty() && digits.len() <= 24 && digits.bytes().all(|b| b.is_ascii_digit()) {
            format!("`<@{digits}>` is not a valid user mention")
        } else {
            "that is not a valid user mention".to_owned()
        };
    CommandError::Invalid(format!("{what}; mention a member with @, or give a player name"))
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
        Who::Mention(id) => linked_guid(&ctx.db, id.get())
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
    out.extend(crate::store::names::chosen(db, guids).await?);
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

    fn id(n: u64) -> NonZeroU64 {
        NonZeroU64::new(n).unwrap()
    }

    #[test]
    fn arguments() {
        assert_eq!(Who::parse(None).unwrap(), Who::Me);
        assert_eq!(Who::parse(Some("  ")).unwrap(), Who::Me);
        assert_eq!(Who::parse(Some("<@123>")).unwrap(), Who::Mention(id(123)));
        assert_eq!(Who::parse(Some("<@!45>")).unwrap(), Who::Mention(id(45)));
        assert_eq!(Who::parse(Some(" bob ")).unwrap(), Who::Text("bob".into()));
        assert_eq!(Who::parse(Some("<@123")).unwrap(), Who::Text("<@123".into()));
        assert!(looks_like_guid("0A1B2C3D"));
        assert!(looks_like_guid("0a1b2c3d#2"));
        assert!(!looks_like_guid("0A1B2C3"));
        assert!(!looks_like_guid("zzzzzzzz"));
    }

    #[test]
    fn mentions_of_no_valid_user_are_refused() {
        let message = |text: &str| match mention_id(text) {
            Err(error @ CommandError::Invalid(_)) => {
                error.user_message(crate::render::Names::Discord)
            }
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(
            message("<@0>"),
            "❌ `<@0>` is not a valid user mention; mention a member with @, or give a player name"
        );
        assert!(
            message("<@99999999999999999999>").starts_with("❌ `<@99999999999999999999>` is not")
        );
        // One past i64::MAX: Discord has no such id and our columns could not hold it.
        assert!(message("<@9223372036854775808>").starts_with("❌ `<@9223372036854775808>`"));
        assert!(message("<@007>").starts_with("❌ `<@007>` is not"), "not Discord's form of 7");
        for hostile in
            ["<@>", "<@!>", "<@x>", "<@-1>", "<@+5>", "<@&5>", "<@ 5>", "<@5 >", "<@`@everyone`>"]
        {
            assert_eq!(
                message(hostile),
                "❌ that is not a valid user mention; mention a member with @, or give a player name",
                "{hostile}"
            );
        }
        assert!(Who::parse(Some("<@0>")).is_err());
        assert_eq!(mention_id("<@9223372036854775807>").unwrap(), Some(id(MAX_USER_ID)));
        assert_eq!(mention_id("<@!1>").unwrap(), Some(id(1)));
        assert_eq!(mention_id("endekk").unwrap(), None);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("A_b%"), "%a\\_b\\%%");
    }
}
