//! The commands through the fake Discord, as players and admins use them: prefix and slash
//! from one definition, page buttons, the session graphs as attachments, channel rules,
//! generic errors, cooldowns, admin checks with the audit log, and the cache dropped when a
//! round is stored.
use std::{path::Path, time::Duration};

use entity::command_audit;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use serde_json::Value;
use slomix::{
    app::{Running, start_with},
    settings::SettingsSource,
};

use crate::{
    commands::imported,
    daemon::local_source,
    support::{
        db,
        fake_discord::{Failure, FakeDiscord, Posted},
        logs,
    },
};

const PRODUCTION: u64 = 100;
const CONTROL: u64 = 101;
const GENERAL: u64 = 102;
const OTHER: u64 = 103;
const ADMIN: u64 = 105;
const ADMIN_USER: u64 = 7;

fn env(
    fake: &FakeDiscord,
    local: &Path,
    extra: &[(&str, &str)],
) -> std::collections::HashMap<String, String> {
    let mut env: std::collections::HashMap<String, String> = [
        ("SLOMIX__STATS__LOCAL_DIR", local.display().to_string()),
        ("SLOMIX__HEALTH__LOG_INTERVAL_SECS", "3600".to_owned()),
        ("SLOMIX__POLL__TIMEZONE", "UTC".to_owned()),
        ("SLOMIX__POLL__ENABLED", "false".to_owned()),
        ("SLOMIX__DISCORD__TOKEN", fake.config().token.clone()),
        ("SLOMIX__DISCORD__API_URL", fake.base_url()),
        ("SLOMIX__DISCORD__PRODUCTION_CHANNEL_ID", PRODUCTION.to_string()),
        ("SLOMIX__DISCORD__CONTROL_CHANNEL_ID", CONTROL.to_string()),
        ("SLOMIX__DISCORD__GENERAL_CHANNEL_ID", GENERAL.to_string()),
        ("SLOMIX__DISCORD__ADMIN_CHANNEL_IDS", ADMIN.to_string()),
        ("SLOMIX__DISCORD__ADMIN_USER_IDS", ADMIN_USER.to_string()),
        ("SLOMIX__DISCORD__WEBHOOK_WHITELIST", "4242".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    env
}

/// The daemon with Discord on the fake, watching `local` as its stats folder.
async fn start_bot(
    fake: &FakeDiscord,
    t: &db::TestDb,
    local: &Path,
    extra: &[(&str, &str)],
) -> Running {
    start_bot_on(fake, t, local, extra, vec![local_source(local)]).await
}

/// The daemon with Discord on the fake and these game servers.
async fn start_bot_on(
    fake: &FakeDiscord,
    t: &db::TestDb,
    local: &Path,
    extra: &[(&str, &str)],
    sources: Vec<slomix::app::Source>,
) -> Running {
    let env = env(fake, local, extra);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("settings");
    let settings = slomix::settings::Settings::load(&dir, &env).unwrap();
    let running = start_with(settings, SettingsSource::Fixed { dir, env }, t.db.clone(), sources)
        .await
        .unwrap();
    within(
        fake.wait_until(|f| f.is_ready() && f.commands(None).iter().any(|c| c["name"] == "stats")),
    )
    .await;
    running
}

async fn within<T>(what: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), what).await.expect("within 30 s")
}

/// Sends `content` as `user` in `channel` and waits for the bot's next message there.
async fn ask(fake: &FakeDiscord, channel: u64, user: u64, content: &str) -> Posted {
    let before = fake.messages(channel).len();
    fake.user_message(channel, user, &format!("user{user}"), content);
    within(fake.wait_until(|f| f.messages(channel).len() > before)).await;
    fake.messages(channel)[before].clone()
}

fn embed(posted: &Posted) -> &Value {
    &posted.payload["embeds"][0]
}

fn field_text(embed: &Value) -> String {
    embed["fields"].as_array().map_or(String::new(), |f| {
        f.iter()
            .map(|f| {
                format!(
                    "{}\n{}\n",
                    f["name"].as_str().unwrap_or(""),
                    f["value"].as_str().unwrap_or("")
                )
            })
            .collect()
    })
}

