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
//!
//! The actor is a shell over [`FetchCore`] (`core.rs`): the shell runs listings, dedup look-ups
//! and downloads as futures and feeds their results, with the time, to the core, which says
//! what to do next.
pub mod core;
use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use actix::prelude::*;

use crate::actors::in_runtime::InRuntime;
use sea_orm::DatabaseConnection;

pub use self::core::{Effect, FetchCore, FetchHealth, Lookup, PENDING_TIMEOUT};
use super::{
    clock::Clock,
    health::{GetHealth, Health},
    messages::{FetchFile, FileDone, FileFetched, FileOutcome, SyncFiles, WriterStarted},
};
use crate::{
    sftp::{RemoteEntry, RemoteFiles, SftpError},
    stats::StatsFileName,
    store::{
        dedup::{self, Decision, Dedup, SkipReason, Trigger},
        sync_batches,
    },
};

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
    core: FetchCore,
    wake: Option<SpawnHandle>,
    health: Health,
    clock: Clock,
}

impl FileFetcher {
    /// A fetcher that sends complete files to `parser`.
    pub fn new(config: FetcherConfig, parser: Recipient<FileFetched>) -> Self {
        FileFetcher {
            dedup: config.dedup.clone(),
            config,
            parser,
            core: FetchCore::new(),
            wake: None,
            health: Health::new("file_fetcher"),
            clock: Clock::start(),
        }
    }

    /// Runs what the core asked for. Never `ctx.wait` on the network: it would starve the
    /// spawned downloads, one of which may hold the SFTP session a listing waits for.
    fn run(&mut self, effects: Vec<Effect>, ctx: &mut Context<Self>) {
        let server = self.config.server.clone();
        for effect in effects {
            match effect {
                Effect::Run(Lookup::Sync(trigger, since, batch)) => {
                    self.sync(trigger, since, batch, ctx)
                }
                Effect::Run(Lookup::One(name, trigger)) => self.look_up(name, trigger, ctx),
                Effect::Run(Lookup::Local) => self.scan_local(ctx),
                Effect::WakeIn(wait) => {
                    self.wake = Some(ctx.run_later(wait, |act, ctx| {
                        act.wake = None;
                        let effects = act.core.woke(act.clock.now());
                        act.run(effects, ctx);
                    }));
                }
                Effect::Download(entry, trigger) => self.download(entry, trigger, ctx),
                Effect::HandOff { name, path, size, trigger } => {
                    tracing::debug!(actor = "file_fetcher", server = %server, file = %name, bytes = size, ?trigger, "handed to the parser");
                    self.parser.do_send(FileFetched {
                        server: server.clone(),
                        name,
                        path,
                        trigger,
                    });
                }
                Effect::RetryIn { name, trigger, delay, error } => {
                    tracing::warn!(actor = "file_fetcher", server = %server, file = %name, error = %error, retry_in_ms = delay.as_millis() as u64, "fetch failed; will retry");
                    ctx.notify_later(FetchFile { name, trigger }, delay);
                }
                Effect::GaveUp { name, error } => {
                    tracing::error!(actor = "file_fetcher", server = %server, file = %name, error = %error, "giving up on this file until the next poll");
                    // A `!sync` waiting for it is done with it.
                    let db = self.config.db.clone();
                    let server = server.clone();
                    ctx.spawn(
                        async move {
                            if let Err(error) = sync_batches::gave_up(&db, &server, &name).await {
                                tracing::warn!(actor = "file_fetcher", server = %server, file = %name, %error, "could not settle the file in its sync batch");
                            }
                        }
                        .in_runtime()
                        .into_actor(self),
                    );
                }
                Effect::WaitingForLink { error } => {
                    tracing::warn!(actor = "file_fetcher", server = %server, error = %error, link = %self.core.link().describe(), "source failed; waiting for the link");
                }
                Effect::LookupFailed { work, error } => {
                    tracing::warn!(actor = "file_fetcher", server = %server, error = %error, ?work, "lookup failed; the next poll tries again");
                }
            }
        }
        self.follow_health();
    }

    fn follow_health(&mut self) {
        let now = self.clock.now();
        match self.core.health() {
            FetchHealth::Healthy => self.health.healthy(),
            FetchHealth::Degraded(why) => self.health.degraded(now, &why),
            FetchHealth::Down(why) => self.health.down(now, &why),
        }
    }

