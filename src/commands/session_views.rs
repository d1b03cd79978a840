//! The views of a gaming session, as the original bot had them: `!last_session [view]` and
//! `!session [id|date] [view]` with `top`, `combat`, `obj`, `weapons`, `support`, `sprees`,
//! `maps`, `maps full` and `graphs` (and their aliases). Each view is posts within Discord's
//! limits (`pack_posts`) and the same numbers as data for `--json`.
use std::collections::{BTreeMap, HashMap};

use entity::{player_comprehensive_stats as pcs, weapon_comprehensive_stats as wcs};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{
    CommandError, Ctx, Reply, format,
    gaming_session::{SessionData, SessionPlayer, aggregate, clamp32},
    players,
};
use crate::render::{Field, Post, clock, pack_posts, rank, safe_name, short};

/// Which view of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// The summary (no view word).
    Summary,
    /// The top ten by kills.
    Top,
    /// Kills, deaths, gibs, damage.
    Combat,
    /// Dynamites, objectives, revives, sprees, denied time.
    Objectives,
    /// Each player's weapons.
    Weapons,
    /// Revives, assists, constructions.
    Support,
    /// Sprees and multikills.
    Sprees,
    /// One card per map.
    Maps,
    /// Round 1, round 2 and the map, per map.
    MapsFull,
    /// The graphs.
    Graphs,
}

/// The view words (first: the one `!help` and errors show), with their aliases.
const WORDS: &[(View, &[&str])] = &[
    (View::Top, &["top", "top10"]),
    (View::Combat, &["combat"]),
    (View::Objectives, &["obj", "objectives"]),
    (View::Weapons, &["weapons", "weapon", "weap"]),
    (View::Support, &["support"]),
    (View::Sprees, &["sprees", "spree"]),
    (View::Maps, &["maps"]),
    (View::MapsFull, &["maps full", "mapsfull", "maps_full"]),
    (View::Graphs, &["graphs", "graph", "charts"]),
    (View::Summary, &["summary"]),
];

impl View {
    /// Reads a view word (none: the summary); anything else is an error naming the views.
    pub fn parse(text: Option<&str>) -> Result<View, CommandError> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(View::Summary);
        };
        View::word(text).ok_or_else(|| {
            CommandError::Invalid(format!(
                "no view {:?}; the views are: {}",
                format::cut(text, 40),
                View::names().join(", ")
            ))
        })
    }

    /// The view `text` names, if it names one (case and spacing aside).
    pub fn word(text: &str) -> Option<View> {
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        let text = words.join(" ");
        WORDS.iter().find(|(_, names)| names.contains(&text.as_str())).map(|(view, _)| *view)
    }

    /// Every view's word.
    pub fn names() -> Vec<&'static str> {
        WORDS.iter().map(|(_, names)| names[0]).collect()
    }

    /// Its word.
    pub fn key(self) -> &'static str {
        WORDS.iter().find(|(v, _)| *v == self).map_or("summary", |(_, names)| names[0])
    }

    /// Every view, each by its word, as the menu under a session reply offers them.
    pub fn all() -> Vec<View> {
        WORDS.iter().map(|(view, _)| *view).collect()
    }

    fn title(self) -> &'static str {
        match self {
            View::Summary => "📊 Session Summary",
            View::Top => "🏆 Top Players",
            View::Combat => "⚔️ Combat",
            View::Objectives => "🎯 Objectives",
            View::Weapons => "🔫 Weapons",
            View::Support => "💉 Support",
            View::Sprees => "🔥 Sprees & Multikills",
            View::Maps => "🗺️ Maps",
            View::MapsFull => "🗺️ Maps, round by round",
            View::Graphs => "📈 Graphs",
        }
    }
}

/// One map of a session: its round 1 (if any) and round 2 (if any), in play order.
struct MapPlay<'a> {
    map: &'a str,
    round1: Option<i32>,
    round2: Option<i32>,
}

fn map_plays(data: &SessionData) -> Vec<MapPlay<'_>> {
    let mut plays: Vec<MapPlay<'_>> = Vec::new();
    for round in &data.rounds {
        let joins = round.round_number == 2
            && plays.last().is_some_and(|p| {
                p.round2.is_none()
                    && p.map == round.map_name
                    && p.round1.is_some_and(|r1| {
                        data.rounds.iter().any(|r| r.id == r1 && r.match_id == round.match_id)
                    })
            });
        match plays.last_mut() {
            Some(last) if joins => last.round2 = Some(round.id),
            _ => plays.push(MapPlay {
                map: &round.map_name,
                round1: (round.round_number == 1).then_some(round.id),
                round2: (round.round_number == 2).then_some(round.id),
            }),
        }
    }
    plays
}

