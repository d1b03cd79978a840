//! The daemon's actor graph, built explicitly in dependency order (downstream first), each
//! actor under an actix `Supervisor` and knowing its downstream only as `Recipient<M>`.
use std::{path::PathBuf, sync::Arc};

use actix::prelude::*;
use chrono::TimeDelta;
use sea_orm::DatabaseConnection;

use crate::{
    actors::{
        db_writer::{AddFetcher, AddFileListener, DbWriter},
        file_fetcher::{FetcherConfig, FileFetcher},
        health::GetHealth,
        health_monitor::HealthMonitor,
        poll_scheduler::{PollRules, PollScheduler},
        round_publisher::{Announcer, PostOptions, Recaps, RoundPublisher},
        stats_parser::StatsParser,
        voice_session_tracker::{VoiceRules, VoiceSessionTracker},
    },
    settings::{GameServer, Settings, SourceKind},
    sftp::RemoteFiles,
    stats::PairingRules,
    store::{Store, dedup::Dedup},
};

/// Why the daemon could not start. Messages carry no secrets.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is wrong.
    #[error("setting `{key}`: {reason}")]
    Setting {
        /// The key.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// The evening's recap for the "gaming session ended" notice: `!recap` of the gaming session
/// whose rounds fell in the voice session (game-server local time).
struct CommandRecaps {
    db: DatabaseConnection,
    timezone: chrono_tz::Tz,
}

impl Recaps for CommandRecaps {
    fn recap<'a>(
        &'a self,
        started: chrono::DateTime<chrono::Utc>,
        ended: chrono::DateTime<chrono::Utc>,
        names: crate::render::Names,
    ) -> crate::actors::round_publisher::SinkFuture<'a, Option<crate::render::Post>> {
        Box::pin(async move {
            let local =
                |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&self.timezone).naive_local();
            let ctx = crate::commands::Ctx::new(self.db.clone(), names, local(ended));
            match crate::commands::recap::recap_between(&ctx, local(started), local(ended)).await {
                Ok(post) => post,
                Err(error) => {
                    tracing::warn!(actor = "round_publisher", error = %error, "no recap for the session notice");
                    None
                }
            }
        })
    }
}

/// One watched game server's actors.
pub struct ServerActors {
    /// The server's name.
    pub name: String,
    /// Its poll control (PollNow, FetchNow).
    pub scheduler: Addr<PollScheduler>,
    /// Its fetcher.
    pub fetcher: Addr<FileFetcher>,
    /// Webhook ids whose triggers are for this server.
    pub webhook_ids: Vec<u64>,
}

/// The running actors.
pub struct App {
    /// The first game server's poll control (the only one in most setups).
    pub scheduler: Addr<PollScheduler>,
    /// Voice snapshots go here.
    pub voice: Addr<VoiceSessionTracker>,
    /// Health of every actor.
    pub health: Addr<HealthMonitor>,
    /// The writer (tests stop it to prove supervision).
    pub db_writer: Addr<DbWriter>,
    /// The publisher (told when an admin's `!sync` starts).
    pub publisher: Addr<RoundPublisher>,
    /// The first game server's fetcher.
    pub fetcher: Addr<FileFetcher>,
    /// Every game server, in settings order.
    pub servers: Vec<ServerActors>,
    /// The name of an actor that died (a panic: its Supervisor died with it); the daemon then
    /// exits non-zero. Taken once by whoever runs the daemon.
    pub fatal: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<String>>>,
}

impl App {
    /// The scheduler a trigger from `webhook_id` goes to: the server listing that webhook,
    /// else the first server.
    pub fn scheduler_for_webhook(&self, webhook_id: u64) -> &Addr<PollScheduler> {
        self.servers
            .iter()
            .find(|s| s.webhook_ids.contains(&webhook_id))
            .map_or(&self.scheduler, |s| &s.scheduler)
    }