    fn download(&mut self, entry: RemoteEntry, trigger: Trigger, ctx: &mut Context<Self>) {
        let remote = self.config.remote.clone();
        let local_dir = self.config.local_dir.clone();
        let work = async move {
            let result = download(remote.as_ref(), &entry, &local_dir).await;
            (entry, result)
        };
        ctx.spawn(work.in_runtime().into_actor(self).map(move |(entry, result), act, ctx| {
            if result.is_ok() {
                crate::metrics::get().fetched(&act.config.server);
                tracing::info!(actor = "file_fetcher", server = %act.config.server, file = %entry.name, bytes = entry.size, "fetched");
            }
            let effects = act.core.downloaded(act.clock.now(), entry, trigger, result.as_ref().map(|p| p.clone()));
            act.run(effects, ctx);
        }));
    }

    /// Hands on every file of the local folder that is not stored and not set aside.
    fn scan_local(&mut self, ctx: &mut Context<Self>) {
        let db = self.config.db.clone();
        let server = self.config.server.clone();
        let dir = self.config.local_dir.clone();
        let mut dedup = self.dedup.clone();
        let work = async move {
            let mut found = Vec::new();
            let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
                return Ok((dedup, found));
            };
            while let Ok(Some(entry)) = entries.next_entry().await {
                let raw = entry.file_name().to_string_lossy().into_owned();
                let Ok(name) = StatsFileName::parse(&raw) else { continue };
                let Ok(meta) = entry.metadata().await else { continue };
                let decision = dedup.decide(&db, &server, &name, Trigger::Explicit).await?;
                if let Decision::ImportLocal(path) = decision
                    && dedup::set_aside_size(&db, &name).await? != Some(meta.len())
                {
                    found.push((name.as_str().to_owned(), path, meta.len()));
                }
            }
            found.sort();
            Ok::<_, FetchError>((dedup, found))
        };
        ctx.spawn(work.in_runtime().into_actor(self).map(|result, act, ctx| {
            let now = act.clock.now();
            let effects = match result {
                Ok((dedup, found)) => {
                    act.dedup.absorb(dedup);
                    if !found.is_empty() {
                        tracing::info!(actor = "file_fetcher", server = %act.config.server, files = found.len(), "local copies not stored yet; handing them on");
                    }
                    act.core.scanned(now, Ok(found))
                }
                Err(error) => act.core.scanned(now, Err(&error)),
            };
            act.run(effects, ctx);
        }));
    }

    fn sync(
        &mut self,
        trigger: Trigger,
        since: Option<chrono::NaiveDate>,
        batch: Option<i32>,
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
                decisions.push((entry.clone(), usable(decision, &entry).await, trigger));
            }
            if let Some(batch) = batch {
                // Before any of them is fetched: the batch knows its files when their rounds
                // reach the publisher.
                let admitted: Vec<StatsFileName> = decisions
                    .iter()
                    .filter(|(_, d, _)| !matches!(d, Decision::Skip(_)))
                    .filter_map(|(e, _, _)| StatsFileName::parse(&e.name).ok())
                    .collect();
                let posted = sync_batches::posted_files(&admitted);
                let admitted: Vec<(String, bool)> =
                    admitted.iter().zip(posted).map(|(n, p)| (n.as_str().to_owned(), p)).collect();
                sync_batches::listed(&db, batch, &server, &admitted).await?;
                tracing::info!(actor = "file_fetcher", server = %server, batch, files = admitted.len(), "sync listed");
            }
            Ok::<_, FetchError>((dedup, decisions))
        };
        ctx.spawn(work.in_runtime().into_actor(self).map(move |result, act, ctx| {
            let now = act.clock.now();
            let work = Lookup::Sync(trigger, since, batch);
            let effects = match result {
                Ok((dedup, decisions)) => {
                    act.dedup.absorb(dedup);
                    for (entry, decision, _) in &decisions {
                        tracing::debug!(actor = "file_fetcher", server = %act.config.server, file = %entry.name, ?decision, ?trigger, "dedup decision");
                    }
                    act.core.synced(now, work, Ok(decisions))
                }
                Err(error) => act.core.synced(now, work, Err(&error)),
            };
            act.run(effects, ctx);
        }));
    }

    fn look_up(&mut self, raw: String, trigger: Trigger, ctx: &mut Context<Self>) {
        let now = self.clock.now();
        let Ok(name) = StatsFileName::parse(&raw) else {
            tracing::warn!(actor = "file_fetcher", file = %raw.escape_debug(), "refused: not a stats file name");
            let skip = Decision::Skip(SkipReason::InMemory);
            let effects = self.core.looked_up(now, raw, trigger, Ok((skip, None)));
            return self.run(effects, ctx);
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
            let Some(entry) = listed.into_iter().find(|e| e.name == name.as_str()) else {
                return Ok((dedup, decision, None));
            };
            let decision = usable(decision, &entry).await;
            Ok::<_, FetchError>((dedup, decision, Some(entry)))
        };
        ctx.spawn(work.in_runtime().into_actor(self).map(move |result, act, ctx| {
            let now = act.clock.now();
            let effects = match result {
                Ok((dedup, decision, entry)) => {
                    act.dedup.absorb(dedup);
                    tracing::debug!(actor = "file_fetcher", server = %act.config.server, file = %raw, ?decision, ?trigger, "dedup decision");
                    act.core.looked_up(now, raw, trigger, Ok((decision, entry)))
                }
                Err(error) => act.core.looked_up(now, raw, trigger, Err(&error)),
            };
            act.run(effects, ctx);
        }));
    }
}

