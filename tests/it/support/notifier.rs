//! Runs the real `slomix-notify` binary as a child process against a stats folder and a webhook
//! URL (the fake Discord's, usually), collects its output, stops it with SIGTERM; plus helpers
//! to write stats files and read back what was announced. Reusable by the full-loop test.
#![allow(dead_code)] // test-support API: not every test uses every helper

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use super::fake_discord::FakeDiscord;

/// Bound on every wait in these tests.
pub const WAIT: Duration = Duration::from_secs(30);

/// Settings the tests pass through `SLOMIX_NOTIFY__*`: short delays so retries and settle
/// checks happen within a test.
#[derive(Clone, Debug)]
pub struct NotifierOptions {
    pub settle_ms: u64,
    pub rescan_ms: u64,
    pub post_interval_ms: u64,
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    pub request_timeout_ms: u64,
    pub watch: bool,
    /// `RUST_LOG` for the child.
    pub log: String,
    /// More variables for the child.
    pub env: Vec<(String, String)>,
}

impl Default for NotifierOptions {
    fn default() -> Self {
        NotifierOptions {
            settle_ms: 1500,
            rescan_ms: 500,
            post_interval_ms: 0,
            retry_base_ms: 50,
            retry_max_ms: 400,
            request_timeout_ms: 2000,
            watch: true,
            log: "info,slomix=debug".to_owned(),
            env: Vec::new(),
        }
    }
}

/// A running `slomix-notify`.
pub struct RunningNotifier {
    child: tokio::process::Child,
    output: Arc<Mutex<Vec<String>>>,
}

impl RunningNotifier {
    /// Starts `slomix-notify --dir DIR --webhook-url URL --state STATE` with `options`.
    pub fn spawn(dir: &Path, url: &str, state: &Path, options: &NotifierOptions) -> Self {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_slomix-notify"));
        command
            .arg("--dir")
            .arg(dir)
            .arg("--webhook-url")
            .arg(url)
            .arg("--state")
            .arg(state)
            .env_remove("DISCORD_WEBHOOK_URL")
            .env_remove("STATS_PATH")
            .env_remove("SLOMIX_NOTIFY_CONFIG")
            .env("SLOMIX_NOTIFY__SETTLE_MS", options.settle_ms.to_string())
            .env("SLOMIX_NOTIFY__RESCAN_MS", options.rescan_ms.to_string())
            .env("SLOMIX_NOTIFY__POST_INTERVAL_MS", options.post_interval_ms.to_string())
            .env("SLOMIX_NOTIFY__RETRY_BASE_MS", options.retry_base_ms.to_string())
            .env("SLOMIX_NOTIFY__RETRY_MAX_MS", options.retry_max_ms.to_string())
            .env("SLOMIX_NOTIFY__REQUEST_TIMEOUT_MS", options.request_timeout_ms.to_string())
            .env("SLOMIX_NOTIFY__WATCH", options.watch.to_string())
            .env("RUST_LOG", &options.log)
            .env("NO_COLOR", "1")
            .envs(options.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("spawn slomix-notify");
        let output = Arc::new(Mutex::new(Vec::new()));
        collect(child.stdout.take().expect("stdout"), output.clone());
        collect(child.stderr.take().expect("stderr"), output.clone());
        RunningNotifier { child, output }
    }

    /// Everything it printed so far, one line per entry.
    pub fn output(&self) -> String {
        self.output.lock().unwrap_or_else(PoisonError::into_inner).join("\n")
    }

    /// Waits until a printed line contains `needle`.
    pub async fn wait_for_output(&self, needle: &str) {
        let found = tokio::time::timeout(WAIT, async {
            while !self.output().contains(needle) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(found.is_ok(), "no {needle:?} within {WAIT:?} in:\n{}", self.output());
    }

    /// Sends SIGTERM and waits for the exit; returns the status and the whole output.
    pub async fn stop(self) -> (ExitStatus, String) {
        let pid = self.child.id().expect("still running").to_string();
        let sent = std::process::Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        self.wait().await
    }

    /// Waits for the exit (it stops by itself on bad settings).
    pub async fn wait(mut self) -> (ExitStatus, String) {
        let status = tokio::time::timeout(WAIT, self.child.wait())
            .await
            .expect("slomix-notify exits within the wait")
            .expect("wait for slomix-notify");
        // Let the readers take the last lines.
        tokio::time::sleep(Duration::from_millis(100)).await;
        (status, self.output())
    }
}

fn collect(stream: impl AsyncRead + Unpin + Send + 'static, into: Arc<Mutex<Vec<String>>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            into.lock().unwrap_or_else(PoisonError::into_inner).push(line);
        }
    });
}

