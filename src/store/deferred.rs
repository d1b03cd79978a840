//! The work a history import leaves to the end of a batch: the `processed_files` rows and the
//! player and weapon rows of the files it stores (written many to a statement), their lifetime
//! totals (added set-wise over the batch's rounds), aliases (once per name) and the badge tiers
//! they cross (worked out from a running copy of the totals). Only files that touch no stored
//! round take this path (`Store::import_batch` decides before each file); before any other file
//! [`Deferred::flush_and_forget`] writes everything out and that file goes the one-file way, so
//! the database ends as if every file had been imported alone.
use std::{
    collections::{HashMap, HashSet},
    str::FromStr,
};

use chrono::NaiveDateTime;
use entity::{
    achievement_unlocks as unlocks, player_comprehensive_stats as pcs, player_totals as totals,
    processed_files, weapon_comprehensive_stats as wcs,
};
use migration::m20261201_000004_command_tables::PLAYER_SUMS;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait,
    ModelTrait, QueryFilter, QuerySelect, Value,
};

use super::StoreError;
use crate::{
    badges::{self, LADDERS},
    stats::ParsedFile,
};

/// Round ids per set-wise totals statement.
const ROUND_IDS: usize = 500;

/// What a batch has stored but not yet written out (see the module comment).
#[derive(Debug, Default)]
pub(super) struct Deferred {
    players: Vec<pcs::ActiveModel>,
    weapons: Vec<wcs::ActiveModel>,
    /// Rounds (1 and 2) whose rows are still to be added to the totals.
    totals: Vec<i32>,
    unlocks: Vec<unlocks::ActiveModel>,
    /// Names seen per (storage GUID, name): first and last time, rounds. Written once per
    /// batch: PostgreSQL slows down on a row updated many times in one transaction.
    aliases: HashMap<(String, String), (NaiveDateTime, NaiveDateTime, i32)>,
    /// New `processed_files` rows (their names and hashes are in the batch's `Known`).
    files: Vec<processed_files::ActiveModel>,
    /// The batch's deferred round-1 files as parsed, for pairing its round 2s without
    /// reading them back.
    round1s: HashMap<String, ParsedFile>,
    /// Each seen player's totals as they stand with the deferred rounds counted (`None`: no
    /// totals row yet). A player not in here has nothing deferred: the database is current.
    running: HashMap<String, Option<totals::Model>>,
    /// The tiers recorded for the players in `running`, deferred ones included.
    recorded: HashSet<(String, String, i32)>,
}

/// Where a file's deferred work starts, to drop it if the file is refused.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark {
    files: usize,
    players: usize,
    weapons: usize,
    totals: usize,
}

impl Deferred {
    /// The current position.
    pub(super) fn mark(&self) -> Mark {
        Mark {
            files: self.files.len(),
            players: self.players.len(),
            weapons: self.weapons.len(),
            totals: self.totals.len(),
        }
    }

    /// Drops what was deferred since `mark` (its file was rolled back). Files are refused
    /// before their rounds are stored, so the running totals are not touched by then.
    pub(super) fn rollback(&mut self, mark: Mark) {
        self.files.truncate(mark.files);
        self.players.truncate(mark.players);
        self.weapons.truncate(mark.weapons);
        self.totals.truncate(mark.totals);
    }

    /// Defers a new round's rows; a round 1 or 2 is counted in the running totals at once.
    pub(super) async fn add_round(
        &mut self,
        txn: &DatabaseTransaction,
        round_id: i32,
        round_number: u8,
        players: Vec<pcs::ActiveModel>,
        weapons: Vec<wcs::ActiveModel>,
    ) -> Result<(), DbErr> {
        if round_number != 0 {
            let guids: Vec<String> = players.iter().filter_map(guid_of).collect();
            self.load(txn, &guids).await?;
            for row in &players {
                let Some(guid) = guid_of(row) else { continue };
                let entry = self.running.entry(guid.clone()).or_default();
                let total = entry.get_or_insert_with(|| badges::zero_totals(&guid));
                add_row(total, row)?;
            }
            self.totals.push(round_id);
        }
        self.players.extend(players);
        self.weapons.extend(weapons);
        Ok(())
    }

    /// Defers a new `processed_files` row.
    pub(super) fn add_file(&mut self, row: processed_files::ActiveModel) {
        self.files.push(row);
    }

    /// Keeps a deferred round-1 file as parsed, for its round 2.
    pub(super) fn keep_round1(&mut self, parsed: &ParsedFile) {
        self.round1s.insert(parsed.file.as_str().to_owned(), parsed.clone());
    }

    /// A round-1 file of the batch as parsed, if it was kept.
    pub(super) fn round1(&self, name: &str) -> Option<ParsedFile> {
        self.round1s.get(name).cloned()
    }

    /// Counts a newly stored round's players' names (`aliases::add_aliases`, deferred).
    pub(super) fn add_aliases(&mut self, round: &crate::stats::Round) {
        let at = round.file.timestamp();
        for pair in super::aliases::names_of(round) {
            let seen = self.aliases.entry(pair).or_insert((at, at, 0));
            seen.0 = seen.0.min(at);
            seen.1 = seen.1.max(at);
            seen.2 += 1;
        }
    }

    /// The running totals of `guids` (loaded from the database for players not seen yet).
    pub(super) async fn snapshot(
        &mut self,
        txn: &DatabaseTransaction,
        guids: &[String],
    ) -> Result<HashMap<String, totals::Model>, DbErr> {
        self.load(txn, guids).await?;
        Ok(guids
            .iter()
            .filter_map(|g| self.running.get(g).cloned().flatten().map(|t| (g.clone(), t)))
            .collect())
    }

