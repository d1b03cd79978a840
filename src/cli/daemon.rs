//! `slomix` with no arguments: the daemon. `slomix status`: its health, read from a running one.
use std::{path::PathBuf, process::ExitCode, sync::Arc};

use crate::{
    actors::{health_monitor::serve_status, round_publisher::ConsoleAnnouncer},
    daemon::{self, Parts},
    db,
    settings::Settings,
    sftp::{LocalDirFiles, RemoteFiles, SftpFiles, SshTarget},
    telemetry,
};

/// Runs the daemon until Ctrl-C or SIGTERM; exits 0 after a clean stop.
pub fn run() -> ExitCode {
    let settings = match Settings::from_process_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(&settings.log.filter);
    let system = actix::System::with_tokio_rt(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|error| {
                eprintln!("error: cannot start the runtime: {error}");
                std::process::exit(1)
            })
    });
    let result = system.block_on(run_until_stopped(settings));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "start-up failed");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run_until_stopped(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let url = settings.database.url.expose().to_owned();
    let connection = db::connect(&url).await?;
    let applied = db::migrate(&connection).await?;
    tracing::info!(database = %db::redact_url(&url), migrations_applied = applied, "database ready");
    let (remote, local_source): (Arc<dyn RemoteFiles>, bool) = if settings.ssh.enabled {
        let known_hosts = if settings.ssh.known_hosts.is_empty() {
            std::env::var("HOME")
                .map(|h| PathBuf::from(h).join(".ssh/known_hosts"))
                .unwrap_or_default()
        } else {
            PathBuf::from(&settings.ssh.known_hosts)
        };
        let target = SshTarget {
            host: settings.ssh.host.clone(),
            port: settings.ssh.port,
            user: settings.ssh.user.clone(),
            key_path: PathBuf::from(&settings.ssh.key_path),
            known_hosts,
            strict_host_key: settings.ssh.strict_host_key,
            remote_path: PathBuf::from(&settings.ssh.remote_path),
            ..SshTarget::default()
        };
        (Arc::new(SftpFiles::new(target)), false)
    } else {
        tokio::fs::create_dir_all(&settings.stats.local_dir).await?;
        (Arc::new(LocalDirFiles::new(PathBuf::from(&settings.stats.local_dir))), true)
    };
    if !settings.discord.token.is_empty() {
        tracing::warn!(
            "a Discord token is set but the Discord sink is not built yet; posting to the console"
        );
    }
    let status_addr = settings.health.status_addr.clone();
    let app = daemon::start(Parts {
        settings,
        db: connection,
        remote,
        local_source,
        announcer: Arc::new(ConsoleAnnouncer),
    })?;
    match tokio::net::TcpListener::bind(&status_addr).await {
        Ok(listener) => {
            tracing::info!(addr = %status_addr, "status endpoint listening");
            actix::spawn(serve_status(listener, app.health.clone()));
        }
        Err(error) => {
            tracing::warn!(addr = %status_addr, error = %error, "status endpoint unavailable")
        }
    }
    wait_for_stop().await;
    let _ = app.scheduler.send(crate::actors::poll_scheduler::Shutdown).await;
    tracing::info!("stopping: in-flight files are safe to abandon (one transaction per file)");
    actix::System::current().stop();
    Ok(())
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

/// `slomix status`: prints each actor's health from the running daemon.
pub fn status() -> ExitCode {
    let addr = match Settings::from_process_env() {
        Ok(settings) => settings.health.status_addr,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    match std::net::TcpStream::connect(&addr) {
        Ok(mut stream) => {
            let mut text = String::new();
            match std::io::Read::read_to_string(&mut stream, &mut text) {
                Ok(_) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: reading status from {addr}: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(error) => {
            eprintln!("error: no daemon answering on {addr} ({error})");
            ExitCode::FAILURE
        }
    }
}
