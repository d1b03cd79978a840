//! `slomix-notify` as a process against the fake Discord's webhook endpoint: slow writers,
//! bursts, refused names, an endpoint that fails, rate-limits or is unreachable, restarts.
//! Every test checks that each file is announced exactly once, in timestamp order, and that the
//! webhook token never appears in the output.
use std::collections::BTreeSet;
use std::io::Write;
use std::time::Duration;

use serde_json::Value;

use crate::support::fake_discord::{Failure, FakeDiscord};
use crate::support::notifier::{
    NotifierOptions, RunningNotifier, Switch, WAIT, announced, assert_no_token, stats_name,
    wait_announced, write_stats,
};

/// The control channel the webhook posts to.
const CONTROL: u64 = 101;

struct Setup {
    fake: FakeDiscord,
    url: String,
    dir: tempfile::TempDir,
    state_dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let fake = FakeDiscord::start();
        let (_, url) = fake.add_webhook(CONTROL);
        let dir = tempfile::tempdir().unwrap();
        Setup { fake, url, dir, state_dir: tempfile::tempdir().unwrap() }
    }

    fn state(&self) -> std::path::PathBuf {
        self.state_dir.path().join("state.json")
    }

    fn spawn(&self, options: &NotifierOptions) -> RunningNotifier {
        RunningNotifier::spawn(self.dir.path(), &self.url, &self.state(), options)
    }

    fn announced(&self) -> Vec<String> {
        announced(&self.fake, CONTROL)
    }

    fn state_json(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.state()).unwrap()).unwrap()
    }
}

/// Each name once, and the list in name (= timestamp) order.
fn assert_once_in_order(names: &[String]) {
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "a file was announced twice: {names:?}");
    let mut sorted = names.to_vec();
    sorted.sort();
    assert_eq!(names, sorted, "not in timestamp order");
}

/// Gives a running notifier time for a settle check and a few rescans, so a repeat would show.
async fn quiet_period() {
    tokio::time::sleep(Duration::from_millis(2500)).await;
}

