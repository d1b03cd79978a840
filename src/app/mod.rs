//! The composition root: settings → checked configuration → database → file sources → actors
//! (`actors.rs`, the actor graph) → Discord → command cache → status endpoint. The command-line
//! front ends (`src/cli/`) only parse their arguments and call in here.
pub mod actors;

use std::{path::PathBuf, sync::Arc};

use actix::Actor;

pub use self::actors::{App, Parts, ServerActors, Source, StartupError};
use crate::{
    actors::{
        db_writer::AddFileListener, health_monitor::serve_status, round_publisher::ConsoleAnnouncer,
    },
    commands::cache::{CacheKeeper, CommandCache},
    db,
    settings::{Settings, SettingsSource, SourceKind},
    sftp::{LocalDirFiles, RemoteFiles, SftpFiles, SshTarget},
};

/// The settings of this process (`settings/` and the environment), checked.
pub fn load_settings() -> Result<Settings, crate::settings::SettingsError> {
    Settings::from_process_env()
}

/// A tokio runtime for a command: `threads` workers (0: the current thread only).
pub fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if threads == 0 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(threads);
        builder
    };
    builder.enable_all().build()
}

/// Connects to the configured database and applies pending migrations.
pub async fn open_database(
    settings: &Settings,
) -> Result<sea_orm::DatabaseConnection, db::DbError> {
    let url = settings.database.url.expose();
    let connection = db::connect(url).await?;
    let applied = db::migrate(&connection).await?;
    tracing::info!(database = %db::redact_url(url), migrations_applied = applied, "database ready");
    Ok(connection)
}

/// A started daemon: the actors and, with a token, the Discord gateway.
pub struct Running {
    /// The actors.
    pub app: App,
    /// The gateway's shard manager (Discord on).
    pub shards: Option<Arc<serenity::all::ShardManager>>,
}

