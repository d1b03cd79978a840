//! The daemon's actor graph, built explicitly in dependency order (downstream first), each
//! actor under an actix `Supervisor` and knowing its downstream only as `Recipient<M>`.
use std::{path::PathBuf, sync::Arc, time::Duration};

use actix::prelude::*;
use chrono::TimeDelta;
use sea_orm::DatabaseConnection;

use crate::{
    actors::{
        db_writer::{AddFileListener, DbWriter},
        file_fetcher::{FetcherConfig, FileFetcher},
        health_monitor::HealthMonitor,
        poll_scheduler::{PollRules, PollScheduler},
        round_publisher::{Announcer, RoundPublisher},
        stats_parser::StatsParser,
        voice_session_tracker::{VoiceRules, VoiceSessionTracker},
    },
    settings::Settings,
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

/// The running actors.
pub struct App {
    /// Poll control (PollNow, FetchNow).
    pub scheduler: Addr<PollScheduler>,
    /// Voice snapshots go here.
    pub voice: Addr<VoiceSessionTracker>,
    /// Health of every actor.
    pub health: Addr<HealthMonitor>,
    /// The writer (tests stop it to prove supervision).
    pub db_writer: Addr<DbWriter>,
    /// The fetcher.
    pub fetcher: Addr<FileFetcher>,
}

/// What the graph needs from outside: settings, a migrated database, the file source and the
/// announcer.
pub struct Parts {
    /// Settings.
    pub settings: Settings,
    /// Migrated database.
    pub db: DatabaseConnection,
    /// Where stats files come from.
    pub remote: Arc<dyn RemoteFiles>,
    /// Whether the source is a local folder (no dead hours, fast polling).
    pub local_source: bool,
    /// Where posts go.
    pub announcer: Arc<dyn Announcer>,
}

/// Starts every actor on the current System.
pub fn start(parts: Parts) -> Result<App, StartupError> {
    let Parts { settings, db, remote, local_source, announcer } = parts;
    let timezone: chrono_tz::Tz =
        settings.poll.timezone.parse().map_err(|_| StartupError::Setting {
            key: "poll.timezone",
            reason: format!("unknown time zone {:?}", settings.poll.timezone),
        })?;
    let hours_ok = |h: u32| h < 24;
    if !hours_ok(settings.poll.dead_hours_start) || !hours_ok(settings.poll.dead_hours_end) {
        return Err(StartupError::Setting {
            key: "poll.dead_hours_start",
            reason: "hours are 0 to 23".into(),
        });
    }
    let rules =
        PairingRules::with_window_minutes(i64::from(settings.parser.round_match_window_minutes));
    let store = Store::new(
        db.clone(),
        &settings.stats.server_name,
        rules,
        TimeDelta::minutes(i64::from(settings.sessions.gap_minutes)),
    );

    let publisher = Supervisor::start({
        let db = db.clone();
        move |_| RoundPublisher::new(db, announcer)
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
    let local_dir = PathBuf::from(&settings.stats.local_dir);
    let fetcher = Supervisor::start({
        let config = FetcherConfig {
            server: settings.stats.server_name.clone(),
            remote,
            local_dir: local_dir.clone(),
            dedup: Dedup::new(
                started_local,
                // A local folder is the operator's own: whatever is dropped in it is imported.
                if local_source {
                    TimeDelta::days(365 * 100)
                } else {
                    TimeDelta::hours(
                        i64::try_from(settings.poll.startup_lookback_hours).unwrap_or(168),
                    )
                },
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
            dead_hours: Some((settings.poll.dead_hours_start, settings.poll.dead_hours_end)),
            active: TimeDelta::seconds(
                i64::try_from(settings.poll.active_interval_secs).unwrap_or(60),
            ),
            idle: TimeDelta::seconds(
                i64::try_from(settings.poll.idle_interval_secs).unwrap_or(600),
            ),
            grace: TimeDelta::minutes(i64::try_from(settings.poll.grace_minutes).unwrap_or(30)),
        }
    };
    let scheduler = Supervisor::start({
        let sync = fetcher.clone().recipient();
        let fetch = fetcher.clone().recipient();
        move |_| PollScheduler::new(poll_rules, sync, fetch)
    });
    db_writer.do_send(AddFileListener(scheduler.clone().recipient()));
    let voice_rules = VoiceRules {
        start_threshold: usize::try_from(settings.voice.start_threshold).unwrap_or(6),
        end_threshold: usize::try_from(settings.voice.end_threshold).unwrap_or(2),
        end_delay: TimeDelta::seconds(i64::try_from(settings.voice.end_delay_secs).unwrap_or(300)),
    };
    let voice = Supervisor::start({
        let started = vec![scheduler.clone().recipient()];
        let ended = vec![scheduler.clone().recipient()];
        move |_| VoiceSessionTracker::new(voice_rules, started, ended)
    });
    let health = Supervisor::start({
        let components = vec![
            ("voice_session_tracker", voice.clone().recipient()),
            ("poll_scheduler", scheduler.clone().recipient()),
            ("file_fetcher", fetcher.clone().recipient()),
            ("stats_parser", parser.clone().recipient()),
            ("db_writer", db_writer.clone().recipient()),
            ("round_publisher", publisher.clone().recipient()),
        ];
        let interval = Duration::from_secs(settings.health.log_interval_secs.max(1));
        move |_| HealthMonitor::new(components, interval)
    });
    tracing::info!(
        server = %settings.stats.server_name,
        source = if local_source { "local folder" } else { "sftp" },
        local_dir = %local_dir.display(),
        "actors started"
    );
    Ok(App { scheduler, voice, health, db_writer, fetcher })
}
