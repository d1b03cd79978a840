//! Round posts built from stored rows (never from the parser), as a sink-neutral model that
//! respects Discord's limits, plus its plain-text form for the console sink.
use entity::{player_comprehensive_stats as pcs, rounds};

/// Discord's limits for one embed.
pub mod limits {
    /// Title characters.
    pub const TITLE: usize = 256;
    /// Description characters.
    pub const DESCRIPTION: usize = 4096;
    /// Fields per embed.
    pub const FIELDS: usize = 25;
    /// Field name characters.
    pub const FIELD_NAME: usize = 256;
    /// Field value characters.
    pub const FIELD_VALUE: usize = 1024;
    /// Footer characters.
    pub const FOOTER: usize = 2048;
    /// All text of one embed.
    pub const EMBED_TOTAL: usize = 6000;
}

/// One field of a post.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Field value.
    pub value: String,
}

/// One message: an embed-shaped post.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Post {
    /// Title.
    pub title: String,
    /// Embed colour (blue for round 1, red for round 2, gold for a match summary).
    pub colour: u32,
    /// Description lines.
    pub description: String,
    /// Fields.
    pub fields: Vec<Field>,
    /// Footer.
    pub footer: String,
}

impl Post {
    /// Characters Discord counts towards the 6000 limit.
    pub fn total_chars(&self) -> usize {
        self.title.chars().count()
            + self.description.chars().count()
            + self.footer.chars().count()
            + self
                .fields
                .iter()
                .map(|f| f.name.chars().count() + f.value.chars().count())
                .sum::<usize>()
    }

    /// Whether every Discord limit holds.
    pub fn fits_discord(&self) -> bool {
        self.title.chars().count() <= limits::TITLE
            && self.description.chars().count() <= limits::DESCRIPTION
            && self.footer.chars().count() <= limits::FOOTER
            && self.fields.len() <= limits::FIELDS
            && self.fields.iter().all(|f| {
                f.name.chars().count() <= limits::FIELD_NAME
                    && f.value.chars().count() <= limits::FIELD_VALUE
            })
            && self.total_chars() <= limits::EMBED_TOTAL
    }

    /// The console form.
    pub fn to_text(&self) -> String {
        let mut out = format!("== {} ==\n", self.title);
        if !self.description.is_empty() {
            out.push_str(&self.description);
            out.push('\n');
        }
        for field in &self.fields {
            if field.name != "\u{200b}" {
                out.push_str(&format!("-- {} --\n", field.name));
            }
            out.push_str(&field.value);
            out.push('\n');
        }
        out.push_str(&format!("({})\n", self.footer));
        out
    }
}

/// How player names are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// As stored (console): control characters escaped only.
    Plain,
    /// Markdown and mentions neutralised (Discord).
    Discord,
}

/// A name made safe: control characters escaped; for Discord, markdown characters escaped
/// and `@` broken with a zero-width space so `@everyone` and mentions do nothing.
pub fn safe_name(name: &str, names: Names, max_chars: usize) -> String {
    let mut out = String::new();
    for ch in name.chars().take(max_chars) {
        match (ch, names) {
            (c, _) if c.is_control() => out.extend(c.escape_default()),
            (
                '*' | '_' | '~' | '`' | '|' | '>' | '\\' | '[' | ']' | '(' | ')' | '#' | '-',
                Names::Discord,
            ) => {
                out.push('\\');
                out.push(ch);
            }
            ('@', Names::Discord) => out.push_str("@\u{200b}"),
            (c, _) => out.push(c),
        }
    }
    if out.is_empty() { "(no name)".to_owned() } else { out }
}

/// The rank marker of the player at `index` (from 0): medals, then keycap digits.
pub fn rank(index: usize) -> String {
    match index {
        0 => "🥇".to_owned(),
        1 => "🥈".to_owned(),
        2 => "🥉".to_owned(),
        n => (n + 1).to_string().chars().map(|d| format!("{d}\u{fe0f}\u{20e3}")).collect(),
    }
}

/// A count, thousands shortened (`1.2K`).
pub fn short(value: i32) -> String {
    if value >= 1000 { format!("{:.1}K", f64::from(value) / 1000.0) } else { value.to_string() }
}