#[actix::test]
async fn prefix_and_slash_commands_answer_from_one_definition() {
    logs();
    let t = db::sqlite().await;
    let ctx = imported(&t).await;
    let fake = FakeDiscord::start();
    let local = tempfile::tempdir().unwrap();
    // A slash command of an earlier version, still registered.
    {
        let http = serenity::all::HttpBuilder::new(fake.config().token.clone())
            .proxy(fake.base_url())
            .ratelimiter_disabled(true)
            .application_id(serenity::all::ApplicationId::new(fake.config().application_id))
            .build();
        let old = serenity::all::CreateCommand::new("oldstats").description("gone");
        serenity::all::Command::set_global_commands(&http, vec![old]).await.unwrap();
    }
    let running = start_bot(&fake, &t, local.path(), &[]).await;
    let names: Vec<String> =
        fake.commands(None).iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect();
    for name in
        ["stats", "leaderboard", "compare", "last_session", "session", "link", "automation_status"]
    {
        assert!(names.contains(&name.to_owned()), "{name} registered: {names:?}");
    }
    assert!(!names.contains(&"oldstats".to_owned()), "stale commands cleared: {names:?}");

    let kills = slomix::commands::stats::stats(
        &ctx,
        &slomix::commands::players::Who::Text("endekk".into()),
        &slomix::commands::Caller::default(),
    )
    .await
    .unwrap()
    .data["kills"]
        .as_i64()
        .unwrap();
    let prefix = ask(&fake, GENERAL, 50, "!stats endekk").await;
    let title = embed(&prefix)["title"].as_str().unwrap().to_owned();
    assert!(title.starts_with("📊 Player Statistics: endekk"), "{title}");
    assert!(
        field_text(embed(&prefix))
            .contains(&format!("**Kills:** {}", slomix::commands::format::thousands(kills)))
    );
    assert_eq!(prefix.payload["allowed_mentions"]["parse"], serde_json::json!([]));

    let before = fake.messages(GENERAL).len();
    fake.slash_command(
        GENERAL,
        51,
        "user51",
        "stats",
        serde_json::json!([{"name": "player", "type": 3, "value": "endekk"}]),
    );
    within(fake.wait_until(|f| f.messages(GENERAL).len() > before)).await;
    let slash = &fake.messages(GENERAL)[before];
    assert_eq!(slash.webhook_id, Some(fake.config().application_id), "an interaction reply");
    assert_eq!(embed(slash)["title"], title.as_str());
    assert_eq!(field_text(embed(slash)), field_text(embed(&prefix)));

    // Aliases and case: `!LB` is the leaderboard.
    let lb = ask(&fake, GENERAL, 52, "!LB kills").await;
    assert_eq!(embed(&lb)["title"], "🏆 Leaderboard: Kills");
    running.stop().await;
}

#[actix::test]
async fn leaderboard_pages_turn_with_buttons_for_the_one_who_asked() {
    logs();
    let t = db::sqlite().await;
    imported(&t).await;
    let fake = FakeDiscord::start();
    let local = tempfile::tempdir().unwrap();
    let running = start_bot(&fake, &t, local.path(), &[]).await;
    let posted = ask(&fake, GENERAL, 60, "!leaderboard games").await;
    assert!(
        embed(&posted)["footer"]["text"].as_str().unwrap().starts_with("Page 1/4"),
        "{}",
        embed(&posted)
    );
    let buttons = posted.payload["components"][0]["components"].as_array().unwrap().clone();
    assert_eq!(buttons.len(), 4);
    let id_of = |action: &str| {
        buttons
            .iter()
            .map(|b| b["custom_id"].as_str().unwrap().to_owned())
            .find(|id| id.ends_with(action))
            .unwrap()
    };
    assert_eq!(buttons[0]["disabled"], true, "no first page before page 1");

    // Someone else cannot turn the pages.
    let before = fake.messages(GENERAL).len();
    fake.button_click(posted.id, 61, "user61", &id_of(":next"));
    within(fake.wait_until(|f| f.messages(GENERAL).len() > before)).await;
    let refusal = &fake.messages(GENERAL)[before];
    assert!(refusal.payload["content"].as_str().unwrap().contains("Only the person who asked"));
    assert_eq!(refusal.payload["flags"], 64, "ephemeral");
    assert!(fake.component_updates().is_empty());

    fake.button_click(posted.id, 60, "user60", &id_of(":next"));
    within(fake.wait_until(|f| f.component_updates().len() == 1)).await;
    let shown = fake.message_json(posted.id).unwrap();
    assert!(
        shown["embeds"][0]["footer"]["text"].as_str().unwrap().starts_with("Page 2/4"),
        "{shown}"
    );
    assert!(shown["embeds"][0]["description"].as_str().unwrap().starts_with("1️⃣1️⃣"), "ranks 11 on");
    fake.button_click(posted.id, 60, "user60", &id_of(":last"));
    within(fake.wait_until(|f| f.component_updates().len() == 2)).await;
    let shown = fake.message_json(posted.id).unwrap();
    assert!(shown["embeds"][0]["footer"]["text"].as_str().unwrap().starts_with("Page 4/4"));
    assert_eq!(
        shown["components"][0]["components"][3]["disabled"], true,
        "no next after the last page"
    );
    running.stop().await;
}

