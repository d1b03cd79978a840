//! The gaming session model: which session a command means ([`Pick`]), a session's rounds and
//! rows read from the database ([`load`]), and each player's totals over it ([`aggregate`]).
//! Shared by the session commands, the team line-ups and the charts (which depend on this,
//! not on each other).
use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use entity::{gaming_sessions as sessions, player_comprehensive_stats as pcs, rounds};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{CommandError, Ctx, format};

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
    /// Σ kills by a head shot.
    pub headshot_kills: i64,
    /// Σ damage to team mates.
    pub team_damage_given: i64,
    /// Σ dynamites planted.
    pub dynamites_planted: i64,
    /// Σ dynamites defused.
    pub dynamites_defused: i64,
    /// Σ objectives stolen.
    pub objectives_stolen: i64,
    /// Σ objectives returned.
    pub objectives_returned: i64,
    /// Σ constructions.
    pub constructions: i64,
    /// Σ kill assists.
    pub kill_assists: i64,
    /// The longest killing spree of any round.
    pub best_spree: i64,
    /// The longest death spree of any round.
    pub worst_spree: i64,
}

impl SessionPlayer {
    /// Damage per minute.
    pub fn dpm(&self) -> f64 {
        format::dpm(self.damage_given, self.seconds)
    }
}

/// Per-player sums over `rows`, most kills first (then damage, then GUID).
pub fn aggregate<'a>(
    rows: impl IntoIterator<Item = &'a pcs::Model>,
    names: &HashMap<String, String>,
) -> Vec<SessionPlayer> {
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
        p.headshot_kills += i64::from(r.headshot_kills);
        p.team_damage_given += i64::from(r.team_damage_given);
        p.dynamites_planted += i64::from(r.dynamites_planted);
        p.dynamites_defused += i64::from(r.dynamites_defused);
        p.objectives_stolen += i64::from(r.objectives_stolen);
        p.objectives_returned += i64::from(r.objectives_returned);
        p.constructions += i64::from(r.constructions);
        p.kill_assists += i64::from(r.kill_assists);
        p.best_spree = p.best_spree.max(i64::from(r.killing_spree_best));
        p.worst_spree = p.worst_spree.max(i64::from(r.death_spree_worst));
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

/// A sum as i32 (saturating).
pub fn clamp32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}
