//! `!records [map]`: per-map records over every stored round: the fastest objective time (a
//! round whose attackers completed it: `time_set` or `time_beaten`), and the most kills and
//! the most damage one player had in one round, each with who and when. Without a map, the
//! most played maps' records.
use entity::{player_comprehensive_stats as pcs, rounds};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use super::{
    CommandError, CommandResult, Ctx, Reply,
    call::{BoxFuture, Call},
    format, players,
};
use crate::render::{Field, Post, clock, pack_posts, safe_name};

/// How many maps `!records` without a map shows.
const MAPS_SHOWN: usize = 12;

/// One map's records.
struct MapRecords {
    map: String,
    plays: i64,
    fastest: Option<(rounds::Model, Vec<String>)>,
    kills: Option<pcs::Model>,
    damage: Option<pcs::Model>,
}

/// The records of one map. Each is looked up per round number (and outcome) with equality
/// on the leading columns of its index (`m20261204_000010_record_indexes`), then the best of
/// those few rows is kept: an index seek each, on SQLite and PostgreSQL alike.
async fn records_of(ctx: &Ctx, map: &str, plays: i64) -> Result<MapRecords, DbErr> {
    let mut fastest: Option<rounds::Model> = None;
    for round_number in [1, 2] {
        for outcome in ["time_set", "time_beaten"] {
            let found = rounds::Entity::find()
                .filter(rounds::Column::MapName.eq(map))
                .filter(rounds::Column::RoundNumber.eq(round_number))
                .filter(rounds::Column::RoundOutcome.eq(outcome))
                .filter(rounds::Column::ActualTimeSeconds.gt(0))
                .order_by_asc(rounds::Column::ActualTimeSeconds)
                .order_by_asc(rounds::Column::RoundAt)
                .order_by_asc(rounds::Column::Id)
                .one(&ctx.db)
                .await?;
            let key = |r: &rounds::Model| (r.actual_time_seconds, r.round_at, r.id);
            if let Some(found) = found
                && fastest.as_ref().is_none_or(|best| key(&found) < key(best))
            {
                fastest = Some(found);
            }
        }
    }
    let fastest = match fastest {
        Some(round) => {
            let attackers: Vec<String> = pcs::Entity::find()
                .filter(pcs::Column::RoundId.eq(round.id))
                .filter(pcs::Column::Team.ne(round.defender_team))
                .order_by_desc(pcs::Column::Kills)
                .order_by_asc(pcs::Column::PlayerGuid)
                .all(&ctx.db)
                .await?
                .into_iter()
                .map(|r| r.player_guid)
                .collect();
            Some((round, attackers))
        }
        None => None,
    };
    let best = async |column: pcs::Column, value: fn(&pcs::Model) -> i32| {
        let mut best: Option<pcs::Model> = None;
        for round_number in [1, 2] {
            // The most (the index's last entry), then its earliest row: two seeks, where one
            // query ordered by both would sort every row of the map.
            let most: Option<i32> = pcs::Entity::find()
                .select_only()
                .column_as(column.max(), "most")
                .filter(pcs::Column::MapName.eq(map))
                .filter(pcs::Column::RoundNumber.eq(round_number))
                .into_tuple::<Option<i32>>()
                .one(&ctx.db)
                .await?
                .flatten();
            let Some(most) = most else { continue };
            let found = pcs::Entity::find()
                .filter(pcs::Column::MapName.eq(map))
                .filter(pcs::Column::RoundNumber.eq(round_number))
                .filter(column.eq(most))
                .order_by_asc(pcs::Column::Id)
                .one(&ctx.db)
                .await?;
            // The most, then the earliest stored row (as one query ordered so would give).
            let key = |p: &pcs::Model| (std::cmp::Reverse(value(p)), p.id);
            if let Some(found) = found
                && best.as_ref().is_none_or(|b| key(&found) < key(b))
            {
                best = Some(found);
            }
        }
        Ok::<_, DbErr>(best)
    };
    let kills = best(pcs::Column::Kills, |p| p.kills).await?;
    let damage = best(pcs::Column::DamageGiven, |p| p.damage_given).await?;
    Ok(MapRecords { map: map.to_owned(), plays, fastest, kills, damage })
}