    /// The receiver of [`App::fatal`] (None when taken already).
    pub fn take_fatal(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<String>> {
        self.fatal.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }

    /// Stops polling on every server (shutdown).
    pub async fn stop_polling(&self) {
        for server in &self.servers {
            let _ = server.scheduler.send(crate::actors::poll_scheduler::Shutdown).await;
        }
    }
}

/// One game server's file source.
pub struct Source {
    /// The server as resolved from settings.
    pub server: GameServer,
    /// Its files.
    pub remote: Arc<dyn RemoteFiles>,
}

/// What the graph needs from outside: settings, a migrated database, the file sources and the
/// announcer.
pub struct Parts {
    /// Settings.
    pub settings: Settings,
    /// Migrated database.
    pub db: DatabaseConnection,
    /// Where stats files come from, one per game server (at least one).
    pub sources: Vec<Source>,
    /// Where posts go.
    pub announcer: Arc<dyn Announcer>,
}

/// Starts every actor on the current System.
pub fn start(parts: Parts) -> Result<App, StartupError> {
    let Parts { settings, db, sources, announcer } = parts;
    let config = settings.config().clone();
    let timezone = config.timezone;
    if sources.is_empty() {
        return Err(StartupError::Setting { key: "servers", reason: "no game server".into() });
    }
    let rules = PairingRules::with_window_minutes(config.round_match_window_minutes);
    let store =
        Store::new(db.clone(), &settings.stats.server_name, rules, config.session_gap).posting();

    let recaps: Option<Arc<dyn Recaps>> = settings
        .posts
        .session_recap
        .then(|| Arc::new(CommandRecaps { db: db.clone(), timezone }) as Arc<dyn Recaps>);
    let options = PostOptions {
        achievement_unlocks: settings.posts.achievement_unlocks,
        recaps,
        site: settings.config().public_url.clone(),
    };
    let publisher = Supervisor::start({
        let db = db.clone();
        move |_| RoundPublisher::new(db, announcer).with_options(options)
    });
    let db_writer = Supervisor::start({
        let stored = publisher.clone().recipient();
        move |_| DbWriter::new(store, stored, Vec::new())
    });
    let parser = Supervisor::start({
        let store = db_writer.clone().recipient();
        move |_| StatsParser::new(store)
    });
    let started_local = chrono::Utc::now().with_timezone(&timezone).naive_local();
    let several = sources.len() > 1;
    let label = |actor: &str, server: &str| {
        if several { format!("{actor}@{server}") } else { actor.to_owned() }
    };
    let mut servers = Vec::new();
    let mut components: Vec<(String, Recipient<GetHealth>)> = Vec::new();
    for Source { server, remote } in sources {
        // Its fetch counter exists (at 0) from the start.
        crate::metrics::get().fetched_from(&server.name);
        let local_source = server.source == SourceKind::LocalFolder;
        let local_dir = PathBuf::from(&server.local_dir);
        let fetcher = Supervisor::start({
            let config = FetcherConfig {
                server: server.name.clone(),
                remote,
                local_dir: local_dir.clone(),
                dedup: Dedup::new(
                    started_local,
                    // A local folder is the operator's own: whatever is dropped in it is imported.
                    if local_source { TimeDelta::days(365 * 100) } else { config.startup_lookback },
                    &local_dir,
                ),
                db: db.clone(),
            };
            let parser = parser.clone().recipient();
            move |_| FileFetcher::new(config, parser)
        });
        let poll_rules = if local_source {
            // A local folder costs nothing to look at: no dead hours, a look every second.
            PollRules {
                timezone,
                dead_hours: None,
                active: TimeDelta::seconds(1),
                idle: TimeDelta::seconds(1),
                grace: TimeDelta::minutes(1),
            }
        } else {
            PollRules {
                timezone,
                dead_hours: Some(config.dead_hours),
                active: config.active_interval,
                idle: config.idle_interval,
                grace: config.grace,
            }
        };
        let scheduler = Supervisor::start({
            let sync = fetcher.clone().recipient();
            let fetch = fetcher.clone().recipient();
            let name = server.name.clone();
            let timed = settings.poll.enabled;
            move |_| {
                let scheduler = PollScheduler::new(name, poll_rules, sync, fetch);
                if timed { scheduler } else { scheduler.without_timer() }
            }
        });
        db_writer.do_send(AddFileListener(scheduler.clone().recipient()));
        db_writer.do_send(AddFetcher {
            done: fetcher.clone().recipient(),
            restarted: fetcher.clone().recipient(),
        });
        tracing::info!(
            server = %server.name,
            source = if local_source { "local folder" } else { "sftp" },
            local_dir = %local_dir.display(),
            "game server watched"
        );
        components.push((label("poll_scheduler", &server.name), scheduler.clone().recipient()));
        components.push((label("file_fetcher", &server.name), fetcher.clone().recipient()));
        servers.push(ServerActors {
            name: server.name,
            scheduler,
            fetcher,
            webhook_ids: server.webhook_ids,
        });
    }
    let voice_rules = VoiceRules {
        start_threshold: config.voice_start_threshold,
        end_threshold: config.voice_end_threshold,
        end_delay: config.voice_end_delay,
    };
    let voice = Supervisor::start({
        let started: Vec<_> = servers.iter().map(|s| s.scheduler.clone().recipient()).collect();
        let ended: Vec<_> = servers.iter().map(|s| s.scheduler.clone().recipient()).collect();
        let (db, notices) = (db.clone(), publisher.clone().recipient());
        move |_| {
            VoiceSessionTracker::new(voice_rules, started, ended)
                .with_store(db.clone(), notices.clone())
        }
    });
    let (fatal_tx, fatal_rx) = tokio::sync::mpsc::unbounded_channel();
    let health = Supervisor::start({
        let mut all = vec![("voice_session_tracker".to_owned(), voice.clone().recipient())];
        all.extend(components);
        all.push(("stats_parser".to_owned(), parser.clone().recipient()));
        all.push(("db_writer".to_owned(), db_writer.clone().recipient()));
        all.push(("round_publisher".to_owned(), publisher.clone().recipient()));
        let interval = config.health_log_interval;
        move |_| HealthMonitor::new(all, interval).with_fatal(fatal_tx)
    });
    tracing::info!(servers = servers.len(), "actors started");
    let scheduler = servers[0].scheduler.clone();
    let fetcher = servers[0].fetcher.clone();
    let fatal = std::sync::Mutex::new(Some(fatal_rx));
    Ok(App { scheduler, voice, health, db_writer, publisher, fetcher, servers, fatal })
}
