//! `slomix parse FILE [--round1 FILE] [--json]`: one file read as the daemon would read it.
use std::{path::PathBuf, process::ExitCode};

use serde::Serialize;

use crate::{
    local_files,
    stats::{PairingRules, Player, Round, WeaponStats},
};

/// Arguments of `slomix parse`.
#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// The stats file to read.
    pub file: PathBuf,
    /// The round-1 file to pair a round-2 file with (default: looked up in the file's folder).
    #[arg(long)]
    pub round1: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Pairing window in minutes (default: the `parser.round_match_window_minutes` setting's default).
    #[arg(long, default_value_t = crate::stats::DEFAULT_WINDOW_MINUTES)]
    pub window_minutes: i64,
}

/// Runs `slomix parse`: exit 0 with the round printed, 1 with the error on stderr.
pub fn run(args: &ParseArgs) -> ExitCode {
    let rules = PairingRules::with_window_minutes(args.window_minutes);
    match local_files::read_round(&args.file, args.round1.as_deref(), &rules) {
        Ok(round) => {
            if args.json {
                match serde_json::to_string_pretty(&RoundReport::from(&round)) {
                    Ok(text) => println!("{text}"),
                    Err(error) => {
                        eprintln!("error: {error}");
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                print!("{}", render_table(&round));
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The JSON shape of `slomix parse --json` (interfaces.md; field names are a contract).
#[derive(Debug, Serialize)]
pub struct RoundReport {
    /// Base name of the file.
    pub file: String,
    /// Server name, colour codes stripped.
    pub server: String,
    /// Map name from the header.
    pub map: String,
    /// `g_customConfig`.
    pub config: String,
    /// 1 or 2.
    pub round: u8,
    /// `round1`, `round2`, `round2_orphan`.
    pub kind: &'static str,
    /// 1 Axis, 2 Allies.
    pub defender_team: u8,
    /// 1 Axis, 2 Allies, 0 none.
    pub winner_team: u8,
    /// Round 1: the limit; round 2: the time to beat.
    pub time_limit_seconds: u32,
    /// Round 1: the attackers' time; round 2: the round's duration.
    pub actual_time_seconds: u32,
    /// `fullhold`, `time_set`, `time_beaten`, `unknown`.
    pub outcome: &'static str,
    /// The paired round-1 file, or null.
    pub round1_file: Option<String>,
    /// Warnings as text.
    pub warnings: Vec<String>,
    /// Players, in file order.
    pub players: Vec<PlayerReport>,
}

/// One player in [`RoundReport`]; for a paired round 2 every number is round 2 only.
#[derive(Debug, Serialize)]
#[allow(missing_docs, reason = "field names are the documented JSON contract")]
pub struct PlayerReport {
    pub guid: String,
    pub name: String,
    pub raw_name: String,
    pub team: u8,
    pub kills: u32,
    pub deaths: u32,
    pub headshots: u32,
    pub headshot_kills: i32,
    pub gibs: i32,
    pub self_kills: i32,
    pub team_kills: i32,
    pub team_gibs: i32,
    pub damage_given: i32,
    pub damage_received: i32,
    pub team_damage_given: i32,
    pub team_damage_received: i32,
    pub revives_given: i32,
    pub times_revived: i32,
    pub hits: u32,
    pub shots: u32,
    pub accuracy: f64,
    pub kd_ratio: f64,
    pub efficiency: f64,
    pub time_played_seconds: u32,
    pub time_dead_seconds: u32,
    pub time_dead_percent: f64,
    pub dpm: f64,
    pub xp: i32,
    pub kill_assists: i32,
    pub useful_kills: i32,
    pub useless_kills: i32,
    pub denied_playtime_seconds: i32,
    pub multikills: [i32; 5],
    pub weapons: Vec<WeaponStats>,
    /// Every TAB field by name, as read (and, for a paired round 2, as differentiated).
    pub tab: crate::stats::TabStats,
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

impl From<&Player> for PlayerReport {
    fn from(p: &Player) -> Self {
        let t = &p.tab;
        PlayerReport {
            guid: p.guid.clone(),
            name: p.name.clone(),
            raw_name: p.raw_name.to_string_lossy(),
            team: p.team,
            kills: p.kills(),
            deaths: p.deaths(),
            headshots: p.headshots(),
            headshot_kills: t.headshot_kills,
            gibs: t.gibs,
            self_kills: t.self_kills,
            team_kills: t.team_kills,
            team_gibs: t.team_gibs,
            damage_given: t.damage_given,
            damage_received: t.damage_received,
            team_damage_given: t.team_damage_given,
            team_damage_received: t.team_damage_received,
            revives_given: t.revives_given,
            times_revived: t.times_revived,
            hits: p.hits(),
            shots: p.shots(),
            accuracy: round2(p.accuracy()),
            kd_ratio: round2(p.kd_ratio()),
            efficiency: round2(p.efficiency()),
            time_played_seconds: p.time_played_seconds(),
            time_dead_seconds: p.time_dead_seconds(),
            time_dead_percent: round2(p.time_dead_percent()),
            dpm: round2(p.dpm()),
            xp: t.xp,
            kill_assists: t.kill_assists,
            useful_kills: t.useful_kills,
            useless_kills: t.useless_kills,
            denied_playtime_seconds: t.denied_playtime,
            multikills: [
                t.multikill_2x,
                t.multikill_3x,
                t.multikill_4x,
                t.multikill_5x,
                t.multikill_6x,
            ],
            weapons: p.weapons.clone(),
            tab: p.tab,
        }
    }
}

impl From<&Round> for RoundReport {
    fn from(round: &Round) -> Self {
        let kind = match round.kind {
            crate::stats::RoundKind::Round1 => "round1",
            crate::stats::RoundKind::Round2 { .. } => "round2",
            crate::stats::RoundKind::Round2Orphan => "round2_orphan",
            crate::stats::RoundKind::MatchSummary { .. } => "match_summary",
        };
        RoundReport {
            file: round.file.as_str().to_owned(),
            server: round.header.server.clone(),
            map: round.header.map.clone(),
            config: round.header.config.clone(),
            round: round.file.round(),
            kind,
            defender_team: round.header.defender_team,
            winner_team: round.header.winner_team,
            time_limit_seconds: round.header.time_limit_seconds,
            actual_time_seconds: round.header.actual_time_seconds,
            outcome: round.outcome.as_str(),
            round1_file: round.round1_file().map(str::to_owned),
            warnings: round.warnings.iter().map(ToString::to_string).collect(),
            players: round.players.iter().map(PlayerReport::from).collect(),
        }
    }
}

/// A name made safe for a terminal: control characters escaped, at most `width` characters.
fn terminal_name(name: &str, width: usize) -> String {
    let escaped: String = name
        .chars()
        .flat_map(|c| {
            let text: String =
                if c.is_control() { c.escape_default().collect() } else { c.to_string() };
            text.chars().collect::<Vec<_>>()
        })
        .collect();
    escaped.chars().take(width).collect()
}

/// The readable table of `slomix parse` without `--json`.
pub fn render_table(round: &Round) -> String {
    use crate::stats::format_time;
    use std::fmt::Write;
    let mut out = String::new();
    let report = RoundReport::from(round);
    let _ = writeln!(
        out,
        "{}  map {}  round {} ({})  outcome {}  time {} / {}",
        report.file,
        report.map,
        report.round,
        report.kind,
        report.outcome,
        format_time(report.actual_time_seconds),
        format_time(report.time_limit_seconds),
    );
    if let Some(first) = &report.round1_file {
        let _ = writeln!(out, "paired with {first}");
    }
    let _ = writeln!(
        out,
        "{:<20} {:>4} {:>3} {:>3} {:>3} {:>3} {:>3} {:>6} {:>6} {:>5} {:>6} {:>4} {:>3} {:>6} {:>6}",
        "player",
        "team",
        "K",
        "D",
        "G",
        "SK",
        "TK",
        "dmg",
        "recv",
        "tdmg",
        "acc%",
        "HS",
        "rev",
        "time",
        "DPM"
    );
    let mut players: Vec<&PlayerReport> = report.players.iter().collect();
    players.sort_by(|a, b| b.kills.cmp(&a.kills).then(b.damage_given.cmp(&a.damage_given)));
    for p in players {
        let _ = writeln!(
            out,
            "{:<20} {:>4} {:>3} {:>3} {:>3} {:>3} {:>3} {:>6} {:>6} {:>5} {:>6.1} {:>4} {:>3} {:>6} {:>6.1}",
            terminal_name(&p.name, 20),
            p.team,
            p.kills,
            p.deaths,
            p.gibs,
            p.self_kills,
            p.team_kills,
            p.damage_given,
            p.damage_received,
            p.team_damage_given,
            p.accuracy,
            p.headshots,
            p.revives_given,
            format_time(p.time_played_seconds),
            p.dpm,
        );
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "warning: {}", terminal_name(warning, 300));
    }
    out
}