/// Seconds as `M:SS`.
pub fn clock(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as i64;
    format!("{}:{:02}", total / 60, total % 60)
}

fn team_name(team: i32) -> &'static str {
    match team {
        1 => "Axis",
        2 => "Allies",
        _ => "nobody",
    }
}

fn player_block(index: usize, p: &pcs::Model, names: Names) -> String {
    let name = safe_name(&p.player_name, names, 16);
    let name = if names == Names::Discord { format!("**{name}**") } else { name };
    let multis: Vec<String> = [
        (p.double_kills, 2),
        (p.triple_kills, 3),
        (p.quad_kills, 4),
        (p.multi_kills, 5),
        (p.mega_kills, 6),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, x)| format!("{n}x{x}"))
    .collect();
    let multis =
        if multis.is_empty() { String::new() } else { format!(" 🔥{}", multis.join(" ")) };
    format!(
        "{} {name}\n↳ {}K/{}D/{}G ({:.2}) DPM:{:.0} {}⬆/{}⬇ ACC:{:.1}% HS:{} Rev:{}↑/{}↓\n↳ TmDmg:{} ⏱{} 💀{} ⏳{}{multis}",
        rank(index),
        p.kills,
        p.deaths,
        p.gibs,
        p.kd_ratio,
        p.dpm,
        short(p.damage_given),
        short(p.damage_received),
        p.accuracy,
        p.headshots,
        p.revives_given,
        p.times_revived,
        p.team_damage_given,
        clock(f64::from(p.time_played_seconds)),
        clock(p.time_dead_minutes * 60.0),
        clock(f64::from(p.denied_playtime)),
    )
}

/// Kills per death; a player who never died has K/D = kills.
pub fn kd(kills: i64, deaths: i64) -> f64 {
    if deaths == 0 { kills as f64 } else { kills as f64 / deaths as f64 }
}

/// A count with thousands separators: `12,345`.
pub fn thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if value < 0 { format!("-{out}") } else { out }
}

/// The posts for one stored round: players ranked by kills, three lines each, in fields that
/// stay under 1024 characters, split over several messages when one would pass a limit.
pub fn round_posts(round: &rounds::Model, players: &[pcs::Model], names: Names) -> Vec<Post> {
    let mut ranked: Vec<&pcs::Model> = players.iter().collect();
    ranked.sort_by(|a, b| b.kills.cmp(&a.kills).then(b.damage_given.cmp(&a.damage_given)));
    let (title, colour) = match round.round_number {
        0 => (format!("🏆 Match Complete - {}", round.map_name), 0x00F1_C40F),
        1 => (format!("🎮 Round 1 Complete - {}", round.map_name), 0x0034_98DB),
        _ => (format!("🎮 Round 2 Complete - {}", round.map_name), 0x00E7_4C3C),
    };
    let title: String = title.chars().take(limits::TITLE).collect();
    let outcome = match round.round_outcome.as_str() {
        "fullhold" => "Fullhold",
        "time_set" => "Time set",
        "time_beaten" => "Time beaten",
        _ => "Unknown",
    };
    let mut description = if round.round_number == 0 {
        // The match summary is the round-2 file: its limit is round 1's time to beat.
        format!("⏱️ **R1:** {} · **R2:** {}\n", round.time_limit, round.actual_time)
    } else {
        format!("⏱️ **Time:** {} / {}\n", round.actual_time, round.time_limit)
    };
    if round.winner_team == 0 && round.round_number == 0 {
        description.push_str("🏆 **Result:** draw");
    } else if round.winner_team == 0 {
        description.push_str(&format!("🏆 **Outcome:** {outcome}"));
    } else {
        description
            .push_str(&format!("🏆 **Winner:** {} ({outcome})", team_name(round.winner_team)));
    }
    if round.round_status == "orphan_r2" {
        description.push_str("\n⚠️ Round 1 not found yet: numbers cover both rounds.");
    }
    let blocks: Vec<String> = ranked
        .iter()
        .enumerate()
        .map(|(index, player)| player_block(index, player, names))
        .collect();
    let kills: i32 = ranked.iter().map(|p| p.kills).sum();
    let deaths: i32 = ranked.iter().map(|p| p.deaths).sum();
    let damage: i32 = ranked.iter().map(|p| p.damage_given).sum();
    let team_damage: i32 = ranked.iter().map(|p| p.team_damage_given).sum();
    let headshots: i32 = ranked.iter().map(|p| p.headshots).sum();
    let hits: i32 = ranked.iter().map(|p| p.hits).sum();
    let shots: i32 = ranked.iter().map(|p| p.shots).sum();
    let seconds: i32 = ranked.iter().map(|p| p.time_played_seconds).sum();
    let accuracy = if shots > 0 { f64::from(hits) * 100.0 / f64::from(shots) } else { 0.0 };
    let dpm = if seconds > 0 { f64::from(damage) * 60.0 / f64::from(seconds) } else { 0.0 };
    let summary = Field {
        name: "📊 Round Summary".to_owned(),
        value: format!(
            "**Totals:** Kills:`{kills}` Deaths:`{deaths}` HS:`{headshots}` Damage:`{damage}` TeamDmg:`{team_damage}`\n**Averages:** Accuracy:`{accuracy:.1}%` DPM:`{dpm:.0}`"
        ),
    };
    let footer = format!("Round ID: {} | {}", round.id, round.filename);
    let mut extra = vec![summary];
    if round.round_number == 0 {
        // Map complete: the overview, the top five and the awards of both rounds.
        extra.extend(crate::awards::overview(players, names));
        extra.push(crate::awards::awards(players, names).0);
    }
    pack_posts(Post { title, colour, description, fields: Vec::new(), footer }, &blocks, extra)
}

