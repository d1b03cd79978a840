//! The deduplication layers a stats file passes before any download or parse, cheapest first:
//! age gate (polling only), in-memory set, local copy, `processed_files`, `rounds`.
//!
//! Corrected from the original bot: the age gate skips without marking anything processed
//! (and only beyond a look-back window, so files written while the daemon was down still
//! arrive); a local copy only saves the download, it never counts as imported; the rounds
//! check matches the file's own round.
use std::{
    collections::HashSet,
    path::{Path, PathBuf},
};

use chrono::{NaiveDateTime, TimeDelta};
use entity::{processed_files, rounds, set_aside_files};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::stats::StatsFileName;

/// Why a file needs no work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Layer 1: written before start-up minus the look-back (polling only).
    TooOld,
    /// Layer 2: imported earlier in this run.
    InMemory,
    /// Layer 4: `processed_files` records a successful import.
    Processed,
    /// Layer 5: its round is already in `rounds`.
    RoundStored,
    /// Set aside (its import failed for its own data) and unchanged since (polling only).
    SetAside,
}

/// What to do with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing: the file is done (or out of scope).
    Skip(SkipReason),
    /// Import the copy already in the local folder (layer 3: no download needed).
    ImportLocal(PathBuf),
    /// Download it, then import.
    Fetch,
}

/// How a file was announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Found by polling: the age gate applies.
    Poll,
    /// Named explicitly (webhook, `!import`, `slomix import`): processed now, whatever its age.
    Explicit,
}

/// The dedup state of one daemon run.
#[derive(Debug, Clone)]
pub struct Dedup {
    /// Start-up time in the game server's local time (file names use that clock).
    started_at: NaiveDateTime,
    lookback: TimeDelta,
    local_dir: PathBuf,
    imported: HashSet<String>,
}

impl Dedup {
    /// A fresh state. `started_at` is the daemon's start in the game server's time zone.
    pub fn new(started_at: NaiveDateTime, lookback: TimeDelta, local_dir: &Path) -> Self {
        Dedup { started_at, lookback, local_dir: local_dir.to_path_buf(), imported: HashSet::new() }
    }

    /// Layer 1: true when polling found a file older than start-up minus the look-back.
    pub fn too_old(&self, file: &StatsFileName, trigger: Trigger) -> bool {
        trigger == Trigger::Poll && file.timestamp() < self.started_at - self.lookback
    }

    /// Layer 2: whether this run imported the file.
    pub fn seen(&self, file: &StatsFileName) -> bool {
        self.imported.contains(file.as_str())
    }

    /// Records a successful import for layer 2.
    pub fn remember(&mut self, file: &StatsFileName) {
        self.imported.insert(file.as_str().to_owned());
    }

    /// Takes in what a copy of this state learnt while it decided elsewhere (the copy's
    /// memory joins this one; nothing this one learnt meanwhile is lost).
    pub fn absorb(&mut self, copy: Dedup) {
        self.imported.extend(copy.imported);
    }

    /// Forgets everything in memory (an actor restart); the database layers still hold.
    pub fn forget(&mut self) {
        self.imported.clear();
    }

    /// Layer 3: the local copy, if one exists (it saves the download, nothing more).
    pub fn local_copy(&self, file: &StatsFileName) -> Option<PathBuf> {
        let path = self.local_dir.join(file.as_str());
        path.is_file().then_some(path)
    }

    /// Runs every layer in order.
    pub async fn decide<C: ConnectionTrait>(
        &mut self,
        db: &C,
        server: &str,
        file: &StatsFileName,
        trigger: Trigger,
    ) -> Result<Decision, sea_orm::DbErr> {
        if self.too_old(file, trigger) {
            return Ok(Decision::Skip(SkipReason::TooOld));
        }
        if self.seen(file) {
            return Ok(Decision::Skip(SkipReason::InMemory));
        }
        let local = self.local_copy(file);
        if processed(db, file).await? {
            self.remember(file);
            return Ok(Decision::Skip(SkipReason::Processed));
        }
        if round_stored(db, server, file).await? {
            self.remember(file);
            return Ok(Decision::Skip(SkipReason::RoundStored));
        }
        Ok(match local {
            Some(path) => Decision::ImportLocal(path),
            None => Decision::Fetch,
        })
    }
}

/// Layer 4: a successful `processed_files` row for this name (a failed attempt is retried).
pub async fn processed<C: ConnectionTrait>(
    db: &C,
    file: &StatsFileName,
) -> Result<bool, sea_orm::DbErr> {
    Ok(processed_files::Entity::find()
        .filter(processed_files::Column::Filename.eq(file.as_str()))
        .filter(processed_files::Column::Success.eq(true))
        .count(db)
        .await?
        > 0)
}

/// The size a set-aside file had when it was set aside (None: not set aside). Polling passes
/// it by while it keeps that size; an explicit trigger or another size tries it again.
pub async fn set_aside_size<C: ConnectionTrait>(
    db: &C,
    file: &StatsFileName,
) -> Result<Option<u64>, sea_orm::DbErr> {
    Ok(set_aside_files::Entity::find()
        .filter(set_aside_files::Column::Filename.eq(file.as_str()))
        .one(db)
        .await?
        .and_then(|row| u64::try_from(row.size).ok()))
}

/// Layer 5: the file's own round (server, map, date, time, round number) is stored.
pub async fn round_stored<C: ConnectionTrait>(
    db: &C,
    server: &str,
    file: &StatsFileName,
) -> Result<bool, sea_orm::DbErr> {
    Ok(rounds::Entity::find()
        .filter(rounds::Column::Server.eq(server))
        .filter(rounds::Column::MapName.eq(file.map()))
        .filter(rounds::Column::RoundDate.eq(file.date_str()))
        .filter(rounds::Column::RoundTime.eq(file.time_str()))
        .filter(rounds::Column::RoundNumber.eq(i32::from(file.round())))
        .count(db)
        .await?
        > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn name(text: &str) -> StatsFileName {
        StatsFileName::parse(text).unwrap()
    }

    #[test]
    fn age_gate_applies_to_polling_only_and_keeps_a_lookback() {
        let dedup = Dedup::new(at("2025-10-12 20:00:00"), TimeDelta::hours(168), Path::new("/x"));
        let recent = name("2025-10-12-190000-supply-round-1.txt");
        let old = name("2025-10-01-190000-supply-round-1.txt");
        assert!(!dedup.too_old(&recent, Trigger::Poll), "written while the daemon was down");
        assert!(dedup.too_old(&old, Trigger::Poll));
        assert!(!dedup.too_old(&old, Trigger::Explicit), "an explicit trigger is processed now");
    }

    #[test]
    fn memory_layer_remembers_and_forgets() {
        let mut dedup = Dedup::new(at("2025-10-12 20:00:00"), TimeDelta::hours(1), Path::new("/x"));
        let file = name("2025-10-12-190000-supply-round-1.txt");
        assert!(!dedup.seen(&file));
        dedup.remember(&file);
        assert!(dedup.seen(&file));
        dedup.forget();
        assert!(!dedup.seen(&file));
    }

    #[test]
    fn a_local_copy_only_saves_the_download() {
        let dir = tempfile::tempdir().unwrap();
        let dedup = Dedup::new(at("2025-10-12 20:00:00"), TimeDelta::hours(1), dir.path());
        let file = name("2025-10-12-190000-supply-round-1.txt");
        assert_eq!(dedup.local_copy(&file), None);
        std::fs::write(dir.path().join(file.as_str()), b"x").unwrap();
        assert_eq!(dedup.local_copy(&file), Some(dir.path().join(file.as_str())));
    }
}
