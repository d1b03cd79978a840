//! FileFetcher: lists the game server's stats folder (SFTP or a local folder), lets the dedup
//! layers decide, downloads what is new into `local_stats/` atomically (temp file, then
//! rename), and hands each complete file to StatsParser. Only this actor touches the source.
//!
//! A file whose size changed between listing and reading is still being written: it is tried
//! again shortly. Network failures are retried with exponential back-off and jitter; the same
//! file requested twice at once is fetched once.
use std::{
    collections::{HashMap, HashSet, VecDeque},
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use actix::prelude::*;
use sea_orm::DatabaseConnection;

use super::{
    backoff::Backoff,
    clock::Clock,
    health::{GetHealth, Health},
    messages::{FetchFile, FileFetched, SyncFiles},
};
use crate::{
    sftp::{RemoteEntry, RemoteFiles, SftpError},
    stats::StatsFileName,
    store::dedup::{Decision, Dedup, Trigger},
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

/// Writes `bytes` to `dir/name` via a temp file and a rename, so readers never see half a file.
pub async fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, FetchError> {
    let local = |path: &Path, source| FetchError::Local { path: path.to_path_buf(), source };
    tokio::fs::create_dir_all(dir).await.map_err(|e| local(dir, e))?;
    let target = dir.join(name);
    let temp = dir.join(format!(".{name}.part"));
    tokio::fs::write(&temp, bytes).await.map_err(|e| local(&temp, e))?;
    tokio::fs::rename(&temp, &target).await.map_err(|e| local(&target, e))?;
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
    // Files handed to the parser this run, with their size: offered again only if they change.
    handed_off: HashMap<String, u64>,
    retries: HashMap<String, Backoff>,
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
}

impl FileFetcher {
    /// A fetcher that sends complete files to `parser`.
    pub fn new(config: FetcherConfig, parser: Recipient<FileFetched>) -> Self {
        FileFetcher {
            dedup: config.dedup.clone(),
            config,
            parser,
            in_flight: HashSet::new(),
            handed_off: HashMap::new(),
            retries: HashMap::new(),
            health: Health::new("file_fetcher"),
            clock: Clock::start(),
            fetched: 0,
            queue: VecDeque::new(),
            looking: false,
        }
    }

    fn hand_off(&mut self, name: String, path: PathBuf, size: u64, trigger: Trigger) {
        self.handed_off.insert(name.clone(), size);
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
        if trigger == Trigger::Poll && self.handed_off.get(&entry.name) == Some(&entry.size) {
            return;
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
                    act.health.healthy();
                    tracing::info!(actor = "file_fetcher", server = %act.config.server, file = %entry.name, bytes = entry.size, "fetched");
                    act.hand_off(entry.name, path, entry.size, trigger);
                }
                Err(error) => act.retry_later(entry.name, trigger, &error, ctx),
            }
        }));
    }

    fn retry_later(
        &mut self,
        name: String,
        trigger: Trigger,
        error: &FetchError,
        ctx: &mut Context<Self>,
    ) {
        let backoff = self.retries.entry(name.clone()).or_insert_with(|| {
            Backoff::new(Duration::from_secs(2), Duration::from_secs(300), name.len() as u64 + 17)
        });
        if backoff.attempts() >= 8 {
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

    fn started(&mut self, _ctx: &mut Self::Context) {
        self.health.healthy();
    }
}

impl Supervised for FileFetcher {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        // In-flight work is re-derived from the database and the dedup layers.
        self.dedup.forget();
        self.in_flight.clear();
        self.handed_off.clear();
        self.retries.clear();
        self.queue.clear();
        self.looking = false;
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
        if self.looking {
            return;
        }
        let Some(lookup) = self.queue.pop_front() else { return };
        self.looking = true;
        match lookup {
            Lookup::Sync(trigger, since) => self.sync(trigger, since, ctx),
            Lookup::One(name, trigger) => self.look_up(name, trigger, ctx),
        }
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
                let decision = dedup.decide(&db, &server, &name, trigger).await?;
                decisions.push((entry, decision));
            }
            Ok::<_, FetchError>((dedup, decisions))
        };
        ctx.spawn(work.into_actor(self).map(move |result, act, ctx| {
            act.looking = false;
            match result {
                Ok((dedup, decisions)) => {
                    act.dedup = dedup;
                    act.health.healthy();
                    // Decisions are applied in file-time order.
                    for (entry, decision) in decisions {
                        act.process(entry, decision, trigger, ctx);
                    }
                }
                Err(error) => {
                    act.health.degraded(act.clock.now(), &error.to_string());
                    tracing::warn!(actor = "file_fetcher", server = %act.config.server, error = %error, "listing failed");
                }
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
                Err(error) => act.retry_later(raw, trigger, &error, ctx),
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
    type Result = ResponseFuture<Result<crate::actors::messages::SourceListing, String>>;

    fn handle(
        &mut self,
        _msg: crate::actors::messages::ListSource,
        _ctx: &mut Self::Context,
    ) -> Self::Result {
        let remote = self.config.remote.clone();
        Box::pin(async move {
            let started = std::time::Instant::now();
            let entries = remote.list().await.map_err(|e| e.to_string())?;
            let took = started.elapsed();
            let files = entries
                .into_iter()
                .filter(|e| StatsFileName::parse(&e.name).is_ok())
                .map(|e| e.name)
                .collect();
            Ok(crate::actors::messages::SourceListing { took, files })
        })
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
            "{} fetched, {} in flight, {} retrying",
            self.fetched,
            self.in_flight.len(),
            self.retries.len()
        )))
    }
}
