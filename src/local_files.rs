//! Reading stats files from a local folder: one file, and a round 2's round-1 companion beside it.
use std::path::{Path, PathBuf};

use crate::stats::{self, PairingRules, ParseError, Round, StatsFileName};

/// Why a local stats file could not be read into a round.
#[derive(Debug, thiserror::Error)]
pub enum LocalFileError {
    /// The path has no usable base name.
    #[error("{0}: not a file name")]
    NoFileName(PathBuf),
    /// Reading the file or listing its folder failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The parser rejected the file.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

fn base_name(path: &Path) -> Result<&str, LocalFileError> {
    path.file_name().and_then(|n| n.to_str()).ok_or_else(|| LocalFileError::NoFileName(path.into()))
}

fn read(path: &Path) -> Result<Vec<u8>, LocalFileError> {
    std::fs::read(path).map_err(|source| LocalFileError::Io { path: path.into(), source })
}

/// Parses one file as written.
pub fn parse_path(path: &Path) -> Result<stats::ParsedFile, LocalFileError> {
    Ok(stats::parse_file(base_name(path)?, &read(path)?)?)
}

/// The stats file names in a folder (names that fail validation are skipped).
pub fn list_stats_files(dir: &Path) -> Result<Vec<StatsFileName>, LocalFileError> {
    let entries =
        std::fs::read_dir(dir).map_err(|source| LocalFileError::Io { path: dir.into(), source })?;
    let mut names: Vec<StatsFileName> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str().and_then(|n| StatsFileName::parse(n).ok()))
        .collect();
    names.sort();
    Ok(names)
}

/// Reads a file into a round. A round-2 file is paired with `round1` when given, else with the
/// companion found in its own folder under `rules`; without one it is an orphan. A companion
/// that cannot be read leaves the round 2 an orphan, with a warning saying why.
pub fn read_round(
    path: &Path,
    round1: Option<&Path>,
    rules: &PairingRules,
) -> Result<Round, LocalFileError> {
    let parsed = parse_path(path)?;
    if parsed.file.round() != 2 {
        return Ok(parsed.into_round1());
    }
    let companion = match round1 {
        Some(given) => Some(given.to_path_buf()),
        None => {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let known = list_stats_files(dir)?;
            rules.find_round1(&parsed.file, &known).map(|name| dir.join(name.as_str()))
        }
    };
    let Some(companion) = companion else {
        return Ok(parsed.into_orphan());
    };
    match parse_path(&companion) {
        Ok(first) => Ok(stats::pair_with(parsed, &first, rules)?),
        // A companion named explicitly must be usable; a found one degrades to an orphan.
        Err(error) if round1.is_some() => Err(error),
        Err(error) => {
            let mut orphan = parsed.into_orphan();
            orphan.warnings.push(stats::ParseWarning {
                line: None,
                field: None,
                message: format!("round-1 companion unusable: {error}"),
            });
            Ok(orphan)
        }
    }
}
