//! Daemon figures (a plain bench binary): the latency from a stats file landing on the game
//! server (sshd) plus a "look now" to its round post, over 20 real rounds, with the number of
//! SSH sessions opened; the same from a webhook trigger message in the fake Discord's control
//! channel to the round embed in its production channel; and the idle memory (RSS) of the
//! `slomix` binary after start-up.
//!
//! Needs the test sshd (`SLOMIX_TEST_SSH_*`); `scripts/bench latency` starts one and runs
//! `cargo bench --bench latency`. With `SLOMIX_TEST_POSTGRES_URL` set PostgreSQL is measured
//! too.
mod support;
use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};
use support::percentile;

use slomix::{
    actors::{
        poll_scheduler::FetchNow,
        round_publisher::{Announcer, PublishError},
    },
    app::{self, Parts, Source},
    render::{Names, Post},
    settings::{GameServer, Settings, SourceKind},
    sftp::{SftpFiles, SshTarget},
};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

#[path = "../tests/it/support/fake_discord/mod.rs"]
mod fake_discord;

/// Sends each post's title with the moment it was handed to the sink.
struct Stopwatch(UnboundedSender<(String, Instant)>);

impl Announcer for Stopwatch {
    fn name(&self) -> &'static str {
        "stopwatch"
    }
    fn names(&self) -> Names {
        Names::Plain
    }
    fn post<'a>(
        &'a self,
        posts: &'a [Post],
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), PublishError>> + Send + 'a>> {
        Box::pin(async move {
            for post in posts {
                let _ = self.0.send((post.title.clone(), Instant::now()));
            }
            Ok(())
        })
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// 20 round-1 files of the real fixtures, each its own round.
fn rounds() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("-round-1.txt"))
        .collect();
    names.sort();
    names
        .into_iter()
        .rev()
        .take(20)
        .map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap()))
        .collect()
}

/// The game server behind `target`, fetched into `local`.
fn sftp_server(target: &SshTarget, local: &Path) -> GameServer {
    GameServer {
        name: "bench".into(),
        source: SourceKind::Sftp {
            host: target.host.clone(),
            port: target.port,
            user: target.user.clone(),
            key_path: target.key_path.display().to_string(),
            remote_path: target.remote_path.display().to_string(),
            known_hosts: target.known_hosts.display().to_string(),
            strict_host_key: true,
        },
        local_dir: local.display().to_string(),
        webhook_ids: Vec::new(),
    }
}