/// The posts and data of `view` (not the summary, not graphs) of the session `data`.
pub async fn render(ctx: &Ctx, data: &SessionData, view: View) -> Result<Reply, DbErr> {
    let guids: Vec<String> = {
        let mut g: Vec<String> = data.rows.iter().map(|r| r.player_guid.clone()).collect();
        g.sort();
        g.dedup();
        g
    };
    let names = players::display_names(&ctx.db, &guids).await?;
    let players = aggregate(&data.rows, &names);
    let name = |p: &SessionPlayer| safe_name(&p.name, ctx.names, 20);
    let (blocks, rows): (Vec<String>, Vec<Value>) = match view {
        View::Top => players
            .iter()
            .take(10)
            .enumerate()
            .map(|(i, p)| {
                let line = format!(
                    "{} **{}** — {} K · {} D · K/D {:.2} · DPM {:.0}",
                    rank(i),
                    name(p),
                    p.kills,
                    p.deaths,
                    format::kd(p.kills, p.deaths),
                    p.dpm()
                );
                let row = json!({"guid": p.guid, "name": p.name, "kills": p.kills, "deaths": p.deaths,
                    "kd": format::kd(p.kills, p.deaths), "dpm": p.dpm()});
                (line, row)
            })
            .unzip(),
        View::Combat => players
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let line = format!(
                    "{} **{}**\n↳ {}K/{}D ({:.2}) • {} gibs • DPM {:.0} • dmg {}⬆/{}⬇ • team dmg {} • HS kills {}",
                    rank(i),
                    name(p),
                    p.kills,
                    p.deaths,
                    format::kd(p.kills, p.deaths),
                    p.gibs,
                    p.dpm(),
                    short(clamp32(p.damage_given)),
                    short(clamp32(p.damage_received)),
                    short(clamp32(p.team_damage_given)),
                    p.headshot_kills
                );
                let row = json!({"guid": p.guid, "name": p.name, "kills": p.kills, "deaths": p.deaths,
                    "gibs": p.gibs, "damage_given": p.damage_given, "damage_received": p.damage_received,
                    "team_damage_given": p.team_damage_given, "headshot_kills": p.headshot_kills, "dpm": p.dpm()});
                (line, row)
            })
            .unzip(),
        View::Objectives => {
            let mut by_work: Vec<&SessionPlayer> = players.iter().collect();
            let work = |p: &SessionPlayer| {
                p.dynamites_planted
                    + p.dynamites_defused
                    + p.objectives_stolen
                    + p.objectives_returned
                    + p.constructions
            };
            by_work.sort_by(|a, b| work(b).cmp(&work(a)).then(a.guid.cmp(&b.guid)));
            by_work
                .into_iter()
                .map(|p| {
                    let line = format!(
                        "**{}**\n↳ 💣 {} planted / {} defused • 📦 {} stolen / {} returned • 🏗️ {} • 💉 {} revives • 🔥 spree {} / 💀 {} • ⏳ {}",
                        name(p),
                        p.dynamites_planted,
                        p.dynamites_defused,
                        p.objectives_stolen,
                        p.objectives_returned,
                        p.constructions,
                        p.revives_given,
                        p.best_spree,
                        p.worst_spree,
                        clock(p.denied as f64)
                    );
                    let row = json!({"guid": p.guid, "name": p.name,
                        "dynamites_planted": p.dynamites_planted, "dynamites_defused": p.dynamites_defused,
                        "objectives_stolen": p.objectives_stolen, "objectives_returned": p.objectives_returned,
                        "constructions": p.constructions, "revives_given": p.revives_given,
                        "best_spree": p.best_spree, "worst_spree": p.worst_spree, "denied_seconds": p.denied});
                    (line, row)
                })
                .unzip()
        }
        View::Weapons => weapons(ctx, data, &players).await?,
        View::Support => {
            let mut by_revives: Vec<&SessionPlayer> = players.iter().collect();
            by_revives.sort_by(|a, b| {
                b.revives_given.cmp(&a.revives_given).then(a.guid.cmp(&b.guid))
            });
            by_revives
                .into_iter()
                .map(|p| {
                    let line = format!(
                        "**{}**\n↳ 💉 {} revives • revived {} • 🤝 {} assists • 🏗️ {} built • 💀 {} dead",
                        name(p),
                        p.revives_given,
                        p.times_revived,
                        p.kill_assists,
                        p.constructions,
                        clock(p.dead_seconds)
                    );
                    let row = json!({"guid": p.guid, "name": p.name, "revives_given": p.revives_given,
                        "times_revived": p.times_revived, "kill_assists": p.kill_assists,
                        "constructions": p.constructions});
                    (line, row)
                })
                .unzip()
        }
        View::Sprees => {
            let mut by_spree: Vec<&SessionPlayer> = players.iter().collect();
            by_spree.sort_by(|a, b| b.best_spree.cmp(&a.best_spree).then(a.guid.cmp(&b.guid)));
            by_spree
                .into_iter()
                .map(|p| {
                    let multis: Vec<String> = p
                        .multikills
                        .iter()
                        .zip(["DBL", "TPL", "QD", "MLT", "MGA"])
                        .filter(|(n, _)| **n > 0)
                        .map(|(n, label)| format!("{label} {n}"))
                        .collect();
                    let multis = if multis.is_empty() { "—".to_owned() } else { multis.join(" · ") };
                    let line = format!(
                        "**{}**\n↳ 🔥 best spree {} • 💀 worst {} • {multis}",
                        name(p),
                        p.best_spree,
                        p.worst_spree
                    );
                    let row = json!({"guid": p.guid, "name": p.name, "best_spree": p.best_spree,
                        "worst_spree": p.worst_spree, "multikills": p.multikills});
                    (line, row)
                })
                .unzip()
        }
        View::Maps | View::MapsFull => maps(ctx, data, &names, view == View::MapsFull),
        View::Summary | View::Graphs => (Vec::new(), Vec::new()),
    };
    let started = data.started();
    let ids: Vec<String> = data.sessions.iter().map(|s| format!("#{}", s.id)).collect();
    let head = Post {
        title: format!("{}: {}", view.title(), started.format("%Y-%m-%d")),
        colour: 0x0034_98DB,
        description: format!(
            "{} players • {} rounds • Session {}",
            players.len(),
            data.rounds.len(),
            ids.join(", ")
        ),
        fields: Vec::new(),
        footer: format!("Views: {}", View::names().join(", ")),
    };
    let extra = if blocks.is_empty() {
        vec![Field { name: "—".to_owned(), value: "nothing to show".to_owned() }]
    } else {
        Vec::new()
    };
    let key = if matches!(view, View::Maps | View::MapsFull) { "maps" } else { "players" };
    let data = json!({
        "sessions": data.sessions.iter().map(|s| s.id).collect::<Vec<_>>(),
        "view": view.key(),
        key: rows,
    });
    Ok(Reply {
        posts: pack_posts(head, &blocks, extra),
        attachments: Vec::new(),
        pages: None,
        data,
    })
}

