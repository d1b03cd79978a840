//! Importing one stats file: one transaction that stores the round, re-derives the round 2s
//! its arrival affects, fixes gaming sessions and aliases, and records the file.
use chrono::{NaiveDateTime, TimeDelta};
use entity::processed_files;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, TransactionTrait,
};
use sha2::{Digest, Sha256};

use super::{
    StoreError,
    aliases::add_aliases,
    posting::{clear_set_aside, queue_post, upsert_set_aside},
};
use crate::stats::{self, PairingRules, ParseError, ParseWarning, RoundKind, StatsFileName};

/// What importing a file did.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    /// The round was stored.
    Imported(Imported),
    /// Nothing changed: this name was imported before, or the same bytes under `original`.
    AlreadyImported {
        /// The other name the same content was imported under, if it was another name.
        original: Option<String>,
    },
}

/// A stored round.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The `rounds.id` of the file's round (1 or 2).
    pub round_id: i32,
    /// What the round's numbers cover.
    pub kind: RoundKind,
    /// Round-2 files whose pairing this file changed (they were re-derived).
    pub rederived: Vec<String>,
    /// Warnings from the parser.
    pub warnings: Vec<ParseWarning>,
    /// Badge tiers this round's players reached (recorded in `achievement_unlocks`).
    pub unlocked: usize,
}

/// The storage side of the pipeline: one database, one game server name, the pairing and
/// session rules. Cloning is cheap (the connection is a pool).
#[derive(Debug, Clone)]
pub struct Store {
    pub(super) db: DatabaseConnection,
    pub(super) server: String,
    pub(super) rules: PairingRules,
    pub(super) session_gap: TimeDelta,
    pub(super) outbox: bool,
    pub(super) ratings_later: bool,
}

/// SHA-256 of the file's bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// The same store for another game server.
    pub fn for_server(&self, server: &str) -> Store {
        Store { server: server.to_owned(), ..self.clone() }
    }

    /// A store over `db` for game server `server`.
    pub fn new(
        db: DatabaseConnection,
        server: &str,
        rules: PairingRules,
        session_gap: TimeDelta,
    ) -> Self {
        Store {
            db,
            server: server.to_owned(),
            rules,
            session_gap,
            outbox: false,
            ratings_later: false,
        }
    }

    /// The same store for the daemon: every stored round (and match summary) is also queued
    /// in `post_outbox` in the import's transaction, and a rejected file is set aside, so
    /// posting and skipping survive a crash. `slomix import` stores history without either.
    pub fn posting(self) -> Store {
        Store { outbox: true, ..self }
    }

    /// The same store for a history import: ratings are not caught up after each file; the
    /// caller runs [`Store::catch_up_ratings`] once at the end (an import in any order then
    /// rebuilds them once, not once per file out of order).
    pub fn ratings_later(self) -> Store {
        Store { ratings_later: true, ..self }
    }

    /// Brings the ratings in step with the stored rounds (`store::ratings::catch_up`).
    pub async fn catch_up_ratings(&self) -> Result<super::ratings::CaughtUp, StoreError> {
        Ok(super::ratings::catch_up(&self.db).await?)
    }

    /// Sets a file aside after an import that failed for its own data (outside a transaction
    /// that could record it): polling passes it by until its size changes.
    pub async fn set_aside(
        &self,
        name: &str,
        reason: &str,
        size: usize,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        upsert_set_aside(&txn, &self.server, name, reason, size, now).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The connection.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Imports one file in one transaction. `now` stamps the rows.
    ///
    /// * Same name imported before, or same content under another name: `AlreadyImported`.
    /// * Unusable file: `Err(StoreError::Rejected)`, recorded as a failed attempt (so it is
    ///   retried next time, never taken for done).
    /// * Otherwise the round is stored; a round 2 is paired with a stored round 1 (or kept as
    ///   an orphan until its round 1 arrives), and round 2s whose pairing this file changes
    ///   are re-derived, so any import order gives the same database.
    pub async fn import_file(
        &self,
        name: &str,
        bytes: &[u8],
        now: NaiveDateTime,
    ) -> Result<ImportOutcome, StoreError> {
        self.import_parsed(name, bytes, stats::parse_file(name, bytes), now).await
    }

    /// [`Store::import_file`] for a file already parsed (the daemon's StatsParser parses off
    /// the writer; nothing parses a file twice). `parsed` must be `bytes` read by the parser.
    pub async fn import_parsed(
        &self,
        name: &str,
        bytes: &[u8],
        parsed: Result<stats::ParsedFile, ParseError>,
        now: NaiveDateTime,
    ) -> Result<ImportOutcome, StoreError> {
        let file = StatsFileName::parse(name).map_err(|e| {
            StoreError::Rejected(ParseError {
                file: name.chars().take(80).flat_map(char::escape_debug).collect(),
                line: None,
                field: None,
                kind: e.into(),
            })
        })?;
        let hash = sha256_hex(bytes);
        let txn = self.db.begin().await?;
        let existing = processed_files::Entity::find()
            .filter(processed_files::Column::Filename.eq(name))
            .one(&txn)
            .await?;
        if existing.as_ref().is_some_and(|row| row.success) {
            return Ok(ImportOutcome::AlreadyImported { original: None });
        }
        let same_content = processed_files::Entity::find()
            .filter(processed_files::Column::FileHash.eq(hash.as_str()))
            .filter(processed_files::Column::Success.eq(true))
            .filter(processed_files::Column::Filename.ne(name))
            .one(&txn)
            .await?;
        if let Some(original) = same_content {
            let original_name = original.duplicate_of.unwrap_or(original.filename);
            record_file(&txn, existing, name, &hash, Ok(None), Some(&original_name), now).await?;
            clear_set_aside(&txn, name).await?;
            txn.commit().await?;
            return Ok(ImportOutcome::AlreadyImported { original: Some(original_name) });
        }
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                let reason = error.to_string();
                record_file(&txn, existing, name, &hash, Err(&reason), None, now).await?;
                if self.outbox {
                    upsert_set_aside(&txn, &self.server, name, &reason, bytes.len(), now).await?;
                }
                txn.commit().await?;
                return Err(StoreError::Rejected(error));
            }
        };
        record_file(&txn, existing, name, &hash, Ok(Some(bytes)), None, now).await?;
        let warnings = parsed.warnings.clone();
        let players: Vec<(String, String)> = super::convert::storage_guids(&parsed.players)
            .into_iter()
            .zip(parsed.players.iter().map(|p| p.name.clone()))
            .collect();
        let guids: Vec<String> = players.iter().map(|(g, _)| g.clone()).collect();
        let before = super::unlocks::snapshot(&txn, &guids).await?;
        let (round_id, kind) = self.store_parsed(&txn, parsed, now).await?;
        let mut rederived = Vec::new();
        for neighbour in self.round2s_after(&txn, &file).await? {
            if self.rederive(&txn, &neighbour, now).await? {
                rederived.push(neighbour);
            }
        }
        self.recompute_sessions(&txn, file.timestamp()).await?;
        // Every map this file can change ends at or after its own time.
        super::ratings::mark_changed(&txn, file.timestamp()).await?;
        let unlocked =
            super::unlocks::record(&txn, &players, &before, round_id, file.timestamp()).await?;
        clear_set_aside(&txn, name).await?;
        if self.outbox {
            queue_post(&txn, round_id, name, now).await?;
            if let Some(summary) = self.find_round(&txn, &file, 0).await? {
                queue_post(&txn, summary.id, name, now).await?;
            }
            // A round 1 stored after its round 2 pairs them now: the match summary this
            // made is posted too (a re-derived round 2 already posted is not posted again).
            for neighbour in &rederived {
                let Ok(neighbour) = StatsFileName::parse(neighbour) else { continue };
                if let Some(summary) = self.find_round(&txn, &neighbour, 0).await? {
                    queue_post(&txn, summary.id, name, now).await?;
                }
            }
        }
        txn.commit().await?;
        if !self.ratings_later {
            // The round is stored whatever happens here: a failed catch-up leaves the mark,
            // and the next one does the work.
            if let Err(error) = self.catch_up_ratings().await {
                tracing::warn!(error = %error, file = name, "ratings not caught up yet");
            }
        }
        Ok(ImportOutcome::Imported(Imported { round_id, kind, rederived, warnings, unlocked }))
    }

    /// Stores a parsed file's round (and for a paired round 2 its match summary) and counts
    /// its players' names. Returns the round id and its kind.
    async fn store_parsed(
        &self,
        txn: &DatabaseTransaction,
        parsed: stats::ParsedFile,
        now: NaiveDateTime,
    ) -> Result<(i32, RoundKind), StoreError> {
        let is_new = self.find_round(txn, &parsed.file, parsed.file.round()).await?.is_none();
        let round = if parsed.file.round() == 1 {
            parsed.into_round1()
        } else {
            let (round, summary) = self.derive_round2(txn, parsed).await?;
            match summary {
                Some(summary) => {
                    self.upsert_round(txn, &summary, now).await?;
                }
                None => self.delete_round(txn, &round.file, 0).await?,
            }
            round
        };
        let id = self.upsert_round(txn, &round, now).await?;
        if is_new {
            add_aliases(txn, &round).await?;
        }
        Ok((id, round.kind))
    }
}

