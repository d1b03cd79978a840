//! Team records over every gaming session, from each session's line-ups (`teams::detect`) and
//! stopwatch score (`stopwatch::score`): `!team_record` (each line-up's sessions and maps won,
//! lost and drawn) and `!h2h <player> <player>` (the maps and sessions two players' teams won
//! against each other, and their record together). Worked out from the stored rounds; nothing
//! is written, so any import order gives the same records. Each session's line-ups and score
//! are kept in the front end's [`Memo`] while the session is unchanged (same round count and
//! end), so a call works out only the sessions that are new or grew since the last one.
use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, PoisonError},
};

use entity::gaming_sessions as sessions;
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use serde_json::json;

use super::{
    Caller, CommandError, CommandResult, Ctx, Reply,
    call::{BoxFuture, Call},
    format,
    gaming_session::{Pick, load},
    players::{self, Who},
    stopwatch::{Score, Winner},
    teams::{self, Lineups, Team},
};
use crate::render::{Field, Post, pack_posts, safe_name};

/// One scored session: its id, line-ups and score.
#[derive(Debug)]
struct Scored {
    id: i64,
    lineups: Lineups,
    score: Score,
}

/// A session as `gaming_sessions` describes it: a stored session changes only by growing (a
/// round added, or paired later), which changes its round count or its end.
type Fingerprint = (i32, chrono::NaiveDateTime);

/// Each session's line-ups and score (`None`: no scored map), kept between calls of one
/// front end while the session's [`Fingerprint`] is unchanged.
#[derive(Debug, Default)]
pub struct Memo {
    scored: Mutex<HashMap<i64, Remembered>>,
}

/// A session's fingerprint when scored, and its score (`None`: no scored map).
type Remembered = (Fingerprint, Option<Arc<Scored>>);

/// Scores every stored session into the front end's memo (at start, in the background, so
/// the first `!team_record` or `!h2h` does not wait for the whole history); returns how many
/// sessions have a scored map.
pub async fn warm(ctx: &Ctx) -> Result<usize, CommandError> {
    Ok(scored_sessions(ctx).await?.len())
}

/// Every session with at least one scored map, oldest first.
async fn scored_sessions(ctx: &Ctx) -> Result<Vec<Arc<Scored>>, CommandError> {
    let all: Vec<(i64, i32, chrono::NaiveDateTime)> = sessions::Entity::find()
        .select_only()
        .column(sessions::Column::Id)
        .column(sessions::Column::RoundCount)
        .column(sessions::Column::EndedAt)
        .order_by_asc(sessions::Column::Id)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    let known = |id: i64, print: Fingerprint| {
        let memo = ctx.memo.scored.lock().unwrap_or_else(PoisonError::into_inner);
        memo.get(&id).filter(|(p, _)| *p == print).map(|(_, s)| s.clone())
    };
    let mut out = Vec::new();
    let mut fresh = Vec::new();
    for (id, rounds, ended) in &all {
        let print = (*rounds, *ended);
        let scored = match known(*id, print) {
            Some(scored) => scored,
            None => {
                let scored = match load(ctx, Pick::Id(*id)).await? {
                    Some(data) => {
                        let lineups = teams::detect(&data);
                        let score = super::stopwatch::score(&data, &lineups);
                        (!score.maps.is_empty())
                            .then(|| Arc::new(Scored { id: *id, lineups, score }))
                    }
                    None => None,
                };
                fresh.push((*id, print, scored.clone()));
                scored
            }
        };
        out.extend(scored);
    }
    let mut memo = ctx.memo.scored.lock().unwrap_or_else(PoisonError::into_inner);
    if memo.len() + fresh.len() > all.len() {
        // Sessions merged or gone (a re-import): keep only the current ones.
        let current: std::collections::HashSet<i64> = all.iter().map(|s| s.0).collect();
        memo.retain(|id, _| current.contains(id));
    }
    for (id, print, scored) in fresh {
        memo.insert(id, (print, scored));
    }
    Ok(out)
}

