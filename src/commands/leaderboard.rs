//! `!leaderboard [category] [page]`: players ranked over `player_totals`, ten a page, each
//! category with its minimum-rounds rule (as in the original). Every sum comes from a table
//! with one row per player, so nothing is multiplied by a join (the original's accuracy and
//! headshot boards counted player sums once per weapon). The web slices a board by map and
//! time ([`Slice`]): the same sums, worked out per player over the rounds in the slice.
use super::call::{BoxFuture, Call};
use sea_orm::FromQueryResult;
use serde_json::json;

use super::{CommandError, CommandResult, Ctx, Pages, Reply, achievements, format, players};
use crate::render::{Post, rank, safe_name};

/// Players per page.
pub const PAGE_SIZE: u32 = 10;
/// Pages at most.
pub const MAX_PAGES: u32 = 50;

/// A leaderboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Σ kills.
    Kills,
    /// Σ kills / Σ deaths.
    Kd,
    /// Σ damage · 60 / Σ own time played.
    Dpm,
    /// Σ hits / Σ shots.
    Accuracy,
    /// Σ head hits / Σ hits.
    Headshots,
    /// Rounds played.
    Games,
    /// Σ revives given.
    Revives,
    /// Σ gibs.
    Gibs,
    /// Σ objectives (stolen, returned, completed, destroyed).
    Objectives,
    /// Σ kills / Σ (kills + deaths).
    Efficiency,
    /// Σ team damage / Σ damage, lowest first.
    Teamwork,
    /// Σ multikills (2 to 6 kills).
    Multikills,
    /// Σ grenade kills.
    Grenades,
}

impl Category {
    /// Every category, in help order.
    pub const ALL: [Category; 13] = [
        Category::Kills,
        Category::Kd,
        Category::Dpm,
        Category::Accuracy,
        Category::Headshots,
        Category::Games,
        Category::Revives,
        Category::Gibs,
        Category::Objectives,
        Category::Efficiency,
        Category::Teamwork,
        Category::Multikills,
        Category::Grenades,
    ];

    /// A category by name or alias (case-insensitive).
    pub fn parse(text: &str) -> Option<Category> {
        Some(match text.trim().to_lowercase().as_str() {
            "kills" | "k" | "kill" => Category::Kills,
            "kd" | "ratio" | "k/d" => Category::Kd,
            "dpm" | "damage" => Category::Dpm,
            "accuracy" | "acc" => Category::Accuracy,
            "headshots" | "hs" | "headshot" => Category::Headshots,
            "games" | "played" | "rounds" => Category::Games,
            "revives" | "revive" | "medic" => Category::Revives,
            "gibs" | "gib" => Category::Gibs,
            "objectives" | "obj" | "objective" => Category::Objectives,
            "efficiency" | "ef" => Category::Efficiency,
            "teamwork" | "team" => Category::Teamwork,
            "multikills" | "multi" | "multikill" => Category::Multikills,
            "grenades" | "nades" | "nade" | "grenade" => Category::Grenades,
            _ => return None,
        })
    }