#[tokio::test]
async fn notify_announces_slowly_written_and_renamed_files_once_when_complete() {
    let s = Setup::new();
    // Pauses longer than settle_ms: only the close (or open_settle_ms, 60 s) completes it.
    let notifier = s.spawn(&NotifierOptions { settle_ms: 200, ..Default::default() });
    notifier.wait_for_output("slomix-notify started").await;

    // Written in four parts with pauses, through one handle (as a slow writer keeps it open).
    let slow = stats_name(0, "supply", 1);
    let mut file = std::fs::File::create(s.dir.path().join(&slow)).unwrap();
    for part in 0..4 {
        writeln!(file, "part {part} of a slowly written stats file").unwrap();
        file.flush().unwrap();
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    assert!(s.announced().is_empty(), "announced before it was closed: {:?}", s.announced());
    drop(file);
    assert_eq!(wait_announced(&s.fake, CONTROL, 1).await, [slow.as_str()]);

    // Written under a hidden temporary name, then renamed into place.
    let renamed = stats_name(5, "supply", 2);
    let temp = s.dir.path().join(format!(".{renamed}.part"));
    std::fs::write(&temp, b"the whole file").unwrap();
    std::fs::rename(&temp, s.dir.path().join(&renamed)).unwrap();
    wait_announced(&s.fake, CONTROL, 2).await;
    quiet_period().await;

    let names = s.announced();
    assert_eq!(names, [slow.clone(), renamed.clone()]);
    let posted = s.fake.messages(CONTROL);
    let embed = &posted[0].payload["embeds"][0];
    assert_eq!(posted[0].payload["username"], "ET:Legacy Stats");
    assert_eq!(embed["description"], "**supply** - Round 1");
    let size = std::fs::metadata(s.dir.path().join(&slow)).unwrap().len();
    assert_eq!(embed["footer"]["text"], format!("{size} bytes | Triggering bot..."));
    assert_eq!(posted[1].payload["embeds"][0]["description"], "**supply** - Round 2");
    let requests = s.fake.requests();
    assert!(
        requests.iter().all(|r| r.query.as_deref() == Some("wait=true")),
        "every post asks wait=true: {:?}",
        requests.iter().map(|r| &r.query).collect::<Vec<_>>()
    );

    let (status, output) = notifier.stop().await;
    assert!(status.success(), "{status}\n{output}");
    assert_no_token(&output, &s.url);
    let state = s.state_json();
    assert_eq!(state["announced"], serde_json::json!([slow, renamed]));
    assert_eq!(state["pending"], serde_json::json!([]));
}

#[tokio::test]
async fn notify_announces_thirty_files_written_at_once_each_once_in_order() {
    let s = Setup::new();
    let notifier = s.spawn(&NotifierOptions::default());
    notifier.wait_for_output("slomix-notify started").await;
    let maps = ["supply", "etl_adlernest", "sw_goldrush_te"];
    let written: Vec<String> = (0..30)
        .map(|i| {
            let name = stats_name(i * 7, maps[(i % 3) as usize], (i % 2 + 1) as u8);
            write_stats(s.dir.path(), &name);
            name
        })
        .collect();
    wait_announced(&s.fake, CONTROL, 30).await;
    quiet_period().await;
    let names = s.announced();
    assert_eq!(names, written);
    assert_once_in_order(&names);
    let (status, output) = notifier.stop().await;
    assert!(status.success(), "{status}\n{output}");
    assert_no_token(&output, &s.url);
}

#[tokio::test]
async fn notify_never_announces_refused_names() {
    let s = Setup::new();
    let notifier = s.spawn(&NotifierOptions::default());
    notifier.wait_for_output("slomix-notify started").await;
    let valid = stats_name(30, "supply", 1);
    let refused = [
        "notes.txt".to_owned(),
        "2025-02-30-224530-supply-round-1.txt".to_owned(),
        "2025-10-12-224530-supply-round-3.txt".to_owned(),
        "2025-10-12-224530-sup..ply-round-1.txt".to_owned(),
        "2025-10-12-224530-sup`ply-round-1.txt".to_owned(),
        "2025-10-12-224530-supply-round-1.txt\n@everyone".to_owned(),
        format!("{valid}.tmp"),
        format!(".{valid}.swp"),
        format!(".{valid}"),
    ];
    for name in &refused {
        std::fs::write(s.dir.path().join(name), b"not to be announced").unwrap();
    }
    // A folder and a symbolic link with valid names are not stats files either.
    std::fs::create_dir(s.dir.path().join(stats_name(1, "supply", 1))).unwrap();
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::os::unix::fs::symlink(outside.path(), s.dir.path().join(stats_name(2, "supply", 1)))
        .unwrap();
    // A name that is not UTF-8.
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"2025-10-12-224530-sup\xffply-round-1.txt");
        std::fs::write(s.dir.path().join(name), b"x").unwrap();
    }
    write_stats(s.dir.path(), &valid);
    wait_announced(&s.fake, CONTROL, 1).await;
    quiet_period().await;
    assert_eq!(s.announced(), [valid.as_str()]);

    let (status, output) = notifier.stop().await;
    assert!(status.success(), "{status}\n{output}");
    for name in &refused {
        let logged = format!("file={name:?}");
        assert_eq!(
            output.matches(&logged).count(),
            1,
            "{name:?} is logged once as refused, escaped:\n{output}"
        );
    }
    let lossy = format!("file={:?}", "2025-10-12-224530-sup\u{fffd}ply-round-1.txt");
    assert_eq!(output.matches(&lossy).count(), 1, "{output}");
    assert_no_token(&output, &s.url);
    let state = s.state_json();
    assert_eq!(state["announced"], serde_json::json!([valid]));
}

#[tokio::test]
async fn notify_retries_through_503_and_429_and_announces_each_file_once() {
    let s = Setup::new();
    s.fake.fail_next("POST", "/api/v10/webhooks/", Failure::Status(503), 4);
    s.fake.fail_next(
        "POST",
        "/api/v10/webhooks/",
        Failure::RateLimited { retry_after_secs: 0.3 },
        2,
    );
    let names: Vec<String> = (0..3).map(|i| stats_name(40 + i, "etl_adlernest", 1)).collect();
    let notifier = s.spawn(&NotifierOptions::default());
    notifier.wait_for_output("slomix-notify started").await;
    for name in &names {
        write_stats(s.dir.path(), name);
    }
    wait_announced(&s.fake, CONTROL, 3).await;
    quiet_period().await;
    assert_eq!(s.announced(), names);

    let statuses: Vec<u16> = s
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/api/v10/webhooks/"))
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [503, 503, 503, 503, 429, 429, 200, 200, 200]);
    let (status, output) = notifier.stop().await;
    assert!(status.success(), "{status}\n{output}");
    assert_eq!(output.matches("webhook unavailable; will retry").count(), 4, "{output}");
    assert_eq!(output.matches("rate limited; will retry").count(), 2, "{output}");
    assert!(output.contains("retry_after_ms=300"), "{output}");
    assert_no_token(&output, &s.url);
}