/// The webhook token: the URL's last path segment.
pub fn token_of(url: &str) -> &str {
    url.trim_end_matches('/').rsplit('/').next().unwrap_or(url)
}

/// Fails if `output` shows the webhook URL's token anywhere.
pub fn assert_no_token(output: &str, url: &str) {
    let token = token_of(url);
    assert!(token.len() >= 20, "a real token to look for: {token:?}");
    assert!(!output.contains(token), "the webhook token was printed:\n{output}");
}

/// File names announced in `channel`, in posting order (from `📊 \`name\``).
pub fn announced(fake: &FakeDiscord, channel: u64) -> Vec<String> {
    fake.messages(channel)
        .iter()
        .filter_map(|m| m.payload["content"].as_str().map(str::to_owned))
        .filter_map(|content| {
            content.strip_prefix("📊 `").and_then(|rest| rest.strip_suffix('`')).map(str::to_owned)
        })
        .collect()
}

/// Waits until at least `count` files are announced in `channel`; returns them.
pub async fn wait_announced(fake: &FakeDiscord, channel: u64, count: usize) -> Vec<String> {
    let reached =
        tokio::time::timeout(WAIT, fake.wait_until(|f| announced(f, channel).len() >= count)).await;
    let now = announced(fake, channel);
    assert!(reached.is_ok(), "{count} announcements expected within {WAIT:?}, got {now:?}");
    now
}

/// A stats file name at minute `minute` after 2025-10-12 20:00:00 (so later minutes sort later).
pub fn stats_name(minute: u32, map: &str, round: u8) -> String {
    let hour = 20 + minute / 60;
    format!("2025-10-12-{hour:02}{:02}00-{map}-round-{round}.txt", minute % 60)
}

/// Plausible content for a stats file (the notifier reads only its size).
pub fn stats_content(name: &str) -> Vec<u8> {
    format!("^7ET ^1server\\{name}\\legacy3\\1\\1\\2\\10:00\\2:18\nline\tof\tstats\n").into_bytes()
}

/// Writes a stats file in one go, as the game server does.
pub fn write_stats(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, stats_content(name)).expect("write stats file");
    path
}

/// A TCP forwarder to `target` that can be switched off: while down it accepts and drops every
/// connection at once (and cuts the open ones), so the client sees network errors.
pub struct Switch {
    port: u16,
    down: watch::Sender<bool>,
    accepted_while_down: Arc<Mutex<usize>>,
}

impl Switch {
    /// Starts forwarding 127.0.0.1:<free port> to `target` (`host:port`), down or up.
    pub async fn start(target: &str, down: bool) -> Switch {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind switch");
        let port = listener.local_addr().expect("switch address").port();
        let (tx, rx) = watch::channel(down);
        let refused = Arc::new(Mutex::new(0));
        let target = target.to_owned();
        let counter = refused.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut rx = rx.clone();
                if *rx.borrow() {
                    *counter.lock().unwrap_or_else(PoisonError::into_inner) += 1;
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = rx.wait_for(|down| *down) => {}
                    }
                });
            }
        });
        Switch { port, down: tx, accepted_while_down: refused }
    }

    /// `url` with its `host:port` replaced by the switch's.
    pub fn url_for(&self, url: &str, target: &str) -> String {
        url.replacen(target, &format!("127.0.0.1:{}", self.port), 1)
    }

    pub fn set_down(&self, down: bool) {
        self.down.send_replace(down);
    }

    /// Connections dropped while down.
    pub fn refused(&self) -> usize {
        *self.accepted_while_down.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