/// Re-reads a stored file's content and parses it.
pub(super) async fn load_parsed(
    txn: &DatabaseTransaction,
    name: &str,
) -> Result<Option<stats::ParsedFile>, StoreError> {
    let row = processed_files::Entity::find()
        .filter(processed_files::Column::Filename.eq(name))
        .filter(processed_files::Column::Success.eq(true))
        .one(txn)
        .await?;
    let Some(content) = row.and_then(|r| r.content) else { return Ok(None) };
    Ok(stats::parse_file(name, &content).ok())
}

/// Writes the `processed_files` row of an attempt: `Ok(Some(bytes))` a success with the
/// content kept (rounds are re-derived from it), `Ok(None)` a success without content (a
/// duplicate), `Err(message)` a failure.
async fn record_file(
    txn: &DatabaseTransaction,
    existing: Option<processed_files::Model>,
    name: &str,
    hash: &str,
    result: Result<Option<&[u8]>, &str>,
    duplicate_of: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let (success, error_message, content) = match result {
        Ok(content) => (true, None, content.map(<[u8]>::to_vec)),
        Err(message) => (false, Some(message.to_owned()), None),
    };
    match existing {
        Some(row) => {
            let mut row = row.into_active_model();
            row.file_hash = Set(Some(hash.to_owned()));
            row.success = Set(success);
            row.error_message = Set(error_message);
            row.processed_at = Set(now);
            row.content = Set(content);
            row.duplicate_of = Set(duplicate_of.map(str::to_owned));
            row.update(txn).await?;
        }
        None => {
            let row = processed_files::ActiveModel {
                filename: Set(name.to_owned()),
                file_hash: Set(Some(hash.to_owned())),
                success: Set(success),
                error_message: Set(error_message),
                processed_at: Set(now),
                content: Set(content),
                duplicate_of: Set(duplicate_of.map(str::to_owned)),
                ..Default::default()
            };
            processed_files::Entity::insert(row).exec_without_returning(txn).await?;
        }
    }
    Ok(())
}
