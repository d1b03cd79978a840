//! Achievement badges: ladders of tiers earned from a player's lifetime totals
//! (`player_totals`), the badges shown beside names, and the tiers a change of totals crosses
//! (the unlocks the import records and the publisher announces). Pure: totals in, tiers out.
use entity::player_totals as totals;

use crate::render::kd;

/// One achievement ladder: a badge earned once per tier reached.
#[derive(Debug, Clone, Copy)]
pub struct Ladder {
    /// Badge.
    pub emoji: &'static str,
    /// What it counts.
    pub name: &'static str,
    /// Tiers, ascending.
    pub tiers: &'static [f64],
    /// The player's value.
    pub value: fn(&totals::Model) -> f64,
}

/// The ladders (thresholds as in the original bot; K/D needs 20 rounds and starts at 1.0).
pub const LADDERS: &[Ladder] = &[
    Ladder {
        emoji: "🎯",
        name: "Kills",
        tiers: &[1_000.0, 5_000.0, 10_000.0, 20_000.0],
        value: |t| t.kills as f64,
    },
    Ladder {
        emoji: "🎮",
        name: "Rounds played",
        tiers: &[50.0, 500.0, 5_000.0, 10_000.0, 30_000.0],
        value: |t| t.rounds as f64,
    },
    Ladder {
        emoji: "⚔️",
        name: "K/D (20+ rounds)",
        tiers: &[1.0, 1.5, 2.0, 2.5, 3.0],
        value: |t| if t.rounds >= 20 { kd(t.kills, t.deaths) } else { 0.0 },
    },
    Ladder {
        emoji: "💉",
        name: "Revives given",
        tiers: &[100.0, 500.0, 5_000.0],
        value: |t| t.revives_given as f64,
    },
    Ladder {
        emoji: "🩹",
        name: "Times revived",
        tiers: &[100.0, 500.0, 3_000.0],
        value: |t| t.times_revived as f64,
    },
    Ladder {
        emoji: "🧨",
        name: "Dynamites planted",
        tiers: &[50.0, 200.0, 1_000.0],
        value: |t| t.dynamites_planted as f64,
    },
    Ladder {
        emoji: "✂️",
        name: "Dynamites defused",
        tiers: &[50.0, 200.0, 1_000.0],
        value: |t| t.dynamites_defused as f64,
    },
    Ladder {
        emoji: "🚩",
        name: "Objectives stolen or returned",
        tiers: &[25.0, 250.0, 2_500.0],
        value: |t| (t.objectives_stolen + t.objectives_returned) as f64,
    },
];

/// Tiers of `ladder` reached by `t`.
pub fn tiers_reached(ladder: &Ladder, t: &totals::Model) -> usize {
    let value = (ladder.value)(t);
    ladder.tiers.iter().filter(|tier| value >= **tier).count()
}

/// The badges of a player, one emoji per ladder with a count for several tiers (`🎯x2`).
pub fn badges(t: &totals::Model) -> String {
    let mut out = Vec::new();
    for ladder in LADDERS {
        match tiers_reached(ladder, t) {
            0 => {}
            1 => out.push(ladder.emoji.to_owned()),
            n => out.push(format!("{}x{n}", ladder.emoji)),
        }
    }
    out.join(" ")
}

/// A player's totals before their first round: every sum zero.
pub fn zero_totals(guid: &str) -> totals::Model {
    totals::Model {
        guid: guid.to_owned(),
        rounds: 0,
        kills: 0,
        deaths: 0,
        gibs: 0,
        self_kills: 0,
        team_kills: 0,
        damage_given: 0,
        damage_received: 0,
        team_damage_given: 0,
        team_damage_received: 0,
        headshot_kills: 0,
        headshots: 0,
        hits: 0,
        shots: 0,
        time_played_seconds: 0,
        revives_given: 0,
        times_revived: 0,
        objectives_completed: 0,
        objectives_destroyed: 0,
        objectives_stolen: 0,
        objectives_returned: 0,
        dynamites_planted: 0,
        dynamites_defused: 0,
        constructions: 0,
        useful_kills: 0,
        useless_kills: 0,
        kill_assists: 0,
        denied_playtime: 0,
        xp: 0,
        double_kills: 0,
        triple_kills: 0,
        quad_kills: 0,
        multi_kills: 0,
        mega_kills: 0,
        time_dead_seconds: 0.0,
        efficiency_sum: 0.0,
        first_seen: chrono::NaiveDateTime::default(),
        last_seen: chrono::NaiveDateTime::default(),
    }
}

/// The tiers reached by `after` and not by `before` (`None`: a player new to the totals), as
/// (ladder index in [`LADDERS`], tier number from 1), ladder by ladder.
pub fn crossed(before: Option<&totals::Model>, after: &totals::Model) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (index, ladder) in LADDERS.iter().enumerate() {
        let was = before.map_or(0, |b| tiers_reached(ladder, b));
        let now = tiers_reached(ladder, after);
        out.extend((was + 1..=now).map(|tier| (index, tier)));
    }
    out
}