/// Blocks of text (one per player, say) joined into fields under the value limit, then the
/// fields, followed by `extra`, packed into as few posts as Discord's limits allow: the first
/// post is `head` with the fields added, the others repeat its title with "(continued)".
pub fn pack_posts(head: Post, blocks: &[String], extra: Vec<Field>) -> Vec<Post> {
    let mut fields: Vec<Field> = Vec::new();
    let mut current = String::new();
    for block in blocks {
        let block: String = block.chars().take(limits::FIELD_VALUE).collect();
        let added =
            if current.is_empty() { block.chars().count() } else { block.chars().count() + 2 };
        if !current.is_empty() && current.chars().count() + added > limits::FIELD_VALUE {
            fields.push(Field { name: "\u{200b}".to_owned(), value: std::mem::take(&mut current) });
        }
        if !current.is_empty() {
            current.push_str("\n\n");
        }
        current.push_str(&block);
    }
    if !current.is_empty() {
        fields.push(Field { name: "\u{200b}".to_owned(), value: current });
    }
    let title = head.title.clone();
    let mut posts = Vec::new();
    let mut post = head;
    for field in fields.into_iter().chain(extra) {
        let mut candidate = post.clone();
        candidate.fields.push(field.clone());
        if !post.fields.is_empty() && !candidate.fits_discord() {
            posts.push(post);
            post = Post {
                title: format!("{title} (continued)").chars().take(limits::TITLE).collect(),
                colour: candidate.colour,
                description: String::new(),
                fields: vec![field],
                footer: candidate.footer.clone(),
            };
        } else {
            post = candidate;
        }
    }
    posts.push(post);
    posts
}

/// "Gaming session started": posted in the general channel when enough people are in voice.
pub fn voice_session_started(members: usize) -> Post {
    Post {
        title: "🎮 Gaming session started".to_owned(),
        colour: 0x002E_CC71,
        description: format!(
            "{members} players in voice. Round stats will be posted as rounds finish."
        ),
        fields: Vec::new(),
        footer: "slomix".to_owned(),
    }
}

/// The line closing a `!sync` that stored more rounds than it posted: how many it stored
/// without a post. The footer names the batch, so two syncs' lines are never taken for one.
pub fn sync_held(batch: i32, shown: i32, held: i32) -> Post {
    let rounds = if held == 1 { "round was" } else { "rounds were" };
    Post {
        title: "🔄 Sync finished".to_owned(),
        colour: 0x0058_65F2,
        description: format!(
            "…and {held} more {rounds} stored without a post (a sync posts only its newest {shown}). `!last_session`, `!stats` and the leaderboards have them."
        ),
        fields: Vec::new(),
        footer: format!("slomix | sync #{batch}"),
    }
}

