//! The notifier's state file: every file name ever announced and the queue still to announce,
//! as JSON, written atomically (temp file in the same folder, fsync, rename, fsync of the
//! folder) and held under an exclusive lock so two notifiers never share it.
use std::{
    collections::BTreeSet,
    fs::{File, OpenOptions},
    io::Write,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

/// Format version written in the file.
const VERSION: u32 = 1;

/// What the state file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Format version.
    #[serde(default)]
    pub version: u32,
    /// Every name announced over the notifier's lifetime. All of them are kept (about 50 bytes a
    /// round): a bound or a high-water mark would either forget names and repeat them, or skip
    /// a file written late with an older time stamp.
    #[serde(default)]
    pub announced: BTreeSet<String>,
    /// Complete files not yet announced (or announced with the answer lost), in timestamp order.
    #[serde(default)]
    pub pending: Vec<Pending>,
    /// When the file was written (for operators; never read back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A file waiting to be announced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Its base name.
    pub name: String,
    /// Its size when it was found complete (shown in the announcement).
    pub size: u64,
}

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading failed.
    #[error("state file {path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The content is not a state file. Never guessed at: starting afresh would announce every
    /// file in the folder again.
    #[error(
        "state file {path}: not a valid state file ({source}); move it away to start afresh \
         (every stats file in the folder is then announced again)"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// Writing failed (the previous content is still in place).
    #[error("state file {path}: cannot write: {source}")]
    Write {
        /// The file written (the temp file or the folder).
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Another notifier holds the lock.
    #[error("state file {path}: locked by another slomix-notify ({lock})")]
    Locked {
        /// The state file.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
}

/// The state file, locked for the life of this value.
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    temp: PathBuf,
    // Held open: the lock lasts as long as the file handle.
    _lock: File,
}

impl StateFile {
    /// Locks `path` (through `<path>.lock`) and reads it; a missing file is an empty state.
    /// Creates the folder if needed.
    pub fn open(path: &Path) -> Result<(StateFile, State), StateError> {
        let write_error = |path: &Path| {
            let path = path.to_owned();
            move |source| StateError::Write { path, source }
        };
        let dir = parent(path);
        std::fs::create_dir_all(&dir).map_err(write_error(&dir))?;
        let lock_path = sibling(path, "lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(write_error(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StateError::Locked { path: path.to_owned(), lock: lock_path });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StateError::Write { path: lock_path, source });
            }
        }
        let state = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| StateError::Corrupt { path: path.to_owned(), source })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(source) => return Err(StateError::Read { path: path.to_owned(), source }),
        };
        let file = StateFile { path: path.to_owned(), temp: sibling(path, "tmp"), _lock: lock };
        Ok((file, state))
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the file with `state`: the old content or the new, never a mix, even on a
    /// crash or power loss.
    pub fn save(
        &self,
        state: &State,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StateError> {
        let state = State { version: VERSION, updated_at: Some(now), ..state.clone() };
        let mut bytes = serde_json::to_vec_pretty(&state)
            .map_err(|e| StateError::Write { path: self.temp.clone(), source: e.into() })?;
        bytes.push(b'\n');
        let write = |source| StateError::Write { path: self.temp.clone(), source };
        let mut temp = File::create(&self.temp).map_err(write)?;
        temp.write_all(&bytes).map_err(write)?;
        temp.sync_all().map_err(write)?;
        drop(temp);
        std::fs::rename(&self.temp, &self.path)
            .map_err(|source| StateError::Write { path: self.path.clone(), source })?;
        // The rename itself is durable only once the folder is synced.
        let dir = parent(&self.path);
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| StateError::Write { path: dir, source })?;
        Ok(())
    }
}

/// The folder holding `path` (`.` for a bare file name).
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// `<path>.<ext>`, in the same folder.
fn sibling(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_760_000_000, 0).unwrap()
    }

    #[test]
    fn saves_atomically_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/state.json");
        let (file, state) = StateFile::open(&path).unwrap();
        assert_eq!(state, State::default(), "a missing file is an empty state");
        let state = State {
            version: 0,
            announced: ["2025-10-12-224530-supply-round-1.txt".to_owned()].into(),
            pending: vec![Pending { name: "2025-10-12-230000-supply-round-2.txt".into(), size: 7 }],
            updated_at: None,
        };
        file.save(&state, now()).unwrap();
        assert!(!dir.path().join("sub/state.json.tmp").exists(), "the temp file is renamed");
        drop(file);
        let (_file, read) = StateFile::open(&path).unwrap();
        assert_eq!(read.announced, state.announced);
        assert_eq!(read.pending, state.pending);
        assert_eq!(read.version, 1);
        assert_eq!(read.updated_at, Some(now()));
    }

    #[test]
    fn a_second_notifier_is_locked_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let (_held, _) = StateFile::open(&path).unwrap();
        let error = StateFile::open(&path).unwrap_err();
        assert!(matches!(error, StateError::Locked { .. }), "{error}");
    }

    #[test]
    fn a_corrupt_file_is_an_error_not_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, b"{\"announced\": [").unwrap();
        let error = StateFile::open(&path).unwrap_err();
        assert!(matches!(error, StateError::Corrupt { .. }), "{error}");
        assert!(error.to_string().contains("move it away"), "{error}");
    }
}
