//! The original bot's environment variables (`DISCORD_BOT_TOKEN`, `SSH_HOST`, the
//! `POSTGRES_*` parts, ...): each sets one key, checked for its kind, so an existing `.env`
//! works unchanged.
use std::collections::HashMap;

use super::SettingsError;

/// What an original variable holds.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    Text,
    Int,
    Bool,
    IdList,
}

/// The original bot's variable names (mission document §9) and the keys they set.
pub(super) const ALIASES: &[(&str, &str, Kind)] = &[
    ("DISCORD_BOT_TOKEN", "discord.token", Kind::Text),
    ("DISCORD_API_URL", "discord.api_url", Kind::Text),
    ("PRODUCTION_CHANNEL_ID", "discord.production_channel_id", Kind::Int),
    ("WEBHOOK_TRIGGER_CHANNEL_ID", "discord.control_channel_id", Kind::Int),
    ("WEBHOOK_TRIGGER_WHITELIST", "discord.webhook_whitelist", Kind::IdList),
    ("WEBHOOK_TRIGGER_USERNAME", "discord.webhook_username", Kind::Text),
    ("GENERAL_CHANNEL_ID", "discord.general_channel_id", Kind::Int),
    ("GATHER_CHANNEL_ID", "discord.gather_channel_id", Kind::Int),
    ("ADMIN_CHANNEL_ID", "discord.admin_channel_ids", Kind::IdList),
    ("GAMING_VOICE_CHANNELS", "discord.gaming_voice_channels", Kind::IdList),
    ("BOT_COMMAND_CHANNELS", "discord.command_channels", Kind::IdList),
    ("ADMIN_USER_IDS", "discord.admin_user_ids", Kind::IdList),
    ("SSH_ENABLED", "ssh.enabled", Kind::Bool),
    ("SSH_HOST", "ssh.host", Kind::Text),
    ("SSH_PORT", "ssh.port", Kind::Int),
    ("SSH_USER", "ssh.user", Kind::Text),
    ("SSH_KEY_PATH", "ssh.key_path", Kind::Text),
    ("REMOTE_STATS_PATH", "ssh.remote_path", Kind::Text),
    ("SSH_STRICT_HOST_KEY", "ssh.strict_host_key", Kind::Bool),
    ("STATS_DIRECTORY", "stats.local_dir", Kind::Text),
    ("AUTOMATION_ENABLED", "voice.automation_enabled", Kind::Bool),
    ("SESSION_GAP_MINUTES", "sessions.gap_minutes", Kind::Int),
    ("SESSION_START_THRESHOLD", "voice.start_threshold", Kind::Int),
    ("SESSION_END_THRESHOLD", "voice.end_threshold", Kind::Int),
    ("SESSION_END_DELAY", "voice.end_delay_secs", Kind::Int),
    ("ROUND_MATCH_WINDOW_MINUTES", "parser.round_match_window_minutes", Kind::Int),
    ("MONITORING_GRACE_PERIOD_MINUTES", "poll.grace_minutes", Kind::Int),
    ("STARTUP_LOOKBACK_HOURS", "poll.startup_lookback_hours", Kind::Int),
    ("LOG_LEVEL", "log.filter", Kind::Text),
];

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

/// Applies every original variable present in `env` over `builder`.
pub(super) fn apply(
    mut builder: config::ConfigBuilder<config::builder::DefaultState>,
    env: &HashMap<String, String>,
) -> Result<config::ConfigBuilder<config::builder::DefaultState>, SettingsError> {
    for (variable, key, kind) in ALIASES {
        let Some(value) = env.get(*variable) else { continue };
        let bad = |reason: &str| SettingsError::Alias {
            variable,
            key,
            value: value.clone(),
            reason: reason.to_owned(),
        };
        builder = match kind {
            Kind::Text => builder.set_override(*key, value.as_str())?,
            Kind::Int => builder.set_override(
                *key,
                value.trim().parse::<i64>().map_err(|_| bad("expected a whole number"))?,
            )?,
            Kind::Bool => builder.set_override(
                *key,
                parse_bool(value).ok_or_else(|| bad("expected true or false"))?,
            )?,
            Kind::IdList => {
                let ids = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse::<i64>().map_err(|_| bad("expected ids separated by commas")))
                    .collect::<Result<Vec<i64>, _>>()?;
                builder.set_override(*key, ids)?
            }
        };
    }
    Ok(builder)
}

/// The original variable that set `key`, if one did.
pub(super) fn variable_for(key: &str, env: &HashMap<String, String>) -> Option<&'static str> {
    ALIASES.iter().find(|(variable, k, _)| *k == key && env.contains_key(*variable)).map(|a| a.0)
}

/// `postgres://user:pass@host:port/db` from the original `POSTGRES_*` variables, when
/// `DATABASE_TYPE` says PostgreSQL or a `POSTGRES_HOST` is given (the `url` crate encodes the
/// parts; a host, port or name it cannot take stops loading, naming the variable).
pub(super) fn postgres_url_from_parts(
    env: &HashMap<String, String>,
) -> Result<Option<String>, SettingsError> {
    let wants =
        env.get("DATABASE_TYPE").is_some_and(|t| t.to_ascii_lowercase().starts_with("postgres"))
            || env.contains_key("POSTGRES_HOST");
    if !wants {
        return Ok(None);
    }
    let get =
        |key: &str, default: &str| env.get(key).cloned().unwrap_or_else(|| default.to_owned());
    let bad = |variable: &'static str, reason: &str| SettingsError::Alias {
        variable,
        key: "database.url",
        value: if variable == "POSTGRES_PASSWORD" {
            "[redacted]".into()
        } else {
            get(variable, "")
        },
        reason: reason.to_owned(),
    };
    let port: u16 = get("POSTGRES_PORT", "5432")
        .trim()
        .parse()
        .map_err(|_| bad("POSTGRES_PORT", "expected a port number"))?;
    let mut url = url::Url::parse("postgres://localhost/").expect("a valid base URL");
    url.set_host(Some(&get("POSTGRES_HOST", "localhost")))
        .map_err(|_| bad("POSTGRES_HOST", "not a host name or address"))?;
    url.set_port(Some(port)).map_err(|()| bad("POSTGRES_PORT", "not usable"))?;
    url.set_username(&get("POSTGRES_USER", "etlegacy"))
        .map_err(|()| bad("POSTGRES_USER", "not usable"))?;
    let password = get("POSTGRES_PASSWORD", "");
    if !password.is_empty() {
        url.set_password(Some(&password)).map_err(|()| bad("POSTGRES_PASSWORD", "not usable"))?;
    }
    url.path_segments_mut()
        .map_err(|()| bad("POSTGRES_DATABASE", "not usable"))?
        .clear()
        .push(&get("POSTGRES_DATABASE", "etlegacy_stats"));
    Ok(Some(url.to_string()))
}
