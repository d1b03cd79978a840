//! Achievements (badges earned from lifetime totals, shown beside names) and quarterly
//! seasons (`!achievements`, `!season`).
use super::call::{BoxFuture, Call};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use entity::player_totals as totals;
use sea_orm::{EntityTrait, FromQueryResult, QueryOrder};
use serde_json::json;

use super::{
    Caller, CommandError, CommandResult, Ctx, Reply, format,
    players::{self, Who},
};
use crate::render::{Field, Post, safe_name};

pub use crate::badges::{LADDERS, Ladder, badges, tiers_reached};

/// `!achievements [player]`: the player's badges with progress to the next tier; without a
/// player and without a link, the legend.
pub async fn achievements(ctx: &Ctx, who: &Who, caller: &Caller) -> CommandResult {
    let player = match (who, caller.discord_id) {
        (Who::Me, None) => None,
        (Who::Me, Some(_)) => match players::resolve(ctx, who, caller).await {
            Ok(p) => Some(p),
            Err(CommandError::NotLinked { .. }) => None,
            Err(e) => return Err(e),
        },
        _ => Some(players::resolve(ctx, who, caller).await?),
    };
    let Some(player) = player else { return Ok(legend()) };
    let Some(t) = players::totals_of(&ctx.db, &player.guid).await? else {
        return Err(CommandError::Empty("no rounds stored for that player yet".into()));
    };
    let mut lines = Vec::new();
    let mut data = Vec::new();
    for ladder in LADDERS {
        let reached = tiers_reached(ladder, &t);
        let value = (ladder.value)(&t);
        let next = ladder.tiers.get(reached);
        let progress = match next {
            Some(next) => {
                format!("next at {} ({:.0}%)", number(*next), (value / next * 100.0).min(100.0))
            }
            None => "all tiers".to_owned(),
        };
        lines.push(format!(
            "{} **{}**: {} — tier {reached}/{}, {progress}",
            ladder.emoji,
            ladder.name,
            number(value),
            ladder.tiers.len()
        ));
        data.push(json!({ "ladder": ladder.name, "value": value, "tiers_reached": reached, "next": next }));
    }
    let name = safe_name(&player.name, ctx.names, 32);
    let post = Post {
        title: format::cut(&format!("🏅 Achievements: {name} {}", badges(&t)), 256),
        colour: 0x00F1_C40F,
        description: lines.join("\n"),
        fields: Vec::new(),
        footer: format!("GUID: {}", player.guid),
    };
    Ok(Reply::single(
        post,
        json!({ "guid": player.guid, "name": player.name, "badges": badges(&t), "ladders": data }),
    ))
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 { format::thousands(value as i64) } else { format!("{value:.2}") }
}

/// The legend: every ladder's tiers and emoji (`!badges`).
pub fn legend() -> Reply {
    let lines: Vec<String> = LADDERS
        .iter()
        .map(|l| {
            let tiers: Vec<String> = l.tiers.iter().map(|t| number(*t)).collect();
            format!("{} **{}**: {}", l.emoji, l.name, tiers.join(" / "))
        })
        .collect();
    let post = Post {
        title: "🏅 Achievement badges".to_owned(),
        colour: 0x00F1_C40F,
        description: format!(
            "{}\n\nA badge is earned per tier; several tiers show as `🎯x2`. `!achievements <player>` shows progress.",
            lines.join("\n")
        ),
        fields: Vec::new(),
        footer: "slomix".to_owned(),
    };
    let data: Vec<_> = LADDERS
        .iter()
        .map(|l| json!({ "ladder": l.name, "emoji": l.emoji, "tiers": l.tiers }))
        .collect();
    Reply::single(post, json!({ "ladders": data }))
}

/// A quarterly season: `YYYY-QN`, from its first day to the first day of the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Season {
    /// Year.
    pub year: i32,
    /// Quarter, 1 to 4.
    pub quarter: u32,
}

impl Season {
    /// The season a time falls in.
    pub fn of(t: NaiveDateTime) -> Season {
        Season { year: t.year(), quarter: (t.month() - 1) / 3 + 1 }
    }

    /// `2025-Q4`.
    pub fn name(&self) -> String {
        format!("{}-Q{}", self.year, self.quarter)
    }

    /// `2025 Winter (Q4)`, as the original wrote it (Q1 Spring, Q2 Summer, Q3 Autumn, Q4
    /// Winter).
    pub fn label(&self) -> String {
        let part = match self.quarter {
            1 => "Spring",
            2 => "Summer",
            3 => "Autumn",
            _ => "Winter",
        };
        format!("{} {part} (Q{})", self.year, self.quarter)
    }