fn roster(lineups: &Lineups, team: Team) -> Vec<String> {
    let mut guids: Vec<String> =
        lineups.members.iter().filter(|(_, t)| **t == team).map(|(g, _)| g.clone()).collect();
    guids.sort();
    guids
}

/// Won, lost, drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Wld {
    won: u32,
    lost: u32,
    drawn: u32,
}

impl Wld {
    fn add(&mut self, ours: bool, theirs: bool) {
        match (ours, theirs) {
            (true, false) => self.won += 1,
            (false, true) => self.lost += 1,
            _ => self.drawn += 1,
        }
    }

    fn text(self) -> String {
        format!("{}–{}–{}", self.won, self.lost, self.drawn)
    }

    fn json(self) -> serde_json::Value {
        json!({"won": self.won, "lost": self.lost, "drawn": self.drawn})
    }
}

fn map_result(winner: Winner, team: Team) -> (bool, bool) {
    match (winner, team) {
        (Winner::TeamA, Team::A) | (Winner::TeamB, Team::B) => (true, false),
        (Winner::TeamA, Team::B) | (Winner::TeamB, Team::A) => (false, true),
        (Winner::Draw, _) => (false, false),
    }
}

fn session_result(score: &Score, team: Team) -> (bool, bool) {
    let (ours, theirs) =
        if team == Team::A { (score.team_a, score.team_b) } else { (score.team_b, score.team_a) };
    (ours > theirs, theirs > ours)
}

/// `!team_record`: every line-up that played a scored session, most sessions first.
pub async fn team_record(ctx: &Ctx) -> CommandResult {
    let all = scored_sessions(ctx).await?;
    if all.is_empty() {
        return Err(CommandError::Empty("no session with a scored map yet".into()));
    }
    #[derive(Default)]
    struct Record {
        sessions: Wld,
        maps: Wld,
        last: i64,
    }
    let mut records: BTreeMap<Vec<String>, Record> = BTreeMap::new();
    for s in &all {
        for team in [Team::A, Team::B] {
            let r = records.entry(roster(&s.lineups, team)).or_default();
            let (won, lost) = session_result(&s.score, team);
            r.sessions.add(won, lost);
            for m in &s.score.maps {
                let (won, lost) = map_result(m.winner, team);
                r.maps.add(won, lost);
            }
            r.last = r.last.max(s.id);
        }
    }
    let mut list: Vec<(Vec<String>, Record)> = records.into_iter().collect();
    let played = |r: &Record| r.sessions.won + r.sessions.lost + r.sessions.drawn;
    list.sort_by(|a, b| {
        played(&b.1)
            .cmp(&played(&a.1))
            .then(b.1.maps.won.cmp(&a.1.maps.won))
            .then(b.1.last.cmp(&a.1.last))
    });
    list.truncate(15);
    let guids: Vec<String> = list.iter().flat_map(|(g, _)| g.iter().cloned()).collect();
    let names = players::display_names(&ctx.db, &guids).await?;
    let name = |g: &String| names.get(g).cloned().unwrap_or_else(|| g.clone());
    let mut blocks = Vec::new();
    let mut data = Vec::new();
    for (guids, r) in &list {
        let members: Vec<String> = guids.iter().map(name).collect();
        let shown: Vec<String> = members.iter().map(|n| safe_name(n, ctx.names, 16)).collect();
        blocks.push(format!(
            "**{}**\n↳ sessions {} · maps {} (won–lost–drawn)",
            format::cut(&shown.join(", "), 300),
            r.sessions.text(),
            r.maps.text()
        ));
        data.push(json!({"players": members, "guids": guids, "sessions": r.sessions.json(),
            "maps": r.maps.json(), "last_session": r.last}));
    }
    let head = Post {
        title: "🏆 Team records".to_owned(),
        colour: 0x00F1_C40F,
        description: format!(
            "{} line-ups over {} scored sessions, most sessions first",
            list.len(),
            all.len()
        ),
        fields: Vec::<Field>::new(),
        footer: "A line-up is the same players together; `!h2h A B` for two players".to_owned(),
    };
    Ok(Reply {
        posts: pack_posts(head, &blocks, Vec::new()),
        attachments: Vec::new(),
        pages: None,
        data: json!({"sessions": all.len(), "lineups": data}),
    })
}

