//! The soak (ignored by default; a few minutes): 1,000 stats files (500 matches, made from the
//! real round pairs under new times and server names, so each is new content) written on the
//! game server (the real sshd) one after another, announced by `slomix-notify` through the
//! fake Discord, fetched, stored and posted by the `slomix` binary, with faults on a schedule:
//! the daemon SIGKILLed and restarted, bursts of 503 and 429 on posting, the gateway dropped.
//! It prints lost and duplicated posts (asserted 0 / 0) and the trigger-to-post latency of
//! each round (median, p99, max), measured on the fake Discord's snowflakes.
//!
//! `cargo test --test it soak -- --ignored --nocapture` (with the services of scripts/test;
//! `SLOMIX_SOAK_FILES` sets the number of files, default 1000, `SLOMIX_SOAK_PACE_MS` the pause
//! after each file is announced, default 250 (0: flat out); `SLOMIX_TEST_POSTGRES_URL` set
//! runs it on PostgreSQL, else SQLite).
use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    time::Duration,
};

use entity::{post_outbox, rounds};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::{
    kill_storm::{CONTROL, PRODUCTION, Stage, expected_in, settled, until},
    support::{db, fake_discord::Failure, shared_fixtures, sshd::sshd},
};

/// Real (round 1, round 2) pairs: a round 2 and the round 1 of its map written at most an
/// hour before it.
fn real_pairs() -> Vec<(String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(shared_fixtures("real"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    let parsed: Vec<(String, slomix::stats::StatsFileName)> = names
        .iter()
        .filter_map(|n| Some((n.clone(), slomix::stats::StatsFileName::parse(n).ok()?)))
        .collect();
    let mut pairs = Vec::new();
    for (name, file) in parsed.iter().filter(|(_, f)| f.round() == 2) {
        let r1 = parsed.iter().rev().find(|(_, o)| {
            o.round() == 1
                && o.map() == file.map()
                && o.timestamp() < file.timestamp()
                && file.timestamp() - o.timestamp() <= chrono::TimeDelta::minutes(60)
        });
        if let Some((r1, _)) = r1 {
            pairs.push((r1.clone(), name.clone()));
        }
    }
    pairs
}

/// Writes match `i` (its two files, renamed to a new time and with the server name
/// `soak-i`) into `dir`; returns the names.
fn make_match(dir: &Path, i: usize, pair: &(String, String)) -> [String; 2] {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
        + chrono::TimeDelta::minutes(30 * i as i64);
    let mut out = [String::new(), String::new()];
    for (k, source) in [&pair.0, &pair.1].into_iter().enumerate() {
        let file = slomix::stats::StatsFileName::parse(source).unwrap();
        let at = start + chrono::TimeDelta::minutes(10 * k as i64);
        let name = format!("{}-{}-round-{}.txt", at.format("%Y-%m-%d-%H%M%S"), file.map(), k + 1);
        let bytes = std::fs::read(shared_fixtures("real").join(source)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let (header, rest) = text.split_once('\n').unwrap();
        let (_, header) = header.split_once('\\').unwrap();
        std::fs::write(dir.join(&name), format!("soak-{i}\\{header}\n{rest}")).unwrap();
        out[k] = name;
    }
    out
}

/// Milliseconds since 1970 at which Discord (the fake) made `id`.
fn made_ms(id: u64) -> i64 {
    (id >> 22) as i64 + 1_420_070_400_000
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[tokio::test]
#[ignore = "a soak of some minutes: cargo test --test it soak -- --ignored --nocapture"]
async fn soak_a_thousand_files_through_the_notifier_with_faults() {
    let Some(server) = sshd() else { return };
    let files: usize =
        std::env::var("SLOMIX_SOAK_FILES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let pace = Duration::from_millis(
        std::env::var("SLOMIX_SOAK_PACE_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(250),
    );
    let pairs = real_pairs();
    assert!(pairs.len() > 100, "{} real pairs", pairs.len());
    // The matches, made once in a staging folder (the reference import reads them there).
    let staging = tempfile::tempdir().unwrap();
    let matches: Vec<[String; 2]> =
        (0..files / 2).map(|i| make_match(staging.path(), i, &pairs[i % pairs.len()])).collect();
    let names: Vec<String> = matches.iter().flatten().cloned().collect();
    let want = expected_in(staging.path(), &names).await;

    let t = match db::postgres().await {
        Some(pg) => pg,
        None => db::sqlite().await,
    };
    let stage = Stage::start(&server, 300);
    let (fake, remote, dir) = (&stage.fake, stage.remote.path(), stage.dir.path());
    println!("soak: the daemon's logs are in {} (kept with SLOMIX_SOAK_KEEP=1)", dir.display());
    let run = stage.run(&t.url);
    let posts = format!("/api/v10/channels/{PRODUCTION}/messages");
    let started = std::time::Instant::now();
    let (mut daemon, mut log) = run.spawn(0);
    let mut runs = 1;
    let mut faults = BTreeMap::<&str, usize>::new();
    for (i, name) in names.iter().enumerate() {
        // A fault every 50 files, in turn.
        if i > 0 && i % 50 == 0 {
            let fault = match (i / 50) % 4 {
                0 => {
                    daemon.kill().await.unwrap();
                    (daemon, log) = run.spawn(runs);
                    runs += 1;
                    "daemon SIGKILLed and restarted"
                }
                1 => {
                    fake.fail_next("POST", &posts, Failure::Status(503), 2);
                    "two 503s"
                }
                2 => {
                    fake.fail_next(
                        "POST",
                        &posts,
                        Failure::RateLimited { retry_after_secs: 0.3 },
                        2,
                    );
                    "two 429s"
                }
                _ => {
                    fake.drop_gateway();
                    "gateway dropped"
                }
            };
            *faults.entry(fault).or_default() += 1;
        }
        std::fs::copy(staging.path().join(name), remote.join(name)).unwrap();
        // The next file is written once the notifier has announced this one (its pace).
        let announced = i + 1;
        until("the file announced", &log, async || fake.messages(CONTROL).len() >= announced).await;
        // Rounds end minutes apart on a real server; here a pause sets the pace (0: flat out).
        tokio::time::sleep(pace).await;
    }
    let total = (want.stored.len() + want.set_aside.len()) as u64;
    until("every file settled", &log, async || settled(&t.db).await == total).await;
    until("every round posted", &log, async || {
        post_outbox::Entity::find().count(&t.db).await.unwrap_or(1) == 0
    })
    .await;
    let elapsed = started.elapsed();
    daemon.kill().await.unwrap();
    let _ = stage.notifier.stop().await;

    // Lost and duplicated, counted at Discord against one import of the same files.
    let messages = fake.messages(PRODUCTION);
    let nonces: BTreeSet<&str> =
        messages.iter().filter_map(|m| m.payload["nonce"].as_str()).collect();
    let duplicated = messages.len() - nonces.len();
    let lost = want.messages.saturating_sub(nonces.len());
    // Trigger-to-post latency: a file's trigger to its round's first message.
    let trigger_at: BTreeMap<String, i64> = fake
        .messages(CONTROL)
        .iter()
        .filter_map(|m| {
            let text = m.payload["content"].as_str()?;
            let name = text.split('`').nth(1)?;
            Some((name.to_owned(), made_ms(m.id)))
        })
        .collect();
    let file_of: BTreeMap<i32, String> = rounds::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.round_number != 0)
        .map(|r| (r.id, r.filename))
        .collect();
    let mut latencies: Vec<i64> = messages
        .iter()
        .filter_map(|m| {
            let nonce = m.payload["nonce"].as_str()?;
            let (round, part) = nonce.strip_prefix("slx")?.split_once('p')?;
            if part != "0" {
                return None;
            }
            let file = file_of.get(&round.parse().ok()?)?;
            Some(made_ms(m.id) - trigger_at.get(file)?)
        })
        .collect();
    // In arrival order, by tenths of the run (a backlog shows as a rising line).
    let tenth = latencies.len().div_ceil(10).max(1);
    let trend: Vec<i64> =
        latencies.chunks(tenth).map(|c| c.iter().sum::<i64>() / c.len() as i64).collect();
    println!("soak latency by tenths of the run, mean ms: {trend:?}");
    latencies.sort_unstable();
    println!(
        "soak ({}): {files} files, one per {pace:?} after its trigger, {} posts expected, {} posted, lost {lost}, duplicated {duplicated}; \
         {} daemon runs; faults: {faults:?}; {:.0} s in all",
        t.kind,
        want.messages,
        messages.len(),
        runs,
        elapsed.as_secs_f64()
    );
    println!(
        "soak latency, trigger to round post, {} rounds: median {} ms, p99 {} ms, max {} ms",
        latencies.len(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or(0)
    );
    if std::env::var("SLOMIX_SOAK_KEEP").is_ok() {
        let _ = stage.dir.keep();
    }
    let all_rounds: BTreeSet<i32> =
        rounds::Entity::find().all(&t.db).await.unwrap().into_iter().map(|r| r.id).collect();
    let gone: Vec<&str> = messages
        .iter()
        .filter_map(|m| m.payload["nonce"].as_str())
        .filter(|n| {
            let round = n.strip_prefix("slx").and_then(|n| n.split_once('p')).map(|(r, _)| r);
            round.and_then(|r| r.parse::<i32>().ok()).is_none_or(|r| !all_rounds.contains(&r))
        })
        .collect();
    let mut titles = BTreeMap::<String, i64>::new();
    for m in &messages {
        *titles
            .entry(m.payload["embeds"][0]["title"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    for (title, n) in &want.titles {
        *titles.entry(title.clone()).or_default() -= *n as i64;
    }
    titles.retain(|_, n| *n != 0);
    println!(
        "soak: posts of rounds no longer stored: {gone:?}; titles off the reference: {titles:?}"
    );
    assert_eq!((lost, duplicated), (0, 0));
    assert_eq!(messages.len(), want.messages);
    assert_eq!(latencies.len(), file_of.len(), "a latency for every round");
}
