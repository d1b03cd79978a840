//! Gaming sessions: `!session [id|date] [view]`, `!sessions [month]` and `!last_session
//! [view]` (the summary with its graphs; the views are in `session_views`). A session is what the import grouped (`gaming_sessions`: rounds no more than the
//! session gap apart); a date means every session with a round that day.
use super::call::{BoxFuture, Call};
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use entity::{gaming_sessions as sessions, rounds};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::{
    CommandError, CommandResult, Ctx, Reply, achievements, charts, format, players, stopwatch,
    teams,
};
use crate::render::{Field, Post, clock, pack_posts, rank, safe_name, short};

use super::gaming_session::clamp32;
pub use super::gaming_session::{MAX_YEAR, Pick, SessionData, SessionPlayer, aggregate, load};
use super::session_views;
pub use super::session_views::View;

fn player_block(index: usize, p: &SessionPlayer, badges: &str, ctx: &Ctx) -> String {
    let multis: Vec<String> = p
        .multikills
        .iter()
        .zip(2..)
        .filter(|(n, _)| **n > 0)
        .map(|(n, x)| format!("{n}x{x}"))
        .collect();
    let multis =
        if multis.is_empty() { String::new() } else { format!(" • 🔥{}", multis.join(" ")) };
    format!(
        "{} **{}** {badges}\n↳ {}K/{}D/{}G ({:.2}) • DPM {:.0} • {}⬆/{}⬇ • ACC {:.1}% • HS {} ({:.0}%)\n↳ UK {} • Rev {}↑/{}↓ • ⏱{} 💀{} ⏳{}{multis}",
        rank(index),
        safe_name(&p.name, ctx.names, 20),
        p.kills,
        p.deaths,
        p.gibs,
        format::kd(p.kills, p.deaths),
        p.dpm(),
        short(clamp32(p.damage_given)),
        short(clamp32(p.damage_received)),
        format::percent(p.hits, p.shots),
        p.headshots,
        format::percent(p.headshots, p.hits),
        p.useful_kills,
        p.revives_given,
        p.times_revived,
        clock(p.seconds as f64),
        clock(p.dead_seconds),
        clock(p.denied as f64),
    )
}

/// The stopwatch score as a field: the match score, then each map's winner.
pub fn score_field(score: &stopwatch::Score, ctx: &Ctx) -> Field {
    Field {
        name: format!("🏁 Stopwatch: {}", score.line()),
        value: format::cut(&score.map_lines(ctx.names).join("\n"), 1024),
    }
}

/// The summary posts of a session and its per-player sums.
async fn summary(
    ctx: &Ctx,
    data: &SessionData,
) -> Result<(Vec<Post>, Vec<SessionPlayer>, serde_json::Value), DbErr> {
    let guids: Vec<String> = {
        let mut g: Vec<String> = data.rows.iter().map(|r| r.player_guid.clone()).collect();
        g.sort();
        g.dedup();
        g
    };
    let names = players::display_names(&ctx.db, &guids).await?;
    let totals: HashMap<String, entity::player_totals::Model> =
        entity::player_totals::Entity::find()
            .filter(entity::player_totals::Column::Guid.is_in(guids.clone()))
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|t| (t.guid.clone(), t))
            .collect();
    let players = aggregate(&data.rows, &names);
    let maps = data.maps();
    let map_list: Vec<String> =
        maps.iter().map(|(m, n)| if *n > 1 { format!("{m} (x{n})") } else { m.clone() }).collect();
    let (started, ended) = (data.started(), data.ended());
    let ids: Vec<String> = data.sessions.iter().map(|s| format!("#{}", s.id)).collect();
    let description = format!(
        "{} players • {} rounds • Maps: {}\n⏱️ {}–{} ({}) · Session {}",
        players.len(),
        data.rounds.len(),
        safe_name(&map_list.join(", "), ctx.names, 900),
        started.format("%H:%M"),
        ended.format("%H:%M"),
        format::duration((ended - started).num_seconds()),
        ids.join(", ")
    );
    let blocks: Vec<String> = players
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let badges = totals.get(&p.guid).map(achievements::badges).unwrap_or_default();
            player_block(i, p, &badges, ctx)
        })
        .collect();
    let kills: i64 = players.iter().map(|p| p.kills).sum();
    let damage: i64 = players.iter().map(|p| p.damage_given).sum();
    let lineups = teams::detect(data);
    let score = stopwatch::score(data, &lineups);
    let mut extra = vec![Field {
        name: "📊 Session totals".to_owned(),
        value: format!(
            "**Kills:** {} · **Damage:** {}",
            format::thousands(kills),
            format::thousands(damage)
        ),
    }];
    if !score.maps.is_empty() {
        extra.insert(0, score_field(&score, ctx));
    }
    let link = data
        .sessions
        .first()
        .and_then(|s| ctx.site_link(&format!("/sessions/{}", s.id), "Session page"));
    let head = Post {
        title: format!("📊 Session Summary: {}", started.format("%Y-%m-%d")),
        colour: 0x0034_98DB,
        description: match link {
            Some(link) => format::cut(&format!("{description}\n{link}"), 4096),
            None => description,
        },
        fields: Vec::new(),
        footer: "`!teams` for the line-ups · `!last_session` for graphs".to_owned(),
    };
    let posts = pack_posts(head, &blocks, extra);
    let json_players: Vec<_> = players
        .iter()
        .map(|p| {
            json!({
                "guid": p.guid, "name": p.name, "rounds": p.rounds, "kills": p.kills, "deaths": p.deaths,
                "damage_given": p.damage_given, "dpm": p.dpm(), "accuracy": format::percent(p.hits, p.shots),
            })
        })
        .collect();
    let data = json!({
        "sessions": data.sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        "started": started.to_string(),
        "ended": ended.to_string(),
        "rounds": data.rounds.len(),
        "maps": maps.iter().map(|(m, n)| json!({"map": m, "plays": n})).collect::<Vec<_>>(),
        "players": json_players,
        "score": score.to_json(&lineups, |guid| names.get(guid).cloned().unwrap_or_else(|| guid.to_owned())),
    });
    Ok((posts, players, data))
}