/// "Gaming session ended", with how long it lasted and how many took part.
pub fn voice_session_ended(
    started: chrono::DateTime<chrono::Utc>,
    ended: chrono::DateTime<chrono::Utc>,
    participants: usize,
) -> Post {
    let minutes = (ended - started).num_minutes().max(0);
    Post {
        title: "🏁 Gaming session ended".to_owned(),
        colour: 0x0095_A5A6,
        description: format!(
            "Duration: {}h {:02}m · {participants} participants. `!last_session` for the summary.",
            minutes / 60,
            minutes % 60
        ),
        fields: Vec::new(),
        footer: "slomix".to_owned(),
    }
}

/// The "gaming session ended" notice with the evening's `recap` under it: the recap's title
/// and description after the notice's, then its fields, as many as Discord's limits allow.
pub fn append_recap(notice: &mut Post, recap: Post) {
    let extra = format!("\n\n**{}**\n{}", recap.title, recap.description);
    let room = limits::DESCRIPTION.saturating_sub(notice.description.chars().count());
    notice.description.extend(extra.chars().take(room));
    for field in recap.fields {
        if notice.fields.len() >= limits::FIELDS {
            break;
        }
        notice.fields.push(field);
        if notice.total_chars() > limits::EMBED_TOTAL {
            notice.fields.pop();
            break;
        }
    }
    notice.footer = recap.footer;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn round(number: i32) -> rounds::Model {
        rounds::Model {
            id: 7,
            server: "default".into(),
            match_id: "m".into(),
            round_number: number,
            round_date: "2025-10-12".into(),
            round_time: "225242".into(),
            round_at: NaiveDateTime::default(),
            map_name: "sw_goldrush_te".into(),
            config: "legacy3".into(),
            server_name: "srv".into(),
            time_limit: "12:00".into(),
            actual_time: "9:30".into(),
            time_limit_seconds: 720,
            actual_time_seconds: 570,
            defender_team: 1,
            winner_team: 2,
            is_tied: false,
            round_outcome: "time_set".into(),
            round_status: "completed".into(),
            gaming_session_id: None,
            filename: "2025-10-12-225242-sw_goldrush_te-round-1.txt".into(),
            round1_filename: None,
            player_count: 0,
            created_at: NaiveDateTime::default(),
        }
    }

    fn player(i: i32, name: &str) -> pcs::Model {
        let mut p: pcs::Model = serde_json_free_default();
        p.player_guid = format!("{i:08X}");
        p.player_name = name.to_owned();
        p.kills = 50 - i;
        p.damage_given = 1000 + i;
        p.double_kills = 1;
        p
    }

    // A zeroed row (entity models have no Default).
    fn serde_json_free_default() -> pcs::Model {
        pcs::Model {
            id: 0,
            round_id: 7,
            round_date: String::new(),
            map_name: String::new(),
            round_number: 1,
            player_guid: String::new(),
            player_name: String::new(),
            clean_name: String::new(),
            raw_name: String::new(),
            raw_name_bytes: None,
            team: 1,
            kills: 0,
            deaths: 0,
            damage_given: 0,
            damage_received: 0,
            team_damage_given: 0,
            team_damage_received: 0,
            gibs: 0,
            self_kills: 0,
            team_kills: 0,
            team_gibs: 0,
            headshot_kills: 0,
            headshots: 0,
            hits: 0,
            shots: 0,
            time_played_seconds: 570,
            time_played_minutes: 9.5,
            time_dead_minutes: 1.0,
            time_dead_ratio: 10.0,
            time_played_percent: 90.0,
            xp: 0,
            kd_ratio: 0.0,
            dpm: 0.0,
            efficiency: 0.0,
            accuracy: 0.0,
            bullets_fired: 0,
            kill_assists: 0,
            objectives_completed: 0,
            objectives_destroyed: 0,
            objectives_stolen: 0,
            objectives_returned: 0,
            dynamites_planted: 0,
            dynamites_defused: 0,
            times_revived: 0,
            revives_given: 0,
            most_useful_kills: 0,
            useless_kills: 0,
            kill_steals: 0,
            denied_playtime: 0,
            constructions: 0,
            tank_meatshield: 0.0,
            double_kills: 0,
            triple_kills: 0,
            quad_kills: 0,
            multi_kills: 0,
            mega_kills: 0,
            killing_spree_best: 0,
            death_spree_worst: 0,
            full_selfkills: 0,
            session_rounds: 0,
            created_at: NaiveDateTime::default(),
        }
    }

    #[test]
    fn a_big_round_is_split_within_discord_limits() {
        let players: Vec<pcs::Model> =
            (0..64).map(|i| player(i, &format!("@everyone**{i}{}", "W".repeat(40)))).collect();
        let posts = round_posts(&round(1), &players, Names::Discord);
        assert!(posts.len() > 1, "64 players need more than one message");
        for post in &posts {
            assert!(
                post.fits_discord(),
                "{} chars, {} fields",
                post.total_chars(),
                post.fields.len()
            );
        }
        let all: String =
            posts.iter().flat_map(|p| p.fields.iter().map(|f| f.value.clone())).collect();
        assert_eq!(all.matches("↳ TmDmg").count(), 64, "every player appears once");
        assert!(!all.contains("@everyone"), "mentions are broken");
        assert!(all.contains("@\u{200b}everyone"));
        assert!(posts[0].fields[0].value.starts_with("🥇"), "ranked by kills");
        assert_eq!(posts[0].colour, 0x3498DB);
    }

    #[test]
    fn a_map_complete_post_has_its_overview_top_five_and_awards_with_ties_named() {
        let mut players: Vec<pcs::Model> = (0..8).map(|i| player(i, &format!("p{i}"))).collect();
        players[3].revives_given = 9;
        players[5].revives_given = 9;
        players[2].shots = 40;
        players[2].hits = 40;
        players[4].shots = 100;
        players[4].hits = 60;
        players[6].dynamites_planted = 2;
        players[6].constructions = 1;
        let (field, awards) = crate::awards::awards(&players, Names::Discord);
        let revives = awards.iter().find(|a| a.0 == "💉 Most revives").unwrap();
        assert_eq!((revives.1, revives.2.len()), (9.0, 2), "a tie names both");
        assert!(field.value.contains("💉 Most revives — **p3, p5** (9)"), "{}", field.value);
        let accuracy = awards.iter().find(|a| a.0 == "🔫 Best accuracy").unwrap();
        assert_eq!(accuracy.1, 60.0, "40 of 40 shots is under the minimum of shots");
        let work = awards.iter().find(|a| a.0 == "🧨 Most objective work").unwrap();
        assert_eq!((work.1, work.2.len()), (3.0, 1));
        assert!(awards.iter().all(|a| a.0 != "🦴 Most gibs"), "no award for nobody's gibs");
        let posts = round_posts(&round(0), &players, Names::Discord);
        let names: Vec<&str> =
            posts.iter().flat_map(|p| p.fields.iter().map(|f| f.name.as_str())).collect();
        for field in ["🗺️ Map overview", "🌟 Top five", "🏅 Awards", "📊 Round Summary"]
        {
            assert!(names.contains(&field), "{field}: {names:?}");
        }
        assert!(posts[0].description.starts_with("⏱️ **R1:**"), "{}", posts[0].description);
        assert!(posts.iter().all(Post::fits_discord));
        let r1 = round_posts(&round(1), &players, Names::Discord);
        assert!(r1.iter().all(|p| p.fields.iter().all(|f| f.name != "🏅 Awards")));
    }

    #[test]
    fn console_text_keeps_names_plain() {
        let posts = round_posts(&round(2), &[player(1, "**bold**")], Names::Plain);
        let text = posts[0].to_text();
        assert!(text.contains("🎮 Round 2 Complete - sw_goldrush_te"));
        assert!(text.contains("🥇 **bold**\n"));
        assert!(text.contains("Winner:** Allies (Time set)"));
        assert!(text.contains("1x2"));
        assert!(text.contains("Round ID: 7 | 2025-10-12-225242-sw_goldrush_te-round-1.txt"));
    }
}