    /// Defers the tiers that `players` (storage GUID, name) crossed since `before`, for
    /// `round_id`, as `unlocks::record` would write them; returns how many are new.
    pub(super) async fn record_unlocks(
        &mut self,
        txn: &DatabaseTransaction,
        players: &[(String, String)],
        before: &HashMap<String, totals::Model>,
        round_id: i32,
        reached_at: NaiveDateTime,
    ) -> Result<usize, DbErr> {
        let guids: Vec<String> = players.iter().map(|(g, _)| g.clone()).collect();
        let after = self.snapshot(txn, &guids).await?;
        let mut added = 0;
        for (guid, name) in players {
            let Some(now) = after.get(guid) else { continue };
            for (ladder, tier) in badges::crossed(before.get(guid), now) {
                let row = super::unlocks::row(guid, name, ladder, tier, round_id, reached_at);
                let key = (
                    guid.clone(),
                    LADDERS[ladder].name.to_owned(),
                    i32::try_from(tier).unwrap_or(i32::MAX),
                );
                if self.recorded.insert(key) {
                    self.unlocks.push(row);
                    added += 1;
                }
            }
        }
        Ok(added)
    }

    /// Reads the totals and recorded tiers of the players of `guids` not seen yet.
    async fn load(&mut self, txn: &DatabaseTransaction, guids: &[String]) -> Result<(), DbErr> {
        let missing: Vec<String> = guids
            .iter()
            .filter(|g| !self.running.contains_key(*g))
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let rows = totals::Entity::find()
            .filter(totals::Column::Guid.is_in(missing.clone()))
            .all(txn)
            .await?;
        let mut found: HashMap<String, totals::Model> =
            rows.into_iter().map(|t| (t.guid.clone(), t)).collect();
        let tiers: Vec<(String, String, i32)> = unlocks::Entity::find()
            .select_only()
            .column(unlocks::Column::Guid)
            .column(unlocks::Column::Ladder)
            .column(unlocks::Column::Tier)
            .filter(unlocks::Column::Guid.is_in(missing.clone()))
            .into_tuple()
            .all(txn)
            .await?;
        self.recorded.extend(tiers);
        for guid in missing {
            let total = found.remove(&guid);
            self.running.insert(guid, total);
        }
        Ok(())
    }

    /// Writes everything deferred: rows, totals, unlocks. The running totals stay valid.
    pub(super) async fn flush(&mut self, txn: &DatabaseTransaction) -> Result<(), StoreError> {
        super::rows::insert(txn, std::mem::take(&mut self.files)).await?;
        // Their contents are in `processed_files` now.
        self.round1s.clear();
        super::rows::insert(txn, std::mem::take(&mut self.players)).await?;
        super::rows::insert(txn, std::mem::take(&mut self.weapons)).await?;
        let totals = std::mem::take(&mut self.totals);
        for piece in super::rows::pieces(&totals, ROUND_IDS) {
            super::totals::add_rounds(txn, piece).await?;
        }
        let aliases = std::mem::take(&mut self.aliases)
            .into_iter()
            .map(|((guid, alias), (first, last, times))| {
                super::aliases::row(guid, alias, first, last, times)
            })
            .collect();
        super::aliases::upsert(txn, aliases).await?;
        super::unlocks::insert(txn, std::mem::take(&mut self.unlocks)).await?;
        Ok(())
    }

    /// Writes everything deferred and forgets the running totals: a file is about to change
    /// stored rounds the one-file way, which the running copy would not see.
    pub(super) async fn flush_and_forget(
        &mut self,
        txn: &DatabaseTransaction,
    ) -> Result<(), StoreError> {
        self.flush(txn).await?;
        self.running.clear();
        self.recorded.clear();
        Ok(())
    }
}

fn guid_of(row: &pcs::ActiveModel) -> Option<String> {
    match &row.player_guid {
        ActiveValue::Set(guid) | ActiveValue::Unchanged(guid) => Some(guid.clone()),
        ActiveValue::NotSet => None,
    }
}

/// Adds one round's row of a player to their totals as `totals::apply` does: one round, and
/// each summed column (`PLAYER_SUMS`). The seconds dead and the efficiency sum are not kept
/// here (no badge reads them; the database gets them from the rows).
fn add_row(total: &mut totals::Model, row: &pcs::ActiveModel) -> Result<(), DbErr> {
    total.rounds += 1;
    for (to, from) in PLAYER_SUMS {
        let to = totals::Column::from_str(to)
            .map_err(|_| DbErr::Custom(format!("player_totals has no column {to}")))?;
        let from = pcs::Column::from_str(from).map_err(|_| {
            DbErr::Custom(format!("player_comprehensive_stats has no column {from}"))
        })?;
        let value = match row.get(from) {
            ActiveValue::Set(v) | ActiveValue::Unchanged(v) => integer(&v),
            ActiveValue::NotSet => Some(0),
        };
        let (Some(value), Some(sum)) = (value, integer(&total.get(to))) else {
            return Err(DbErr::Custom(format!("totals: {from:?} is not a whole number")));
        };
        let sum = sum + value;
        total.try_set(to, Value::BigInt(Some(sum)))?;
    }
    Ok(())
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::TinyInt(v) => v.map(i64::from),
        Value::SmallInt(v) => v.map(i64::from),
        Value::Int(v) => v.map(i64::from),
        Value::BigInt(v) => *v,
        Value::TinyUnsigned(v) => v.map(i64::from),
        Value::SmallUnsigned(v) => v.map(i64::from),
        Value::Unsigned(v) => v.map(i64::from),
        _ => None,
    }
}