/// `!session [id|date]`.
pub async fn session(ctx: &Ctx, pick: Pick) -> CommandResult {
    session_view(ctx, pick, View::Summary).await
}

/// `!session [id|date] [view]`.
pub async fn session_view(ctx: &Ctx, pick: Pick, view: View) -> CommandResult {
    let Some(data) = load(ctx, pick).await? else {
        return Err(CommandError::Empty("no gaming session found for that".into()));
    };
    show(ctx, &data, view, false).await
}

/// What the five graph pages show, one line each (the graphs view's description).
pub const GRAPH_PAGES: [&str; 5] = [
    "1️⃣ Offense: kills and deaths, damage given and taken, K/D, DPM",
    "2️⃣ Defense & support: revives, time alive and dead, gibs, headshots",
    "3️⃣ Advanced: frag potential, damage efficiency, denied time %, survival %",
    "4️⃣ Playstyle of each player",
    "5️⃣ DPM round by round, each player's form and peak",
];

/// `!last_session`: the latest session's summary with its five graph pages
/// ([`charts::session_pages`]).
pub async fn last_session(ctx: &Ctx) -> CommandResult {
    last_session_view(ctx, View::Summary).await
}

/// `!last_session [view]`.
pub async fn last_session_view(ctx: &Ctx, view: View) -> CommandResult {
    let Some(data) = load(ctx, Pick::Latest).await? else {
        return Err(CommandError::Empty("no gaming session stored yet".into()));
    };
    show(ctx, &data, view, true).await
}

/// A view of `data`; the summary comes with the graphs when `with_graphs`.
pub(crate) async fn show(
    ctx: &Ctx,
    data: &SessionData,
    view: View,
    with_graphs: bool,
) -> CommandResult {
    match view {
        View::Summary => {
            let (posts, players, json) = summary(ctx, data).await?;
            let attachments = if with_graphs {
                charts::session_pages(data, &players).map_err(CommandError::Internal)?
            } else {
                Vec::new()
            };
            Ok(Reply { posts, attachments, pages: None, data: json })
        }
        View::Graphs => {
            let (_, players, _) = summary(ctx, data).await?;
            let attachments =
                charts::session_pages(data, &players).map_err(CommandError::Internal)?;
            let images: Vec<&str> = attachments.iter().map(|a| a.filename.as_str()).collect();
            let post = Post {
                title: format!("📈 Graphs: {}", data.started().format("%Y-%m-%d")),
                colour: 0x0034_98DB,
                description: GRAPH_PAGES.join("\n"),
                fields: Vec::new(),
                footer: format!("Views: {}", View::names().join(", ")),
            };
            let json = json!({
                "sessions": data.sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
                "view": "graphs",
                "images": images,
                "players": charts::page_data(data, &players),
            });
            Ok(Reply { posts: vec![post], attachments, pages: None, data: json })
        }
        other => Ok(session_views::render(ctx, data, other).await?),
    }
}

