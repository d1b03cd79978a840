//! Typed settings: `settings/*.toml` layered under environment variables, with the original
//! bot's variable names kept as aliases (`legacy.rs`), resolved into game servers
//! (`servers.rs`), compared for `!reload` (`reload.rs`), and checked into typed values
//! (`crate::config`) as they load.
mod legacy;
mod reload;
mod servers;

pub use self::{
    reload::{SettingsSource, changed_keys},
    servers::{GameServer, SourceKind},
};
use std::{collections::HashMap, fmt, path::Path};

use serde::Deserialize;

/// A secret string (token, password, URL with a password): `Debug` and `Display` never show it.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Whether it is empty (unset).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "[redacted]" })
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// All settings. One section per part of the daemon.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs, reason = "each key is documented in settings/default.toml")]
pub struct Settings {
    pub database: DatabaseSettings,
    pub discord: DiscordSettings,
    pub ssh: SshSettings,
    pub stats: StatsSettings,
    pub poll: PollSettings,
    pub voice: VoiceSettings,
    pub sessions: SessionSettings,
    pub parser: ParserSettings,
    pub health: HealthSettings,
    pub log: LogSettings,
    pub commands: CommandSettings,
    pub posts: PostSettings,
    pub web: WebSettings,
    /// The checked, typed values (`crate::config`), set by [`Settings::load`].
    #[serde(skip)]
    config: crate::config::Config,
    #[serde(default)]
    pub servers: Vec<ServerSettings>,
}

/// One `[[servers]]` entry: a further game server reached over SFTP.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs, reason = "each key is documented in settings/default.toml")]
pub struct ServerSettings {
    pub name: String,
    pub host: String,
    #[serde(default = "default_ssh_port")]
    pub port: u16,
    pub user: String,
    pub key_path: String,
    #[serde(default = "default_remote_path")]
    pub remote_path: String,
    #[serde(default)]
    pub known_hosts: String,
    #[serde(default = "default_true")]
    pub strict_host_key: bool,
    #[serde(default, deserialize_with = "ids")]
    pub webhook_ids: Vec<u64>,
}

/// An id list: a sequence, one id on its own, or text with ids separated by commas (an
/// environment variable arrives as a number, a string, or a list of strings).
fn ids<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Number(u64),
        Text(String),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Id),
        Many(Vec<Id>),
    }
    let items = match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(id) => vec![id],
        OneOrMany::Many(ids) => ids,
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Id::Number(id) => out.push(id),
            Id::Text(text) => {
                for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    out.push(
                        part.parse().map_err(|_| {
                            serde::de::Error::custom(format!("{part:?} is not an id"))
                        })?,
                    );
                }
            }
        }
    }
    if out.contains(&0) {
        return Err(serde::de::Error::custom("0 is not a Discord id"));
    }
    Ok(out)
}

fn default_ssh_port() -> u16 {
    22
}

fn default_remote_path() -> String {
    "/home/et/.etlegacy/legacy/gamestats".to_owned()
}

fn default_true() -> bool {
    true
}

/// `[database]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct DatabaseSettings {
    pub url: Secret,
}

/// `[discord]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct DiscordSettings {
    pub token: Secret,
    pub api_url: String,
    pub production_channel_id: u64,
    pub control_channel_id: u64,
    #[serde(deserialize_with = "ids")]
    pub webhook_whitelist: Vec<u64>,
    pub webhook_username: String,
    pub trigger_limit: usize,
    pub trigger_window_secs: u64,
    pub general_channel_id: u64,
    pub gather_channel_id: u64,
    #[serde(deserialize_with = "ids")]
    pub admin_channel_ids: Vec<u64>,
    #[serde(deserialize_with = "ids")]
    pub gaming_voice_channels: Vec<u64>,
    #[serde(deserialize_with = "ids")]
    pub command_channels: Vec<u64>,
    #[serde(deserialize_with = "ids")]
    pub admin_user_ids: Vec<u64>,
    #[serde(deserialize_with = "ids")]
    pub admin_role_ids: Vec<u64>,
    pub command_prefix: String,
    pub slash_commands: bool,
}

/// `[posts]`: what is posted beyond the rounds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct PostSettings {
    pub achievement_unlocks: bool,
    pub session_recap: bool,
}