    /// Its key.
    pub fn key(self) -> &'static str {
        match self {
            Category::Kills => "kills",
            Category::Kd => "kd",
            Category::Dpm => "dpm",
            Category::Accuracy => "accuracy",
            Category::Headshots => "headshots",
            Category::Games => "games",
            Category::Revives => "revives",
            Category::Gibs => "gibs",
            Category::Objectives => "objectives",
            Category::Efficiency => "efficiency",
            Category::Teamwork => "teamwork",
            Category::Multikills => "multikills",
            Category::Grenades => "grenades",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Category::Kills => "Kills",
            Category::Kd => "K/D ratio",
            Category::Dpm => "Damage per minute",
            Category::Accuracy => "Accuracy",
            Category::Headshots => "Headshot rate",
            Category::Games => "Rounds played",
            Category::Revives => "Revives",
            Category::Gibs => "Gibs",
            Category::Objectives => "Objectives",
            Category::Efficiency => "Efficiency",
            Category::Teamwork => "Teamwork (least team damage)",
            Category::Multikills => "Multikills",
            Category::Grenades => "Grenade kills",
        }
    }

    /// The ranking value, over `t` (player_totals) and, for grenades, `w`.
    fn score_sql(self) -> &'static str {
        match self {
            Category::Kills => "t.kills",
            Category::Kd => "CAST(t.kills AS DOUBLE PRECISION) / t.deaths",
            Category::Dpm => {
                "CAST(t.damage_given AS DOUBLE PRECISION) * 60 / t.time_played_seconds"
            }
            Category::Accuracy => "CAST(t.hits AS DOUBLE PRECISION) * 100 / t.shots",
            Category::Headshots => "CAST(t.headshots AS DOUBLE PRECISION) * 100 / t.hits",
            Category::Games => "t.rounds",
            Category::Revives => "t.revives_given",
            Category::Gibs => "t.gibs",
            Category::Objectives => {
                "t.objectives_stolen + t.objectives_returned + t.objectives_completed + t.objectives_destroyed"
            }
            Category::Efficiency => {
                "CAST(t.kills AS DOUBLE PRECISION) * 100 / (t.kills + t.deaths)"
            }
            Category::Teamwork => {
                "CAST(t.team_damage_given AS DOUBLE PRECISION) * 100 / t.damage_given"
            }
            Category::Multikills => {
                "t.double_kills + t.triple_kills + t.quad_kills + t.multi_kills + t.mega_kills"
            }
            Category::Grenades => "w.kills",
        }
    }

    /// Who qualifies (the original's minimums: "more than N rounds").
    fn filter_sql(self) -> &'static str {
        match self {
            Category::Kills
            | Category::Revives
            | Category::Gibs
            | Category::Objectives
            | Category::Multikills => "t.rounds > 10",
            Category::Grenades => "t.rounds > 10 AND w.kills > 0",
            Category::Kd => "t.rounds > 50 AND t.deaths > 0",
            Category::Dpm => "t.rounds > 50 AND t.time_played_seconds > 0",
            Category::Accuracy => "t.rounds > 50 AND t.shots > 1000",
            Category::Headshots => "t.rounds > 50 AND t.hits > 1000",
            Category::Games => "t.rounds > 0",
            Category::Efficiency => "t.rounds > 50 AND t.kills + t.deaths > 0",
            Category::Teamwork => "t.rounds > 50 AND t.damage_given > 0",
        }
    }

    /// The minimum rule, for the footer.
    pub fn rule(self) -> &'static str {
        match self {
            Category::Kills
            | Category::Revives
            | Category::Gibs
            | Category::Objectives
            | Category::Multikills => "more than 10 rounds",
            Category::Grenades => "more than 10 rounds",
            Category::Kd => "more than 50 rounds",
            Category::Dpm => "more than 50 rounds",
            Category::Accuracy => "more than 50 rounds and 1,000 shots",
            Category::Headshots => "more than 50 rounds and 1,000 hits",
            Category::Games => "every player",
            Category::Efficiency => "more than 50 rounds",
            Category::Teamwork => "more than 50 rounds",
        }
    }

    fn join_sql(self) -> &'static str {
        match self {
            Category::Grenades => {
                "JOIN player_weapon_totals w ON w.guid = t.guid AND w.weapon = 'WS_GRENADE'"
            }
            _ => "",
        }
    }

    fn extra_sql(self) -> &'static str {
        match self {
            Category::Grenades => "w.hits AS extra1, w.shots AS extra2",
            Category::Accuracy => "t.hits AS extra1, t.shots AS extra2",
            Category::Headshots => "t.headshots AS extra1, t.hits AS extra2",
            _ => "t.kills AS extra1, t.deaths AS extra2",
        }
    }

    fn ascending(self) -> bool {
        self == Category::Teamwork
    }

    fn describe(self, row: &Row) -> String {
        let (score, kills, x1, x2) = (row.score, row.kills, row.extra1, row.extra2);
        match self {
            Category::Kills => format!(
                "**{}** kills · K/D {:.2}",
                format::thousands(kills),
                format::kd(kills, row.deaths)
            ),
            Category::Kd => {
                format!("**{score:.2}** K/D ({}/{})", format::thousands(x1), format::thousands(x2))
            }
            Category::Dpm => format!("**{score:.1}** DPM"),
            Category::Accuracy => {
                format!("**{score:.1}%** ({}/{})", format::thousands(x1), format::thousands(x2))
            }
            Category::Headshots => {
                format!(
                    "**{score:.1}%** head hits ({}/{})",
                    format::thousands(x1),
                    format::thousands(x2)
                )
            }
            Category::Games => format!("**{}** rounds", format::thousands(score as i64)),
            Category::Revives => format!("**{}** revives", format::thousands(score as i64)),
            Category::Gibs => format!("**{}** gibs", format::thousands(score as i64)),
            Category::Objectives => format!("**{}** objectives", format::thousands(score as i64)),
            Category::Efficiency => format!("**{score:.1}%** efficiency"),
            Category::Teamwork => format!("**{score:.2}%** of damage on the own team"),
            Category::Multikills => format!("**{}** multikills", format::thousands(score as i64)),
            Category::Grenades => format!(
                "**{}** grenade kills · {:.1}% acc · AOE {:.2}",
                format::thousands(score as i64),
                format::percent(x1, x2),
                if score > 0.0 { x1 as f64 / score } else { 0.0 }
            ),
        }
    }
}