impl Running {
    /// Runs until `stop` completes (then stops polling and the gateway) or an actor dies: then
    /// it stops everything and the System, and says which actor, so the process exits non-zero
    /// and its service manager starts it again (work in progress is durable).
    pub async fn until(&self, stop: impl std::future::Future<Output = ()>) -> Result<(), String> {
        let mut fatal = self.app.take_fatal();
        let died = async {
            match fatal.as_mut() {
                Some(fatal) => fatal.recv().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = stop => {
                self.stop().await;
                Ok(())
            }
            Some(actor) = died => {
                self.stop().await;
                actix::System::current().stop();
                Err(format!("actor {actor} died; exiting so the service manager restarts the daemon (work in progress is in the database and the local folder)"))
            }
        }
    }

    /// Stops polling and the gateway (the System is stopped by the caller).
    pub async fn stop(&self) {
        self.app.stop_polling().await;
        if let Some(shards) = &self.shards {
            shards.shutdown_all().await;
        }
    }
}

/// Starts the actors on `db` with `sources`, posting to Discord when a token is set (the
/// token is checked first) or to the console otherwise. Must run inside an actix System.
/// `!reload` reads the settings from the process again.
pub async fn start(
    settings: Settings,
    db: sea_orm::DatabaseConnection,
    sources: Vec<Source>,
) -> Result<Running, Box<dyn std::error::Error>> {
    start_with(settings, SettingsSource::Process, db, sources).await
}

/// [`start`], with the place `!reload` reads settings from.
pub async fn start_with(
    settings: Settings,
    source: SettingsSource,
    db: sea_orm::DatabaseConnection,
    sources: Vec<Source>,
) -> Result<Running, Box<dyn std::error::Error>> {
    let discord = if settings.discord.token.is_empty() {
        tracing::info!("no Discord token: round posts go to the console");
        None
    } else {
        Some(crate::discord::connect(&settings.discord).await?)
    };
    let announcer: Arc<dyn crate::actors::round_publisher::Announcer> = match &discord {
        Some(discord) => discord.announcer.clone(),
        None => Arc::new(ConsoleAnnouncer),
    };
    // Ratings in step before anything imports (a daemon stopped between an import and its
    // catch-up, or a database from before the ratings): a failure only delays them.
    match crate::store::ratings::catch_up(&db).await {
        Ok(done) => tracing::info!(?done, "ratings in step"),
        Err(error) => {
            tracing::warn!(error = %error, "ratings not caught up at start; the next import tries again")
        }
    }
    let kept = settings.clone();
    let app = actors::start(Parts { settings, db: db.clone(), sources, announcer })?;
    crate::ops::resume_syncs(&app, &db).await?;
    let cache = Arc::new(CommandCache::new(kept.config().cache_ttl, kept.commands.cache_capacity));
    app.db_writer.do_send(AddFileListener(CacheKeeper(cache.clone()).start().recipient()));
    let shards = match &discord {
        Some(discord) => {
            let front = crate::discord::FrontEnd::new(&kept, source);
            let ops = Arc::new(crate::ops::DaemonOps::new(
                &app,
                db.clone(),
                cache.clone(),
                front.reloader(),
            ));
            let routes = crate::discord::handler::TriggerRoutes {
                servers: app
                    .servers
                    .iter()
                    .map(|s| (s.webhook_ids.clone(), s.scheduler.clone()))
                    .collect(),
            };
            let parts = crate::discord::GatewayParts {
                front,
                ops,
                routes,
                voice: app.voice.clone(),
                db,
                cache,
            };
            Some(crate::discord::start_gateway(discord, &kept, parts).await?)
        }
        None => None,
    };
    Ok(Running { app, shards })
}

/// The daemon: the database (migrated), the sources, the actors, Discord and the status
/// endpoint, until Ctrl-C or SIGTERM (`Ok`) or an actor dies (`Err` naming it).
pub async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let connection = open_database(&settings).await?;
    let sources = sources(&settings).await?;
    let status_addr = settings.health.status_addr.clone();
    let web_addr = settings.config().web_addr;
    let timezone = settings.config().timezone;
    let running = start(settings, connection.clone(), sources).await?;
    let web = match web_addr {
        Some(addr) => {
            let state = crate::web::WebState {
                db: connection,
                health: Some(running.app.health.clone()),
                timezone,
                memo: Default::default(),
            };
            let web = crate::web::start(addr, state).map_err(|e| {
                format!("web.addr: cannot listen on {addr}: {e} (another program on that port? set web.addr, or empty to turn the site off)")
            })?;
            Some(web)
        }
        None => None,
    };
    match tokio::net::TcpListener::bind(&status_addr).await {
        Ok(listener) => {
            tracing::info!(addr = %status_addr, "status endpoint listening");
            actix::spawn(serve_status(listener, running.app.health.clone()));
        }
        Err(error) => {
            tracing::warn!(addr = %status_addr, error = %error, "status endpoint unavailable")
        }
    }
    let result = running.until(wait_for_stop()).await;
    if let Some(web) = web {
        web.stop().await;
    }
    result?;
    tracing::info!("stopping: in-flight files are safe to abandon (one transaction per file)");
    actix::System::current().stop();
    Ok(())
}

/// One file source per configured game server.
pub async fn sources(settings: &Settings) -> Result<Vec<Source>, Box<dyn std::error::Error>> {
    let mut sources = Vec::new();
    for server in settings.game_servers()? {
        let remote: Arc<dyn RemoteFiles> = match &server.source {
            SourceKind::LocalFolder => {
                tokio::fs::create_dir_all(&server.local_dir).await?;
                Arc::new(LocalDirFiles::new(PathBuf::from(&server.local_dir)))
            }
            SourceKind::Sftp {
                host,
                port,
                user,
                key_path,
                remote_path,
                known_hosts,
                strict_host_key,
            } => {
                let known_hosts = if known_hosts.is_empty() {
                    std::env::var("HOME")
                        .map(|h| PathBuf::from(h).join(".ssh/known_hosts"))
                        .unwrap_or_default()
                } else {
                    PathBuf::from(known_hosts)
                };
                Arc::new(SftpFiles::new(SshTarget {
                    host: host.clone(),
                    port: *port,
                    user: user.clone(),
                    key_path: PathBuf::from(key_path),
                    known_hosts,
                    strict_host_key: *strict_host_key,
                    remote_path: PathBuf::from(remote_path),
                    ..SshTarget::default()
                }))
            }
        };
        sources.push(Source { server, remote });
    }
    Ok(sources)
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
