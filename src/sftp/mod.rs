//! Where stats files come from: the `RemoteFiles` seam, a local folder and the real SFTP server.
//!
//! FileFetcher is the only user. It holds an `Arc<dyn RemoteFiles>`, so the trait's methods
//! return boxed futures (dyn-compatible). Both implementations accept only plain base names
//! ([`check_name`]) and touch nothing but `<folder>/<name>`.
mod known_hosts;
mod local;
mod ssh;

use std::{future::Future, path::PathBuf, pin::Pin, time::Duration};

pub use local::LocalDirFiles;
pub use ssh::{SftpFiles, SshTarget};

/// A boxed, sendable future borrowing from `'a` (what [`RemoteFiles`] methods return).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The stats folder on the game server (or a stand-in for it).
pub trait RemoteFiles: Send + Sync {
    /// Base names of regular files in the stats folder with their sizes, sorted by name.
    fn list(&self) -> BoxFuture<'_, Result<Vec<RemoteEntry>, SftpError>>;
    /// The whole content of one file (by base name; anything else is [`SftpError::BadName`]).
    fn read<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<u8>, SftpError>>;
}

/// One regular file in the stats folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RemoteEntry {
    /// Base name.
    pub name: String,
    /// Size in bytes when listed.
    pub size: u64,
}

/// What was wrong with the server's host key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyProblem {
    /// The host is not in the known_hosts file and strict checking is on.
    Unknown,
    /// The known_hosts file has a different key for this host.
    Mismatch,
    /// The known_hosts file could not be read or written, or the check itself failed.
    KnownHosts(String),
}

impl std::fmt::Display for HostKeyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostKeyProblem::Unknown => {
                f.write_str("unknown host (not in known_hosts, strict checking on)")
            }
            HostKeyProblem::Mismatch => {
                f.write_str("host key does NOT match known_hosts (possible man-in-the-middle)")
            }
            HostKeyProblem::KnownHosts(reason) => write!(f, "known_hosts: {reason}"),
        }
    }
}

/// Why listing or reading failed. Messages name hosts, users and paths, never key contents.
#[derive(Debug, thiserror::Error)]
pub enum SftpError {
    /// The TCP connection or the SSH handshake failed.
    #[error("cannot connect to {host}:{port}: {reason}")]
    Connect {
        /// Server host.
        host: String,
        /// Server port.
        port: u16,
        /// What failed.
        reason: String,
    },
    /// The server's host key was not accepted.
    #[error("host key of {host}:{port} ({known_hosts}): {problem}")]
    HostKey {
        /// Server host.
        host: String,
        /// Server port.
        port: u16,
        /// The known_hosts file checked.
        known_hosts: PathBuf,
        /// What was wrong.
        problem: HostKeyProblem,
    },
    /// Public-key authentication failed.
    #[error("authentication as {user} with key {key_path} failed: {reason}")]
    Auth {
        /// User name.
        user: String,
        /// The private key file (its path only).
        key_path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// A network step took longer than its limit.
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// The step (`connect`, `handshake`, `readdir`, `read`, ...).
        operation: &'static str,
        /// The limit.
        after: Duration,
    },
    /// An I/O error (local folder, or the connection's socket).
    #[error("{operation} {path}: {source}")]
    Io {
        /// The step.
        operation: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The SSH session failed (transport or protocol error); the session is dropped.
    #[error("ssh session failed during {operation}: {reason}")]
    Session {
        /// The step.
        operation: &'static str,
        /// libssh2's message and code.
        reason: String,
    },
    /// The SFTP server refused a request (permission denied and the like).
    #[error("sftp {operation} {path}: {reason}")]
    Sftp {
        /// The step.
        operation: &'static str,
        /// The remote file or folder.
        path: PathBuf,
        /// The SFTP status.
        reason: String,
    },
    /// The file does not exist.
    #[error("{0}: no such file")]
    NotFound(String),
    /// The name is not a plain base name (it is shown escaped).
    #[error("refusing file name {0:?}: not a plain base name")]
    BadName(String),
}

/// Accepts only a plain base name: not empty, not `.` or `..`, no `/`, `\`, NUL or other
/// control characters. Anything else is [`SftpError::BadName`].
pub fn check_name(name: &str) -> Result<(), SftpError> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\'])
        || name.chars().any(char::is_control);
    if bad { Err(SftpError::BadName(name.to_owned())) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass() {
        for name in ["2025-01-01-203000-supply-round-1.txt", "a", "a..b", ".hidden", "x y.txt"] {
            assert!(check_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn hostile_names_are_refused() {
        for name in [
            "",
            ".",
            "..",
            "../etc/passwd",
            "a/b.txt",
            "/etc/passwd",
            "a\\b",
            "..\\x",
            "a\0b",
            "a\nb",
        ] {
            assert!(
                matches!(check_name(name), Err(SftpError::BadName(n)) if n == name),
                "{name:?}"
            );
        }
    }

    #[test]
    fn bad_name_message_escapes_the_name() {
        let message = check_name("a\nb").unwrap_err().to_string();
        assert!(message.contains(r#""a\nb""#), "{message}");
    }
}
