//! FileFetcher: lists the game server's stats folder (SFTP or a local folder), lets the dedup
//! layers decide, downloads what is new into `local_stats/` atomically (temp file, then
//! rename), and hands each complete file to StatsParser. Only this actor touches the source.
//!
//! A file whose size changed between listing and reading is still being written: it is tried
//! again shortly. The server's connection is a [`Link`] state machine: a transport failure of
//! any listing or download backs the whole server off (`retry::SSH_LINK`), and the work that
//! failed waits in the lookup queue until the link may be tried again. Errors about one file
//! are retried for that file (`retry::FILE_FETCH`). The same file requested twice at once is
//! fetched once.
//!
//! A file handed on stays `pending` until DbWriter says it is settled ([`FileDone`]); when the
//! writer restarts ([`WriterStarted`]) or a pending file is not settled within
//! [`PENDING_TIMEOUT`], it is offered again from the local copy. At start-up the local folder
//! is scanned for files fetched by an earlier run and never stored.
use std::{
    collections::{HashMap, HashSet, VecDeque},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use actix::prelude::*;
use sea_orm::DatabaseConnection;

use super::{
    clock::Clock,
    health::{GetHealth, Health},
    link::{Failure, Link, LinkState},
    messages::{FetchFile, FileDone, FileFetched, FileOutcome, SyncFiles, WriterStarted},
};
use crate::{
    retry::{self, Backoff},
    sftp::{RemoteEntry, RemoteFiles, SftpError},
    stats::StatsFileName,
    store::dedup::{self, Decision, Dedup, SkipReason, Trigger},
};

/// How long a handed-on file may stay unsettled before it is offered again.
pub const PENDING_TIMEOUT: Duration = Duration::from_secs(600);

/// Why one fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The source failed (network, auth, host key, missing file).
    #[error(transparent)]
    Source(#[from] SftpError),
    /// The file is still being written (its size changed).
    #[error("{name} is still being written ({listed} bytes listed, {read} read)")]
    Growing {
        /// The file.
        name: String,
        /// Size in the listing.
        listed: u64,
        /// Bytes read.
        read: u64,
    },
    /// Writing the local copy failed.
    #[error("local copy {path}: {source}")]
    Local {
        /// The file written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A dedup look-up failed.
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// Writes `bytes` to `dir/name` via a temp file, flushed to disk, and a rename, so readers
/// never see half a file and a power loss leaves the old state or the whole file.
pub async fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, FetchError> {
    use tokio::io::AsyncWriteExt;
    let local = |path: &Path, source| FetchError::Local { path: path.to_path_buf(), source };
    tokio::fs::create_dir_all(dir).await.map_err(|e| local(dir, e))?;
    let target = dir.join(name);
    let temp = dir.join(format!(".{name}.part"));
    let mut file = tokio::fs::File::create(&temp).await.map_err(|e| local(&temp, e))?;
    file.write_all(bytes).await.map_err(|e| local(&temp, e))?;
    file.sync_all().await.map_err(|e| local(&temp, e))?;
    drop(file);
    tokio::fs::rename(&temp, &target).await.map_err(|e| local(&target, e))?;
    if let Ok(folder) = tokio::fs::File::open(dir).await {
        let _ = folder.sync_all().await; // the rename itself (not every filesystem allows it)
    }
    Ok(target)
}

/// Reads one listed file and checks it is complete.
async fn download(
    remote: &dyn RemoteFiles,
    entry: &RemoteEntry,
    local_dir: &Path,
) -> Result<PathBuf, FetchError> {
    let bytes = remote.read(&entry.name).await?;
    if bytes.len() as u64 != entry.size {
        return Err(FetchError::Growing {
            name: entry.name.clone(),
            listed: entry.size,
            read: bytes.len() as u64,
        });
    }
    write_atomically(local_dir, &entry.name, &bytes).await
}

/// How FileFetcher is set up.
#[derive(Clone)]
pub struct FetcherConfig {
    /// Game server name (for the dedup `rounds` layer and logs).
    pub server: String,
    /// Where files come from.
    pub remote: Arc<dyn RemoteFiles>,
    /// `local_stats/`.
    pub local_dir: PathBuf,
    /// The dedup state (start-up time in server-local time, look-back).
    pub dedup: Dedup,
    /// Database for the dedup layers (read only).
    pub db: DatabaseConnection,
}

/// The actor.
pub struct FileFetcher {
    config: FetcherConfig,
    dedup: Dedup,
    parser: Recipient<FileFetched>,
    in_flight: HashSet<String>,
    // Files handed on and not settled by DbWriter yet: size and when. Not offered again while
    // here (unless their size changes).
    pending: HashMap<String, (u64, std::time::Instant)>,
    // Files DbWriter set aside this run, with their size then (polling passes them by).
    set_aside: HashMap<String, u64>,
    retries: HashMap<String, Backoff>,
    link: Link,
    wake: Option<SpawnHandle>,
    health: Health,
    clock: Clock,
    fetched: u64,
    // Listings and dedup decisions run one at a time, in arrival order (downloads run beside
    // them). Never `ctx.wait` on the network: it would starve the spawned downloads, one of
    // which may hold the SFTP session the listing waits for.
    queue: VecDeque<Lookup>,
    looking: bool,
}

/// A listing-and-decide job.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lookup {
    Sync(Trigger, Option<chrono::NaiveDate>),
    One(String, Trigger),
    // The local folder: files fetched earlier and never stored.
    Local,
}

impl FileFetcher {
    /// A fetcher that sends complete files to `parser`.
    pub fn new(config: FetcherConfig, parser: Recipient<FileFetched>) -> Self {
        FileFetcher {
            dedup: config.dedup.clone(),
            config,
            parser,
            in_flight: HashSet::new(),
            pending: HashMap::new(),
            set_aside: HashMap::new(),
            retries: HashMap::new(),
            link: Link::default(),
            wake: None,
            health: Health::new("file_fetcher"),
            clock: Clock::start(),
            fetched: 0,
            queue: VecDeque::new(),
            looking: false,
        }
    }

    fn hand_off(&mut self, name: String, path: PathBuf, size: u64, trigger: Trigger) {
        self.pending.insert(name.clone(), (size, std::time::Instant::now()));
        self.set_aside.remove(&name);
        self.parser.do_send(FileFetched {
            server: self.config.server.clone(),
            name,
            path,
            trigger,
        });
    }

    /// Handles one listed file after the dedup decision.
    fn process(
        &mut self,
        entry: RemoteEntry,
        decision: Decision,
        trigger: Trigger,
        ctx: &mut Context<Self>,
    ) {
        if trigger == Trigger::Poll && self.set_aside.get(&entry.name) == Some(&entry.size) {
            return; // set aside, unchanged
        }
        if let Some((size, since)) = self.pending.get(&entry.name) {
            let stale = since.elapsed() > PENDING_TIMEOUT;
            if *size == entry.size && !stale {
                return; // handed on, not settled yet
            }
        }
        tracing::debug!(actor = "file_fetcher", server = %self.config.server, file = %entry.name, ?decision, ?trigger, "dedup decision");
        match decision {
            Decision::Skip(_) => {}
            // A local copy of another size is stale (an earlier, partial fetch): fetch again.
            Decision::ImportLocal(path)
                if std::fs::metadata(&path).map(|m| m.len()).ok() != Some(entry.size) =>
            {
                self.fetch(entry, trigger, ctx)
            }
            Decision::ImportLocal(path) => self.hand_off(entry.name, path, entry.size, trigger),
            Decision::Fetch => self.fetch(entry, trigger, ctx),
        }
    }

    fn fetch(&mut self, entry: RemoteEntry, trigger: Trigger, ctx: &mut Context<Self>) {
        if !self.in_flight.insert(entry.name.clone()) {
            return; // single flight
        }
        let remote = self.config.remote.clone();
        let local_dir = self.config.local_dir.clone();
        let work = async move {
            let result = download(remote.as_ref(), &entry, &local_dir).await;
            (entry, result)
        };
        ctx.spawn(work.into_actor(self).map(move |(entry, result), act, ctx| {
            act.in_flight.remove(&entry.name);
            match result {
                Ok(path) => {
                    act.retries.remove(&entry.name);
                    act.fetched += 1;
                    act.link.succeeded(act.clock.now());
                    act.link_health();
                    tracing::info!(actor = "file_fetcher", server = %act.config.server, file = %entry.name, bytes = entry.size, "fetched");
                    act.hand_off(entry.name, path, entry.size, trigger);
                }
                Err(error) => act.failed(Lookup::One(entry.name, trigger), &error, ctx),
            }
        }));
    }

    /// A lookup or download failed: a transport failure backs the server off and the work
    /// waits for the link; anything else is retried for this file alone.
    fn failed(&mut self, work: Lookup, error: &FetchError, ctx: &mut Context<Self>) {
        let now = self.clock.now();
        let failure = match error {
            FetchError::Source(source) => self.link.failed(now, source),
            _ => Failure::File,
        };
        self.link_health();
        match (failure, work) {
            (Failure::Transport | Failure::Refused, work) => {
                tracing::warn!(actor = "file_fetcher", server = %self.config.server, error = %error, link = %self.link.describe(), "source failed; waiting for the link");
                if !self.queue.contains(&work) {
                    self.queue.push_front(work);
                }
            }
            (Failure::File, Lookup::One(name, trigger)) => {
                self.retry_later(name, trigger, error, ctx)
            }
            (Failure::File, work) => {
                self.health.degraded(now, &error.to_string());
                tracing::warn!(actor = "file_fetcher", server = %self.config.server, error = %error, ?work, "lookup failed; the next poll tries again");
            }
        }
    }

    /// Health follows the link; per-file trouble shows as degraded while it lasts.
    fn link_health(&mut self) {
        let now = self.clock.now();
        match self.link.state() {
            LinkState::Connected { .. } | LinkState::Connecting { attempt: 0 } => {
                if self.retries.is_empty() {
                    self.health.healthy();
                }
            }
            LinkState::Down { .. } => self.health.down(now, &self.link.describe()),
            _ => self.health.degraded(now, &self.link.describe()),
        }
    }

    fn retry_later(
        &mut self,
        name: String,
        trigger: Trigger,
        error: &FetchError,
        ctx: &mut Context<Self>,
    ) {
        let backoff = self
            .retries
            .entry(name.clone())
            .or_insert_with(|| retry::FILE_FETCH.backoff(name.len() as u64 + 17));
        if !retry::FILE_FETCH.allows_another(backoff.attempts() + 1) {
            tracing::error!(actor = "file_fetcher", file = %name, error = %error, "giving up on this file until the next poll");
            self.retries.remove(&name);
            return;
        }
        let delay = match error {
            FetchError::Growing { .. } => Duration::from_secs(2),
            _ => backoff.next_delay(),
        };
        if !matches!(error, FetchError::Growing { .. }) {
            self.health.degraded(self.clock.now(), &error.to_string());
        }
        tracing::warn!(actor = "file_fetcher", file = %name, error = %error, retry_in_ms = delay.as_millis() as u64, "fetch failed; will retry");
        ctx.notify_later(FetchFile { name, trigger }, delay);
    }
}

impl Actor for FileFetcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.health.healthy();
        // Files an earlier run fetched and never stored are in the local folder.
        self.enqueue(Lookup::Local, ctx);
    }
}