#[derive(Debug, Clone, FromQueryResult)]
struct Row {
    guid: String,
    score: f64,
    rounds: i64,
    kills: i64,
    deaths: i64,
    extra1: i64,
    extra2: i64,
}

#[derive(Debug, FromQueryResult)]
struct Count {
    n: i64,
}

/// Reads `[category] [page]` (a lone number is a page of kills).
pub fn parse_args(
    category: Option<&str>,
    page: Option<u32>,
) -> Result<(Category, u32), CommandError> {
    match category.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok((Category::Kills, page.unwrap_or(1))),
        Some(text) => {
            // A lone number is a page of kills; one too large for a page is the last page.
            if text.bytes().all(|b| b.is_ascii_digit()) {
                return Ok((Category::Kills, text.parse::<u32>().unwrap_or(u32::MAX)));
            }
            let category = Category::parse(text).ok_or_else(|| {
                let keys: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
                CommandError::Invalid(format!(
                    "unknown leaderboard; try one of: {}, rating",
                    keys.join(", ")
                ))
            })?;
            Ok((category, page.unwrap_or(1)))
        }
    }
}

/// Part of the history to rank over: rounds on one map, in a time range (the web's
/// `/leaderboards/{category}?map=&season=&period=`). The default is everything (the
/// lifetime totals).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Slice {
    /// Only rounds on this map (the characters a stats file name allows).
    pub map: Option<String>,
    /// Only rounds played at or after this time.
    pub from: Option<chrono::NaiveDateTime>,
    /// Only rounds played before this time.
    pub until: Option<chrono::NaiveDateTime>,
    /// How the slice is described in the title (`supply · 2025-Q4`).
    pub label: String,
}

impl Slice {
    /// Everything.
    pub fn is_all(&self) -> bool {
        self.map.is_none() && self.from.is_none() && self.until.is_none()
    }

