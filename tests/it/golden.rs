//! Golden tests: each folder under `tests/fixtures/stats/{ok,err}/` is one case named for what
//! makes it interesting; its newest file is read (paired with a round 1 in the same folder)
//! and the result rendered by [`check`] is compared with an insta snapshot.
use std::{fmt::Write, path::Path};

use slomix::{
    local_files,
    stats::{PairingRules, Round, format_time},
};

/// Renders what the parser makes of a case folder, independent of the API's shape.
fn check(case: &Path) -> String {
    let mut files: Vec<_> = std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let subject = files.last().expect("a case folder holds at least one file");
    match local_files::read_round(subject, None, &PairingRules::default()) {
        Ok(round) => render(&round),
        Err(error) => format!("error: {error}\n"),
    }
}

fn render(round: &Round) -> String {
    let mut out = String::new();
    let h = &round.header;
    let _ = writeln!(out, "file: {}", round.file);
    let _ = writeln!(out, "kind: {:?}", round.kind);
    let _ = writeln!(out, "server: {:?} map: {} config: {}", h.server, h.map, h.config);
    let _ = writeln!(
        out,
        "round: {} defender: {} winner: {} outcome: {} time: {} / {}",
        round.round_number(),
        h.defender_team,
        h.winner_team,
        round.outcome.as_str(),
        format_time(h.actual_time_seconds),
        format_time(h.time_limit_seconds),
    );
    let _ = writeln!(out, "mvp: {:?}", round.mvp().map(|p| p.name.as_str()));
    let _ = writeln!(out, "players:");
    for p in &round.players {
        let t = &p.tab;
        let _ = writeln!(
            out,
            "  {} {:?} raw={:?} team={} K={} D={} HS={} hits/shots={}/{} G={} SK={} TK={} \
             dmg={}/{} tdmg={} rev={}/{} time={} dead={} dpm={:.1} xp={} weapons={}",
            p.guid,
            p.name,
            p.raw_name.to_string_lossy(),
            p.team,
            p.kills(),
            p.deaths(),
            p.headshots(),
            p.hits(),
            p.shots(),
            t.gibs,
            t.self_kills,
            t.team_kills,
            t.damage_given,
            t.damage_received,
            t.team_damage_given,
            t.revives_given,
            t.times_revived,
            format_time(p.time_played_seconds()),
            format_time(p.time_dead_seconds()),
            p.dpm(),
            t.xp,
            p.weapons.len(),
        );
    }
    let _ = writeln!(out, "warnings:");
    for w in &round.warnings {
        let _ = writeln!(out, "  {w}");
    }
    out
}

#[test]
fn ok_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stats/ok");
    let mut cases = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let case = entry.unwrap().path();
        let name = case.file_name().unwrap().to_str().unwrap().to_owned();
        let text = check(&case);
        assert!(!text.starts_with("error:"), "{name}: {text}");
        insta::assert_snapshot!(format!("ok__{name}"), text);
        cases += 1;
    }
    assert!(cases >= 10);
}

#[test]
fn err_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stats/err");
    let mut cases = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let case = entry.unwrap().path();
        let name = case.file_name().unwrap().to_str().unwrap().to_owned();
        let text = check(&case);
        assert!(text.starts_with("error:"), "{name}: {text}");
        insta::assert_snapshot!(format!("err__{name}"), text);
        cases += 1;
    }
    assert!(cases >= 8);
}