    /// First day.
    pub fn start(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.quarter - 1) * 3 + 1, 1).unwrap_or_default()
    }

    /// First day of the next season.
    pub fn end(&self) -> NaiveDate {
        if self.quarter == 4 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1).unwrap_or_default()
        } else {
            NaiveDate::from_ymd_opt(self.year, self.quarter * 3 + 1, 1).unwrap_or_default()
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct SeasonRow {
    guid: String,
    rounds: i64,
    kills: i64,
    deaths: i64,
    damage: i64,
    seconds: i64,
}

/// `!season`: the current season, its days left, and its top five by kills.
pub async fn season(ctx: &Ctx) -> CommandResult {
    let season = Season::of(ctx.now);
    let (start, end) = (season.start(), season.end());
    let days_left = (end - ctx.now.date()).num_days().max(0);
    // Dates are ours (formatted from a computed season), not user text.
    let sql = format!(
        "SELECT p.player_guid AS guid, COUNT(*) AS rounds, SUM(p.kills) AS kills, SUM(p.deaths) AS deaths, \
                SUM(p.damage_given) AS damage, SUM(p.time_played_seconds) AS seconds \
         FROM player_comprehensive_stats p JOIN rounds r ON r.id = p.round_id \
         WHERE p.round_number IN (1, 2) AND r.round_at >= '{} 00:00:00' AND r.round_at < '{} 00:00:00' \
         GROUP BY p.player_guid ORDER BY SUM(p.kills) DESC, p.player_guid LIMIT 5",
        start.format("%Y-%m-%d"),
        end.format("%Y-%m-%d")
    );
    let rows = SeasonRow::find_by_statement(super::raw(&ctx.db, sql)).all(&ctx.db).await?;
    let guids: Vec<String> = rows.iter().map(|r| r.guid.clone()).collect();
    let names = players::display_names(&ctx.db, &guids).await?;
    let mut lines = Vec::new();
    let mut top = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let name = names.get(&row.guid).cloned().unwrap_or_else(|| row.guid.clone());
        lines.push(format!(
            "{} **{}** — {} kills, K/D {:.2}, DPM {:.0} ({} rounds)",
            crate::render::rank(i),
            safe_name(&name, ctx.names, 24),
            format::thousands(row.kills),
            format::kd(row.kills, row.deaths),
            format::dpm(row.damage, row.seconds),
            row.rounds
        ));
        top.push(
            json!({ "guid": row.guid, "name": name, "kills": row.kills, "rounds": row.rounds }),
        );
    }
    let standings =
        if lines.is_empty() { "No rounds this season yet.".to_owned() } else { lines.join("\n") };
    // The all-time champion: most kills over every stored round.
    let all_time = totals::Entity::find()
        .order_by_desc(totals::Column::Kills)
        .order_by_asc(totals::Column::Guid)
        .one(&ctx.db)
        .await?;
    let mut champions = Vec::new();
    let mut names = names;
    if let Some(t) = &all_time
        && !names.contains_key(&t.guid)
    {
        names.extend(players::display_names(&ctx.db, std::slice::from_ref(&t.guid)).await?);
    }
    let name_of = |guid: &str| names.get(guid).cloned().unwrap_or_else(|| guid.to_owned());
    if let Some(first) = rows.first() {
        champions.push(format!(
            "👑 **{}** leads this season ({} kills)",
            safe_name(&name_of(&first.guid), ctx.names, 24),
            format::thousands(first.kills)
        ));
    }
    if let Some(t) = &all_time {
        champions.push(format!(
            "🏛️ **{}** all time ({} kills)",
            safe_name(&name_of(&t.guid), ctx.names, 24),
            format::thousands(t.kills)
        ));
    }
    let post = Post {
        title: format!("📅 Season {}", season.label()),
        colour: 0x009B_59B6,
        description: format!(
            "{} to {} · {days_left} days left",
            start.format("%Y-%m-%d"),
            (end - chrono::TimeDelta::days(1)).format("%Y-%m-%d")
        ),
        fields: vec![
            Field { name: "Top five by kills".to_owned(), value: format::cut(&standings, 1024) },
            Field { name: "Champions".to_owned(), value: format::cut(&champions.join("\n"), 1024) },
        ],
        footer: "Seasons are calendar quarters".to_owned(),
    };
    Ok(Reply::single(
        post,
        json!({
            "season": season.name(), "label": season.label(), "start": start.to_string(),
            "end": end.to_string(), "days_left": days_left, "top": top,
            "champion": rows.first().map(|r| json!({"guid": r.guid, "name": name_of(&r.guid), "kills": r.kills})),
            "all_time_champion": all_time.as_ref().map(|t| json!({"guid": t.guid, "name": name_of(&t.guid), "kills": t.kills})),
        }),
    ))
}

/// The table's handler: `!achievements [player]` (none: yours, or the legend).
pub fn run_achievements(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        achievements(&call.ctx, &Who::parse(call.arg("player"))?, &call.caller).await
    })
}

/// The table's handler: `!badges`, the legend.
pub fn run_badges(_call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move { Ok(legend()) })
}

/// The table's handler: `!season`, cached.
pub fn run_season(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move { call.cached("season".to_owned(), season(&call.ctx)).await })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seasons_are_quarters() {
        let t = |d: &str| NaiveDateTime::parse_from_str(d, "%Y-%m-%d %H:%M:%S").unwrap();
        let s = Season::of(t("2025-11-30 23:59:59"));
        assert_eq!(s.name(), "2025-Q4");
        assert_eq!(s.start().to_string(), "2025-10-01");
        assert_eq!(s.end().to_string(), "2026-01-01");
        let s = Season::of(t("2026-04-01 00:00:00"));
        assert_eq!((s.name(), s.end().to_string()), ("2026-Q2".into(), "2026-07-01".into()));
    }
}
