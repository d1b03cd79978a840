//! `!reload`: where settings are read again from, and which keys changed (names, never
//! values: some are secrets).
use std::collections::HashMap;

use super::{Settings, SettingsError};

/// Where settings are (re)loaded from: the process (`settings/` in the working directory, or
/// `SLOMIX_SETTINGS_DIR`, and the environment), or a fixed folder and variables (tests).
#[derive(Debug, Clone)]
pub enum SettingsSource {
    /// `Settings::from_process_env`, read again each time.
    Process,
    /// A folder and variables.
    Fixed {
        /// The folder holding `default.toml`.
        dir: std::path::PathBuf,
        /// The variables.
        env: HashMap<String, String>,
    },
}

impl SettingsSource {
    /// Loads the settings.
    pub fn load(&self) -> Result<Settings, SettingsError> {
        match self {
            SettingsSource::Process => Settings::from_process_env(),
            SettingsSource::Fixed { dir, env } => Settings::load(dir, env),
        }
    }
}

/// The keys that differ between two settings, reloadable ones by name and the others by
/// section (they need a restart). Never values: some are secrets.
pub fn changed_keys(old: &Settings, new: &Settings) -> Vec<String> {
    let (a, b) = (&old.discord, &new.discord);
    let mut out = Vec::new();
    let mut key = |changed: bool, name: &str| {
        if changed {
            out.push(name.to_owned());
        }
    };
    key(a.command_channels != b.command_channels, "discord.command_channels");
    key(a.admin_channel_ids != b.admin_channel_ids, "discord.admin_channel_ids");
    key(a.admin_user_ids != b.admin_user_ids, "discord.admin_user_ids");
    key(a.admin_role_ids != b.admin_role_ids, "discord.admin_role_ids");
    key(a.webhook_whitelist != b.webhook_whitelist, "discord.webhook_whitelist");
    key(a.webhook_username != b.webhook_username, "discord.webhook_username");
    key(a.trigger_limit != b.trigger_limit, "discord.trigger_limit");
    key(a.trigger_window_secs != b.trigger_window_secs, "discord.trigger_window_secs");
    key(
        a.production_channel_id != b.production_channel_id,
        "discord.production_channel_id (restart needed for posts)",
    );
    key(
        a.general_channel_id != b.general_channel_id,
        "discord.general_channel_id (restart needed for posts)",
    );
    key(
        a.control_channel_id != b.control_channel_id,
        "discord.control_channel_id (restart needed)",
    );
    key(a.token.expose() != b.token.expose(), "discord.token (restart needed)");
    key(a.api_url != b.api_url, "discord.api_url (restart needed)");
    key(
        a.gaming_voice_channels != b.gaming_voice_channels,
        "discord.gaming_voice_channels (restart needed)",
    );
    key(a.command_prefix != b.command_prefix, "discord.command_prefix (restart needed)");
    key(a.slash_commands != b.slash_commands, "discord.slash_commands (restart needed)");
    key(a.gather_channel_id != b.gather_channel_id, "discord.gather_channel_id");
    // Whole sections compare by value (`Secret` compares its content, never printing it).
    for (changed, name) in [
        (old.database != new.database, "database"),
        (old.ssh != new.ssh || old.servers != new.servers, "ssh / servers"),
        (old.poll != new.poll, "poll"),
        (old.voice != new.voice, "voice"),
        (old.sessions != new.sessions, "sessions"),
        (old.parser != new.parser, "parser"),
        (old.stats != new.stats, "stats"),
        (old.commands != new.commands, "commands"),
        (old.posts != new.posts, "posts"),
        (old.health != new.health, "health"),
        (old.log != new.log, "log"),
    ] {
        key(changed, &format!("{name} (restart needed)"));
    }
    out
}
