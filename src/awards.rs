//! A map's awards and overview for its "Map Complete" post: computed from the map's player
//! rows (the match summary's rows cover both rounds). Pure: rows in, fields out.
use entity::player_comprehensive_stats as pcs;

use crate::render::{Field, Names, safe_name};

/// Shots a player needs for the accuracy award.
pub const MIN_SHOTS: i32 = 50;

/// One award: its label and how a row scores (higher wins; 0 or less: no award).
struct Award {
    label: &'static str,
    score: fn(&pcs::Model) -> f64,
    show: fn(f64) -> String,
}

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

fn clock(v: f64) -> String {
    let s = v.max(0.0) as i64;
    format!("{}:{:02}", s / 60, s % 60)
}

const AWARDS: &[Award] = &[
    Award { label: "🎯 Most kills", score: |p| f64::from(p.kills), show: whole },
    Award { label: "💥 Most damage", score: |p| f64::from(p.damage_given), show: whole },
    Award { label: "💉 Most revives", score: |p| f64::from(p.revives_given), show: whole },
    Award {
        label: "🔫 Best accuracy",
        score: |p| {
            if p.shots >= MIN_SHOTS { f64::from(p.hits) * 100.0 / f64::from(p.shots) } else { 0.0 }
        },
        show: |v| format!("{v:.1}%"),
    },
    Award { label: "🦴 Most gibs", score: |p| f64::from(p.gibs), show: whole },
    Award {
        label: "⭐ Most useful kills", score: |p| f64::from(p.most_useful_kills), show: whole
    },
    Award { label: "🔥 Longest spree", score: |p| f64::from(p.killing_spree_best), show: whole },
    Award {
        label: "🧨 Most objective work",
        score: |p| {
            f64::from(
                p.dynamites_planted
                    + p.dynamites_defused
                    + p.objectives_stolen
                    + p.objectives_returned
                    + p.constructions,
            )
        },
        show: whole,
    },
    Award { label: "⏳ Most denied time", score: |p| f64::from(p.denied_playtime), show: clock },
];

/// One award given: its label, the best value, and the GUIDs tied at it.
pub type Given = (&'static str, f64, Vec<String>);

/// The awards of a map: each with every player tied at the top (three named, then `+N`);
/// none for a value of 0. Also returns each award given, for tests and data.
pub fn awards(players: &[pcs::Model], names: Names) -> (Field, Vec<Given>) {
    let mut lines = Vec::new();
    let mut data = Vec::new();
    for award in AWARDS {
        let best = players.iter().map(award.score).fold(0.0_f64, f64::max);
        if best <= 0.0 {
            continue;
        }
        let mut winners: Vec<&pcs::Model> =
            players.iter().filter(|p| (award.score)(p) == best).collect();
        winners.sort_by(|a, b| a.player_name.cmp(&b.player_name));
        let mut shown: Vec<String> =
            winners.iter().take(3).map(|p| safe_name(&p.player_name, names, 20)).collect();
        if winners.len() > 3 {
            shown.push(format!("+{}", winners.len() - 3));
        }
        lines.push(format!("{} — **{}** ({})", award.label, shown.join(", "), (award.show)(best)));
        data.push((award.label, best, winners.iter().map(|p| p.player_guid.clone()).collect()));
    }
    let value = if lines.is_empty() { "—".to_owned() } else { lines.join("\n") };
    (Field { name: "🏅 Awards".to_owned(), value: value.chars().take(1024).collect() }, data)
}

/// The map's overview and its top five by kills (then damage).
pub fn overview(players: &[pcs::Model], names: Names) -> Vec<Field> {
    let sum = |f: fn(&pcs::Model) -> i32| -> i64 { players.iter().map(|p| i64::from(f(p))).sum() };
    let (hits, shots) = (sum(|p| p.hits), sum(|p| p.shots));
    let accuracy = if shots > 0 { hits as f64 * 100.0 / shots as f64 } else { 0.0 };
    let overview = format!(
        "**Players:** {} · **Kills:** {} · **Deaths:** {}\n**Damage:** {} · **Headshot kills:** {} · **Accuracy:** {accuracy:.1}%",
        players.len(),
        sum(|p| p.kills),
        sum(|p| p.deaths),
        sum(|p| p.damage_given),
        sum(|p| p.headshot_kills)
    );
    let mut ranked: Vec<&pcs::Model> = players.iter().collect();
    ranked.sort_by(|a, b| b.kills.cmp(&a.kills).then(b.damage_given.cmp(&a.damage_given)));
    let top: Vec<String> = ranked
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, p)| {
            let seconds = p.time_played_seconds.max(1);
            format!(
                "{} **{}** — {}/{} · DPM {:.0}",
                crate::render::rank(i),
                safe_name(&p.player_name, names, 20),
                p.kills,
                p.deaths,
                f64::from(p.damage_given) * 60.0 / f64::from(seconds)
            )
        })
        .collect();
    vec![
        Field { name: "🗺️ Map overview".to_owned(), value: overview },
        Field {
            name: "🌟 Top five".to_owned(),
            value: top.join("\n").chars().take(1024).collect(),
        },
    ]
}