#[tokio::test]
async fn notify_keeps_files_queued_while_the_endpoint_is_unreachable() {
    let s = Setup::new();
    let target = s.fake.base_url().trim_start_matches("http://").to_owned();
    let switch = Switch::start(&target, true).await;
    let url = switch.url_for(&s.url, &target);
    let notifier =
        RunningNotifier::spawn(s.dir.path(), &url, &s.state(), &NotifierOptions::default());
    notifier.wait_for_output("slomix-notify started").await;
    let names: Vec<String> = (0..2).map(|i| stats_name(50 + i, "supply", 1)).collect();
    for name in &names {
        write_stats(s.dir.path(), name);
    }
    notifier.wait_for_output("webhook unreachable; will retry").await;
    let attempts = tokio::time::timeout(WAIT, async {
        while switch.refused() < 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(attempts.is_ok(), "retried while down");
    assert!(s.announced().is_empty());
    switch.set_down(false);
    wait_announced(&s.fake, CONTROL, 2).await;
    quiet_period().await;
    assert_eq!(s.announced(), names);
    let (status, output) = notifier.stop().await;
    assert!(status.success(), "{status}\n{output}");
    assert_no_token(&output, &url);
}

#[tokio::test]
async fn notify_restarted_announces_files_written_while_it_was_down_once() {
    let s = Setup::new();
    // Two rounds ended before the notifier was ever started.
    let before: Vec<String> = vec![stats_name(60, "supply", 1), stats_name(70, "supply", 2)];
    for name in &before {
        write_stats(s.dir.path(), name);
    }
    let first = s.spawn(&NotifierOptions::default());
    wait_announced(&s.fake, CONTROL, 2).await;
    let live = stats_name(80, "etl_adlernest", 1);
    write_stats(s.dir.path(), &live);
    wait_announced(&s.fake, CONTROL, 3).await;
    let (status, output) = first.stop().await;
    assert!(status.success(), "{status}\n{output}");
    assert!(output.contains("slomix-notify stopped"), "{output}");
    assert_no_token(&output, &s.url);

    // While it is down: five later rounds, written out of order, and one file older than
    // everything announced so far (copied in late).
    let mut down: Vec<String> = [130, 90, 110, 100, 120]
        .into_iter()
        .map(|m| stats_name(m, "sw_goldrush_te", if m % 20 == 10 { 2 } else { 1 }))
        .collect();
    let late = stats_name(10, "supply", 1);
    down.push(late.clone());
    for name in &down {
        write_stats(s.dir.path(), name);
    }
    let second = s.spawn(&NotifierOptions::default());
    wait_announced(&s.fake, CONTROL, 3 + down.len()).await;
    quiet_period().await;
    let (status, output) = second.stop().await;
    assert!(status.success(), "{status}\n{output}");
    assert!(output.contains("announced=3"), "started from the saved state: {output}");
    assert_no_token(&output, &s.url);

    let names = s.announced();
    assert_eq!(names[..3], [before[0].clone(), before[1].clone(), live.clone()]);
    down.sort();
    assert_eq!(names[3..], down[..], "the missed files, in timestamp order");
    assert_once_in_order(&names[3..]);
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), 9, "{names:?}");

    // A third start with nothing new announces nothing.
    let third = s.spawn(&NotifierOptions::default());
    third.wait_for_output("slomix-notify started").await;
    quiet_period().await;
    let (status, output) = third.stop().await;
    assert!(status.success(), "{status}\n{output}");
    assert!(output.contains("announced=9 pending=0"), "{output}");
    assert_eq!(s.announced().len(), 9);
    let state = s.state_json();
    assert_eq!(state["announced"].as_array().map(Vec::len), Some(9));
}

