//! Validated, typed configuration: [`Settings`](crate::settings::Settings) checked once, when
//! they load, into the values the daemon works with (a time zone, durations, thresholds, hours).
//! Each rule names its key (and the original bot's variable when that set it); nothing falls
//! back quietly. Consumers read [`Settings::config`](crate::settings::Settings::config).
use std::time::Duration;

use chrono::TimeDelta;
use chrono_tz::Tz;

use crate::settings::{Settings, SettingsError};

/// The checked values.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `poll.timezone`: the game server's zone (file names and dead hours use it).
    pub timezone: Tz,
    /// `poll.dead_hours_start`, `poll.dead_hours_end` (0 to 23; equal: none).
    pub dead_hours: (u32, u32),
    /// `poll.active_interval_secs` (at least 1).
    pub active_interval: TimeDelta,
    /// `poll.idle_interval_secs` (at least 1).
    pub idle_interval: TimeDelta,
    /// `poll.grace_minutes`.
    pub grace: TimeDelta,
    /// `poll.startup_lookback_hours`.
    pub startup_lookback: TimeDelta,
    /// `voice.start_threshold` (at least 1).
    pub voice_start_threshold: usize,
    /// `voice.end_threshold` (at most the start threshold).
    pub voice_end_threshold: usize,
    /// `voice.end_delay_secs`.
    pub voice_end_delay: TimeDelta,
    /// `sessions.gap_minutes` (at least 1).
    pub session_gap: TimeDelta,
    /// `parser.round_match_window_minutes` (at least 1).
    pub round_match_window_minutes: i64,
    /// `health.log_interval_secs` (at least 1).
    pub health_log_interval: Duration,
    /// `discord.trigger_limit` (at least 1).
    pub trigger_limit: usize,
    /// `discord.trigger_window_secs` (at least 1).
    pub trigger_window: TimeDelta,
    /// `commands.cache_ttl_secs`.
    pub cache_ttl: Duration,
    /// `commands.slow_warning_ms`.
    pub slow_warning: Duration,
    /// `web.addr`: where the site listens (`None`: no site).
    pub web_addr: Option<std::net::SocketAddr>,
    /// `web.public_url`: the site's public address (http or https, no user or password).
    pub public_url: Option<url::Url>,
}

impl Default for Config {
    /// The values of `settings/default.toml` (only a placeholder while settings deserialize:
    /// `Settings::load` replaces it with the checked values).
    fn default() -> Self {
        Config {
            timezone: chrono_tz::Europe::Paris,
            dead_hours: (2, 11),
            active_interval: TimeDelta::seconds(60),
            idle_interval: TimeDelta::seconds(600),
            grace: TimeDelta::minutes(30),
            startup_lookback: TimeDelta::hours(168),
            voice_start_threshold: 6,
            voice_end_threshold: 2,
            voice_end_delay: TimeDelta::seconds(300),
            session_gap: TimeDelta::minutes(60),
            round_match_window_minutes: 60,
            health_log_interval: Duration::from_secs(60),
            trigger_limit: 5,
            trigger_window: TimeDelta::seconds(60),
            cache_ttl: Duration::from_secs(600),
            slow_warning: Duration::from_millis(5000),
            web_addr: Some(std::net::SocketAddr::from(([127, 0, 0, 1], 8080))),
            public_url: None,
        }
    }
}

fn invalid(key: &str, reason: impl Into<String>) -> SettingsError {
    SettingsError::Invalid { key: key.to_owned(), reason: reason.into() }
}

/// `value` in `unit`s as a TimeDelta, refusing what does not fit.
fn span(
    key: &str,
    value: u64,
    unit: fn(i64) -> Option<TimeDelta>,
) -> Result<TimeDelta, SettingsError> {
    i64::try_from(value)
        .ok()
        .and_then(unit)
        .ok_or_else(|| invalid(key, format!("{value} is too large")))
}

fn at_least_one(key: &str, value: u64) -> Result<u64, SettingsError> {
    if value == 0 { Err(invalid(key, "must be at least 1")) } else { Ok(value) }
}