/// `[commands]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct CommandSettings {
    pub cache_ttl_secs: u64,
    pub cache_capacity: usize,
    pub slow_warning_ms: u64,
}

/// `[ssh]`: the game server reached over SFTP.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct SshSettings {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub key_path: String,
    pub remote_path: String,
    pub known_hosts: String,
    pub strict_host_key: bool,
}

/// `[stats]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct StatsSettings {
    pub local_dir: String,
    pub server_name: String,
}

/// `[poll]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct PollSettings {
    pub enabled: bool,
    pub timezone: String,
    pub dead_hours_start: u32,
    pub dead_hours_end: u32,
    pub active_interval_secs: u64,
    pub idle_interval_secs: u64,
    pub grace_minutes: u64,
    pub startup_lookback_hours: u64,
}

/// `[voice]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct VoiceSettings {
    pub automation_enabled: bool,
    pub start_threshold: u32,
    pub end_threshold: u32,
    pub end_delay_secs: u64,
}

/// `[sessions]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct SessionSettings {
    pub gap_minutes: u32,
}

/// `[parser]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct ParserSettings {
    pub round_match_window_minutes: u32,
}

/// `[health]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct HealthSettings {
    pub log_interval_secs: u64,
    pub status_addr: String,
}

/// `[web]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct WebSettings {
    pub addr: String,
    pub public_url: String,
}

/// `[log]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[allow(missing_docs)]
pub struct LogSettings {
    pub filter: String,
}

/// Why settings could not be loaded. The message names the key (and the variable).
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A file, variable or value was wrong.
    #[error("settings: {0}")]
    Config(#[from] config::ConfigError),
    /// A value is out of range or inconsistent with another.
    #[error("settings: `{key}`: {reason}")]
    Invalid {
        /// The key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A value set through one of the original bot's variables is out of range.
    #[error("settings: `{key}` (set by {variable}): {reason}")]
    InvalidFrom {
        /// The key.
        key: String,
        /// The environment variable that set it.
        variable: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A variable of the original bot had a value that does not fit its key.
    #[error("settings: {variable}={value:?} is not valid for `{key}`: {reason}")]
    Alias {
        /// The environment variable.
        variable: &'static str,
        /// The key it sets.
        key: &'static str,
        /// The offending value (never a secret: secrets are strings and always fit).
        value: String,
        /// Why it does not fit.
        reason: String,
    },
}

/// `settings/default.toml` as compiled in.
const EMBEDDED_DEFAULTS: &str = include_str!("../../settings/default.toml");

impl Settings {
    /// Loads settings from the folder `dir` (holding `default.toml`) and the environment
    /// `env` (given explicitly so tests never touch the process environment).
    pub fn load(dir: &Path, env: &HashMap<String, String>) -> Result<Settings, SettingsError> {
        let mode = env.get("RUN_MODE").map_or("development", String::as_str);
        let defaults = dir.join("default.toml");
        let mut builder = config::Config::builder();
        // Without a settings folder (a binary run elsewhere) the compiled-in defaults apply.
        builder = if defaults.exists() {
            builder.add_source(config::File::from(defaults))
        } else {
            builder.add_source(config::File::from_str(EMBEDDED_DEFAULTS, config::FileFormat::Toml))
        };
        builder = builder
            .add_source(config::File::from(dir.join(format!("{mode}.toml"))).required(false))
            .add_source(config::File::from(dir.join("local.toml")).required(false))
            .add_source(
                config::Environment::with_prefix("SLOMIX")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true)
                    .list_separator(",")
                    .with_list_parse_key("discord.webhook_whitelist")
                    .with_list_parse_key("discord.admin_channel_ids")
                    .with_list_parse_key("discord.gaming_voice_channels")
                    .with_list_parse_key("discord.command_channels")
                    .with_list_parse_key("discord.admin_user_ids")
                    .with_list_parse_key("discord.admin_role_ids")
                    .source(Some(env.clone().into_iter().collect())),
            );
        builder = legacy::apply(builder, env)?;
        if let Some(url) = legacy::postgres_url_from_parts(env)? {
            builder = builder.set_override("database.url", url)?;
        }
        if let Some(url) = env.get("DATABASE_URL").filter(|u| !u.is_empty()) {
            builder = builder.set_override("database.url", url.as_str())?;
        }
        let mut settings: Settings = builder.build()?.try_deserialize()?;
        settings.config = crate::config::Config::from_settings(&settings).map_err(|error| {
            match error {
                // Name the original bot's variable when that is what set the key.
                SettingsError::Invalid { key, reason } => match legacy::variable_for(&key, env) {
                    Some(variable) => SettingsError::InvalidFrom { key, variable, reason },
                    None => SettingsError::Invalid { key, reason },
                },
                other => other,
            }
        })?;
        Ok(settings)
    }

    /// The checked, typed values.
    pub fn config(&self) -> &crate::config::Config {
        &self.config
    }

    /// Now in the game servers' local time (`poll.timezone`).
    pub fn local_now(&self) -> chrono::NaiveDateTime {
        chrono::Utc::now().with_timezone(&self.config.timezone).naive_local()
    }

    /// Loads from `settings/` in the working directory and the process environment.
    pub fn from_process_env() -> Result<Settings, SettingsError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let dir = env.get("SLOMIX_SETTINGS_DIR").map_or("settings", String::as_str).to_owned();
        Settings::load(Path::new(&dir), &env)
    }
}