#[actix::test]
async fn last_session_graph_pages_and_the_compare_radar_are_posted_as_pngs() {
    logs();
    for t in db::all().await {
        imported(&t).await;
        let fake = FakeDiscord::start();
        let local = tempfile::tempdir().unwrap();
        let running = start_bot(&fake, &t, local.path(), &[]).await;
        let posted = ask(&fake, PRODUCTION, 70, "!last_session").await;
        assert!(
            embed(&posted)["title"].as_str().unwrap().starts_with("📊 Session Summary: 2025-11-11")
        );
        assert_eq!(posted.files.len(), 5, "{}", t.kind);
        for (file, name) in posted.files.iter().zip(slomix::commands::charts::PAGE_NAMES) {
            assert_eq!(file.filename, name);
            let (w, h) = slomix::commands::charts::PAGE_SIZE;
            let reader = png::Decoder::new(std::io::Cursor::new(&file.bytes)).read_info().unwrap();
            assert_eq!((reader.info().width, reader.info().height), (w, h), "{}", file.filename);
        }
        // The slash form defers first (graphs take a moment), then answers with the images.
        let before = fake.messages(PRODUCTION).len();
        fake.slash_command(PRODUCTION, 71, "user71", "last_session", serde_json::json!([]));
        within(fake.wait_until(|f| f.messages(PRODUCTION).len() > before)).await;
        assert_eq!(fake.messages(PRODUCTION)[before].files.len(), 5);
        // Views, by prefix (a view alone means the latest session) and by slash.
        for (user, line, title) in [
            (72, "!last_session obj", "🎯 Objectives: 2025-11-11"),
            (73, "!session combat", "⚔️ Combat: 2025-11-11"),
            (74, "!last maps full", "🗺️ Maps, round by round: 2025-11-11"),
            (75, "!session_score", "🏁 Stopwatch score: 2025-11-11"),
        ] {
            let posted = ask(&fake, PRODUCTION, user, line).await;
            assert_eq!(embed(&posted)["title"], title, "{}: {line}", t.kind);
            assert!(posted.files.is_empty(), "{line}");
        }
        let wrong = ask(&fake, PRODUCTION, 76, "!last_session nope").await;
        let said = wrong.payload["content"].as_str().unwrap();
        assert!(said.contains("the views are: top, combat, obj"), "{said}");
        let before = fake.messages(PRODUCTION).len();
        let view = serde_json::json!([{"name": "view", "type": 3, "value": "weapons"}]);
        fake.slash_command(PRODUCTION, 77, "user77", "last_session", view);
        within(fake.wait_until(|f| f.messages(PRODUCTION).len() > before)).await;
        let weapons = &fake.messages(PRODUCTION)[before];
        assert_eq!(embed(weapons)["title"], "🔫 Weapons: 2025-11-11", "{}", t.kind);
        // `!compare` answers with its radar as one PNG.
        let compared = ask(&fake, PRODUCTION, 78, "!compare vid SuperBoyy").await;
        assert_eq!(embed(&compared)["title"], "⚖️ vid vs SuperBoyy", "{}", t.kind);
        assert_eq!(compared.files.len(), 1);
        assert_eq!(compared.files[0].filename, slomix::commands::charts::RADAR_NAME);
        let reader =
            png::Decoder::new(std::io::Cursor::new(&compared.files[0].bytes)).read_info().unwrap();
        let (w, h) = slomix::commands::charts::RADAR_SIZE;
        assert_eq!((reader.info().width, reader.info().height), (w, h));
        running.stop().await;
    }
}

#[actix::test]
async fn commands_elsewhere_are_ignored_and_errors_say_nothing_of_ours() {
    logs();
    let t = db::sqlite().await;
    imported(&t).await;
    let fake = FakeDiscord::start();
    let local = tempfile::tempdir().unwrap();
    let running = start_bot(&fake, &t, local.path(), &[]).await;
    fake.user_message(OTHER, 80, "user80", "!stats endekk");
    fake.user_message(CONTROL, 80, "user80", "!stats endekk");
    fake.slash_command(OTHER, 80, "user80", "stats", serde_json::json!([]));
    // A command answered afterwards proves the earlier ones were seen (and ignored).
    let answered = ask(&fake, GENERAL, 80, "!help").await;
    assert_eq!(embed(&answered)["title"], "📖 slomix commands");
    assert!(!field_text(embed(&answered)).contains("!sync"), "no admin commands for players");
    assert!(fake.messages(OTHER).is_empty() && fake.messages(CONTROL).is_empty());

    let unknown = ask(&fake, GENERAL, 81, "!stats endekz").await;
    let text = unknown.payload["content"].as_str().unwrap();
    assert!(
        text.starts_with("❌ No player matches **endekz**") && text.contains("endekk"),
        "{text}"
    );
    // A failure of ours: the reply is generic, the detail (SQL, table names) stays in the log.
    t.db.execute_unprepared("DROP TABLE player_weapon_totals").await.unwrap();
    let broken = ask(&fake, GENERAL, 82, "!stats endekk").await;
    let text = broken.payload["content"].as_str().unwrap();
    assert_eq!(text, slomix::commands::GENERIC_ERROR);
    // Cooldowns per user: a second `!stats` within 5 s is refused.
    let again = ask(&fake, GENERAL, 81, "!stats vid").await;
    assert!(
        again.payload["content"].as_str().unwrap().starts_with("⏱️ Slow down!"),
        "{}",
        again.payload
    );
    running.stop().await;
}

