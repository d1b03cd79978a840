//! The running daemon as the admin commands see it ([`Operations`]): health from the
//! HealthMonitor, listings and fetches through each game server's FileFetcher and
//! PollScheduler, the voice tracker's state, the command cache, and a settings reload.
use std::sync::Arc;

use actix::Addr;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use crate::{
    actors::{
        file_fetcher::FileFetcher,
        health::{ComponentStatus, GetHealth},
        health_monitor::{CollectHealth, HealthMonitor},
        messages::ListSource,
        poll_scheduler::{FetchNow, PollScheduler, SyncNow},
        round_publisher::{RoundPublisher, SyncRequested},
        voice_session_tracker::VoiceSessionTracker,
    },
    app::App,
    commands::{
        admin::{OpFuture, Operations, SourceCheck},
        cache::CommandCache,
    },
    stats::StatsFileName,
    store::sync_batches,
};

/// At start-up: the servers of the `!sync` batches a killed daemon left open are listed
/// again, so files not fetched yet are fetched (those stored keep their batch: their
/// rounds waiting in the outbox are still counted). A server no longer configured is taken
/// as listed with no more files.
pub async fn resume_syncs(app: &App, db: &DatabaseConnection) -> Result<usize, sea_orm::DbErr> {
    let open = sync_batches::open_servers(db).await?;
    for job in &open {
        match app.servers.iter().find(|s| s.name == job.server) {
            Some(server) => {
                tracing::info!(batch = job.batch, server = %job.server, "resuming an unfinished sync");
                server.scheduler.do_send(SyncNow { since: job.since, batch: Some(job.batch) });
            }
            None => sync_batches::listed(db, job.batch, &job.server, &[]).await?,
        }
    }
    Ok(open.len())
}

/// Re-reads the settings and applies what can change while running; returns the changed
/// keys (never values) or why the settings could not be read.
pub type Reloader = Arc<dyn Fn() -> Result<Vec<String>, String> + Send + Sync>;

/// One game server's actors.
#[derive(Clone)]
struct Server {
    name: String,
    scheduler: Addr<PollScheduler>,
    fetcher: Addr<FileFetcher>,
}

/// [`Operations`] over the running actors.
pub struct DaemonOps {
    servers: Vec<Server>,
    health: Addr<HealthMonitor>,
    voice: Addr<VoiceSessionTracker>,
    publisher: Addr<RoundPublisher>,
    cache: Arc<CommandCache>,
    reload: Reloader,
    db: DatabaseConnection,
}

impl DaemonOps {
    /// Operations on `app`'s actors.
    pub fn new(
        app: &App,
        db: DatabaseConnection,
        cache: Arc<CommandCache>,
        reload: Reloader,
    ) -> Self {
        DaemonOps {
            servers: app
                .servers
                .iter()
                .map(|s| Server {
                    name: s.name.clone(),
                    scheduler: s.scheduler.clone(),
                    fetcher: s.fetcher.clone(),
                })
                .collect(),
            health: app.health.clone(),
            voice: app.voice.clone(),
            publisher: app.publisher.clone(),
            cache,
            reload,
            db,
        }
    }
}

impl Operations for DaemonOps {
    fn health(&self) -> OpFuture<'_, Vec<ComponentStatus>> {
        Box::pin(async move { self.health.send(CollectHealth).await.unwrap_or_default() })
    }

    fn check_sources(&self) -> OpFuture<'_, Vec<SourceCheck>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for server in &self.servers {
                let (result, link) = match server.fetcher.send(ListSource).await {
                    Ok(Ok(listing)) => (Ok((listing.took, listing.files.len())), listing.link),
                    Ok(Err(error)) => (Err(error), String::new()),
                    Err(error) => (Err(format!("fetcher not answering: {error}")), String::new()),
                };
                out.push(SourceCheck { server: server.name.clone(), result, link });
            }
            out
        })
    }

    fn sync(&self, since: Option<NaiveDate>) -> OpFuture<'_, Result<Vec<String>, String>> {
        Box::pin(async move {
            let names: Vec<String> = self.servers.iter().map(|s| s.name.clone()).collect();
            let now = chrono::Utc::now().naive_utc();
            let batch = sync_batches::open(&self.db, since, &names, now)
                .await
                .map_err(|e| format!("could not record the sync: {e}"))?;
            tracing::info!(batch, servers = names.len(), ?since, "sync requested");
            self.publisher.do_send(SyncRequested);
            for server in &self.servers {
                server.scheduler.do_send(SyncNow { since, batch: Some(batch) });
            }
            Ok(names)
        })
    }

    fn import(&self, file: StatsFileName) -> OpFuture<'_, Result<Option<String>, String>> {
        Box::pin(async move {
            let mut errors = Vec::new();
            for server in &self.servers {
                match server.fetcher.send(ListSource).await {
                    Ok(Ok(listing)) if listing.files.iter().any(|f| f == file.as_str()) => {
                        server.scheduler.do_send(FetchNow { name: file.as_str().to_owned() });
                        return Ok(Some(server.name.clone()));
                    }
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => errors.push(format!("{}: {error}", server.name)),
                    Err(error) => errors.push(format!("{}: {error}", server.name)),
                }
            }
            if errors.len() == self.servers.len() && !errors.is_empty() {
                return Err(errors.join("; "));
            }
            Ok(None)
        })
    }

    fn reload(&self) -> OpFuture<'_, Result<Vec<String>, String>> {
        Box::pin(async move {
            let changed = (self.reload)()?;
            self.cache.clear();
            Ok(changed)
        })
    }

    fn cache_clear(&self) -> usize {
        self.cache.clear()
    }

    fn voice(&self) -> OpFuture<'_, String> {
        Box::pin(async move {
            match self.voice.send(GetHealth).await {
                Ok(status) => status.detail,
                Err(error) => format!("voice tracker not answering: {error}"),
            }
        })
    }
}