/// `!h2h <first> <second>`: the two players' teams against each other (maps and sessions),
/// and their record when on the same team.
pub async fn h2h(ctx: &Ctx, first: &Who, second: &Who, caller: &Caller) -> CommandResult {
    let a = players::resolve(ctx, first, caller).await?;
    let b = players::resolve(ctx, second, caller).await?;
    if a.guid == b.guid {
        return Err(CommandError::Invalid("give two different players".into()));
    }
    let all = scored_sessions(ctx).await?;
    let (mut against_maps, mut against_sessions, mut together_maps, mut together_sessions) =
        (Wld::default(), Wld::default(), Wld::default(), Wld::default());
    let mut met: Vec<i64> = Vec::new();
    let mut with: Vec<i64> = Vec::new();
    for s in &all {
        let team_of: HashMap<&str, Team> =
            s.lineups.members.iter().map(|(g, t)| (g.as_str(), *t)).collect();
        let (Some(ta), Some(tb)) = (team_of.get(a.guid.as_str()), team_of.get(b.guid.as_str()))
        else {
            continue;
        };
        let (maps, sessions, list) = if ta == tb {
            (&mut together_maps, &mut together_sessions, &mut with)
        } else {
            (&mut against_maps, &mut against_sessions, &mut met)
        };
        for m in &s.score.maps {
            let (won, lost) = map_result(m.winner, *ta);
            maps.add(won, lost);
        }
        let (won, lost) = session_result(&s.score, *ta);
        sessions.add(won, lost);
        list.push(s.id);
    }
    let (na, nb) = (safe_name(&a.name, ctx.names, 24), safe_name(&b.name, ctx.names, 24));
    let against = if met.is_empty() {
        "never on opposite teams".to_owned()
    } else {
        format!(
            "maps **{}** – **{}** ({} drawn) · sessions {} – {} ({} drawn) · in {} of them",
            against_maps.won,
            against_maps.lost,
            against_maps.drawn,
            against_sessions.won,
            against_sessions.lost,
            against_sessions.drawn,
            met.len()
        )
    };
    let together = if with.is_empty() {
        "never on the same team".to_owned()
    } else {
        format!(
            "maps {} (won–lost–drawn) · sessions {} · in {} of them",
            together_maps.text(),
            together_sessions.text(),
            with.len()
        )
    };
    let post = Post {
        title: format!("⚔️ {na} vs {nb}"),
        colour: 0x00E7_4C3C,
        description: format!("Stopwatch results over every scored session ({})", all.len()),
        fields: vec![
            Field {
                name: format!("{} vs {}", a.name, b.name).chars().take(256).collect(),
                value: format::cut(&against, 1024),
            },
            Field { name: "Together".to_owned(), value: format::cut(&together, 1024) },
        ],
        footer: "A map won is the team's; a session is won on points".to_owned(),
    };
    Ok(Reply::single(
        post,
        json!({
            "first": {"guid": a.guid, "name": a.name},
            "second": {"guid": b.guid, "name": b.name},
            "against": {"sessions": met, "maps": against_maps.json(), "results": against_sessions.json()},
            "together": {"sessions": with, "maps": together_maps.json(), "results": together_sessions.json()},
        }),
    ))
}

/// The table's handler: `!team_record`, cached.
pub fn run_team_record(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move { call.cached("team_record".to_owned(), team_record(&call.ctx)).await })
}

/// The table's handler: `!h2h <first> <second>`.
pub fn run_h2h(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let first = Who::parse(call.arg("first"))?;
        let second = Who::parse(call.arg("second"))?;
        h2h(&call.ctx, &first, &second, &call.caller).await
    })
}
