//! The notifier's I/O shell: the inotify watch, folder listings and settle checks, the
//! webhook POSTs and the state file, around the plain [`NotifyQueue`]. One task, one post at a
//! time; the state is written after every change, so a crash between a successful POST and
//! that write is the only way a file is announced twice (at-least-once in that window).
use std::{
    future::Future,
    path::{Path, PathBuf},
    time::Instant,
};

use notify::{
    EventKind, RecursiveMode, Watcher,
    event::{AccessKind, AccessMode, ModifyKind, RenameMode},
};
use tokio::sync::mpsc;

use super::queue::{NotifyQueue, Observed, Rules, Seen};
use super::settings::NotifySettings;
use super::state::{StateError, StateFile};
use super::webhook::{self, PostResult};

/// Why the notifier stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The state file cannot be used.
    #[error(transparent)]
    State(#[from] StateError),
    /// The stats folder is missing or unreadable at start.
    #[error("stats folder {path}: {source}")]
    Dir {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The inotify watch could not be set up.
    #[error("cannot watch the stats folder {path}: {source}")]
    Watch {
        /// The folder.
        path: PathBuf,
        /// The watcher error.
        source: notify::Error,
    },
    /// The HTTP client could not be built.
    #[error("http client: {0}")]
    Http(String),
}

/// Runs until `shutdown` resolves; then lets a POST in flight finish (within its time limit),
/// writes the state and returns.
pub async fn run(
    settings: NotifySettings,
    shutdown: impl Future<Output = ()>,
) -> Result<(), NotifyError> {
    let (state_file, state) = StateFile::open(&settings.state)?;
    let dir_error = |source| NotifyError::Dir { path: settings.dir.clone(), source };
    // Canonical, so the watch's event paths and ours compare equal.
    let dir = std::fs::canonicalize(&settings.dir).map_err(dir_error)?;
    if !dir.is_dir() {
        return Err(dir_error(std::io::Error::new(
            std::io::ErrorKind::NotADirectory,
            "not a folder",
        )));
    }
    let client = reqwest::Client::builder()
        .timeout(settings.request_timeout)
        .connect_timeout(settings.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("slomix-notify/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            NotifyError::Http(settings.webhook_url.redact(&e.without_url().to_string()))
        })?;
    let rules = Rules {
        settle: settings.settle,
        open_settle: settings.open_settle,
        post_interval: settings.post_interval,
        retry_base: settings.retry_base,
        retry_max: settings.retry_max,
        retry_after_max: settings.retry_after_max,
    };
    let mut shell = Shell {
        queue: NotifyQueue::new(rules, state, seed()),
        state_file,
        dir,
        settings,
        client,
        watcher: None,
        save_failing: false,
        scan_failing: false,
    };
    let (events_tx, mut events) = mpsc::unbounded_channel();
    // Watch first, then list: a file written in between is seen by one or the other.
    if shell.settings.watch {
        shell.watcher = Some(watch(&shell.dir, events_tx.clone())?);
    }
    shell.scan(Instant::now());
    shell.save();
    tracing::info!(
        dir = %shell.dir.display(),
        state = %shell.state_file.path().display(),
        webhook = %shell.settings.webhook_url,
        watch = shell.settings.watch,
        announced = shell.queue.announced_count(),
        pending = shell.queue.pending_count(),
        "slomix-notify started"
    );

    let mut rescan = tokio::time::interval(shell.settings.rescan);
    rescan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    rescan.tick().await;
    let mut in_flight: Option<InFlight> = None;
    tokio::pin!(shutdown);
    loop {
        let now = Instant::now();
        if in_flight.is_none()
            && let Some(announcement) = shell.queue.next_post(now)
        {
            in_flight = Some(shell.start_post(announcement));
        }
        let wake = shell.queue.next_wake(now).map(tokio::time::Instant::from_std);
        tokio::select! {
            () = &mut shutdown => break,
            (name, result) = poll_in_flight(&mut in_flight) => {
                in_flight = None;
                shell.finish_post(&name, &result);
            }
            Some(event) = events.recv() => {
                shell.on_event(event, Instant::now());
                // Take whatever else is already there before looking at timers.
                while let Ok(event) = events.try_recv() {
                    shell.on_event(event, Instant::now());
                }
            }
            () = sleep_until(wake) => shell.settle_checks(Instant::now()),
            _ = rescan.tick() => {
                if shell.settings.watch && shell.watcher.is_none() {
                    shell.watcher = watch(&shell.dir, events_tx.clone())
                        .inspect(|_| tracing::info!(dir = %shell.dir.display(), "watching the stats folder again"))
                        .ok();
                }
                shell.scan(Instant::now());
            }
        }
        shell.save();
    }
    if let Some(post) = in_flight {
        tracing::info!(file = %post.name, "stopping: waiting for the post in flight");
        let (name, result) = post.future.await;
        shell.finish_post(&name, &result);
    }
    shell.save();
    tracing::info!(
        announced = shell.queue.announced_count(),
        pending = shell.queue.pending_count(),
        "slomix-notify stopped"
    );
    Ok(())
}

/// A POST under way, with the name it announces.
struct InFlight {
    name: String,
    future: std::pin::Pin<Box<dyn Future<Output = (String, PostResult)> + Send>>,
}

async fn poll_in_flight(in_flight: &mut Option<InFlight>) -> (String, PostResult) {
    match in_flight {
        Some(post) => post.future.as_mut().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(wake: Option<tokio::time::Instant>) {
    match wake {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

struct Shell {
    queue: NotifyQueue,
    state_file: StateFile,
    dir: PathBuf,
    settings: NotifySettings,
    client: reqwest::Client,
    watcher: Option<notify::RecommendedWatcher>,
    // Log a failing save or listing once until it works again, not on every loop.
    save_failing: bool,
    scan_failing: bool,
}

impl Shell {
    fn start_post(&self, announcement: super::queue::Announcement) -> InFlight {
        let name = announcement.file.as_str().to_owned();
        tracing::debug!(file = %name, size = announcement.size, "announcing");
        let payload =
            webhook::payload(&announcement.file, announcement.size, &self.settings.username);
        let client = self.client.clone();
        let url = self.settings.webhook_url.clone();
        let future_name = name.clone();
        let future = Box::pin(async move {
            let result = webhook::post(&client, &url, &payload).await;
            (future_name, result)
        });
        InFlight { name, future }
    }

    fn finish_post(&mut self, name: &str, result: &PostResult) {
        let retry_in = self.queue.finish(result.outcome(), Instant::now());
        let pending = self.queue.pending_count();
        let retry_ms = u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX);
        match result {
            PostResult::Posted { status, message_id } => {
                tracing::info!(file = %name, status, message = message_id.as_deref().unwrap_or("-"), pending, "announced");
            }
            PostResult::RateLimited { retry_after, global } => {
                tracing::warn!(file = %name, status = 429, global, retry_after_ms = retry_after.map(|d| d.as_millis()), retry_in_ms = retry_ms, pending, "rate limited; will retry");
            }
            PostResult::Refused { status, message } if *status >= 500 => {
                tracing::warn!(file = %name, status, error = %message, retry_in_ms = retry_ms, pending, "webhook unavailable; will retry");
            }
            PostResult::Refused { status, message } => {
                tracing::error!(file = %name, status, error = %message, retry_in_ms = retry_ms, pending, "webhook refused the announcement (check the webhook URL); will retry");
            }
            PostResult::Unreachable { error } => {
                tracing::warn!(file = %name, error = %error, retry_in_ms = retry_ms, pending, "webhook unreachable; will retry");
            }
        }
    }

    /// Writes the state when it changed. A failed write is retried on the next change or
    /// tick; the queue keeps the truth meanwhile.
    fn save(&mut self) {
        if !self.queue.is_dirty() {
            return;
        }
        match self.state_file.save(&self.queue.state(), chrono::Utc::now()) {
            Ok(()) => {
                self.queue.saved();
                if std::mem::take(&mut self.save_failing) {
                    tracing::info!(state = %self.state_file.path().display(), "state file written again");
                }
            }
            Err(error) => {
                if !std::mem::replace(&mut self.save_failing, true) {
                    tracing::error!(error = %error, "cannot write the state file; a restart now may announce files again");
                }
            }
        }
    }

    fn observe(&mut self, name: &str, seen: Seen, now: Instant) {
        match self.queue.observe(name, seen, now) {
            Observed::Nothing => {}
            Observed::Refused(reason) => {
                tracing::warn!(file = ?name, reason = %reason, "not a stats file name; never announced");
            }
            Observed::Queued => {
                tracing::debug!(file = %name, pending = self.queue.pending_count(), "complete; queued");
            }
        }
    }

    /// Lists the folder: every regular file is a [`Seen::Listed`].
    fn scan(&mut self, now: Instant) {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) => {
                if !std::mem::replace(&mut self.scan_failing, true) {
                    tracing::error!(dir = %self.dir.display(), error = %error, "cannot list the stats folder");
                }
                return;
            }
        };
        if std::mem::take(&mut self.scan_failing) {
            tracing::info!(dir = %self.dir.display(), "stats folder readable again");
        }
        let mut files = Vec::new();
        for entry in entries.flatten() {
            if let Some(size) = regular_file_size(&entry.path()) {
                files.push((entry.file_name().to_string_lossy().into_owned(), size));
            }
        }
        files.sort_unstable();
        for (name, size) in files {
            self.observe(&name, Seen::Listed { size }, now);
        }
    }

    fn settle_checks(&mut self, now: Instant) {
        for name in self.queue.due_for_check(now) {
            let seen = match regular_file_size(&self.dir.join(&name)) {
                Some(size) => Seen::Listed { size },
                None => Seen::Gone,
            };
            self.observe(&name, seen, now);
        }
    }

    fn on_event(&mut self, event: notify::Result<notify::Event>, now: Instant) {
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                tracing::warn!(error = %error, "watch error; listing the folder");
                self.scan(now);
                return;
            }
        };
        if event.need_rescan() {
            tracing::warn!("watch lost events; listing the folder");
            self.scan(now);
            return;
        }
        for path in &event.paths {
            if path == &self.dir {
                if matches!(
                    event.kind,
                    EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
                ) {
                    tracing::error!(dir = %self.dir.display(), "stats folder removed or moved; watching again once it is back");
                    self.watcher = None;
                }
                continue;
            }
            if path.parent() != Some(self.dir.as_path()) {
                continue;
            }
            let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            let size = || regular_file_size(path);
            let seen = match event.kind {
                EventKind::Access(AccessKind::Close(AccessMode::Write))
                | EventKind::Modify(ModifyKind::Name(RenameMode::To)) => {
                    size().map(|size| Seen::Finished { size })
                }
                EventKind::Create(_) | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => {
                    size().map(|size| Seen::Written { size })
                }
                EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(RenameMode::From)) => {
                    Some(Seen::Gone)
                }
                _ => continue,
            };
            // A path that is no longer a regular file (gone, or a folder) is gone for us.
            self.observe(&name, seen.unwrap_or(Seen::Gone), now);
        }
    }
}

/// The size of `path` if it is a regular file (symbolic links are not followed).
fn regular_file_size(path: &Path) -> Option<u64> {
    std::fs::symlink_metadata(path).ok().filter(|m| m.is_file()).map(|m| m.len())
}

/// Watches `dir` (not recursively); events go to `tx`.
fn watch(
    dir: &Path,
    tx: mpsc::UnboundedSender<notify::Result<notify::Event>>,
) -> Result<notify::RecommendedWatcher, NotifyError> {
    let error = |source| NotifyError::Watch { path: dir.to_owned(), source };
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = tx.send(event);
    })
    .map_err(error)?;
    watcher.watch(dir, RecursiveMode::NonRecursive).map_err(error)?;
    Ok(watcher)
}

/// A jitter seed that differs between runs and hosts.
fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // Truncation is fine: any bits make a seed.
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}