impl Supervised for FileFetcher {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        // In-flight work is re-derived from the database, the local folder and the dedup
        // layers (`started` scans the folder again).
        self.dedup.forget();
        self.in_flight.clear();
        self.pending.clear();
        self.set_aside.clear();
        self.retries.clear();
        self.queue.clear();
        self.looking = false;
        self.wake = None;
        self.link = Link::default();
    }
}

impl FileFetcher {
    fn enqueue(&mut self, lookup: Lookup, ctx: &mut Context<Self>) {
        if !self.queue.contains(&lookup) {
            self.queue.push_back(lookup);
        }
        self.next_lookup(ctx);
    }

    fn next_lookup(&mut self, ctx: &mut Context<Self>) {
        if self.looking || self.wake.is_some() || self.queue.is_empty() {
            return;
        }
        let now = self.clock.now();
        let local = self.queue.front() == Some(&Lookup::Local);
        if let (Err(until), false) = (self.link.ready(now), local) {
            let wait = (until - now).to_std().unwrap_or_default();
            self.wake = Some(ctx.run_later(wait, |act, ctx| {
                act.wake = None;
                act.next_lookup(ctx);
            }));
            return;
        }
        let Some(lookup) = self.queue.pop_front() else { return };
        self.looking = true;
        match lookup {
            Lookup::Sync(trigger, since) => {
                self.link.begin();
                self.sync(trigger, since, ctx)
            }
            Lookup::One(name, trigger) => {
                self.link.begin();
                self.look_up(name, trigger, ctx)
            }
            Lookup::Local => self.scan_local(ctx),
        }
    }