#[actix::test]
async fn admin_commands_need_the_admin_channel_and_an_admin_and_are_audited() {
    logs();
    for t in db::all().await {
        imported(&t).await;
        let fake = FakeDiscord::start();
        let local = tempfile::tempdir().unwrap();
        let running = start_bot(&fake, &t, local.path(), &[]).await;

        let status = ask(&fake, ADMIN, ADMIN_USER, "!automation_status").await;
        assert_eq!(embed(&status)["title"], "🤖 Automation status", "{}", t.kind);
        let text = embed(&status)["description"].as_str().unwrap().to_owned();
        for actor in [
            "db_writer",
            "file_fetcher",
            "poll_scheduler",
            "round_publisher",
            "stats_parser",
            "voice_session_tracker",
        ] {
            assert!(text.contains(actor), "{actor}: {text}");
        }
        let refused = ask(&fake, ADMIN, 90, "!automation_status").await;
        assert_eq!(refused.payload["content"], "❌ admins only");
        // Outside the admin channel an admin command is not answered at all.
        fake.user_message(GENERAL, ADMIN_USER, "boss", "!cache_clear");
        let check = ask(&fake, ADMIN, ADMIN_USER, "!ssh_check").await;
        assert!(
            embed(&check)["description"].as_str().unwrap().starts_with("✅ **default** — "),
            "{}",
            embed(&check)
        );
        assert!(embed(&check)["description"].as_str().unwrap().ends_with("0 stats files"));
        assert!(fake.messages(GENERAL).is_empty(), "{:?}", fake.messages(GENERAL));

        // `!import` fetches one file now and its round is posted.
        // (Every real fixture is stored already: a round of 20 new players.)
        let (file, bytes) = crate::discord::twenty_player_file();
        std::fs::write(local.path().join(&file), bytes).unwrap();
        let started = ask(&fake, ADMIN, ADMIN_USER, &format!("!import {file}")).await;
        assert_eq!(embed(&started)["title"], "📥 Import started");
        let hostile = ask(&fake, ADMIN, ADMIN_USER, "!import ../../etc/passwd").await;
        assert!(
            hostile.payload["content"].as_str().unwrap().starts_with("❌ not a stats file name")
        );
        let reload = ask(&fake, ADMIN, ADMIN_USER, "!reload").await;
        assert_eq!(embed(&reload)["description"], "Settings re-read: nothing changed.");
        let synced = ask(&fake, ADMIN, ADMIN_USER, "!sync 3").await;
        assert_eq!(embed(&synced)["title"], "🔄 Sync started");

        let audit = command_audit::Entity::find()
            .order_by_asc(command_audit::Column::Id)
            .all(&t.db)
            .await
            .unwrap();
        let rows: Vec<(String, i64, String)> =
            audit.iter().map(|a| (a.command.clone(), a.user_id, a.outcome.clone())).collect();
        assert_eq!(
            rows.iter()
                .map(|(c, u, o)| (c.as_str(), *u, o.split(':').next().unwrap()))
                .collect::<Vec<_>>(),
            [
                ("automation_status", ADMIN_USER as i64, "ok"),
                ("automation_status", 90, "refused"),
                ("ssh_check", ADMIN_USER as i64, "ok"),
                ("import", ADMIN_USER as i64, "ok"),
                ("import", ADMIN_USER as i64, "refused"),
                ("reload", ADMIN_USER as i64, "ok"),
                ("sync", ADMIN_USER as i64, "ok"),
            ],
            "{}",
            t.kind
        );
        assert!(audit.iter().all(|a| a.channel_id == ADMIN as i64));
        // The original's shortcuts: `!sync_all` looks at every file, `!sync_week` at a week.
        let all = ask(&fake, ADMIN, ADMIN_USER, "!sync_all").await;
        let said = embed(&all)["description"].as_str().unwrap().to_owned();
        assert!(said.starts_with("Looking for every file"), "{said}");
        let week = ask(&fake, ADMIN, ADMIN_USER, "!sync_week").await;
        let said = embed(&week)["description"].as_str().unwrap().to_owned();
        assert!(said.starts_with("Looking for files written since"), "{said}");
        within(fake.wait_until(|f| !f.messages(PRODUCTION).is_empty())).await;
        assert_eq!(embed(&fake.messages(PRODUCTION)[0])["title"], "🎮 Round 1 Complete - supply");
        running.stop().await;
    }
}