#[derive(Default)]
struct WeaponSum {
    kills: i64,
    hits: i64,
    shots: i64,
    headshots: i64,
}

async fn weapons(
    ctx: &Ctx,
    data: &SessionData,
    players: &[SessionPlayer],
) -> Result<(Vec<String>, Vec<Value>), DbErr> {
    let round_ids: Vec<i32> = data.rounds.iter().map(|r| r.id).collect();
    let mut sums: HashMap<String, BTreeMap<String, WeaponSum>> = HashMap::new();
    for chunk in round_ids.chunks(500) {
        for w in wcs::Entity::find()
            .filter(wcs::Column::RoundId.is_in(chunk.to_vec()))
            .all(&ctx.db)
            .await?
        {
            let sum = sums.entry(w.player_guid).or_default().entry(w.weapon_name).or_default();
            sum.kills += i64::from(w.kills);
            sum.hits += i64::from(w.hits);
            sum.shots += i64::from(w.shots);
            sum.headshots += i64::from(w.headshots);
        }
    }
    let mut blocks = Vec::new();
    let mut rows = Vec::new();
    for (i, p) in players.iter().enumerate() {
        let mut list: Vec<(&String, &WeaponSum)> =
            sums.get(&p.guid).map(|m| m.iter().collect()).unwrap_or_default();
        list.sort_by(|a, b| b.1.kills.cmp(&a.1.kills).then(a.0.cmp(b.0)));
        list.retain(|(_, w)| w.kills > 0 || w.shots > 0);
        let text: Vec<String> = list
            .iter()
            .take(4)
            .map(|(weapon, w)| {
                format!(
                    "{} {} kills, {:.0}% acc, {:.0}% HS",
                    weapon.trim_start_matches("WS_"),
                    w.kills,
                    format::percent(w.hits, w.shots),
                    format::percent(w.headshots, w.hits)
                )
            })
            .collect();
        let text = if text.is_empty() { "—".to_owned() } else { text.join(" · ") };
        blocks.push(format!(
            "{} **{}**\n↳ {}",
            rank(i),
            safe_name(&p.name, ctx.names, 20),
            safe_name(&text, ctx.names, 900)
        ));
        let weapons: Vec<Value> = list
            .iter()
            .map(|(weapon, w)| {
                json!({"weapon": weapon, "kills": w.kills, "hits": w.hits, "shots": w.shots,
                    "headshots": w.headshots, "accuracy": format::percent(w.hits, w.shots),
                    "headshot_percent": format::percent(w.headshots, w.hits)})
            })
            .collect();
        rows.push(json!({"guid": p.guid, "name": p.name, "weapons": weapons}));
    }
    Ok((blocks, rows))
}