/// A local copy of another size than the listing's is stale (an earlier, partial fetch):
/// fetch again.
async fn usable(decision: Decision, entry: &RemoteEntry) -> Decision {
    match decision {
        Decision::ImportLocal(path)
            if tokio::fs::metadata(&path).await.map(|m| m.len()).ok() != Some(entry.size) =>
        {
            Decision::Fetch
        }
        decision => decision,
    }
}

impl Actor for FileFetcher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.health.healthy();
        // Files an earlier run fetched and never stored are in the local folder.
        let effects = self.core.enqueue(Lookup::Local, self.clock.now());
        self.run(effects, ctx);
    }
}

impl Supervised for FileFetcher {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        // In-flight work is re-derived from the database, the local folder and the dedup
        // layers (`started` scans the folder again).
        self.dedup.forget();
        self.core.restart();
        self.wake = None;
    }
}

impl Handler<SyncFiles> for FileFetcher {
    type Result = ();

    fn handle(&mut self, msg: SyncFiles, ctx: &mut Self::Context) {
        let effects =
            self.core.enqueue(Lookup::Sync(msg.trigger, msg.since, msg.batch), self.clock.now());
        self.run(effects, ctx);
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
        Box::pin(work.in_runtime().into_actor(self).map(|(entries, took), act, ctx| {
            let now = act.clock.now();
            match entries {
                Ok(entries) => {
                    // A link that was backing off is usable again: run what waited for it.
                    if let Some(wake) = act.wake.take() {
                        ctx.cancel_future(wake);
                    }
                    let effects = act.core.link_usable(now);
                    act.run(effects, ctx);
                    let files = entries
                        .into_iter()
                        .filter(|e| StatsFileName::parse(&e.name).is_ok())
                        .map(|e| e.name)
                        .collect();
                    Ok(crate::actors::messages::SourceListing {
                        took,
                        files,
                        link: act.core.link().describe(),
                    })
                }
                Err(error) => {
                    act.core.link_failed(now, &error);
                    act.follow_health();
                    Err(format!("{error} (link: {})", act.core.link().describe()))
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
        self.core.file_done(&msg.name, msg.outcome);
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
        let (pending, effects) = self.core.writer_started(self.clock.now());
        tracing::info!(actor = "file_fetcher", server = %self.config.server, pending, "writer restarted; offering unsettled files again");
        self.run(effects, ctx);
    }
}

impl Handler<FetchFile> for FileFetcher {
    type Result = ();

    fn handle(&mut self, msg: FetchFile, ctx: &mut Self::Context) {
        let effects = self.core.enqueue(Lookup::One(msg.name, msg.trigger), self.clock.now());
        self.run(effects, ctx);
    }
}

impl Handler<GetHealth> for FileFetcher {
    type Result = MessageResult<GetHealth>;

    fn handle(&mut self, _msg: GetHealth, _ctx: &mut Self::Context) -> Self::Result {
        let (fetched, in_flight, retrying, waiting) = self.core.counts();
        MessageResult(self.health.status(format!(
            "link {}; {fetched} fetched, {in_flight} in flight, {retrying} retrying, {waiting} waiting for the writer",
            self.core.link().describe(),
        )))
    }
}
