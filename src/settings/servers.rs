//! The game servers the daemon watches, resolved from `[ssh]` (under `stats.server_name`),
//! every `[[servers]]` entry, or, with neither, the local folder `stats.local_dir`.
use std::path::Path;

use super::{ServerSettings, Settings, SettingsError, SshSettings};

/// Where one game server's stats files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// A folder on this machine (the embedded default).
    LocalFolder,
    /// The server's stats folder over SFTP.
    Sftp {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// Login user.
        user: String,
        /// Private key file (its path only; the content is never read here).
        key_path: String,
        /// Stats folder on the server.
        remote_path: String,
        /// known_hosts file; empty means `~/.ssh/known_hosts`.
        known_hosts: String,
        /// Refuse unknown host keys.
        strict_host_key: bool,
    },
}

/// One game server the daemon watches, resolved from `[ssh]`, `[stats]` and `[[servers]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameServer {
    /// Its name (rounds are stored under it; also its sub-folder of `stats.local_dir` when
    /// there are several).
    pub name: String,
    /// Where its files come from.
    pub source: SourceKind,
    /// Local folder its files are fetched into (or read from, for a local folder).
    pub local_dir: String,
    /// Webhook ids whose triggers name files on this server (empty: see `Settings::servers`).
    pub webhook_ids: Vec<u64>,
}

/// `[ssh]` as the `[[servers]]` entry it amounts to (named by `stats.server_name`, no
/// webhooks of its own), so both resolve the same way.
fn ssh_as_server(ssh: &SshSettings, name: &str) -> ServerSettings {
    ServerSettings {
        name: name.to_owned(),
        host: ssh.host.clone(),
        port: ssh.port,
        user: ssh.user.clone(),
        key_path: ssh.key_path.clone(),
        remote_path: ssh.remote_path.clone(),
        known_hosts: ssh.known_hosts.clone(),
        strict_host_key: ssh.strict_host_key,
        webhook_ids: Vec::new(),
    }
}

impl Settings {
    /// The game servers to watch: `[ssh]` (when enabled) under `stats.server_name`, then every
    /// `[[servers]]` entry; with neither, the local folder `stats.local_dir` under
    /// `stats.server_name`. With several servers each gets `stats.local_dir/<name>/`.
    pub fn game_servers(&self) -> Result<Vec<GameServer>, SettingsError> {
        let invalid = |key: String, reason: String| SettingsError::Invalid { key, reason };
        let mut servers = Vec::new();
        if self.ssh.enabled && self.ssh.host.is_empty() {
            return Err(invalid("ssh.host".into(), "empty while ssh.enabled is true".into()));
        }
        let from_ssh = self.ssh.enabled.then(|| ssh_as_server(&self.ssh, &self.stats.server_name));
        for (i, s) in self.servers.iter().enumerate() {
            if s.host.is_empty() {
                return Err(invalid(format!("servers[{i}].host"), "empty".into()));
            }
        }
        for s in from_ssh.iter().chain(&self.servers) {
            servers.push(GameServer {
                name: s.name.clone(),
                source: SourceKind::Sftp {
                    host: s.host.clone(),
                    port: s.port,
                    user: s.user.clone(),
                    key_path: s.key_path.clone(),
                    remote_path: s.remote_path.clone(),
                    known_hosts: s.known_hosts.clone(),
                    strict_host_key: s.strict_host_key,
                },
                local_dir: self.stats.local_dir.clone(),
                webhook_ids: s.webhook_ids.clone(),
            });
        }
        if servers.is_empty() {
            servers.push(GameServer {
                name: self.stats.server_name.clone(),
                source: SourceKind::LocalFolder,
                local_dir: self.stats.local_dir.clone(),
                webhook_ids: Vec::new(),
            });
        }
        let mut seen = std::collections::HashSet::new();
        for (i, server) in servers.iter().enumerate() {
            // [ssh] and the local folder are named by stats.server_name; the rest by their entry.
            let from_ssh = usize::from(self.ssh.enabled);
            let key = if i < from_ssh || self.servers.is_empty() {
                "stats.server_name".to_owned()
            } else {
                format!("servers[{}].name", i - from_ssh)
            };
            let ok = !server.name.is_empty()
                && server.name.len() <= 32
                && server.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(invalid(
                    key,
                    format!("{:?}: 1 to 32 letters, digits, - or _", server.name),
                ));
            }
            if !seen.insert(server.name.clone()) {
                return Err(invalid(key, format!("{:?} is used twice", server.name)));
            }
        }
        if servers.len() > 1 {
            for server in &mut servers {
                server.local_dir = Path::new(&self.stats.local_dir)
                    .join(&server.name)
                    .to_string_lossy()
                    .into_owned();
            }
        }
        Ok(servers)
    }
}
