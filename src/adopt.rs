//! Moving a community in from the original bot: what only its PostgreSQL database has — the
//! players' Discord links and the display names they chose — read from it read-only and
//! written into ours. The rounds come from the stats files instead (`slomix import`), so every
//! number is ours, not the original's. Running it again changes nothing.
use std::collections::HashMap;

use chrono::NaiveDateTime;
use entity::player_links as links;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, Set,
    Statement, TransactionTrait,
};

use crate::commands::players::{MAX_USER_ID, looks_like_guid};

/// Why adopting failed.
#[derive(Debug, thiserror::Error)]
pub enum AdoptError {
    /// The original database has no `player_links` table of either known shape.
    #[error(
        "the original database has no player_links table (is this the original bot's database?)"
    )]
    NotTheOriginal,
    /// A database failed.
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

/// One link as the original keeps it.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct TheirLink {
    /// The player's GUID.
    pub guid: Option<String>,
    /// The Discord account.
    pub discord_id: Option<i64>,
    /// Its user name then.
    pub discord_username: Option<String>,
    /// The player's name then.
    pub player_name: Option<String>,
    /// When it was made.
    pub linked_at: Option<NaiveDateTime>,
    /// The display name chosen (`!setname`), if any.
    pub display_name: Option<String>,
    /// `auto`, `custom` or `alias`.
    pub display_name_source: Option<String>,
}

/// What adopting did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Links written, by GUID.
    pub linked: Vec<String>,
    /// Of those, with a display name.
    pub named: usize,
    /// Links that were here already, the same.
    pub already: usize,
    /// Links left out, with why (no user text repeated beyond a GUID or an id).
    pub skipped: Vec<(String, String)>,
    /// What the original has that is not brought, with why.
    pub not_brought: Vec<(String, String)>,
}

/// Tables of the original that are not brought over, with why.
const NOT_BROUGHT: [(&str, &str); 7] = [
    ("rounds", "imported from the stats files instead (our numbers)"),
    ("player_comprehensive_stats", "imported from the stats files instead (our numbers)"),
    ("weapon_comprehensive_stats", "imported from the stats files instead (our numbers)"),
    ("player_aliases", "derived from the stats files at import"),
    ("processed_files", "the import records each file it stores"),
    ("session_teams", "line-ups are detected from the rounds here"),
    ("match_predictions", "ratings here are worked out from the maps"),
];

/// The known shapes of the original's `player_links`: the code's (Nov 2025) and the older
/// tools schema's.
fn link_query(columns: &[String]) -> Option<String> {
    let has = |c: &str| columns.iter().any(|x| x == c);
    let opt = |c: &str, alias: &str, cast: &str| {
        if has(c) {
            format!("CAST({c} AS {cast}) AS {alias}")
        } else {
            format!("CAST(NULL AS {cast}) AS {alias}")
        }
    };
    if has("player_guid") && has("discord_id") {
        Some(format!(
            "SELECT CAST(player_guid AS TEXT) AS guid, CAST(discord_id AS BIGINT) AS discord_id, {}, {}, {}, {}, {} \
             FROM player_links ORDER BY discord_id",
            opt("discord_username", "discord_username", "TEXT"),
            opt("player_name", "player_name", "TEXT"),
            opt("linked_at", "linked_at", "TIMESTAMP"),
            opt("display_name", "display_name", "TEXT"),
            opt("display_name_source", "display_name_source", "TEXT"),
        ))
    } else if has("et_guid") && has("discord_id") {
        Some(format!(
            "SELECT CAST(et_guid AS TEXT) AS guid, CAST(discord_id AS BIGINT) AS discord_id, \
             CAST(NULL AS TEXT) AS discord_username, {}, {}, \
             CAST(NULL AS TEXT) AS display_name, CAST(NULL AS TEXT) AS display_name_source \
             FROM player_links ORDER BY discord_id",
            opt("et_name", "player_name", "TEXT"),
            opt("linked_date", "linked_at", "TIMESTAMP"),
        ))
    } else {
        None
    }
}

