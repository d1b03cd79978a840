//! The terminal commands, run as the built binary: `slomix parse`, `slomix import`, and the
//! daemon itself (`slomix` with no arguments) with `slomix status` beside it.
use std::process::Command;

use serde_json::Value;

use crate::support::{db, shared_fixtures};

pub fn slomix() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_slomix"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command.env_remove("DATABASE_URL").env("RUST_LOG", "warn");
    command
}

#[test]
fn parse_json_has_the_contract_fields() {
    let r2 = shared_fixtures("real/2025-10-20-000043-etl_adlernest-round-2.txt");
    let output = slomix().args(["parse", "--json"]).arg(&r2).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    for key in [
        "file",
        "server",
        "map",
        "config",
        "round",
        "defender_team",
        "winner_team",
        "time_limit_seconds",
        "actual_time_seconds",
        "outcome",
        "round1_file",
        "warnings",
        "players",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["round"], 2);
    assert_eq!(json["outcome"], "time_beaten", "won 4 s before the time to beat");
    assert_eq!(json["round1_file"], "2025-10-19-235307-etl_adlernest-round-1.txt");
    let player = &json["players"][0];
    for key in [
        "guid",
        "name",
        "raw_name",
        "team",
        "kills",
        "deaths",
        "headshots",
        "gibs",
        "self_kills",
        "team_kills",
        "damage_given",
        "damage_received",
        "team_damage_given",
        "team_damage_received",
        "revives_given",
        "times_revived",
        "hits",
        "shots",
        "time_played_seconds",
        "time_dead_seconds",
        "dpm",
        "weapons",
    ] {
        assert!(player.get(key).is_some(), "missing players[].{key}");
    }
    let weapon = &player["weapons"][0];
    for key in ["weapon", "hits", "shots", "kills", "deaths", "headshots"] {
        assert!(weapon.get(key).is_some(), "missing weapons[].{key}");
    }
    // An explicit --round1 that is not a companion is refused with a clear error.
    let wrong = shared_fixtures("real/2025-10-12-224530-sw_goldrush_te-round-1.txt");
    let output = slomix().args(["parse"]).arg(&r2).arg("--round1").arg(&wrong).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("it is another map"));
}

#[test]
fn parse_reports_a_broken_file_with_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2025-10-12-224530-supply-round-1.txt");
    std::fs::write(
        &path,
        b"s\\supply\\c\\1\\1\\2\\10:00\\8:00\nABCDEF12\\x\\1\\z\\1 1 1 1 1 1\t1\n",
    )
    .unwrap();
    let output = slomix().arg("parse").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "error: 2025-10-12-224530-supply-round-1.txt:2: field `team`: expected team number, found `z`"
    );
}

#[tokio::test]
async fn import_summarises_and_exits_non_zero_only_for_rejections() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "2025-10-12-224530-sw_goldrush_te-round-1.txt",
        "2025-10-12-225242-sw_goldrush_te-round-2.txt",
        "2024-09-12-174949-supply-round-2.txt",
    ] {
        std::fs::copy(shared_fixtures("real").join(name), dir.path().join(name)).unwrap();
    }
    std::fs::write(dir.path().join("notes.md"), "not a stats file").unwrap();
    for t in db::all().await {
        let run =
            || slomix().arg("import").arg(dir.path()).env("DATABASE_URL", &t.url).output().unwrap();
        let first = run();
        let stdout = String::from_utf8_lossy(&first.stdout);
        assert_eq!(first.status.code(), Some(1), "{}: {stdout}", t.kind);
        assert!(
            stdout.contains(
                "imported: 2 (round 1: 1, round 2 paired: 1, round 2 without round 1: 0)"
            ),
            "{stdout}"
        );
        assert!(stdout.contains("rejected: 1"), "{stdout}");
        assert!(
            stdout.contains("2024-09-12-174949-supply-round-2.txt: no player lines"),
            "{stdout}"
        );
        std::fs::remove_file(dir.path().join("2024-09-12-174949-supply-round-2.txt")).unwrap();
        let second = run();
        let stdout = String::from_utf8_lossy(&second.stdout);
        assert_eq!(second.status.code(), Some(0), "{}: {stdout}", t.kind);
        assert!(stdout.contains("already there: 2"), "{stdout}");
        std::fs::copy(
            shared_fixtures("real/2024-09-12-174949-supply-round-2.txt"),
            dir.path().join("2024-09-12-174949-supply-round-2.txt"),
        )
        .unwrap();
    }
}