async fn latency(label: &str, url: &str, ssh_root: &Path, target: &SshTarget) {
    let db = slomix::db::connect(url).await.unwrap();
    slomix::db::migrate(&db).await.unwrap();
    let remote_dir = tempfile::Builder::new().prefix("bench-").tempdir_in(ssh_root).unwrap();
    let local = tempfile::tempdir().unwrap();
    let target = SshTarget { remote_path: remote_dir.path().to_path_buf(), ..target.clone() };
    let files = Arc::new(SftpFiles::new(target.clone()));
    let env = [
        ("SLOMIX__POLL__TIMEZONE", "UTC"),
        ("SLOMIX__POLL__DEAD_HOURS_START", "0"),
        ("SLOMIX__POLL__DEAD_HOURS_END", "0"),
        ("SLOMIX__HEALTH__LOG_INTERVAL_SECS", "3600"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let settings =
        Settings::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("settings"), &env).unwrap();
    let (sender, mut posts) = unbounded_channel();
    let server = sftp_server(&target, local.path());
    let app = app::actors::start(Parts {
        settings,
        db,
        sources: vec![Source { server, remote: files.clone() }],
        announcer: Arc::new(Stopwatch(sender)),
    })
    .unwrap();
    // The start-up poll of an empty folder opens the session; wait for it to settle.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut took = Vec::new();
    for (name, bytes) in rounds() {
        let temp = remote_dir.path().join(format!(".{name}.part"));
        std::fs::write(&temp, &bytes).unwrap();
        let landed = Instant::now();
        std::fs::rename(&temp, remote_dir.path().join(&name)).unwrap();
        app.scheduler.send(FetchNow { name: name.clone() }).await.unwrap();
        let (title, at) = tokio::time::timeout(Duration::from_secs(30), posts.recv())
            .await
            .expect("a post within 30 s")
            .expect("announcer alive");
        assert!(title.starts_with("🎮 Round 1"), "{title}");
        took.push(at - landed);
    }
    app.stop_polling().await;
    took.sort();
    println!(
        "latency {label}: file on sshd + look now -> post, {} rounds: median {:.1} ms, p90 {:.1} ms, max {:.1} ms; ssh sessions opened: {}",
        took.len(),
        percentile(&took, 0.5).as_secs_f64() * 1e3,
        percentile(&took, 0.9).as_secs_f64() * 1e3,
        took.last().unwrap().as_secs_f64() * 1e3,
        files.connects()
    );
}

/// Trigger message in the fake Discord's control channel -> round embed in its production
/// channel, with the files on the sshd, through the daemon as `slomix` runs it.
async fn discord_latency(label: &str, url: &str, ssh_root: &Path, target: &SshTarget) {
    const PRODUCTION: u64 = 100;
    const CONTROL: u64 = 101;
    const WEBHOOK: u64 = 4242;
    let db = slomix::db::connect(url).await.unwrap();
    slomix::db::migrate(&db).await.unwrap();
    let remote_dir = tempfile::Builder::new().prefix("bench-").tempdir_in(ssh_root).unwrap();
    let local = tempfile::tempdir().unwrap();
    let target = SshTarget { remote_path: remote_dir.path().to_path_buf(), ..target.clone() };
    let files = Arc::new(SftpFiles::new(target.clone()));
    let fake = fake_discord::FakeDiscord::start();
    let env = [
        ("SLOMIX__POLL__ENABLED", "false".to_owned()),
        ("SLOMIX__HEALTH__LOG_INTERVAL_SECS", "3600".to_owned()),
        ("SLOMIX__DISCORD__TOKEN", fake.config().token.clone()),
        ("SLOMIX__DISCORD__API_URL", fake.base_url()),
        ("SLOMIX__DISCORD__PRODUCTION_CHANNEL_ID", PRODUCTION.to_string()),
        ("SLOMIX__DISCORD__CONTROL_CHANNEL_ID", CONTROL.to_string()),
        // Four webhooks, five rounds each: the trigger rate limit (5 a minute per webhook)
        // is not what is measured.
        (
            "SLOMIX__DISCORD__WEBHOOK_WHITELIST",
            (0..4).map(|i| (WEBHOOK + i).to_string()).collect::<Vec<_>>().join(","),
        ),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), v.clone()))
    .collect();
    let settings =
        Settings::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("settings"), &env).unwrap();
    let server = sftp_server(&target, local.path());
    let running = slomix::app::start(settings, db, vec![Source { server, remote: files.clone() }])
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(30), fake.wait_ready()).await.expect("bot ready");
    let mut took = Vec::new();
    for (i, (name, bytes)) in rounds().into_iter().enumerate() {
        let temp = remote_dir.path().join(format!(".{name}.part"));
        std::fs::write(&temp, &bytes).unwrap();
        std::fs::rename(&temp, remote_dir.path().join(&name)).unwrap();
        let sent = Instant::now();
        let webhook = WEBHOOK + (i / 5) as u64;
        fake.webhook_message(CONTROL, webhook, "ET:Legacy Stats", &format!("📊 `{name}`"));
        tokio::time::timeout(
            Duration::from_secs(30),
            fake.wait_until(|f| f.messages(PRODUCTION).len() > i),
        )
        .await
        .expect("a post within 30 s");
        took.push(sent.elapsed());
    }
    running.stop().await;
    took.sort();
    println!(
        "latency {label}: webhook trigger message -> round embed in the production channel, {} rounds: median {:.1} ms, p90 {:.1} ms, max {:.1} ms; ssh sessions opened: {}",
        took.len(),
        percentile(&took, 0.5).as_secs_f64() * 1e3,
        percentile(&took, 0.9).as_secs_f64() * 1e3,
        took.last().unwrap().as_secs_f64() * 1e3,
        files.connects()
    );
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Runs the real binary on its embedded default in an empty folder and reads its memory.
#[allow(clippy::disallowed_methods, reason = "a bench process waiting on a child, no actors here")]
fn idle_rss() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_slomix"))
        .current_dir(dir.path())
        .env("SLOMIX__HEALTH__STATUS_ADDR", &addr)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "daemon did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let ready = started.elapsed();
    std::thread::sleep(Duration::from_secs(5));
    let pid = child.id();
    let idle = rss_kib(pid, "VmRSS:");
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real");
    for name in [
        "2025-10-12-224530-sw_goldrush_te-round-1.txt",
        "2025-10-12-225242-sw_goldrush_te-round-2.txt",
    ] {
        std::fs::copy(real.join(name), dir.path().join("local_stats").join(name)).unwrap();
    }
    std::thread::sleep(Duration::from_secs(4));
    let after = rss_kib(pid, "VmRSS:");
    let peak = rss_kib(pid, "VmHWM:");
    let _ = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let status = child.wait().unwrap();
    let stored = PathBuf::from(dir.path()).join("data/slomix.db").exists();
    println!(
        "idle RSS: {:.1} MiB after start-up (status endpoint up in {:.0} ms); {:.1} MiB after a round pair, peak {:.1} MiB; SIGTERM exit: {status}; database created: {stored}",
        idle as f64 / 1024.0,
        ready.as_secs_f64() * 1e3,
        after as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}

