//! Gaming sessions: `!session [id|date]`, `!sessions [month]` and `!last_session` (with its
//! graphs). A session is what the import grouped (`gaming_sessions`: rounds no more than the
//! session gap apart); a date means every session with a round that day.
use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use entity::{gaming_sessions as sessions, player_comprehensive_stats as pcs, rounds};
use sea_orm::{
    ColumnTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::{CommandError, CommandResult, Ctx, Reply, achievements, charts, format, players};
use crate::render::{Field, Post, clock, pack_posts, rank, safe_name, short};

/// Which session(s) a command means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The latest session.
    Latest,
    /// A session by id (`YYYYMMDDHHMMSS` of its first round).
    Id(i64),
    /// Every session with a round on that day.
    Date(NaiveDate),
}

impl Pick {
    /// Reads `[id|YYYY-MM-DD|today|yesterday]`; `today` is the game servers' local date.
    pub fn parse(arg: Option<&str>, today: NaiveDate) -> Result<Pick, CommandError> {
        let Some(text) = arg.map(str::trim).filter(|a| !a.is_empty()) else {
            return Ok(Pick::Latest);
        };
        match text.to_lowercase().as_str() {
            "today" => return Ok(Pick::Date(today)),
            "yesterday" => return today.pred_opt().map(Pick::Date).ok_or_else(bad_pick),
            "last" | "latest" => return Ok(Pick::Latest),
            _ => {}
        }
        let digits = text.trim_start_matches('#');
        if digits.len() == 14 && digits.chars().all(|c| c.is_ascii_digit()) {
            return digits.parse().map(Pick::Id).map_err(|_| bad_pick());
        }
        // chrono reads signed years of any width (`+262142-12-31`); a day at the end of its
        // range would overflow the day after it, so only years 1 to 9999 are dates here.
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|day| (1..=MAX_YEAR).contains(&day.year()))
            .map(Pick::Date)
            .ok_or_else(bad_pick)
    }
}

/// The last year a date or month argument may name (the first is 1).
pub const MAX_YEAR: i32 = 9999;

fn bad_pick() -> CommandError {
    CommandError::Invalid(
        "give a session id (e.g. 20251012224530), a date YYYY-MM-DD, today or yesterday".into(),
    )
}

/// The rounds (1 and 2) of one or more sessions and their players' rows.
#[derive(Debug, Clone)]
pub struct SessionData {
    /// The sessions, oldest first.
    pub sessions: Vec<sessions::Model>,
    /// Their rounds, in time order.
    pub rounds: Vec<rounds::Model>,
    /// Every player row of those rounds.
    pub rows: Vec<pcs::Model>,
}

impl SessionData {
    /// First round's time.
    pub fn started(&self) -> NaiveDateTime {
        self.sessions.first().map(|s| s.started_at).unwrap_or_default()
    }

    /// Last round's time.
    pub fn ended(&self) -> NaiveDateTime {
        self.sessions.last().map(|s| s.ended_at).unwrap_or_default()
    }

    /// Maps in play order, each with how often it was played (`a, b (x2)`).
    pub fn maps(&self) -> Vec<(String, usize)> {
        let mut out: Vec<(String, usize)> = Vec::new();
        for round in &self.rounds {
            // A map is played once per round 1 (or per orphan round 2).
            if round.round_number != 1 && round.round_status != "orphan_r2" {
                continue;
            }
            match out.iter_mut().find(|(m, _)| *m == round.map_name) {
                Some((_, n)) => *n += 1,
                None => out.push((round.map_name.clone(), 1)),
            }
        }
        out
    }
}

/// Loads the session(s) `pick` means; `None` when there is none.
pub async fn load(ctx: &Ctx, pick: Pick) -> Result<Option<SessionData>, DbErr> {
    let chosen: Vec<sessions::Model> = match pick {
        Pick::Latest => {
            sessions::Entity::find()
                .order_by_desc(sessions::Column::Id)
                .limit(1)
                .all(&ctx.db)
                .await?
        }
        Pick::Id(id) => sessions::Entity::find_by_id(id).all(&ctx.db).await?,
        Pick::Date(day) => {
            let start = day.and_hms_opt(0, 0, 0).unwrap_or_default();
            let end = start + TimeDelta::days(1);
            sessions::Entity::find()
                .filter(sessions::Column::StartedAt.lt(end))
                .filter(sessions::Column::EndedAt.gte(start))
                .order_by_asc(sessions::Column::Id)
                .all(&ctx.db)
                .await?
        }
    };
    if chosen.is_empty() {
        return Ok(None);
    }
    let ids: Vec<i64> = chosen.iter().map(|s| s.id).collect();
    let rounds: Vec<rounds::Model> = rounds::Entity::find()
        .filter(rounds::Column::GamingSessionId.is_in(ids))
        .filter(rounds::Column::RoundNumber.is_in([1, 2]))
        .order_by_asc(rounds::Column::RoundAt)
        .order_by_asc(rounds::Column::RoundNumber)
        .all(&ctx.db)
        .await?;
    let round_ids: Vec<i32> = rounds.iter().map(|r| r.id).collect();
    let mut rows = Vec::new();
    for chunk in round_ids.chunks(500) {
        rows.extend(
            pcs::Entity::find()
                .filter(pcs::Column::RoundId.is_in(chunk.to_vec()))
                .all(&ctx.db)
                .await?,
        );
    }
    Ok(Some(SessionData { sessions: chosen, rounds, rows }))
}