    /// `FROM …` over the slice: the per-player sums `player_totals` holds (and, for grenades,
    /// the grenade sums), with the values to bind.
    fn source(
        &self,
        category: Category,
        backend: sea_orm::DatabaseBackend,
    ) -> (String, Vec<sea_orm::Value>) {
        if self.is_all() {
            return (format!("player_totals t {}", category.join_sql()), Vec::new());
        }
        let bind_at = |n: usize| match backend {
            sea_orm::DatabaseBackend::Postgres => format!("${n}"),
            _ => "?".to_owned(),
        };
        if let (Some(map), None, None) = (&self.map, self.from, self.until) {
            // One map over all time: its row per player in `player_map_totals`.
            let mut values: Vec<sea_orm::Value> = vec![map.clone().into()];
            let mut from =
                format!("(SELECT * FROM player_map_totals WHERE map_name = {}) t", bind_at(1));
            if category == Category::Grenades {
                values.push(map.clone().into());
                from.push_str(&format!(
                    " JOIN (SELECT guid, grenade_kills AS kills, grenade_hits AS hits, \
                     grenade_shots AS shots FROM player_map_totals WHERE map_name = {}) w \
                     ON w.guid = t.guid",
                    bind_at(2)
                ));
            }
            return (from, values);
        }
        let mut values: Vec<sea_orm::Value> = Vec::new();
        let conditions = |alias: &str, values: &mut Vec<sea_orm::Value>| {
            let mut bind = |value: sea_orm::Value| {
                values.push(value);
                match backend {
                    sea_orm::DatabaseBackend::Postgres => format!("${}", values.len()),
                    _ => "?".to_owned(),
                }
            };
            let mut out = vec![format!("{alias}.round_number IN (1, 2)")];
            if let Some(map) = &self.map {
                // On the round: the (map, time) index of `rounds` then picks the few rounds.
                out.push(format!("r.map_name = {}", bind(map.clone().into())));
            }
            if let Some(from) = self.from {
                out.push(format!("r.round_at >= {}", bind(from.into())));
            }
            if let Some(until) = self.until {
                out.push(format!("r.round_at < {}", bind(until.into())));
            }
            out.join(" AND ")
        };
        let sums = [
            "kills",
            "deaths",
            "gibs",
            "damage_given",
            "team_damage_given",
            "headshots",
            "hits",
            "shots",
            "time_played_seconds",
            "revives_given",
            "objectives_completed",
            "objectives_destroyed",
            "objectives_stolen",
            "objectives_returned",
            "double_kills",
            "triple_kills",
            "quad_kills",
            "multi_kills",
            "mega_kills",
        ]
        .map(|c| format!("SUM(p.{c}) AS {c}"))
        .join(", ");
        let players = conditions("p", &mut values);
        let mut from = format!(
            "(SELECT p.player_guid AS guid, COUNT(*) AS rounds, {sums} \
             FROM player_comprehensive_stats p JOIN rounds r ON r.id = p.round_id \
             WHERE {players} GROUP BY p.player_guid) t"
        );
        if category == Category::Grenades {
            let weapons = conditions("wc", &mut values);
            from.push_str(&format!(
                " JOIN (SELECT wc.player_guid AS guid, SUM(wc.kills) AS kills, SUM(wc.hits) AS hits, \
                 SUM(wc.shots) AS shots FROM weapon_comprehensive_stats wc \
                 JOIN rounds r ON r.id = wc.round_id WHERE wc.weapon_name = 'WS_GRENADE' AND {weapons} \
                 GROUP BY wc.player_guid) w ON w.guid = t.guid"
            ));
        }
        (from, values)
    }
}

/// The command: page `page` (from 1; clamped to the pages there are).
pub async fn leaderboard(ctx: &Ctx, category: Category, page: u32) -> CommandResult {
    leaderboard_of(ctx, category, page, &Slice::default()).await
}

