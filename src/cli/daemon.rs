//! `slomix` with no arguments: the daemon. `slomix status`: its health, read from a running one.
use std::process::ExitCode;

use crate::app;

/// Runs the daemon until Ctrl-C or SIGTERM; exits 0 after a clean stop.
pub fn run() -> ExitCode {
    let settings = match super::settings(None, ExitCode::FAILURE) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
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
    let result = system.block_on(app::serve(settings));
    // Actors still holding unfinished database futures are dropped with the System; sqlx
    // needs a runtime context while they drop (a transaction rolls back: nothing half-done).
    let handle = system.block_on(async { tokio::runtime::Handle::current() });
    {
        let _context = handle.enter();
        drop(system);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "the daemon stopped with an error");
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `slomix status`: prints each actor's health from the running daemon.
pub fn status() -> ExitCode {
    let addr = match app::load_settings() {
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
