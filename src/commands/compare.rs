//! `!compare <p1> <p2>`: two players' lifetime numbers side by side, with the better one of
//! each marked, and a radar chart of both.
use super::call::{BoxFuture, Call};
use serde_json::json;

use super::{
    Caller, CommandError, CommandResult, Ctx, Reply,
    charts::{self, Axis},
    format,
    players::{self, Who},
};
use crate::render::{Field, Post, safe_name};

/// One compared number: its name, both values, and whether higher is better.
struct Metric {
    name: &'static str,
    left: f64,
    right: f64,
    higher_wins: bool,
    decimals: usize,
}

/// The command.
pub async fn compare(ctx: &Ctx, first: &Who, second: &Who, caller: &Caller) -> CommandResult {
    let a = players::resolve(ctx, first, caller).await?;
    let b = players::resolve(ctx, second, caller).await?;
    if a.guid == b.guid {
        return Err(CommandError::Invalid("those are the same player".into()));
    }
    let (Some(ta), Some(tb)) =
        (players::totals_of(&ctx.db, &a.guid).await?, players::totals_of(&ctx.db, &b.guid).await?)
    else {
        return Err(CommandError::Empty("both players need stored rounds".into()));
    };
    let metric = |name, f: fn(&entity::player_totals::Model) -> f64, higher_wins, decimals| {
        Metric { name, left: f(&ta), right: f(&tb), higher_wins, decimals }
    };
    let metrics = [
        metric("Rounds", |t| t.rounds as f64, true, 0),
        metric("Kills", |t| t.kills as f64, true, 0),
        metric("K/D", |t| format::kd(t.kills, t.deaths), true, 2),
        metric("DPM", |t| format::dpm(t.damage_given, t.time_played_seconds), true, 1),
        metric("Accuracy %", |t| format::percent(t.hits, t.shots), true, 1),
        metric("Head hits %", |t| format::percent(t.headshots, t.hits), true, 1),
        metric("Efficiency %", |t| format::efficiency(t.kills, t.deaths), true, 1),
        metric("Revives", |t| t.revives_given as f64, true, 0),
        metric("Gibs", |t| t.gibs as f64, true, 0),
        metric("Team damage %", |t| format::percent(t.team_damage_given, t.damage_given), false, 2),
    ];
    let (name_a, name_b) = (safe_name(&a.name, ctx.names, 24), safe_name(&b.name, ctx.names, 24));
    let mut lines = Vec::new();
    let mut wins = (0, 0);
    let mut data = Vec::new();
    for m in &metrics {
        let (l, r) = (format!("{:.*}", m.decimals, m.left), format!("{:.*}", m.decimals, m.right));
        let left_better = if m.higher_wins { m.left > m.right } else { m.left < m.right };
        let right_better = if m.higher_wins { m.right > m.left } else { m.right < m.left };
        wins.0 += usize::from(left_better);
        wins.1 += usize::from(right_better);
        let mark = |better: bool, v: String| if better { format!("**{v}** ✅") } else { v };
        lines.push(format!(
            "**{}**: {} vs {}",
            m.name,
            mark(left_better, l),
            mark(right_better, r)
        ));
        data.push(json!({ "metric": m.name, "first": m.left, "second": m.right, "higher_wins": m.higher_wins }));
    }
    let verdict = match wins.0.cmp(&wins.1) {
        std::cmp::Ordering::Greater => format!("{name_a} leads {} to {}", wins.0, wins.1),
        std::cmp::Ordering::Less => format!("{name_b} leads {} to {}", wins.1, wins.0),
        std::cmp::Ordering::Equal => format!("Level at {} each", wins.0),
    };
    let axes = radar_axes(&ta, &tb);
    let attachments = match charts::radar(&a.name, &b.name, &axes) {
        Ok(image) => vec![image],
        Err(error) => {
            tracing::warn!(error = %error, "compare radar not drawn; answering with the numbers");
            Vec::new()
        }
    };
    let post = Post {
        title: format::cut(&format!("⚖️ {name_a} vs {name_b}"), 256),
        colour: 0x001A_BC9C,
        description: verdict,
        fields: vec![Field { name: "Lifetime".to_owned(), value: lines.join("\n") }],
        footer: format!("{} vs {}", a.guid, b.guid),
    };
    let radar: Vec<_> = axes
        .iter()
        .map(|x| json!({ "axis": x.name, "full": x.full, "first": x.first, "second": x.second }))
        .collect();
    let data = json!({
        "first": { "guid": a.guid, "name": a.name },
        "second": { "guid": b.guid, "name": b.name },
        "metrics": data,
        "wins": [wins.0, wins.1],
        "radar": radar,
    });
    Ok(Reply { posts: vec![post], attachments, pages: None, data })
}

/// The radar's axes: the original bot's five, each with the value at its rim (K/D 5,
/// accuracy 50 %, DPM 1000, head hits 50 %, 500 rounds), our definitions of the numbers.
pub fn radar_axes(a: &entity::player_totals::Model, b: &entity::player_totals::Model) -> Vec<Axis> {
    let axis = |name: &str, full: f64, f: &dyn Fn(&entity::player_totals::Model) -> f64| Axis {
        name: name.to_owned(),
        full,
        first: f(a),
        second: f(b),
    };
    vec![
        axis("K/D", 5.0, &|t| format::kd(t.kills, t.deaths)),
        axis("Accuracy %", 50.0, &|t| format::percent(t.hits, t.shots)),
        axis("DPM", 1000.0, &|t| format::dpm(t.damage_given, t.time_played_seconds)),
        axis("Head hits %", 50.0, &|t| format::percent(t.headshots, t.hits)),
        axis("Rounds", 500.0, &|t| t.rounds as f64),
    ]
}

/// The table's handler: `!compare <first> <second>`.
pub fn run_compare(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let first = Who::parse(call.arg("first"))?;
        let second = Who::parse(call.arg("second"))?;
        compare(&call.ctx, &first, &second, &call.caller).await
    })
}