#[tokio::test]
async fn notify_keeps_a_refused_post_queued_across_a_restart() {
    let s = Setup::new();
    // The same webhook id with another token: the fake answers 404 Unknown Webhook.
    let wrong = format!("{}{}", s.url.trim_end_matches(|c| c != '/'), "x".repeat(68));
    let name = stats_name(140, "supply", 1);
    let first =
        RunningNotifier::spawn(s.dir.path(), &wrong, &s.state(), &NotifierOptions::default());
    write_stats(s.dir.path(), &name);
    let refused = tokio::time::timeout(
        WAIT,
        s.fake.wait_until(|f| f.requests().iter().filter(|r| r.status == 404).count() >= 3),
    )
    .await;
    assert!(refused.is_ok(), "retried after 404s");
    let (status, output) = first.stop().await;
    assert!(status.success(), "{status}\n{output}");
    assert!(output.contains("webhook refused the announcement"), "{output}");
    assert!(output.contains("Unknown Webhook"), "{output}");
    assert_no_token(&output, &wrong);
    assert_no_token(&output, &s.url);
    let state = s.state_json();
    assert_eq!(state["announced"], serde_json::json!([]));
    assert_eq!(state["pending"][0]["name"], name.as_str());

    let second = s.spawn(&NotifierOptions::default());
    assert_eq!(wait_announced(&s.fake, CONTROL, 1).await, [name.as_str()]);
    quiet_period().await;
    let (status, output) = second.stop().await;
    assert!(status.success(), "{status}\n{output}");
    assert!(output.contains("pending=1"), "the queue came back from the state: {output}");
    assert_eq!(s.announced(), [name]);
}