/// One line of a map (or one of its rounds): kills, damage and who had most kills.
fn play_line(rows: &[&pcs::Model], names: &HashMap<String, String>, ctx: &Ctx) -> (String, Value) {
    let players = aggregate(rows.iter().copied(), names);
    let kills: i64 = players.iter().map(|p| p.kills).sum();
    let damage: i64 = players.iter().map(|p| p.damage_given).sum();
    let top = players.first();
    let top_text = top.map_or_else(
        || "—".to_owned(),
        |p| format!("{} ({} K)", safe_name(&p.name, ctx.names, 20), p.kills),
    );
    let line = format!(
        "{} players • {} K • {} dmg • top {top_text}",
        players.len(),
        kills,
        short(clamp32(damage))
    );
    let row = json!({"players": players.len(), "kills": kills, "damage_given": damage,
        "top": top.map(|p| json!({"guid": p.guid, "name": p.name, "kills": p.kills}))});
    (line, row)
}

fn maps(
    ctx: &Ctx,
    data: &SessionData,
    names: &HashMap<String, String>,
    full: bool,
) -> (Vec<String>, Vec<Value>) {
    let round = |id: Option<i32>| id.and_then(|id| data.rounds.iter().find(|r| r.id == id));
    let rows_of = |ids: &[i32]| -> Vec<&pcs::Model> {
        data.rows.iter().filter(|r| ids.contains(&r.round_id)).collect()
    };
    let mut blocks = Vec::new();
    let mut out = Vec::new();
    for play in map_plays(data) {
        let ids: Vec<i32> = [play.round1, play.round2].into_iter().flatten().collect();
        let (line, mut row) = play_line(&rows_of(&ids), names, ctx);
        let times: Vec<String> = [("R1", round(play.round1)), ("R2", round(play.round2))]
            .into_iter()
            .filter_map(|(label, r)| {
                r.map(|r| format!("{label} {}", clock(f64::from(r.actual_time_seconds))))
            })
            .collect();
        let mut block = format!(
            "**{}** ({})\n↳ {line}",
            safe_name(play.map, ctx.names, 40),
            if times.is_empty() { "—".to_owned() } else { times.join(" · ") }
        );
        row["map"] = json!(play.map);
        row["round1_id"] = json!(play.round1);
        row["round2_id"] = json!(play.round2);
        if full {
            for (label, id) in [("R1", play.round1), ("R2", play.round2)] {
                let Some(id) = id else { continue };
                let (round_line, round_row) = play_line(&rows_of(&[id]), names, ctx);
                block.push_str(&format!("\n{label}: {round_line}"));
                row[label.to_lowercase()] = round_row;
            }
        }
        blocks.push(block);
        out.push(row);
    }
    (blocks, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_words_and_their_aliases_and_a_clear_error_for_others() {
        assert_eq!(View::parse(None).unwrap(), View::Summary);
        assert_eq!(View::parse(Some("  ")).unwrap(), View::Summary);
        assert_eq!(View::parse(Some("OBJ")).unwrap(), View::Objectives);
        assert_eq!(View::parse(Some("objectives")).unwrap(), View::Objectives);
        assert_eq!(View::parse(Some("Maps   Full")).unwrap(), View::MapsFull);
        assert_eq!(View::parse(Some("charts")).unwrap(), View::Graphs);
        assert_eq!(View::parse(Some("weap")).unwrap(), View::Weapons);
        let error = View::parse(Some("nope")).unwrap_err().to_string();
        assert!(
            error.contains("\"nope\"") && error.contains("maps full") && error.contains("graphs"),
            "{error}"
        );
        for name in View::names() {
            assert_eq!(View::parse(Some(name)).unwrap().key(), name);
        }
        assert_eq!(View::Summary.key(), "summary");
        assert_eq!(View::parse(Some("Summary")).unwrap(), View::Summary);
        // The menu under a session reply (the command table's choices) offers every view.
        let spec = crate::commands::registry::find("last_session").unwrap();
        let (_, param) = spec.switch().unwrap();
        let mut offered: Vec<View> =
            param.choices.iter().map(|c| View::parse(Some(c)).unwrap()).collect();
        let mut all = View::all();
        offered.sort_by_key(|v| v.key());
        all.sort_by_key(|v| v.key());
        assert_eq!(offered, all);
    }
}