    /// Hands on every file of the local folder that is not stored and not set aside.
    fn scan_local(&mut self, ctx: &mut Context<Self>) {
        let db = self.config.db.clone();
        let server = self.config.server.clone();
        let dir = self.config.local_dir.clone();
        let mut dedup = self.dedup.clone();
        let work = async move {
            let mut found = Vec::new();
            let Ok(mut entries) = tokio::fs::read_dir(&dir).await else { return Ok(found) };
            while let Ok(Some(entry)) = entries.next_entry().await {
                let raw = entry.file_name().to_string_lossy().into_owned();
                let Ok(name) = StatsFileName::parse(&raw) else { continue };
                let Ok(meta) = entry.metadata().await else { continue };
                let decision = dedup.decide(&db, &server, &name, Trigger::Explicit).await?;
                if let Decision::ImportLocal(path) = decision
                    && dedup::set_aside_size(&db, &name).await? != Some(meta.len())
                {
                    found.push((name, path, meta.len()));
                }
            }
            found.sort_by(|a, b| a.0.cmp(&b.0));
            Ok::<_, FetchError>(found)
        };
        ctx.spawn(work.into_actor(self).map(|result, act, ctx| {
            act.looking = false;
            match result {
                Ok(found) => {
                    if !found.is_empty() {
                        tracing::info!(actor = "file_fetcher", server = %act.config.server, files = found.len(), "local copies not stored yet; handing them on");
                    }
                    for (name, path, size) in found {
                        let fresh = act.pending.get(name.as_str()).is_none_or(|(s, _)| *s != size);
                        if fresh && !act.in_flight.contains(name.as_str()) {
                            act.hand_off(name.as_str().to_owned(), path, size, Trigger::Explicit);
                        }
                    }
                }
                Err(error) => {
                    act.health.degraded(act.clock.now(), &error.to_string());
                    tracing::warn!(actor = "file_fetcher", server = %act.config.server, error = %error, "cannot scan the local folder");
                }
            }
            act.next_lookup(ctx);
        }));
    }