fn main() {
    // `cargo test --all-targets` runs bench binaries without `--bench`: measure only under
    // `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    idle_rss();
    let (Some(host), Some(port), Some(user), Some(key), Some(known_hosts), Some(root)) = (
        var("SLOMIX_TEST_SSH_HOST"),
        var("SLOMIX_TEST_SSH_PORT"),
        var("SLOMIX_TEST_SSH_USER"),
        var("SLOMIX_TEST_SSH_KEY"),
        var("SLOMIX_TEST_SSH_KNOWN_HOSTS"),
        var("SLOMIX_TEST_SSH_ROOT"),
    ) else {
        println!("latency: skipped, no sshd (run `scripts/bench latency`)");
        return;
    };
    let target = SshTarget {
        host,
        port: port.parse().unwrap(),
        user,
        key_path: key.into(),
        known_hosts: known_hosts.into(),
        strict_host_key: true,
        ..SshTarget::default()
    };
    let root = PathBuf::from(root);
    let system = actix::System::with_tokio_rt(|| {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
    });
    system.block_on(async {
        let sqlite = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", sqlite.path().join("bench.db").display());
        latency("sqlite", &url, &root, &target).await;
        let url = format!("sqlite://{}?mode=rwc", sqlite.path().join("discord.db").display());
        discord_latency("sqlite", &url, &root, &target).await;
        if let Some(server) = var("SLOMIX_TEST_POSTGRES_URL") {
            use sea_orm::ConnectionTrait;
            let admin = slomix::db::connect(&server).await.unwrap();
            let (base, _) = server.rsplit_once('/').unwrap();
            for (kind, name) in [("pipeline", "bench_latency"), ("discord", "bench_discord")] {
                let name = format!("{name}_{}", std::process::id());
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
                let url = format!("{base}/{name}");
                if kind == "pipeline" {
                    latency("postgres", &url, &root, &target).await;
                } else {
                    discord_latency("postgres", &url, &root, &target).await;
                }
            }
        }
    });
}