#[actix::test]
async fn a_stored_round_drops_cached_replies() {
    logs();
    let t = db::sqlite().await;
    imported(&t).await;
    let fake = FakeDiscord::start();
    let local = tempfile::tempdir().unwrap();
    let running = start_bot(&fake, &t, local.path(), &[]).await;
    let qualifying = |p: &Posted| {
        embed(p)["footer"]["text"].as_str().unwrap().split(" · ").nth(1).unwrap().to_owned()
    };
    let first = ask(&fake, GENERAL, 100, "!leaderboard games").await;
    let second = ask(&fake, GENERAL, 101, "!leaderboard games").await;
    assert_eq!(qualifying(&first), "35 qualifying");
    assert_eq!(embed(&first), embed(&second));
    // A round with 20 new players is stored: the next answer counts them.
    let (name, bytes) = crate::discord::twenty_player_file();
    std::fs::write(local.path().join(&name), bytes).unwrap();
    fake.webhook_message(CONTROL, 4242, "ET:Legacy Stats", &format!("📊 `{name}`"));
    within(fake.wait_until(|f| !f.messages(PRODUCTION).is_empty())).await;
    within(async {
        loop {
            let third = ask(
                &fake,
                GENERAL,
                102 + fake.messages(GENERAL).len() as u64,
                "!leaderboard games",
            )
            .await;
            if qualifying(&third) == "55 qualifying" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    running.stop().await;
}

#[actix::test]
async fn slow_commands_are_logged_as_warnings() {
    let (logs, _guard) = crate::support::capture_logs();
    let t = db::sqlite().await;
    let fake = FakeDiscord::start();
    let local = tempfile::tempdir().unwrap();
    // Every command counts as slow with a threshold of 0 ms.
    let running =
        start_bot(&fake, &t, local.path(), &[("SLOMIX__COMMANDS__SLOW_WARNING_MS", "0")]).await;
    ask(&fake, GENERAL, 110, "!help").await;
    within(async {
        while !String::from_utf8_lossy(&logs.lock().unwrap()).contains("slow command") {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    let line = text.lines().find(|l| l.contains("slow command")).unwrap();
    assert!(
        line.contains("WARN") && line.contains("command=help") && line.contains("took_ms="),
        "{line}"
    );
    // The token never reaches the log.
    assert!(!text.contains(&fake.config().token), "{text}");
    running.stop().await;
}

#[actix::test]
async fn invalid_mentions_get_a_clear_error_and_the_bot_carries_on() {
    let (logs, _guard) = crate::support::capture_logs();
    let t = db::sqlite().await;
    imported(&t).await;
    let fake = FakeDiscord::start();
    let local = tempfile::tempdir().unwrap();
    let running = start_bot(&fake, &t, local.path(), &[]).await;
    let tail = "is not a valid user mention; mention a member with @, or give a player name";
    // `UserId::new(0)` used to panic inside `!link`; the mention is now checked first.
    for (user, command, shown) in [
        (120, "!link <@0> somebody", "<@0>"),
        (121, "!link <@99999999999999999999> x", "<@99999999999999999999>"),
        (122, "!stats <@0>", "<@0>"),
        (123, "!compare <@!9223372036854775808> endekk", "<@9223372036854775808>"),
    ] {
        let refused = ask(&fake, GENERAL, user, command).await;
        assert_eq!(refused.payload["content"], format!("❌ `{shown}` {tail}"), "{command}");
        assert!(refused.payload["embeds"].as_array().is_none_or(Vec::is_empty), "{command}");
    }
    let role = ask(&fake, GENERAL, 124, "!unlink <@&1000>").await;
    assert_eq!(role.payload["content"], format!("❌ that {tail}"));
    // The slash form answers the same, privately.
    let before = fake.messages(GENERAL).len();
    let player = serde_json::json!([{"name": "player", "type": 3, "value": "<@0>"}]);
    fake.slash_command(GENERAL, 125, "user125", "stats", player);
    within(fake.wait_until(|f| f.messages(GENERAL).len() > before)).await;
    let slash = &fake.messages(GENERAL)[before];
    assert_eq!(slash.payload["content"], format!("❌ `<@0>` {tail}"));
    assert_eq!(slash.payload["flags"], 64, "ephemeral");

    // The bot keeps answering, with real numbers.
    let stats = ask(&fake, GENERAL, 126, "!stats endekk").await;
    let title = embed(&stats)["title"].as_str().unwrap();
    assert!(title.starts_with("📊 Player Statistics: endekk"), "{title}");
    let links = entity::player_links::Entity::find().all(&t.db).await.unwrap();
    assert!(links.is_empty(), "nothing was linked: {links:?}");
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(!text.contains("command panicked") && !text.contains("command failed"), "{text}");
    running.stop().await;
}

#[actix::test]
async fn the_commands_players_missed_answer_on_discord() {
    logs();
    let t = db::sqlite().await;
    imported(&t).await;
    let fake = FakeDiscord::start();
    let local = tempfile::tempdir().unwrap();
    let running = start_bot(&fake, &t, local.path(), &[]).await;
    for (user, line, title) in [
        (140, "!weapons endekk", "🔫 Weapons: endekk"),
        (141, "!records supply", "🏅 Records: supply"),
        (142, "!ping", "🏓 Pong"),
        (143, "!badge_legend", "🏅 Achievement badges"),
        (144, "!bothelp", "📖 slomix commands"),
        (145, "!mynames endekk", "🏷️ Names of endekk"),
        (146, "!seasons", "📅 Season "),
        (149, "!team_record", "🏆 Team records"),
        (150, "!h2h endekk carniee", "⚔️ endekk vs carniee"),
    ] {
        let posted = ask(&fake, GENERAL, user, line).await;
        let got = embed(&posted)["title"].as_str().unwrap_or_default().to_owned();
        assert!(got.starts_with(title) && !got.is_empty(), "{line}: {got:?} {}", posted.payload);
        assert_eq!(posted.payload["allowed_mentions"]["parse"], serde_json::json!([]));
    }
    // `!lp` has page buttons, as the leaderboard does.
    let listed = ask(&fake, GENERAL, 148, "!lp").await;
    assert!(embed(&listed)["title"].as_str().unwrap().starts_with("👥 Players (all)"));
    let buttons = listed.payload["components"][0]["components"].as_array().unwrap();
    assert_eq!(buttons.len(), 4, "{}", listed.payload);
    let before = fake.messages(GENERAL).len();
    let player = serde_json::json!([{"name": "player", "type": 3, "value": "endekk"}]);
    fake.slash_command(GENERAL, 147, "user147", "weapons", player);
    within(fake.wait_until(|f| f.messages(GENERAL).len() > before)).await;
    assert_eq!(embed(&fake.messages(GENERAL)[before])["title"], "🔫 Weapons: endekk");
    running.stop().await;
}

#[actix::test]
async fn a_menu_under_last_session_switches_the_view_in_place_for_the_one_who_asked() {
    logs();
    for t in db::all().await {
        imported(&t).await;
        let fake = FakeDiscord::start();
        let local = tempfile::tempdir().unwrap();
        let running = start_bot(&fake, &t, local.path(), &[]).await;
        let posted = ask(&fake, PRODUCTION, 160, "!last_session").await;
        let menu = &posted.payload["components"][0]["components"][0];
        assert_eq!(menu["type"], 3, "a string select: {}", posted.payload);
        let values: Vec<&str> = menu["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["value"].as_str().unwrap())
            .collect();
        assert_eq!(values.len(), 10);
        assert!(values.contains(&"maps full") && values.contains(&"summary"));
        let chosen: Vec<&str> = menu["options"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["default"] == true)
            .map(|o| o["value"].as_str().unwrap())
            .collect();
        assert_eq!(chosen, ["summary"]);
        let id = menu["custom_id"].as_str().unwrap().to_owned();
        assert_eq!(posted.files.len(), 5);

        // Someone else cannot switch it.
        let before = fake.messages(PRODUCTION).len();
        fake.select_menu(posted.id, 161, "user161", &id, &["combat"]);
        within(fake.wait_until(|f| f.messages(PRODUCTION).len() > before)).await;
        let refusal = &fake.messages(PRODUCTION)[before];
        assert!(refusal.payload["content"].as_str().unwrap().contains("Only the person who asked"));
        assert_eq!(refusal.payload["flags"], 64, "ephemeral");
        assert!(fake.component_updates().is_empty());

        // The one who asked switches to combat (no images), then graphs, then back.
        for (n, (view, title, images)) in [
            ("combat", "⚔️ Combat: 2025-11-11", 0),
            ("graphs", "📈 Graphs: 2025-11-11", 5),
            ("summary", "📊 Session Summary: 2025-11-11", 5),
        ]
        .into_iter()
        .enumerate()
        {
            fake.select_menu(posted.id, 160, "user160", &id, &[view]);
            within(fake.wait_until(|f| f.component_updates().len() == n + 1)).await;
            let shown = fake.message_json(posted.id).unwrap();
            assert_eq!(shown["embeds"][0]["title"], title, "{}: {view}", t.kind);
            assert_eq!(
                shown["attachments"].as_array().map_or(0, Vec::len),
                images,
                "{view}: {shown}"
            );
            let options = shown["components"][0]["components"][0]["options"].as_array().unwrap();
            let marked: Vec<&str> = options
                .iter()
                .filter(|o| o["default"] == true)
                .map(|o| o["value"].as_str().unwrap())
                .collect();
            assert_eq!(marked, [view]);
        }
        // `!session <id> obj` offers the same menu, with obj chosen.
        let session = ask(&fake, PRODUCTION, 162, "!session 20251111212628 obj").await;
        assert_eq!(embed(&session)["title"], "🎯 Objectives: 2025-11-11");
        let options = session.payload["components"][0]["components"][0]["options"]
            .as_array()
            .unwrap()
            .clone();
        assert!(options.iter().any(|o| o["value"] == "obj" && o["default"] == true));
        running.stop().await;
    }
}

/// `!sync all` on a backlog of 30 real files on the game server (over the real sshd): every
/// round is stored, the newest are posted (at most ten posts), then one line counts the
/// rest; nothing is posted twice, and a second sync finds nothing and says nothing.
#[actix::test]
async fn a_sync_of_a_large_backlog_posts_the_newest_ten_and_counts_the_rest() {
    use entity::{round_posts, rounds, sync_batches};
    logs();
    if crate::support::sshd::sshd().is_none() {
        return;
    }
    let mut names: Vec<String> = std::fs::read_dir(crate::support::shared_fixtures("real"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| slomix::stats::StatsFileName::parse(n).is_ok())
        .collect();
    names.sort();
    names.truncate(30);
    for t in db::all().await {
        let fake = FakeDiscord::start();
        let folder = crate::support::sshd::sshd().unwrap().folder();
        let local = tempfile::tempdir().unwrap();
        for name in &names {
            std::fs::copy(
                crate::support::shared_fixtures("real").join(name),
                folder.path().join(name),
            )
            .unwrap();
        }
        let source = crate::discord::sftp_source(folder.path(), local.path());
        let running = start_bot_on(&fake, &t, local.path(), &[], vec![source]).await;
        let started = ask(&fake, ADMIN, ADMIN_USER, "!sync all").await;
        assert_eq!(embed(&started)["title"], "🔄 Sync started");
        let finished = |f: &FakeDiscord| {
            f.messages(PRODUCTION)
                .iter()
                .filter(|m| embed(m)["title"] == "🔄 Sync finished")
                .count()
        };
        tokio::time::timeout(Duration::from_secs(120), fake.wait_until(|f| finished(f) == 1))
            .await
            .expect("the sync's closing line within 120 s");
        let db = &t.db;
        crate::faults::until_db("the sync closed after its line", async || {
            let batch = sync_batches::Entity::find().one(db).await.unwrap();
            batch.is_some_and(|b| b.closed_at.is_some())
        })
        .await;

        let stored = rounds::Entity::find().all(&t.db).await.unwrap();
        let posts = round_posts::Entity::find().all(&t.db).await.unwrap();
        assert!(stored.len() > 30, "{} rounds ({})", stored.len(), t.kind);
        assert_eq!(posts.len(), stored.len(), "every round recorded once ({})", t.kind);
        let file_of = |id: i32| stored.iter().find(|r| r.id == id).unwrap().filename.clone();
        let shown: Vec<String> =
            posts.iter().filter(|p| p.sink == "discord").map(|p| file_of(p.round_id)).collect();
        let held: Vec<String> = posts
            .iter()
            .filter(|p| p.sink == "held by sync")
            .map(|p| file_of(p.round_id))
            .collect();
        assert_eq!(shown.len() + held.len(), posts.len());
        assert!((1..=10).contains(&shown.len()), "{} posted ({})", shown.len(), t.kind);
        let oldest_shown = shown.iter().min().unwrap();
        assert!(held.iter().all(|h| h < oldest_shown), "the newest are posted ({})", t.kind);
        let batch = sync_batches::Entity::find().one(&t.db).await.unwrap().unwrap();
        assert_eq!(
            (batch.shown as usize, batch.held as usize, batch.closed_at.is_some()),
            (shown.len(), held.len(), true)
        );

        let messages = fake.messages(PRODUCTION);
        let line = messages.last().unwrap();
        assert_eq!(embed(line)["title"], "🔄 Sync finished", "the line comes last");
        let said = embed(line)["description"].as_str().unwrap().to_owned();
        assert!(
            said.starts_with(&format!("…and {} more rounds were stored", held.len())),
            "{said}"
        );
        // Each posted round is one or more messages whose footer names its round id.
        let round_messages = messages.len() - 1;
        assert!(round_messages >= shown.len() && round_messages <= 3 * shown.len());

        // Again: everything is stored, so nothing is posted and the batch closes silently.
        let again = ask(&fake, ADMIN, ADMIN_USER, "!sync all").await;
        assert_eq!(embed(&again)["title"], "🔄 Sync started");
        crate::faults::until_db("the second sync closed", async || {
            let open = sync_batches::Entity::find().all(db).await.unwrap();
            open.len() == 2 && open.iter().all(|b| b.closed_at.is_some())
        })
        .await;
        assert_eq!(fake.messages(PRODUCTION).len(), messages.len(), "nothing more ({})", t.kind);
        running.stop().await;
    }
}

/// The daemon stopped while a `!sync`'s newest rounds wait for Discord (it answers 503):
/// started again, it lists the server again, posts those rounds (still marked as the
/// sync's newest), does not post the older ones it counted, and closes with the line.
#[actix::test]
async fn a_sync_interrupted_while_discord_fails_resumes_with_the_same_posts() {
    use entity::{post_outbox, processed_files, round_posts, rounds, sync_batches};
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    logs();
    if crate::support::sshd::sshd().is_none() {
        return;
    }
    let mut names: Vec<String> = std::fs::read_dir(crate::support::shared_fixtures("real"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| slomix::stats::StatsFileName::parse(n).is_ok())
        .collect();
    names.sort();
    names.truncate(20);
    for t in db::all().await {
        let fake = FakeDiscord::start();
        let folder = crate::support::sshd::sshd().unwrap().folder();
        let local = tempfile::tempdir().unwrap();
        for name in &names {
            let from = crate::support::shared_fixtures("real").join(name);
            std::fs::copy(from, folder.path().join(name)).unwrap();
        }
        let source = || crate::discord::sftp_source(folder.path(), local.path());
        let running = start_bot_on(&fake, &t, local.path(), &[], vec![source()]).await;
        let posts = format!("/api/v10/channels/{PRODUCTION}/messages");
        fake.fail_next("POST", &posts, Failure::Status(503), 100_000);
        ask(&fake, ADMIN, ADMIN_USER, "!sync all").await;
        let db = &t.db;
        crate::faults::until_db("every file stored, the newest waiting", async || {
            let stored = processed_files::Entity::find().count(db).await.unwrap();
            let waiting = post_outbox::Entity::find()
                .filter(post_outbox::Column::AttemptedAt.is_not_null())
                .count(db)
                .await
                .unwrap();
            stored as usize == names.len() && waiting == 1
        })
        .await;
        let held_before = round_posts::Entity::find().count(db).await.unwrap();
        assert!(held_before > 0, "the older rounds were counted ({})", t.kind);
        running.stop().await;
        assert!(fake.messages(PRODUCTION).is_empty(), "{}", t.kind);

        fake.clear_failures();
        let again = start_bot_on(&fake, &t, local.path(), &[], vec![source()]).await;
        let finished = |f: &FakeDiscord| {
            f.messages(PRODUCTION)
                .iter()
                .filter(|m| embed(m)["title"] == "🔄 Sync finished")
                .count()
        };
        within(fake.wait_until(|f| finished(f) == 1)).await;
        let stored = rounds::Entity::find().all(db).await.unwrap();
        let recorded = round_posts::Entity::find().all(db).await.unwrap();
        assert_eq!(recorded.len(), stored.len(), "{}", t.kind);
        let file_of = |id: i32| stored.iter().find(|r| r.id == id).unwrap().filename.clone();
        let shown: Vec<String> =
            recorded.iter().filter(|p| p.sink == "discord").map(|p| file_of(p.round_id)).collect();
        let held: Vec<String> = recorded
            .iter()
            .filter(|p| p.sink == "held by sync")
            .map(|p| file_of(p.round_id))
            .collect();
        assert!((1..=10).contains(&shown.len()), "{} ({})", shown.len(), t.kind);
        assert_eq!(held.len() as u64, held_before, "none of the counted rounds posted after all");
        assert!(held.iter().all(|h| h < shown.iter().min().unwrap()), "{}", t.kind);
        let batch = sync_batches::Entity::find().one(db).await.unwrap().unwrap();
        assert_eq!((batch.shown as usize, batch.held as usize), (shown.len(), held.len()));
        let messages = fake.messages(PRODUCTION);
        let embeds: Vec<String> = messages.iter().map(|m| embed(m).to_string()).collect();
        let mut unique = embeds.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), embeds.len(), "no message twice ({})", t.kind);
        again.stop().await;
    }
}

/// With `web.public_url` set, a round post links to its round's page and `!stats` and
/// `!last_session` to the player's and the session's.
#[actix::test]
async fn answers_and_round_posts_link_to_the_site_when_it_has_a_public_address() {
    use entity::{gaming_sessions, rounds};
    logs();
    let t = db::sqlite().await;
    let fake = FakeDiscord::start();
    let local = tempfile::tempdir().unwrap();
    let site = [("SLOMIX__WEB__PUBLIC_URL", "https://stats.example.org/et/")];
    // (Polling is off here: the start-up scan of the folder imports it.)
    crate::daemon::drop_in(local.path(), crate::daemon::R1);
    let running = start_bot(&fake, &t, local.path(), &site).await;
    within(fake.wait_until(|f| !f.messages(PRODUCTION).is_empty())).await;
    let round = rounds::Entity::find().one(&t.db).await.unwrap().unwrap();
    let post = &fake.messages(PRODUCTION)[0];
    let description = embed(post)["description"].as_str().unwrap_or_default().to_owned();
    assert!(
        description.ends_with(&format!(
            "🌐 [Round page](https://stats.example.org/et/rounds/{})",
            round.id
        )),
        "{description}"
    );
    let stats = ask(&fake, GENERAL, 100, "!stats D8423F90").await;
    assert_eq!(
        embed(&stats)["description"],
        "🌐 [Player page](https://stats.example.org/et/players/D8423F90)"
    );
    let session = gaming_sessions::Entity::find().one(&t.db).await.unwrap().unwrap();
    let last = ask(&fake, GENERAL, 100, "!last_session").await;
    let text = embed(&last)["description"].as_str().unwrap().to_owned();
    assert!(
        text.ends_with(&format!(
            "🌐 [Session page](https://stats.example.org/et/sessions/{})",
            session.id
        )),
        "{text}"
    );
    running.stop().await;
}