    fn sync(
        &mut self,
        trigger: Trigger,
        since: Option<chrono::NaiveDate>,
        ctx: &mut Context<Self>,
    ) {
        let remote = self.config.remote.clone();
        let db = self.config.db.clone();
        let server = self.config.server.clone();
        let mut dedup = self.dedup.clone();
        let work = async move {
            let entries = remote.list().await?;
            let mut named: Vec<(StatsFileName, RemoteEntry)> = entries
                .into_iter()
                .filter_map(|e| StatsFileName::parse(&e.name).ok().map(|n| (n, e)))
                .filter(|(n, _)| since.is_none_or(|day| n.timestamp().date() >= day))
                .collect();
            named.sort_by(|a, b| a.0.cmp(&b.0));
            let mut decisions = Vec::with_capacity(named.len());
            for (name, entry) in named {
                let mut decision = dedup.decide(&db, &server, &name, trigger).await?;
                if trigger == Trigger::Poll
                    && !matches!(decision, Decision::Skip(_))
                    && dedup::set_aside_size(&db, &name).await? == Some(entry.size)
                {
                    decision = Decision::Skip(SkipReason::SetAside);
                }
                decisions.push((entry, decision));
            }
            Ok::<_, FetchError>((dedup, decisions))
        };
        ctx.spawn(work.into_actor(self).map(move |result, act, ctx| {
            act.looking = false;
            match result {
                Ok((dedup, decisions)) => {
                    act.dedup = dedup;
                    act.link.succeeded(act.clock.now());
                    act.link_health();
                    // Decisions are applied in file-time order.
                    for (entry, decision) in decisions {
                        act.process(entry, decision, trigger, ctx);
                    }
                }
                Err(error) => act.failed(Lookup::Sync(trigger, since), &error, ctx),
            }
            act.next_lookup(ctx);
        }));
    }