impl Config {
    /// Checks `settings`; the first wrong value is the error.
    pub fn from_settings(s: &Settings) -> Result<Config, SettingsError> {
        let timezone: Tz = s.poll.timezone.parse().map_err(|_| {
            invalid(
                "poll.timezone",
                format!(
                    "unknown time zone {:?} (an IANA name such as Europe/Paris)",
                    s.poll.timezone
                ),
            )
        })?;
        for (key, hour) in [
            ("poll.dead_hours_start", s.poll.dead_hours_start),
            ("poll.dead_hours_end", s.poll.dead_hours_end),
        ] {
            if hour > 23 {
                return Err(invalid(key, format!("{hour}: hours are 0 to 23")));
            }
        }
        let secs = TimeDelta::try_seconds;
        let minutes = TimeDelta::try_minutes;
        let start = at_least_one("voice.start_threshold", u64::from(s.voice.start_threshold))?;
        if u64::from(s.voice.end_threshold) > start {
            return Err(invalid(
                "voice.end_threshold",
                format!("{} is above voice.start_threshold ({start})", s.voice.end_threshold),
            ));
        }
        let web_addr = match s.web.addr.trim() {
            "" => None,
            text => Some(text.parse::<std::net::SocketAddr>().map_err(|_| {
                invalid("web.addr", format!("{text:?} is not an address such as 127.0.0.1:8080"))
            })?),
        };
        let public_url = match s.web.public_url.trim() {
            "" => None,
            text => {
                let url = url::Url::parse(text).map_err(|e| {
                    invalid("web.public_url", format!("not a URL ({e}); give https://host/…"))
                })?;
                if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                    return Err(invalid("web.public_url", "must be an http or https address"));
                }
                if !url.username().is_empty() || url.password().is_some() {
                    return Err(invalid("web.public_url", "must not carry a user or password"));
                }
                Some(url)
            }
        };
        Ok(Config {
            web_addr,
            public_url,
            timezone,
            dead_hours: (s.poll.dead_hours_start, s.poll.dead_hours_end),
            active_interval: span(
                "poll.active_interval_secs",
                at_least_one("poll.active_interval_secs", s.poll.active_interval_secs)?,
                secs,
            )?,
            idle_interval: span(
                "poll.idle_interval_secs",
                at_least_one("poll.idle_interval_secs", s.poll.idle_interval_secs)?,
                secs,
            )?,
            grace: span("poll.grace_minutes", s.poll.grace_minutes, minutes)?,
            startup_lookback: span(
                "poll.startup_lookback_hours",
                s.poll.startup_lookback_hours,
                TimeDelta::try_hours,
            )?,
            voice_start_threshold: usize::try_from(start).unwrap_or(usize::MAX),
            voice_end_threshold: usize::try_from(s.voice.end_threshold).unwrap_or(usize::MAX),
            voice_end_delay: span("voice.end_delay_secs", s.voice.end_delay_secs, secs)?,
            session_gap: span(
                "sessions.gap_minutes",
                at_least_one("sessions.gap_minutes", u64::from(s.sessions.gap_minutes))?,
                minutes,
            )?,
            round_match_window_minutes: i64::from(
                at_least_one(
                    "parser.round_match_window_minutes",
                    u64::from(s.parser.round_match_window_minutes),
                )
                .map(|_| s.parser.round_match_window_minutes)?,
            ),
            health_log_interval: Duration::from_secs(at_least_one(
                "health.log_interval_secs",
                s.health.log_interval_secs,
            )?),
            trigger_limit: usize::try_from(at_least_one(
                "discord.trigger_limit",
                s.discord.trigger_limit as u64,
            )?)
            .unwrap_or(usize::MAX),
            trigger_window: span(
                "discord.trigger_window_secs",
                at_least_one("discord.trigger_window_secs", s.discord.trigger_window_secs)?,
                secs,
            )?,
            cache_ttl: Duration::from_secs(s.commands.cache_ttl_secs),
            slow_warning: Duration::from_millis(s.commands.slow_warning_ms),
        })
    }
}