/// Reads the original's links and which of its tables exist, in one read-only transaction.
pub async fn read(
    theirs: &DatabaseConnection,
) -> Result<(Vec<TheirLink>, Vec<String>), AdoptError> {
    let txn = theirs.begin_with_config(None, Some(AccessMode::ReadOnly)).await?;
    let backend = txn.get_database_backend();
    #[derive(FromQueryResult)]
    struct Name {
        name: String,
    }
    let tables: Vec<String> = Name::find_by_statement(Statement::from_string(
        backend,
        "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
         WHERE table_schema = current_schema() ORDER BY table_name",
    ))
    .all(&txn)
    .await?
    .into_iter()
    .map(|n| n.name)
    .collect();
    if !tables.iter().any(|t| t == "player_links") {
        return Err(AdoptError::NotTheOriginal);
    }
    let columns: Vec<String> = Name::find_by_statement(Statement::from_string(
        backend,
        "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = 'player_links'",
    ))
    .all(&txn)
    .await?
    .into_iter()
    .map(|n| n.name)
    .collect();
    let sql = link_query(&columns).ok_or(AdoptError::NotTheOriginal)?;
    let found =
        TheirLink::find_by_statement(Statement::from_string(backend, sql)).all(&txn).await?;
    txn.rollback().await?;
    Ok((found, tables))
}

/// Why a link of theirs cannot be taken as it is, if it cannot.
fn refuse(link: &TheirLink) -> Option<String> {
    match (&link.guid, link.discord_id) {
        (None, _) => Some("no GUID".into()),
        (_, None) => Some("no Discord id".into()),
        (Some(guid), _) if !looks_like_guid(guid.trim()) => {
            Some("not a GUID of 8 hex digits".into())
        }
        (_, Some(id)) if id <= 0 || id.unsigned_abs() > MAX_USER_ID => {
            Some("not a Discord user id".into())
        }
        _ => None,
    }
}

/// A display name fit to keep: 2 to 32 characters, no control characters (as `!setname`).
fn fit_name(name: Option<&str>) -> Option<String> {
    let name = name?.trim();
    let length = name.chars().count();
    ((2..=32).contains(&length) && !name.chars().any(char::is_control)).then(|| name.to_owned())
}

/// Writes their links into `ours` (one transaction): a link is written when neither its
/// account nor its player is linked here yet; the same link already here counts as already
/// there; a link that disagrees with one here is left out, with why.
pub async fn bring(
    ours: &DatabaseConnection,
    theirs: &[TheirLink],
    tables: &[String],
    now: NaiveDateTime,
) -> Result<Report, AdoptError> {
    let mut report = Report::default();
    let txn = ours.begin().await?;
    let here = links::Entity::find().all(&txn).await?;
    let mut by_account: HashMap<i64, String> =
        here.iter().map(|l| (l.discord_id, l.player_guid.clone())).collect();
    let mut by_guid: HashMap<String, i64> =
        here.iter().map(|l| (l.player_guid.clone(), l.discord_id)).collect();
    for link in theirs {
        let who = match (&link.guid, link.discord_id) {
            (Some(g), _) if looks_like_guid(g.trim()) => g.trim().to_owned(),
            (_, Some(id)) => format!("account {id}"),
            _ => "a link".to_owned(),
        };
        if let Some(why) = refuse(link) {
            report.skipped.push((who, why));
            continue;
        }
        let (guid, account) = (who.clone(), link.discord_id.unwrap_or_default());
        match (by_account.get(&account), by_guid.get(&guid)) {
            (Some(g), _) if *g == guid => {
                report.already += 1;
                continue;
            }
            (Some(_), _) => {
                report
                    .skipped
                    .push((guid, format!("account {account} is linked to another player here")));
                continue;
            }
            (None, Some(other)) => {
                report
                    .skipped
                    .push((guid, format!("the player is linked to account {other} here")));
                continue;
            }
            (None, None) => {}
        }
        let display = fit_name(link.display_name.as_deref());
        let source = match (&display, link.display_name_source.as_deref()) {
            (Some(_), Some(s @ ("custom" | "alias"))) => s.to_owned(),
            (Some(_), _) => "custom".to_owned(),
            (None, _) => "auto".to_owned(),
        };
        let text =
            |t: &Option<String>| t.as_deref().map(|s| s.chars().take(64).collect::<String>());
        if display.is_some() {
            report.named += 1;
        }
        links::Entity::insert(links::ActiveModel {
            player_guid: Set(guid.clone()),
            discord_id: Set(account),
            discord_username: Set(text(&link.discord_username).unwrap_or_default()),
            player_name: Set(text(&link.player_name).unwrap_or_default()),
            linked_at: Set(link.linked_at.unwrap_or(now)),
            display_name_updated_at: Set(display.as_ref().map(|_| now)),
            display_name: Set(display),
            display_name_source: Set(source),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        by_account.insert(account, guid.clone());
        by_guid.insert(guid.clone(), account);
        report.linked.push(guid);
    }
    txn.commit().await?;
    for (table, why) in NOT_BROUGHT {
        if tables.iter().any(|t| t == table) {
            report.not_brought.push((table.to_owned(), why.to_owned()));
        }
    }
    Ok(report)
}