    fn look_up(&mut self, raw: String, trigger: Trigger, ctx: &mut Context<Self>) {
        let Ok(name) = StatsFileName::parse(&raw) else {
            tracing::warn!(actor = "file_fetcher", file = %raw.escape_debug(), "refused: not a stats file name");
            self.looking = false;
            self.next_lookup(ctx);
            return;
        };
        let remote = self.config.remote.clone();
        let db = self.config.db.clone();
        let server = self.config.server.clone();
        let mut dedup = self.dedup.clone();
        let work = async move {
            let decision = dedup.decide(&db, &server, &name, trigger).await?;
            if let Decision::Skip(_) = decision {
                return Ok((dedup, decision, None));
            }
            let listed = remote.list().await?;
            let entry = listed.into_iter().find(|e| e.name == name.as_str());
            Ok::<_, FetchError>((dedup, decision, entry))
        };
        ctx.spawn(work.into_actor(self).map(move |result, act, ctx| {
            act.looking = false;
            if let Ok((_, Decision::Fetch | Decision::ImportLocal(_), _)) = &result {
                act.link.succeeded(act.clock.now());
                act.link_health();
            }
            match result {
                Ok((dedup, decision, Some(entry))) => {
                    act.dedup = dedup;
                    act.process(entry, decision, trigger, ctx);
                }
                Ok((dedup, Decision::Skip(reason), None)) => {
                    act.dedup = dedup;
                    tracing::debug!(actor = "file_fetcher", file = %raw, ?reason, "nothing to do");
                }
                Ok((dedup, _, None)) => {
                    act.dedup = dedup;
                    let error = FetchError::Source(SftpError::NotFound(raw.clone()));
                    act.retry_later(raw, trigger, &error, ctx);
                }
                Err(error) => act.failed(Lookup::One(raw, trigger), &error, ctx),
            }
            act.next_lookup(ctx);
        }));
    }
}

impl Handler<SyncFiles> for FileFetcher {
    type Result = ();

    fn handle(&mut self, msg: SyncFiles, ctx: &mut Self::Context) {
        self.enqueue(Lookup::Sync(msg.trigger, msg.since), ctx);
    }
}

impl Handler<crate::actors::messages::ListSource> for FileFetcher {
    type Result = ResponseActFuture<Self, Result<crate::actors::messages::SourceListing, String>>;

    fn handle(
        &mut self,
        _msg: crate::actors::messages::ListSource,
        _ctx: &mut Self::Context,
    ) -> Self::Result {
        let remote = self.config.remote.clone();
        let work = async move {
            let started = std::time::Instant::now();
            let entries = remote.list().await;
            (entries, started.elapsed())
        };
        Box::pin(work.into_actor(self).map(|(entries, took), act, ctx| {
            let now = act.clock.now();
            match entries {
                Ok(entries) => {
                    act.link.succeeded(now);
                    act.link_health();
                    // A link that was backing off is usable again: run what waited for it.
                    if let Some(wake) = act.wake.take() {
                        ctx.cancel_future(wake);
                    }
                    act.next_lookup(ctx);
                    let files = entries
                        .into_iter()
                        .filter(|e| StatsFileName::parse(&e.name).is_ok())
                        .map(|e| e.name)
                        .collect();
                    Ok(crate::actors::messages::SourceListing {
                        took,
                        files,
                        link: act.link.describe(),
                    })
                }
                Err(error) => {
                    act.link.failed(now, &error);
                    act.link_health();
                    Err(format!("{error} (link: {})", act.link.describe()))
                }
            }
        }))
    }
}

impl Handler<FileDone> for FileFetcher {
    type Result = ();

    fn handle(&mut self, msg: FileDone, _ctx: &mut Self::Context) {
        if msg.server != self.config.server {
            return;
        }
        let handed = self.pending.remove(&msg.name);
        if let (FileOutcome::SetAside, Some((size, _))) = (msg.outcome, handed) {
            self.set_aside.insert(msg.name.clone(), size);
        }
        if let (FileOutcome::Stored | FileOutcome::AlreadyStored, Ok(name)) =
            (msg.outcome, StatsFileName::parse(&msg.name))
        {
            self.dedup.remember(&name);
        }
    }
}

impl Handler<WriterStarted> for FileFetcher {
    type Result = ();

    fn handle(&mut self, _msg: WriterStarted, ctx: &mut Self::Context) {
        tracing::info!(actor = "file_fetcher", server = %self.config.server, pending = self.pending.len(), "writer restarted; offering unsettled files again");
        self.pending.clear();
        self.enqueue(Lookup::Local, ctx);
    }
}

impl Handler<FetchFile> for FileFetcher {
    type Result = ();

    fn handle(&mut self, msg: FetchFile, ctx: &mut Self::Context) {
        self.enqueue(Lookup::One(msg.name, msg.trigger), ctx);
    }
}

impl Handler<GetHealth> for FileFetcher {
    type Result = MessageResult<GetHealth>;

    fn handle(&mut self, _msg: GetHealth, _ctx: &mut Self::Context) -> Self::Result {
        MessageResult(self.health.status(format!(
            "link {}; {} fetched, {} in flight, {} retrying, {} waiting for the writer",
            self.link.describe(),
            self.fetched,
            self.in_flight.len(),
            self.retries.len(),
            self.pending.len()
        )))
    }
}