/// The command.
pub async fn records(ctx: &Ctx, map: Option<&str>) -> CommandResult {
    let played: Vec<(String, i64)> = rounds::Entity::find()
        .select_only()
        .column(rounds::Column::MapName)
        // COUNT(*): counted from the index alone (m20261204_000011).
        .column_as(sea_orm::sea_query::Expr::cust("COUNT(*)"), "plays")
        .filter(rounds::Column::RoundNumber.eq(1))
        .group_by(rounds::Column::MapName)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    if played.is_empty() {
        return Err(CommandError::Empty("no rounds stored yet".into()));
    }
    let mut played = played;
    played.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let chosen: Vec<(String, i64)> = match map.map(str::trim).filter(|m| !m.is_empty()) {
        Some(wanted) => {
            let found = played.iter().find(|(m, _)| m.eq_ignore_ascii_case(wanted));
            match found {
                Some(one) => vec![one.clone()],
                None => {
                    let known: Vec<&str> =
                        played.iter().take(15).map(|(m, _)| m.as_str()).collect();
                    return Err(CommandError::Invalid(format!(
                        "no rounds on {:?}; maps played: {}",
                        format::cut(wanted, 40),
                        known.join(", ")
                    )));
                }
            }
        }
        None => played.iter().take(MAPS_SHOWN).cloned().collect(),
    };
    let mut all = Vec::new();
    for (map, plays) in &chosen {
        all.push(records_of(ctx, map, *plays).await?);
    }
    let mut guids: Vec<String> = Vec::new();
    for r in &all {
        guids.extend(r.fastest.iter().flat_map(|(_, a)| a.iter().cloned()));
        guids.extend(r.kills.iter().chain(&r.damage).map(|p| p.player_guid.clone()));
    }
    guids.sort();
    guids.dedup();
    let names = players::display_names(&ctx.db, &guids).await?;
    let name = |guid: &str, fallback: &str| -> String {
        names.get(guid).cloned().unwrap_or_else(|| fallback.to_owned())
    };
    let mut blocks = Vec::new();
    let mut data = Vec::new();
    for r in &all {
        let mut lines =
            vec![format!("**{}** ({} played)", safe_name(&r.map, ctx.names, 40), r.plays)];
        let fastest = r.fastest.as_ref().map(|(round, attackers)| {
            let who: Vec<String> = attackers.iter().map(|g| name(g, g)).collect();
            let shown: Vec<String> =
                who.iter().take(6).map(|n| safe_name(n, ctx.names, 20)).collect();
            lines.push(format!(
                "⏱️ fastest {} — {} ({})",
                clock(f64::from(round.actual_time_seconds)),
                if shown.is_empty() { "—".to_owned() } else { shown.join(", ") },
                round.round_at.format("%Y-%m-%d")
            ));
            json!({"seconds": round.actual_time_seconds, "file": round.filename,
                "at": round.round_at.to_string(), "players": who})
        });
        let mut best = |label: &str, row: &Option<pcs::Model>, value: fn(&pcs::Model) -> i32| {
            row.as_ref().map(|p| {
                let who = name(&p.player_guid, &p.player_name);
                lines.push(format!(
                    "{label} {} — {} ({})",
                    format::thousands(i64::from(value(p))),
                    safe_name(&who, ctx.names, 20),
                    p.round_date
                ));
                json!({"value": value(p), "guid": p.player_guid, "name": who,
                    "round_id": p.round_id, "date": p.round_date})
            })
        };
        let kills = best("🎯 most kills", &r.kills, |p| p.kills);
        let damage = best("💥 most damage", &r.damage, |p| p.damage_given);
        blocks.push(lines.join("\n"));
        data.push(json!({"map": r.map, "plays": r.plays, "fastest": fastest,
            "most_kills": kills, "most_damage": damage}));
    }
    let head = Post {
        title: match map {
            Some(_) if all.len() == 1 => {
                format!("🏅 Records: {}", safe_name(&all[0].map, ctx.names, 40))
            }
            _ => "🏅 Map records".to_owned(),
        },
        colour: 0x00F1_C40F,
        description: "Fastest objective time; most kills and damage by one player in one round"
            .to_owned(),
        fields: Vec::<Field>::new(),
        footer: "`!records <map>` for one map".to_owned(),
    };
    let data: Value = json!({ "maps": data });
    Ok(Reply {
        posts: pack_posts(head, &blocks, Vec::new()),
        attachments: Vec::new(),
        pages: None,
        data,
    })
}

/// The table's handler: `!records [map]`, cached per map.
pub fn run_records(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let map = call.arg("map");
        let key = format!("records:{}", map.unwrap_or_default().to_lowercase());
        call.cached(key, records(&call.ctx, map)).await
    })
}