/// Reads `[month]`: `10`, `2025-10` (years 1 to 9999), `oct`, `october` (a bare month is its
/// latest past occurrence, counting this month).
pub fn parse_month(arg: &str, today: NaiveDate) -> Result<(i32, u32), CommandError> {
    let text = arg.trim().to_lowercase();
    let bad = || CommandError::Invalid("give a month: 10, 2025-10, oct or october".into());
    if let Some((y, m)) = text.split_once('-') {
        let (y, m) = (y.parse::<i32>().map_err(|_| bad())?, m.parse::<u32>().map_err(|_| bad())?);
        return if (1..=12).contains(&m) && (1..=MAX_YEAR).contains(&y) {
            Ok((y, m))
        } else {
            Err(bad())
        };
    }
    const NAMES: [&str; 12] =
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let month = match text.parse::<u32>() {
        Ok(m) if (1..=12).contains(&m) => m,
        Ok(_) => return Err(bad()),
        Err(_) => {
            let i = NAMES
                .iter()
                .position(|n| text.len() >= 3 && text.starts_with(n))
                .ok_or_else(bad)?;
            u32::try_from(i).map_err(|_| bad())? + 1
        }
    };
    let year = if month > today.month() { today.year() - 1 } else { today.year() };
    Ok((year, month))
}

#[derive(Debug, FromQueryResult)]
struct SessionCount {
    gaming_session_id: i64,
    players: i64,
}

/// `!sessions [month]`: the last 20 sessions, or those of a month.
pub async fn sessions(ctx: &Ctx, month: Option<&str>) -> CommandResult {
    let mut query = sessions::Entity::find().order_by_desc(sessions::Column::Id).limit(20);
    let mut heading = "Last gaming sessions".to_owned();
    if let Some(month) = month.filter(|m| !m.trim().is_empty()) {
        let (year, m) = parse_month(month, ctx.now.date())?;
        let start = NaiveDate::from_ymd_opt(year, m, 1)
            .ok_or_else(|| CommandError::Invalid("no such month".into()))?;
        let end = if m == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, m + 1, 1)
        }
        .ok_or_else(|| CommandError::Invalid("no such month".into()))?;
        query = sessions::Entity::find()
            .filter(sessions::Column::StartedAt.gte(start.and_hms_opt(0, 0, 0).unwrap_or_default()))
            .filter(sessions::Column::StartedAt.lt(end.and_hms_opt(0, 0, 0).unwrap_or_default()))
            .order_by_desc(sessions::Column::Id);
        heading = format!("Gaming sessions in {}", start.format("%B %Y"));
    }
    let list = query.all(&ctx.db).await?;
    let ids: Vec<i64> = list.iter().map(|s| s.id).collect();
    let mut maps: HashMap<i64, Vec<String>> = HashMap::new();
    let mut counts: HashMap<i64, i64> = HashMap::new();
    if !ids.is_empty() {
        let rows: Vec<(Option<i64>, String)> = rounds::Entity::find()
            .select_only()
            .column(rounds::Column::GamingSessionId)
            .column(rounds::Column::MapName)
            .filter(rounds::Column::GamingSessionId.is_in(ids.clone()))
            .filter(rounds::Column::RoundNumber.eq(1))
            .order_by_asc(rounds::Column::RoundAt)
            .into_tuple()
            .all(&ctx.db)
            .await?;
        for (id, map) in rows {
            if let Some(id) = id {
                maps.entry(id).or_default().push(map);
            }
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT r.gaming_session_id AS gaming_session_id, COUNT(DISTINCT p.player_guid) AS players \
             FROM rounds r JOIN player_comprehensive_stats p ON p.round_id = r.id \
             WHERE r.gaming_session_id IN ({}) AND r.round_number IN (1, 2) GROUP BY r.gaming_session_id",
            list.join(", ")
        );
        for row in SessionCount::find_by_statement(super::raw(&ctx.db, sql)).all(&ctx.db).await? {
            counts.insert(row.gaming_session_id, row.players);
        }
    }
    let mut lines = Vec::new();
    let mut data = Vec::new();
    for s in &list {
        let played = maps.get(&s.id).cloned().unwrap_or_default();
        let players = counts.get(&s.id).copied().unwrap_or(0);
        lines.push(format!(
            "**{}** `#{}` {}–{} ({}) · {} rounds · {} players\n↳ {}",
            s.started_at.format("%a %Y-%m-%d"),
            s.id,
            s.started_at.format("%H:%M"),
            s.ended_at.format("%H:%M"),
            format::duration((s.ended_at - s.started_at).num_seconds()),
            s.round_count,
            players,
            if played.is_empty() {
                "—".to_owned()
            } else {
                safe_name(&played.join(", "), ctx.names, 200)
            }
        ));
        data.push(json!({
            "id": s.id, "started": s.started_at.to_string(), "ended": s.ended_at.to_string(),
            "rounds": s.round_count, "players": players, "maps": played,
        }));
    }
    if lines.is_empty() {
        return Err(CommandError::Empty("no gaming sessions found".into()));
    }
    let head = Post {
        title: format!("🗓️ {heading}"),
        colour: 0x0034_98DB,
        description: String::new(),
        fields: Vec::new(),
        footer: "`!session <id|date>` for one session".to_owned(),
    };
    Ok(Reply {
        posts: pack_posts(head, &lines, Vec::new()),
        attachments: Vec::new(),
        pages: None,
        data: json!({ "sessions": data }),
    })
}