/// The post announcing `unlocks` (the rows of one round), or none when there are none: one
/// line per player with each tier reached (`🎯 Kills 5,000`), and the player's badges as they
/// stand, within Discord's description limit. `footer` names the round (the publisher finds a
/// post again by title and footer after a crash).
pub fn unlock_post(
    unlocks: &[entity::achievement_unlocks::Model],
    names: crate::render::Names,
    footer: String,
) -> Option<crate::render::Post> {
    use crate::render::{Post, limits, safe_name};
    if unlocks.is_empty() {
        return None;
    }
    let mut players: Vec<(&str, &str, Vec<String>)> = Vec::new();
    for unlock in unlocks {
        let Some(ladder) = LADDERS.iter().find(|l| l.name == unlock.ladder) else { continue };
        let Some(threshold) =
            usize::try_from(unlock.tier - 1).ok().and_then(|i| ladder.tiers.get(i))
        else {
            continue;
        };
        let reached = format!(
            "{} {} {} (tier {}/{})",
            ladder.emoji,
            ladder.name,
            threshold_text(*threshold),
            unlock.tier,
            ladder.tiers.len()
        );
        match players.iter_mut().find(|(guid, _, _)| *guid == unlock.guid) {
            Some((_, _, list)) => list.push(reached),
            None => players.push((&unlock.guid, &unlock.name, vec![reached])),
        }
    }
    if players.is_empty() {
        return None;
    }
    let mut description = String::new();
    for (shown, (_, name, reached)) in players.iter().enumerate() {
        let line = format!("**{}** reached {}\n", safe_name(name, names, 32), reached.join(" · "));
        let rest = players.len() - shown;
        if description.chars().count() + line.chars().count() + 40 > limits::DESCRIPTION {
            description.push_str(&format!("…and {rest} more players"));
            break;
        }
        description.push_str(&line);
    }
    let title =
        if players.len() == 1 { "🏅 Achievement unlocked" } else { "🏅 Achievements unlocked" };
    Some(Post {
        title: title.to_owned(),
        colour: 0x00F1_C40F,
        description: description.trim_end().to_owned(),
        fields: Vec::new(),
        footer,
    })
}

/// A tier's threshold as shown: whole numbers with thousands separators, ratios with one
/// decimal.
pub fn threshold_text(value: f64) -> String {
    if value.fract() == 0.0 && value >= 10.0 {
        crate::render::thousands(value as i64)
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Names, limits};
    use entity::achievement_unlocks::Model as Unlock;

    fn totals(kills: i64, rounds: i64, deaths: i64) -> totals::Model {
        let mut t = zero_totals("G");
        t.kills = kills;
        t.rounds = rounds;
        t.deaths = deaths;
        t
    }

    fn unlock(guid: &str, name: &str, ladder: &str, tier: i32) -> Unlock {
        Unlock {
            id: 0,
            guid: guid.into(),
            name: name.into(),
            ladder: ladder.into(),
            tier,
            round_id: 7,
            reached_at: chrono::NaiveDateTime::default(),
        }
    }

    #[test]
    fn badges_stack_per_tier() {
        let with_revives = |kills, rounds, deaths| {
            let mut t = totals(kills, rounds, deaths);
            t.revives_given = 120;
            t
        };
        assert_eq!(badges(&with_revives(5_500, 60, 2_000)), "🎯x2 🎮 ⚔️x4 💉");
        // K/D counts only from 20 rounds.
        assert_eq!(badges(&with_revives(10, 19, 1)), "💉");
    }

    #[test]
    fn crossing_tiers_names_each_new_one() {
        let before = totals(999, 49, 10);
        let after = totals(5_200, 50, 10);
        // Kills: 1,000 and 5,000; rounds: 50; K/D over 20 rounds ≥ 3: all five.
        let new = crossed(Some(&before), &after);
        let kills = new.iter().filter(|(l, _)| *l == 0).map(|(_, t)| *t).collect::<Vec<_>>();
        assert_eq!(kills, vec![1, 2]);
        assert!(new.contains(&(1, 1)));
        assert_eq!(new.iter().filter(|(l, _)| *l == 2).count(), 0, "K/D was reached before");
        assert!(crossed(Some(&after), &after).is_empty());
        assert_eq!(crossed(None, &totals(1_000, 1, 1)), vec![(0, 1)]);
    }

    #[test]
    fn the_unlock_post_lists_players_with_their_tiers() {
        let post = unlock_post(
            &[
                unlock("A", "<@123> Bob", "Kills", 2),
                unlock("A", "<@123> Bob", "Rounds played", 1),
                unlock("B", "Ann", "Revives given", 1),
                unlock("C", "Zed", "No such ladder", 1),
            ],
            Names::Discord,
            "Round ID: 7 | f.txt | badges".into(),
        )
        .unwrap();
        assert_eq!(post.title, "🏅 Achievements unlocked");
        let lines: Vec<&str> = post.description.lines().collect();
        assert_eq!(lines.len(), 2, "{}", post.description);
        assert!(lines[0].contains("🎯 Kills 5,000 (tier 2/4) · 🎮 Rounds played 50 (tier 1/5)"));
        assert!(!lines[0].contains("<@123>"), "mentions are escaped: {}", lines[0]);
        assert!(lines[1].starts_with("**Ann** reached 💉 Revives given 100 (tier 1/3)"));
        assert!(unlock_post(&[], Names::Plain, String::new()).is_none());
        let one = unlock_post(&[unlock("B", "Ann", "Kills", 1)], Names::Plain, String::new());
        assert_eq!(one.unwrap().title, "🏅 Achievement unlocked");
    }

    #[test]
    fn many_unlocks_stay_within_the_description_limit() {
        let many: Vec<Unlock> =
            (0..500).map(|i| unlock(&format!("G{i}"), &"W".repeat(40), "Kills", 1)).collect();
        let post = unlock_post(&many, Names::Discord, String::new()).unwrap();
        assert!(post.description.chars().count() <= limits::DESCRIPTION);
        assert!(post.description.ends_with("more players"), "{}", &post.description[..80]);
    }
}