#[tokio::test]
async fn notify_without_a_watch_finds_files_by_listing_and_settle_checks() {
    let s = Setup::new();
    let options =
        NotifierOptions { watch: false, rescan_ms: 200, settle_ms: 1000, ..Default::default() };
    let notifier = s.spawn(&options);
    notifier.wait_for_output("slomix-notify started").await;
    let name = stats_name(150, "supply", 2);
    let mut file = std::fs::File::create(s.dir.path().join(&name)).unwrap();
    for part in 0..4 {
        writeln!(file, "part {part}").unwrap();
        file.flush().unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(s.announced().is_empty(), "still growing: {:?}", s.announced());
    drop(file);
    assert_eq!(wait_announced(&s.fake, CONTROL, 1).await, [name.as_str()]);
    quiet_period().await;
    assert_eq!(s.announced(), [name.as_str()]);
    let size = std::fs::metadata(s.dir.path().join(&name)).unwrap().len();
    let footer = &s.fake.messages(CONTROL)[0].payload["embeds"][0]["footer"]["text"];
    assert_eq!(footer, &format!("{size} bytes | Triggering bot..."), "the whole file was seen");
    let (status, output) = notifier.stop().await;
    assert!(status.success(), "{status}\n{output}");
}

#[tokio::test]
async fn notify_never_prints_the_webhook_url() {
    let token = "tok3n-Th4t-Must-N3ver-B3-Pr1nted-0123456789abcdefghijklmnopqrstuvwxyz";
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let stats = tempfile::tempdir().unwrap();

    // Refused settings: plain http to another host.
    let insecure = format!("http://discord.example/api/webhooks/123/{token}");
    let (status, output) =
        RunningNotifier::spawn(stats.path(), &insecure, &state, &NotifierOptions::default())
            .wait()
            .await;
    assert_eq!(status.code(), Some(2), "{output}");
    assert!(output.contains("must use https"), "{output}");
    assert_no_token(&output, &insecure);

    // Nothing listening, every log level on: connection errors and retries.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let closed = format!("http://127.0.0.1:{port}/api/v10/webhooks/123/{token}");
    let options = NotifierOptions { log: "trace".into(), ..Default::default() };
    let notifier = RunningNotifier::spawn(stats.path(), &closed, &state, &options);
    notifier.wait_for_output("slomix-notify started").await;
    write_stats(stats.path(), &stats_name(160, "supply", 1));
    notifier.wait_for_output("webhook unreachable; will retry").await;
    let (status, output) = notifier.stop().await;
    assert!(status.success(), "{status}\n{output}");
    assert!(output.contains("webhooks/123/***"), "the id is shown, redacted: {output}");
    assert_no_token(&output, &closed);

    // A second notifier on the same state file is refused.
    let holder = RunningNotifier::spawn(stats.path(), &closed, &state, &NotifierOptions::default());
    holder.wait_for_output("slomix-notify started").await;
    let (status, output) =
        RunningNotifier::spawn(stats.path(), &closed, &state, &NotifierOptions::default())
            .wait()
            .await;
    assert_eq!(status.code(), Some(1), "{output}");
    assert!(output.contains("locked by another slomix-notify"), "{output}");
    assert_no_token(&output, &closed);
    let (status, output) = holder.stop().await;
    assert!(status.success(), "{status}\n{output}");
}

/// The whole loop of the mission document: a round ends on the game server (a stats file
/// lands in its folder, served by the real sshd) → `slomix-notify` posts the trigger to the
/// control channel's webhook → the daemon sees it on the gateway, fetches the file over SFTP,
/// stores it and posts the round in the production channel → the trigger is deleted. Round 1
/// then round 2: three posts (R1, R2, the match summary), each once, on SQLite and PostgreSQL.
#[actix::test]
async fn full_loop_notifier_to_discord_trigger_to_round_post() {
    use crate::support::{db, shared_fixtures, sshd::sshd};
    const PRODUCTION: u64 = 100;
    let Some(server) = sshd() else { return };
    for t in db::all().await {
        let fake = FakeDiscord::start();
        let (hook, url) = fake.add_webhook(CONTROL);
        let folder = server.folder();
        let local = tempfile::tempdir().unwrap();
        let mut env: Vec<(&str, String)> = vec![
            ("SLOMIX__DISCORD__TOKEN", fake.config().token.clone()),
            ("SLOMIX__DISCORD__API_URL", fake.base_url()),
            ("SLOMIX__DISCORD__PRODUCTION_CHANNEL_ID", PRODUCTION.to_string()),
            ("SLOMIX__DISCORD__CONTROL_CHANNEL_ID", CONTROL.to_string()),
            ("SLOMIX__DISCORD__WEBHOOK_WHITELIST", hook.to_string()),
            ("SLOMIX__POLL__ENABLED", "false".to_owned()),
        ];
        env.push(("SLOMIX__STATS__LOCAL_DIR", local.path().display().to_string()));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let settings = crate::daemon::settings(local.path(), &env);
        let source = crate::discord::sftp_source(folder.path(), local.path());
        let running = slomix::app::start(settings, t.db.clone(), vec![source]).await.unwrap();
        tokio::time::timeout(WAIT, fake.wait_ready()).await.expect("bot ready");

        let state = tempfile::tempdir().unwrap();
        let notifier = RunningNotifier::spawn(
            folder.path(),
            &url,
            &state.path().join("state.json"),
            &NotifierOptions::default(),
        );
        for name in [crate::daemon::R1, crate::daemon::R2] {
            let bytes = std::fs::read(shared_fixtures("real").join(name)).unwrap();
            // The game server writes the file in one go, then the next round is played.
            std::fs::File::create(folder.path().join(name)).unwrap().write_all(&bytes).unwrap();
            let before = fake.messages(PRODUCTION).len();
            tokio::time::timeout(WAIT, fake.wait_until(|f| f.messages(PRODUCTION).len() > before))
                .await
                .unwrap_or_else(|_| panic!("{}: {name} posted", t.kind));
        }
        tokio::time::timeout(WAIT, fake.wait_until(|f| f.messages(PRODUCTION).len() >= 3))
            .await
            .unwrap();
        let titles: Vec<String> = fake
            .messages(PRODUCTION)
            .iter()
            .map(|m| m.payload["embeds"][0]["title"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            titles,
            [
                "🎮 Round 1 Complete - sw_goldrush_te",
                "🎮 Round 2 Complete - sw_goldrush_te",
                "🏆 Match Complete - sw_goldrush_te"
            ],
            "{}",
            t.kind
        );
        // Both triggers arrived from the webhook and were deleted once their round was posted.
        let triggers: Vec<u64> = fake.messages(CONTROL).iter().map(|m| m.id).collect();
        assert_eq!(announced(&fake, CONTROL), [crate::daemon::R1, crate::daemon::R2]);
        assert!(fake.messages(CONTROL).iter().all(|m| m.webhook_id == Some(hook)));
        tokio::time::timeout(
            WAIT,
            fake.wait_until(|f| triggers.iter().all(|id| f.deleted().contains(&(CONTROL, *id)))),
        )
        .await
        .expect("triggers deleted");
        let (status, output) = notifier.stop().await;
        assert!(status.success(), "{output}");
        assert_no_token(&output, &url);
        // Nothing more arrives: each round was posted once.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(fake.messages(PRODUCTION).len(), 3, "{}", t.kind);
        running.stop().await;
    }
}