/// The table's handler: `!session [id|date] [view]` (a view alone means the latest
/// session), cached per session and view.
pub fn run_session(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let (which, view) = match (call.arg("which"), call.arg("view")) {
            // `!session combat`, `!session maps full`: a view of the latest session (a view
            // chosen from the menu under it replaces the first one).
            (Some(first), rest) if View::word(first).is_some() => match rest {
                Some(view) if View::word(view).is_some() => (None, Some(view.to_owned())),
                _ => (None, Some(format!("{first} {}", rest.unwrap_or_default()))),
            },
            (which, view) => (which, view.map(str::to_owned)),
        };
        let view = View::parse(view.as_deref())?;
        let pick = Pick::parse(which, call.ctx.now.date())?;
        let key = format!("session:{pick:?}:{}", view.key());
        call.cached(key, session_view(&call.ctx, pick, view)).await
    })
}

/// The table's handler: `!sessions [month]`, cached per month.
pub fn run_sessions(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let month = call.arg("month");
        call.cached(format!("sessions:{}", month.unwrap_or_default()), sessions(&call.ctx, month))
            .await
    })
}

/// The table's handler: `!last_session [view]`, cached per view.
pub fn run_last_session(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let view = View::parse(call.arg("view"))?;
        let key = match view {
            View::Summary => "last_session".to_owned(),
            view => format!("last_session:{}", view.key()),
        };
        call.cached(key, last_session_view(&call.ctx, view)).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn picks() {
        let today = day("2025-10-13");
        assert_eq!(Pick::parse(None, today).unwrap(), Pick::Latest);
        assert_eq!(Pick::parse(Some("yesterday"), today).unwrap(), Pick::Date(day("2025-10-12")));
        assert_eq!(Pick::parse(Some("2025-10-01"), today).unwrap(), Pick::Date(day("2025-10-01")));
        assert_eq!(Pick::parse(Some("#20251012224530"), today).unwrap(), Pick::Id(20251012224530));
        assert!(Pick::parse(Some("2025-13-01"), today).is_err());
        assert!(Pick::parse(Some("bob"), today).is_err());
        // The end of chrono's range: the day after would overflow in `load`.
        assert!(Pick::parse(Some("+262142-12-31"), today).is_err());
        assert!(Pick::parse(Some("0000-01-01"), today).is_err());
        assert_eq!(Pick::parse(Some("9999-12-31"), today).unwrap(), Pick::Date(day("9999-12-31")));
        assert!(Pick::parse(Some("yesterday"), NaiveDate::MIN).is_err());
    }

    #[test]
    fn months() {
        let today = day("2026-02-10");
        assert_eq!(parse_month("2025-10", today).unwrap(), (2025, 10));
        assert_eq!(parse_month("oct", today).unwrap(), (2025, 10));
        assert_eq!(parse_month("February", today).unwrap(), (2026, 2));
        assert_eq!(parse_month("1", today).unwrap(), (2026, 1));
        assert!(parse_month("13", today).is_err());
        assert!(parse_month("xy", today).is_err());
        assert!(parse_month("2147483647-12", today).is_err());
        assert!(parse_month("0-01", today).is_err());
        assert_eq!(parse_month("9999-12", today).unwrap(), (9999, 12));
    }
}