#[tokio::test]
async fn the_daemon_on_its_defaults_posts_a_dropped_file_reports_status_and_stops_on_sigterm() {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut daemon = tokio::process::Command::new(env!("CARGO_BIN_EXE_slomix"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("DISCORD_BOT_TOKEN")
        .env("SLOMIX__HEALTH__STATUS_ADDR", &addr)
        .env("SLOMIX__WEB__ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(daemon.stdout.take().unwrap()).lines();
    // `slomix status` answers once the daemon is up: one line per actor.
    let mut status = None;
    for _ in 0..300 {
        let out =
            slomix().arg("status").env("SLOMIX__HEALTH__STATUS_ADDR", &addr).output().unwrap();
        if out.status.success() {
            status = Some(String::from_utf8(out.stdout).unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let status = status.expect("slomix status answers within 30 s");
    assert_eq!(status.lines().count(), 6, "{status}");
    assert!(status.lines().all(|l| l.contains("healthy")), "{status}");
    assert!(dir.path().join("local_stats").is_dir() && dir.path().join("data/slomix.db").exists());

    let name = "2025-10-12-224530-sw_goldrush_te-round-1.txt";
    std::fs::copy(shared_fixtures("real").join(name), dir.path().join("local_stats").join(name))
        .unwrap();
    let mut seen = Vec::new();
    let found = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            seen.push(line.clone());
            if line.contains("Round 1 Complete - sw_goldrush_te") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "console output: {seen:?}");

    let pid = daemon.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let out = tokio::time::timeout(std::time::Duration::from_secs(20), daemon.wait_with_output())
        .await
        .expect("stops within 20 s")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{} {stderr}", out.status);
    assert!(!stderr.contains("panic"), "{stderr}");
}

#[tokio::test]
async fn query_commands_answer_on_the_terminal_as_text_and_json() {
    for t in db::all().await {
        crate::commands::imported(&t).await;
        let run = |args: &[&str]| slomix().args(args).env("DATABASE_URL", &t.url).output().unwrap();
        let stats = run(&["stats", "endekk", "--json"]);
        assert!(stats.status.success(), "{}: {}", t.kind, String::from_utf8_lossy(&stats.stderr));
        let json: Value = serde_json::from_slice(&stats.stdout).unwrap();
        for key in ["guid", "name", "rounds", "kills", "deaths", "damage_given", "dpm", "accuracy"]
        {
            assert!(json.get(key).is_some(), "missing {key}");
        }
        assert_eq!(json["guid"], "7B84BE88");
        assert_eq!(json["name"], "endekk");
        let kills = json["kills"].as_i64().unwrap();
        // The text form shows the same numbers, without Discord's bold markers.
        let text = run(&["stats", "ENDEKK"]);
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains(&format!("Kills: {}", slomix::commands::format::thousands(kills))),
            "{text}"
        );
        assert!(!text.contains("**"), "{text}");
        // An ambiguous name lists the candidates and exits 1; an unknown one suggests.
        let ambiguous = run(&["stats", "ripazha"]);
        assert_eq!(ambiguous.status.code(), Some(1));
        let listed = String::from_utf8_lossy(&ambiguous.stderr);
        assert_eq!(listed.matches("rounds)").count(), 5, "{listed}");
        let json = run(&["stats", "ripazha", "--json"]);
        let body: Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(body["candidates"].as_array().unwrap().len(), 5);
        let unknown = run(&["stats", "endekz"]);
        assert_eq!(unknown.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&unknown.stderr).contains("Did you mean: endekk"));
        // The leaderboard pages, sessions and graphs.
        let lb = run(&["leaderboard", "kills", "--page", "2", "--json"]);
        let lb: Value = serde_json::from_slice(&lb.stdout).unwrap();
        assert_eq!((lb["category"].as_str(), lb["page"].as_u64()), (Some("kills"), Some(2)));
        let graphs = tempfile::tempdir().unwrap();
        let last = run(&["last-session", "--graphs", graphs.path().to_str().unwrap()]);
        assert!(last.status.success());
        for name in slomix::commands::charts::PAGE_NAMES {
            let bytes = std::fs::read(graphs.path().join(name)).unwrap();
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name}");
        }
        let bad = run(&["leaderboard", "nope"]);
        assert_eq!(bad.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&bad.stderr).contains("try one of: kills"));
    }
}