#[cfg(test)]
mod tests {
    use super::{legacy::ALIASES, *};

    fn dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("settings")
    }

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let env = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Settings::load(&dir(), &env)
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let s = load(&[]).unwrap();
        assert_eq!(s.database.url.expose(), "sqlite://data/slomix.db?mode=rwc");
        assert!(s.discord.token.is_empty());
        assert_eq!(s.stats.local_dir, "local_stats");
        assert_eq!((s.poll.dead_hours_start, s.poll.dead_hours_end), (2, 11));
        assert_eq!(s.voice.start_threshold, 6);
        assert_eq!(s.sessions.gap_minutes, 60);
        assert_eq!(s.parser.round_match_window_minutes, 60);
        assert!(s.ssh.strict_host_key);
        assert_eq!(s.log.filter, "info,slomix=debug", "development.toml applies by default");
        let production = load(&[("RUN_MODE", "production")]).unwrap();
        assert_eq!(production.log.filter, "info");
    }

    #[test]
    fn compiled_in_defaults_apply_without_a_settings_folder() {
        let s = Settings::load(Path::new("/nonexistent"), &HashMap::new()).unwrap();
        assert_eq!(s.stats.local_dir, "local_stats");
        assert_eq!(s.log.filter, "info");
    }

    #[test]
    fn id_lists_take_one_id_or_several() {
        let one = load(&[("SLOMIX__DISCORD__WEBHOOK_WHITELIST", "4242")]).unwrap();
        assert_eq!(one.discord.webhook_whitelist, vec![4242]);
        let two = load(&[("SLOMIX__DISCORD__GAMING_VOICE_CHANNELS", "1,2")]).unwrap();
        assert_eq!(two.discord.gaming_voice_channels, vec![1, 2]);
        let error = load(&[("SLOMIX__DISCORD__ADMIN_CHANNEL_IDS", "1,x")]).unwrap_err();
        assert!(error.to_string().contains("admin_channel_ids"), "{error}");
        let error = load(&[("SLOMIX__DISCORD__ADMIN_USER_IDS", "5,0")]).unwrap_err().to_string();
        assert!(
            error.contains("admin_user_ids") && error.contains("0 is not a Discord id"),
            "{error}"
        );
    }

    #[test]
    fn the_trigger_limit_is_a_setting_and_zero_stops_start_up_naming_the_key() {
        let s = load(&[]).unwrap();
        assert_eq!((s.discord.trigger_limit, s.discord.trigger_window_secs), (5, 60));
        let s = load(&[("SLOMIX__DISCORD__TRIGGER_LIMIT", "50")]).unwrap();
        assert_eq!(s.discord.trigger_limit, 50);
        for key in ["TRIGGER_LIMIT", "TRIGGER_WINDOW_SECS"] {
            let error = load(&[(&format!("SLOMIX__DISCORD__{key}"), "0")]).unwrap_err();
            let name = format!("discord.{}", key.to_lowercase());
            assert_eq!(error.to_string(), format!("settings: `{name}`: must be at least 1"));
        }
    }

    #[test]
    fn the_web_address_is_checked_and_empty_turns_the_site_off() {
        let s = load(&[]).unwrap();
        assert_eq!(s.config().web_addr, Some("127.0.0.1:8080".parse().unwrap()));
        assert_eq!(s.config().public_url, None);
        let off = load(&[("SLOMIX__WEB__ADDR", "")]).unwrap();
        assert_eq!(off.config().web_addr, None);
        let url = load(&[("SLOMIX__WEB__PUBLIC_URL", "https://stats.example.org/")]).unwrap();
        assert_eq!(
            url.config().public_url.as_ref().map(|u| u.as_str()),
            Some("https://stats.example.org/")
        );
        for (key, value, reason) in [
            ("ADDR", "localhost", "is not an address such as 127.0.0.1:8080"),
            ("ADDR", "127.0.0.1:99999", "is not an address such as 127.0.0.1:8080"),
            ("PUBLIC_URL", "stats.example.org", "not a URL"),
            ("PUBLIC_URL", "ftp://stats.example.org", "must be an http or https address"),
            (
                "PUBLIC_URL",
                "https://admin:secret@stats.example.org",
                "must not carry a user or password",
            ),
        ] {
            let error = load(&[(&format!("SLOMIX__WEB__{key}"), value)]).unwrap_err().to_string();
            let name = format!("web.{}", key.to_lowercase());
            assert!(error.contains(&format!("`{name}`")) && error.contains(reason), "{error}");
            assert!(!error.contains("secret"), "{error}");
        }
    }

    #[test]
    fn prefixed_variables_override_files() {
        let s = load(&[("SLOMIX__SESSIONS__GAP_MINUTES", "90"), ("SLOMIX__POLL__TIMEZONE", "UTC")])
            .unwrap();
        assert_eq!(s.sessions.gap_minutes, 90);
        assert_eq!(s.poll.timezone, "UTC");
    }

    #[test]
    fn original_variable_names_still_work() {
        let s = load(&[
            ("DISCORD_BOT_TOKEN", "tok"),
            ("PRODUCTION_CHANNEL_ID", "111"),
            ("WEBHOOK_TRIGGER_CHANNEL_ID", "222"),
            ("WEBHOOK_TRIGGER_WHITELIST", "333, 444"),
            ("GAMING_VOICE_CHANNELS", "555"),
            ("ADMIN_CHANNEL_ID", "666,777"),
            ("SSH_ENABLED", "true"),
            ("SSH_HOST", "vps"),
            ("SSH_PORT", "2222"),
            ("SSH_USER", "et"),
            ("SSH_KEY_PATH", "/k"),
            ("REMOTE_STATS_PATH", "/r"),
            ("SSH_STRICT_HOST_KEY", "false"),
            ("AUTOMATION_ENABLED", "1"),
            ("SESSION_GAP_MINUTES", "45"),
            ("SESSION_START_THRESHOLD", "4"),
            ("SESSION_END_THRESHOLD", "1"),
            ("SESSION_END_DELAY", "120"),
        ])
        .unwrap();
        assert_eq!(s.discord.token.expose(), "tok");
        assert_eq!(s.discord.production_channel_id, 111);
        assert_eq!(s.discord.control_channel_id, 222);
        assert_eq!(s.discord.webhook_whitelist, vec![333, 444]);
        assert_eq!(s.discord.gaming_voice_channels, vec![555]);
        assert_eq!(s.discord.admin_channel_ids, vec![666, 777]);
        assert!(s.ssh.enabled && !s.ssh.strict_host_key);
        assert_eq!((s.ssh.host.as_str(), s.ssh.port, s.ssh.user.as_str()), ("vps", 2222, "et"));
        assert_eq!((s.ssh.key_path.as_str(), s.ssh.remote_path.as_str()), ("/k", "/r"));
        assert!(s.voice.automation_enabled);
        assert_eq!(s.sessions.gap_minutes, 45);
        assert_eq!(
            (s.voice.start_threshold, s.voice.end_threshold, s.voice.end_delay_secs),
            (4, 1, 120)
        );
    }

    #[test]
    fn files_layer_default_run_mode_local_then_environment() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::copy(dir().join("default.toml"), folder.path().join("default.toml")).unwrap();
        let write =
            |name: &str, text: &str| std::fs::write(folder.path().join(name), text).unwrap();
        write("development.toml", "[sessions]\ngap_minutes = 70\n[log]\nfilter = \"dev\"\n");
        write("staging.toml", "[sessions]\ngap_minutes = 75\n");
        let load_in = |pairs: &[(&str, &str)]| {
            let env = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
            Settings::load(folder.path(), &env).unwrap()
        };
        assert_eq!(load_in(&[]).sessions.gap_minutes, 70, "RUN_MODE defaults to development");
        let staging = load_in(&[("RUN_MODE", "staging")]);
        assert_eq!((staging.sessions.gap_minutes, staging.log.filter.as_str()), (75, "info"));
        assert_eq!(load_in(&[("RUN_MODE", "absent")]).sessions.gap_minutes, 60, "optional file");
        write("local.toml", "[sessions]\ngap_minutes = 80\n");
        let local = load_in(&[]);
        assert_eq!((local.sessions.gap_minutes, local.log.filter.as_str()), (80, "dev"));
        let prefixed = [("SLOMIX__SESSIONS__GAP_MINUTES", "90")];
        assert_eq!(load_in(&prefixed).sessions.gap_minutes, 90);
        let both = [("SLOMIX__SESSIONS__GAP_MINUTES", "90"), ("SESSION_GAP_MINUTES", "100")];
        assert_eq!(load_in(&both).sessions.gap_minutes, 100, "original names come last");
    }

    #[test]
    fn every_original_variable_sets_its_key() {
        type Read = fn(&Settings) -> String;
        let cases: &[(&str, &str, Read)] = &[
            ("DISCORD_BOT_TOKEN", "tok", |s| s.discord.token.expose().to_owned()),
            ("DISCORD_API_URL", "http://127.0.0.1:8089", |s| s.discord.api_url.clone()),
            ("PRODUCTION_CHANNEL_ID", "11", |s| s.discord.production_channel_id.to_string()),
            ("WEBHOOK_TRIGGER_CHANNEL_ID", "12", |s| s.discord.control_channel_id.to_string()),
            ("WEBHOOK_TRIGGER_WHITELIST", "13,14", |s| {
                format!("{:?}", s.discord.webhook_whitelist)
            }),
            ("WEBHOOK_TRIGGER_USERNAME", "hook", |s| s.discord.webhook_username.clone()),
            ("GENERAL_CHANNEL_ID", "15", |s| s.discord.general_channel_id.to_string()),
            ("GATHER_CHANNEL_ID", "28", |s| s.discord.gather_channel_id.to_string()),
            ("ADMIN_USER_IDS", "29,30", |s| format!("{:?}", s.discord.admin_user_ids)),
            ("ADMIN_CHANNEL_ID", "16", |s| format!("{:?}", s.discord.admin_channel_ids)),
            ("GAMING_VOICE_CHANNELS", "17,18", |s| {
                format!("{:?}", s.discord.gaming_voice_channels)
            }),
            ("BOT_COMMAND_CHANNELS", "19", |s| format!("{:?}", s.discord.command_channels)),
            ("SSH_ENABLED", "yes", |s| s.ssh.enabled.to_string()),
            ("SSH_HOST", "vps", |s| s.ssh.host.clone()),
            ("SSH_PORT", "2022", |s| s.ssh.port.to_string()),
            ("SSH_USER", "et", |s| s.ssh.user.clone()),
            ("SSH_KEY_PATH", "/key", |s| s.ssh.key_path.clone()),
            ("REMOTE_STATS_PATH", "/remote", |s| s.ssh.remote_path.clone()),
            ("SSH_STRICT_HOST_KEY", "off", |s| s.ssh.strict_host_key.to_string()),
            ("STATS_DIRECTORY", "/stats", |s| s.stats.local_dir.clone()),
            ("AUTOMATION_ENABLED", "true", |s| s.voice.automation_enabled.to_string()),
            ("SESSION_GAP_MINUTES", "21", |s| s.sessions.gap_minutes.to_string()),
            ("SESSION_START_THRESHOLD", "22", |s| s.voice.start_threshold.to_string()),
            ("SESSION_END_THRESHOLD", "3", |s| s.voice.end_threshold.to_string()),
            ("SESSION_END_DELAY", "24", |s| s.voice.end_delay_secs.to_string()),
            ("ROUND_MATCH_WINDOW_MINUTES", "25", |s| {
                s.parser.round_match_window_minutes.to_string()
            }),
            ("MONITORING_GRACE_PERIOD_MINUTES", "26", |s| s.poll.grace_minutes.to_string()),
            ("STARTUP_LOOKBACK_HOURS", "27", |s| s.poll.startup_lookback_hours.to_string()),
            ("LOG_LEVEL", "warn", |s| s.log.filter.clone()),
        ];
        for (variable, _, _) in ALIASES {
            assert!(cases.iter().any(|(v, _, _)| v == variable), "{variable} has no case here");
        }
        for (variable, value, read) in cases {
            let expected = match *value {
                "13,14" => "[13, 14]".to_owned(),
                "17,18" => "[17, 18]".to_owned(),
                "29,30" => "[29, 30]".to_owned(),
                "16" | "19" => format!("[{value}]"),
                "yes" => "true".to_owned(),
                "off" => "false".to_owned(),
                other => other.to_owned(),
            };
            assert_eq!(read(&load(&[(variable, value)]).unwrap()), expected, "{variable}");
        }
    }

    #[test]
    fn database_url_wins_over_postgres_parts() {
        let parts = [
            ("DATABASE_TYPE", "postgresql"),
            ("POSTGRES_HOST", "db"),
            ("POSTGRES_USER", "bot"),
            ("POSTGRES_PASSWORD", "p@ss:w/rd"),
            ("POSTGRES_DATABASE", "stats"),
        ];
        let s = load(&parts).unwrap();
        assert_eq!(s.database.url.expose(), "postgres://bot:p%40ss%3Aw%2Frd@db:5432/stats");
        let mut with_url = parts.to_vec();
        with_url.push(("DATABASE_URL", "sqlite://other.db"));
        assert_eq!(load(&with_url).unwrap().database.url.expose(), "sqlite://other.db");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let error = load(&[("SESSION_GAP_MINUTES", "abc")]).unwrap_err().to_string();
        assert!(
            error.contains("SESSION_GAP_MINUTES") && error.contains("sessions.gap_minutes"),
            "{error}"
        );
        let error = load(&[("SLOMIX__POLL__DEAD_HOURS_START", "late")]).unwrap_err().to_string();
        assert!(error.contains("dead_hours_start"), "{error}");
        let error = load(&[("SSH_ENABLED", "maybe")]).unwrap_err().to_string();
        assert!(error.contains("ssh.enabled"), "{error}");
    }

    /// Values that parse but the daemon cannot work with stop loading, naming the key (and
    /// the original variable when that set it); the checked values are typed.
    #[test]
    fn out_of_range_values_stop_loading_naming_the_key() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "SLOMIX__POLL__TIMEZONE",
                "Mars/Olympus",
                "settings: `poll.timezone`: unknown time zone",
            ),
            (
                "SLOMIX__POLL__DEAD_HOURS_END",
                "24",
                "settings: `poll.dead_hours_end`: 24: hours are 0 to 23",
            ),
            (
                "SLOMIX__POLL__ACTIVE_INTERVAL_SECS",
                "0",
                "settings: `poll.active_interval_secs`: must be at least 1",
            ),
            (
                "SLOMIX__POLL__IDLE_INTERVAL_SECS",
                "0",
                "settings: `poll.idle_interval_secs`: must be at least 1",
            ),
            (
                "SLOMIX__HEALTH__LOG_INTERVAL_SECS",
                "0",
                "settings: `health.log_interval_secs`: must be at least 1",
            ),
            (
                "SESSION_START_THRESHOLD",
                "0",
                "settings: `voice.start_threshold` (set by SESSION_START_THRESHOLD): must be at least 1",
            ),
            (
                "SESSION_END_THRESHOLD",
                "9",
                "settings: `voice.end_threshold` (set by SESSION_END_THRESHOLD): 9 is above voice.start_threshold (6)",
            ),
            (
                "SESSION_GAP_MINUTES",
                "0",
                "settings: `sessions.gap_minutes` (set by SESSION_GAP_MINUTES): must be at least 1",
            ),
            (
                "SLOMIX__POLL__STARTUP_LOOKBACK_HOURS",
                "18446744073709551615",
                "settings: `poll.startup_lookback_hours`: 18446744073709551615 is too large",
            ),
        ];
        for (variable, value, message) in cases {
            let error = load(&[(variable, value)]).unwrap_err().to_string();
            assert!(error.starts_with(message), "{variable}={value}: {error}");
        }
        let s =
            load(&[("SLOMIX__POLL__TIMEZONE", "America/New_York"), ("SESSION_END_DELAY", "90")])
                .unwrap();
        assert_eq!(s.config().timezone, chrono_tz::America::New_York);
        assert_eq!(s.config().voice_end_delay, chrono::TimeDelta::seconds(90));
        assert_eq!(s.config().active_interval, chrono::TimeDelta::seconds(60));
    }

    #[test]
    fn a_changed_section_is_found_by_value() {
        let old = load(&[]).unwrap();
        let same = load(&[]).unwrap();
        assert!(changed_keys(&old, &same).is_empty());
        let new = load(&[
            ("SLOMIX__POLL__GRACE_MINUTES", "45"),
            ("POSTGRES_PASSWORD", "x"),
            ("POSTGRES_HOST", "h"),
        ])
        .unwrap();
        assert_eq!(
            changed_keys(&old, &new),
            ["database (restart needed)", "poll (restart needed)"]
        );
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let s = load(&[
            ("DISCORD_BOT_TOKEN", "tok-SECRET"),
            ("POSTGRES_PASSWORD", "pw-SECRET"),
            ("POSTGRES_HOST", "h"),
        ])
        .unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(debug.contains("[redacted]"));
    }

    #[test]
    fn game_servers_resolve_from_ssh_and_servers() {
        let s = load(&[]).unwrap();
        let servers = s.game_servers().unwrap();
        assert_eq!(servers.len(), 1);
        assert_eq!(servers[0].source, SourceKind::LocalFolder);
        assert_eq!(
            (servers[0].name.as_str(), servers[0].local_dir.as_str()),
            ("default", "local_stats")
        );

        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(self::dir().join("default.toml"), dir.path().join("default.toml")).unwrap();
        std::fs::write(
            dir.path().join("local.toml"),
            "[[servers]]\nname = \"eu-2\"\nhost = \"10.0.0.2\"\nuser = \"et\"\nkey_path = \"/k2\"\nwebhook_ids = [77]\n",
        )
        .unwrap();
        let env: HashMap<String, String> = [
            ("SSH_ENABLED", "1"),
            ("SSH_HOST", "10.0.0.1"),
            ("SSH_USER", "et"),
            ("SLOMIX__STATS__SERVER_NAME", "eu-1"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let s = Settings::load(dir.path(), &env).unwrap();
        let servers = s.game_servers().unwrap();
        let names: Vec<_> = servers.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["eu-1", "eu-2"]);
        assert_eq!(servers[1].local_dir, Path::new("local_stats").join("eu-2").to_string_lossy());
        assert_eq!(servers[1].webhook_ids, [77]);
        match &servers[1].source {
            SourceKind::Sftp { host, port, strict_host_key, .. } => {
                assert_eq!((host.as_str(), *port, *strict_host_key), ("10.0.0.2", 22, true));
            }
            other => panic!("{other:?}"),
        }

        let mut env2 = env.clone();
        env2.insert("SLOMIX__STATS__SERVER_NAME".into(), "eu-2".into());
        let error = Settings::load(dir.path(), &env2).unwrap().game_servers().unwrap_err();
        assert!(
            error.to_string().contains("servers[0].name") && error.to_string().contains("twice"),
            "{error}"
        );
        env2.insert("SLOMIX__STATS__SERVER_NAME".into(), "../x".into());
        let error = Settings::load(dir.path(), &env2).unwrap().game_servers().unwrap_err();
        assert!(error.to_string().contains("stats.server_name"), "{error}");
    }
}