/// One player's sums over a session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionPlayer {
    /// GUID.
    pub guid: String,
    /// Display name.
    pub name: String,
    /// Rounds played.
    pub rounds: i64,
    /// Σ kills.
    pub kills: i64,
    /// Σ deaths.
    pub deaths: i64,
    /// Σ gibs.
    pub gibs: i64,
    /// Σ damage given.
    pub damage_given: i64,
    /// Σ damage received.
    pub damage_received: i64,
    /// Σ hits.
    pub hits: i64,
    /// Σ shots.
    pub shots: i64,
    /// Σ head hits.
    pub headshots: i64,
    /// Σ own time played, seconds.
    pub seconds: i64,
    /// Σ time dead, seconds.
    pub dead_seconds: f64,
    /// Σ revives given.
    pub revives_given: i64,
    /// Σ times revived.
    pub times_revived: i64,
    /// Σ useful kills.
    pub useful_kills: i64,
    /// Σ denied playtime, seconds.
    pub denied: i64,
    /// Σ 2, 3, 4, 5 and 6 kill multikills.
    pub multikills: [i64; 5],
}

impl SessionPlayer {
    /// Damage per minute.
    pub fn dpm(&self) -> f64 {
        format::dpm(self.damage_given, self.seconds)
    }
}

/// Per-player sums over `rows`, most kills first (then damage, then GUID).
pub fn aggregate(rows: &[pcs::Model], names: &HashMap<String, String>) -> Vec<SessionPlayer> {
    let mut by: BTreeMap<&str, SessionPlayer> = BTreeMap::new();
    for r in rows {
        let p = by.entry(r.player_guid.as_str()).or_insert_with(|| SessionPlayer {
            guid: r.player_guid.clone(),
            name: names.get(&r.player_guid).cloned().unwrap_or_else(|| r.player_name.clone()),
            ..SessionPlayer::default()
        });
        p.rounds += 1;
        p.kills += i64::from(r.kills);
        p.deaths += i64::from(r.deaths);
        p.gibs += i64::from(r.gibs);
        p.damage_given += i64::from(r.damage_given);
        p.damage_received += i64::from(r.damage_received);
        p.hits += i64::from(r.hits);
        p.shots += i64::from(r.shots);
        p.headshots += i64::from(r.headshots);
        p.seconds += i64::from(r.time_played_seconds);
        p.dead_seconds += r.time_dead_minutes * 60.0;
        p.revives_given += i64::from(r.revives_given);
        p.times_revived += i64::from(r.times_revived);
        p.useful_kills += i64::from(r.most_useful_kills);
        p.denied += i64::from(r.denied_playtime);
        for (sum, n) in p.multikills.iter_mut().zip([
            r.double_kills,
            r.triple_kills,
            r.quad_kills,
            r.multi_kills,
            r.mega_kills,
        ]) {
            *sum += i64::from(n);
        }
    }
    let mut out: Vec<SessionPlayer> = by.into_values().collect();
    out.sort_by(|a, b| {
        b.kills.cmp(&a.kills).then(b.damage_given.cmp(&a.damage_given)).then(a.guid.cmp(&b.guid))
    });
    out
}

fn clamp32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

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
    let extra = vec![Field {
        name: "📊 Session totals".to_owned(),
        value: format!(
            "**Kills:** {} · **Damage:** {}",
            format::thousands(kills),
            format::thousands(damage)
        ),
    }];
    let head = Post {
        title: format!("📊 Session Summary: {}", started.format("%Y-%m-%d")),
        colour: 0x0034_98DB,
        description,
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
    });
    Ok((posts, players, data))
}

/// `!session [id|date]`.
pub async fn session(ctx: &Ctx, pick: Pick) -> CommandResult {
    let Some(data) = load(ctx, pick).await? else {
        return Err(CommandError::Empty("no gaming session found for that".into()));
    };
    let (posts, _, json) = summary(ctx, &data).await?;
    Ok(Reply { posts, attachments: Vec::new(), pages: None, data: json })
}

/// `!last_session`: the latest session's summary with its graphs (kills, deaths and DPM per
/// player; DPM per round).
pub async fn last_session(ctx: &Ctx) -> CommandResult {
    let Some(data) = load(ctx, Pick::Latest).await? else {
        return Err(CommandError::Empty("no gaming session stored yet".into()));
    };
    let (posts, players, json) = summary(ctx, &data).await?;
    let attachments = charts::session_charts(&data, &players).map_err(CommandError::Internal)?;
    Ok(Reply { posts, attachments, pages: None, data: json })
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