/// The board of `category` over `slice`.
pub async fn leaderboard_of(
    ctx: &Ctx,
    category: Category,
    page: u32,
    slice: &Slice,
) -> CommandResult {
    let backend = sea_orm::ConnectionTrait::get_database_backend(&ctx.db);
    let (source, values) = slice.source(category, backend);
    let from = format!("FROM {source} WHERE {}", category.filter_sql());
    let statement =
        |sql: String| sea_orm::Statement::from_sql_and_values(backend, sql, values.clone());
    let count = Count::find_by_statement(statement(format!("SELECT COUNT(*) AS n {from}")))
        .one(&ctx.db)
        .await?
        .map_or(0, |c| c.n);
    let total =
        u32::try_from(count.max(0)).unwrap_or(u32::MAX).div_ceil(PAGE_SIZE).clamp(1, MAX_PAGES);
    let page = page.clamp(1, total);
    let offset = (page - 1) * PAGE_SIZE;
    let order = if category.ascending() { "ASC" } else { "DESC" };
    // Everything in this SQL is ours: the category's constants and two integers.
    let sql = format!(
        "SELECT t.guid AS guid, CAST({} AS DOUBLE PRECISION) AS score, t.rounds AS rounds, t.kills AS kills, \
                t.deaths AS deaths, {} {from} ORDER BY score {order}, t.guid LIMIT {PAGE_SIZE} OFFSET {offset}",
        category.score_sql(),
        category.extra_sql(),
    );
    let rows = Row::find_by_statement(statement(sql)).all(&ctx.db).await?;
    let guids: Vec<String> = rows.iter().map(|r| r.guid.clone()).collect();
    let names = players::display_names(&ctx.db, &guids).await?;
    let totals: std::collections::HashMap<String, entity::player_totals::Model> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::player_totals::Entity::find()
            .filter(entity::player_totals::Column::Guid.is_in(guids.clone()))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|t| (t.guid.clone(), t))
            .collect()
    };
    let mut lines = Vec::new();
    let mut data = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let place = offset as usize + i;
        let name = names.get(&row.guid).cloned().unwrap_or_else(|| row.guid.clone());
        let badges = totals.get(&row.guid).map(achievements::badges).unwrap_or_default();
        lines.push(format!(
            "{} **{}** {badges}\n↳ {} · {} rounds",
            rank(place),
            safe_name(&name, ctx.names, 24),
            category.describe(row),
            format::thousands(row.rounds)
        ));
        data.push(json!({
            "rank": place + 1,
            "guid": row.guid,
            "name": name,
            "value": row.score,
            "rounds": row.rounds,
            "kills": row.kills,
            "deaths": row.deaths,
        }));
    }
    let description = if lines.is_empty() {
        format!("Nobody qualifies yet ({}).", category.rule())
    } else {
        format::cut(&lines.join("\n"), 4096)
    };
    let post = Post {
        title: if slice.is_all() {
            format!("🏆 Leaderboard: {}", category.title())
        } else {
            format!("🏆 Leaderboard: {} · {}", category.title(), format::cut(&slice.label, 120))
        },
        colour: 0x00F1_C40F,
        description,
        fields: Vec::new(),
        footer: format!("Page {page}/{total} · {} qualifying · {}", count, category.rule()),
    };
    Ok(Reply {
        posts: vec![post],
        attachments: Vec::new(),
        pages: Some(Pages { page, total }),
        data: if slice.is_all() {
            json!({ "category": category.key(), "page": page, "pages": total, "qualifying": count, "players": data })
        } else {
            json!({ "category": category.key(), "page": page, "pages": total, "qualifying": count, "players": data,
                "slice": {"map": slice.map, "from": slice.from.map(|t| t.to_string()), "until": slice.until.map(|t| t.to_string())} })
        },
    })
}

/// The table's handler: `!leaderboard [category] [page]` (a page button's page wins), cached
/// per category and page.
pub fn run_leaderboard(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        if let Some(word) = call.arg("category")
            && super::rating::BOARD_WORDS.contains(&word.to_lowercase().as_str())
        {
            let page = call.page.or(call.number("page")?).unwrap_or(1);
            return call
                .cached(format!("rating:board:{page}"), super::rating::board(&call.ctx, page))
                .await;
        }
        let (category, page) = parse_args(call.arg("category"), call.number("page")?)?;
        let page = call.page.unwrap_or(page);
        call.cached(format!("lb:{}:{page}", category.key()), leaderboard(&call.ctx, category, page))
            .await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.key()), Some(c));
        }
        assert_eq!(Category::parse("NADES"), Some(Category::Grenades));
        assert_eq!(Category::parse("lb"), None);
        assert_eq!(parse_args(None, None).unwrap(), (Category::Kills, 1));
        assert_eq!(parse_args(Some("3"), None).unwrap(), (Category::Kills, 3));
        assert_eq!(parse_args(Some("acc"), Some(2)).unwrap(), (Category::Accuracy, 2));
        assert!(matches!(parse_args(Some("nope"), None), Err(CommandError::Invalid(_))));
        assert_eq!(
            parse_args(Some("99999999999999999999"), None).unwrap(),
            (Category::Kills, u32::MAX)
        );
        assert!(matches!(parse_args(Some("-1"), None), Err(CommandError::Invalid(_))));
    }
}
