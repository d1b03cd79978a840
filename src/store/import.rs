//! Importing one stats file: one transaction that stores the round, re-derives the round 2s
//! its arrival affects, fixes gaming sessions and aliases, and records the file.
use chrono::{NaiveDateTime, TimeDelta};
use entity::{processed_files, rounds, set_aside_files};
use std::collections::{BTreeSet, HashMap, HashSet};

use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QuerySelect, TransactionTrait, sea_query::Expr,
};
use sha2::{Digest, Sha256};

use super::{
    StoreError,
    aliases::add_aliases,
    deferred::Deferred,
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
        let hash = sha256_hex(bytes);
        let txn = self.db.begin().await?;
        let mut known = Known::Ask;
        let mut settle = Settle::default();
        let outcome = self
            .import_in(&txn, &mut known, name, bytes, &hash, parsed, now, &mut settle, None)
            .await;
        match outcome {
            Ok(ImportOutcome::AlreadyImported { original: None }) => return outcome,
            // Refused after it had written (a pairing that failed): dropping the
            // transaction rolls all of it back.
            Err(StoreError::Rejected(_)) if !settle.times.is_empty() => return outcome,
            Ok(_) | Err(StoreError::Rejected(_)) => {}
            Err(error) => return Err(error),
        }
        self.settle(&txn, settle).await?;
        txn.commit().await?;
        if outcome.is_ok() && !self.ratings_later {
            // The round is stored whatever happens here: a failed catch-up leaves the mark,
            // and the next one does the work.
            if let Err(error) = self.catch_up_ratings().await {
                tracing::warn!(error = %error, file = name, "ratings not caught up yet");
            }
        }
        outcome
    }

    /// Imports files in one transaction, each in its own savepoint, for a history import.
    /// Every file gets the outcome [`Store::import_parsed`] would give it on its own, and the
    /// database ends the same as importing them one by one; the gaming sessions and the
    /// ratings mark are settled once for the batch. A rejected file is recorded as a failed
    /// attempt (its own changes rolled back) and the others go on; a database error rolls
    /// the whole batch back and is returned. Never queues posts: history is not announced.
    pub async fn import_batch(
        &self,
        files: Vec<BatchFile>,
        now: NaiveDateTime,
    ) -> Result<Vec<Result<ImportOutcome, StoreError>>, StoreError> {
        let quiet = Store { outbox: false, ..self.clone() };
        let txn = self.db.begin().await?;
        let mut known = Known::prefetch(&txn, &files, self.rules.window).await?;
        let mut deferred = Deferred::default();
        let mut settle = Settle::default();
        let mut outcomes = Vec::with_capacity(files.len());
        for file in files {
            let defer = quiet.touches_nothing_stored(&txn, &known, &file).await?;
            if !defer {
                // It changes stored rounds the one-file way: everything before it is written.
                deferred.flush_and_forget(&txn).await?;
            }
            let mark = deferred.mark();
            // Only pairing a round 2 can refuse a file after it has written, and a deferred
            // file pairs before it writes: it needs no savepoint of its own (a database
            // error ends the whole batch).
            let savepoint = if defer { None } else { Some(txn.begin().await?) };
            let mut own = Settle::default();
            let outcome = quiet
                .import_in(
                    savepoint.as_ref().unwrap_or(&txn),
                    &mut known,
                    &file.name,
                    &file.bytes,
                    &file.hash,
                    file.parsed,
                    now,
                    &mut own,
                    defer.then_some(&mut deferred),
                )
                .await;
            match outcome {
                Err(StoreError::Rejected(_)) if !own.times.is_empty() => {
                    // Refused after it had written (a pairing that failed): nothing of it
                    // stays, as when it is imported alone.
                    let Some(savepoint) = savepoint else {
                        return Err(StoreError::Db(DbErr::Custom(format!(
                            "{}: refused after writing without a savepoint",
                            file.name
                        ))));
                    };
                    savepoint.rollback().await?;
                    known.rollback();
                    deferred.rollback(mark);
                }
                Ok(_) | Err(StoreError::Rejected(_)) => {
                    if let Some(savepoint) = savepoint {
                        savepoint.commit().await?;
                    }
                    known.commit();
                    if let Ok(ImportOutcome::Imported(_)) = &outcome
                        && let Ok(name) = StatsFileName::parse(&file.name)
                        && name.round() == 2
                    {
                        known.stored_round2(name);
                    }
                    settle.times.append(&mut own.times);
                }
                Err(error) => return Err(error),
            }
            outcomes.push(outcome);
        }
        deferred.flush(&txn).await?;
        self.settle(&txn, settle).await?;
        txn.commit().await?;
        if !self.ratings_later
            && let Err(error) = self.catch_up_ratings().await
        {
            tracing::warn!(error = %error, "ratings not caught up yet");
        }
        Ok(outcomes)
    }

    /// Whether importing `file` in a batch can leave its rows, totals and unlocks to the end
    /// of the batch: it is already there, refused by its name, or stores only new rounds and
    /// re-derives none (no stored round of its own, no match summary, no round 2 after it
    /// that it could pair). A history imported in time order is all such files.
    async fn touches_nothing_stored(
        &self,
        txn: &DatabaseTransaction,
        known: &Known,
        file: &BatchFile,
    ) -> Result<bool, StoreError> {
        let Ok(name) = StatsFileName::parse(&file.name) else { return Ok(true) };
        if known.by_name(txn, &file.name).await? == Some(true)
            || known.same_content(txn, &file.hash, &file.name).await?.is_some()
        {
            return Ok(true);
        }
        // Its own round and match summary carry its name.
        if known.may_have_rounds(txn, &file.name).await? {
            return Ok(false);
        }
        Ok(!known.has_round2_after(&name, self.rules.window))
    }

    /// The gaming sessions around every stored round's time (each session once) and the
    /// ratings mark at the earliest.
    async fn settle(&self, txn: &DatabaseTransaction, settle: Settle) -> Result<(), StoreError> {
        let mut times = settle.times;
        times.sort_unstable();
        times.dedup();
        let mut covered: Option<(NaiveDateTime, NaiveDateTime)> = None;
        for &t in &times {
            // Sessions are disjoint spans of the final rounds: a time inside the last one
            // recomputed belongs to it.
            if covered.is_some_and(|(start, end)| start <= t && t <= end) {
                continue;
            }
            covered = Some(self.recompute_sessions(txn, t).await?);
        }
        if let Some(first) = times.first() {
            // Every map this change can touch ends at or after its earliest time.
            super::ratings::mark_changed(txn, *first).await?;
        }
        Ok(())
    }

    /// One file's import inside `txn`, leaving the sessions and the ratings to `settle`.
    /// The caller commits (an `Err(Rejected)` that wrote nothing but the failed attempt
    /// included) or rolls back.
    #[allow(clippy::too_many_arguments)]
    async fn import_in(
        &self,
        txn: &DatabaseTransaction,
        known: &mut Known,
        name: &str,
        bytes: &[u8],
        hash: &str,
        parsed: Result<stats::ParsedFile, ParseError>,
        now: NaiveDateTime,
        settle: &mut Settle,
        mut deferred: Option<&mut Deferred>,
    ) -> Result<ImportOutcome, StoreError> {
        let file = StatsFileName::parse(name).map_err(|e| {
            StoreError::Rejected(ParseError {
                file: name.chars().take(80).flat_map(char::escape_debug).collect(),
                line: None,
                field: None,
                kind: e.into(),
            })
        })?;
        let existing = known.by_name(txn, name).await?;
        if existing == Some(true) {
            return Ok(ImportOutcome::AlreadyImported { original: None });
        }
        let this = Recording { name, hash, existing, now };
        if let Some(original_name) = known.same_content(txn, hash, name).await? {
            record_file(txn, known, &this, Ok(None), Some(&original_name), deferred.as_deref_mut())
                .await?;
            known.clear_set_aside(txn, name).await?;
            return Ok(ImportOutcome::AlreadyImported { original: Some(original_name) });
        }
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                let reason = error.to_string();
                record_file(txn, known, &this, Err(&reason), None, deferred.as_deref_mut()).await?;
                if self.outbox {
                    upsert_set_aside(txn, &self.server, name, &reason, bytes.len(), now).await?;
                }
                return Err(StoreError::Rejected(error));
            }
        };
        let warnings = parsed.warnings.clone();
        let players: Vec<(String, String)> = super::convert::storage_guids(&parsed.players)
            .into_iter()
            .zip(parsed.players.iter().map(|p| p.name.clone()))
            .collect();
        let guids: Vec<String> = players.iter().map(|(g, _)| g.clone()).collect();
        let parsed = match deferred.as_deref() {
            // A deferred round 2 is paired before anything is written, so a pairing that
            // fails refuses it with nothing to roll back (it reads only other files' rows).
            Some(deferred) if parsed.file.round() == 2 => {
                let (round, summary) = self.derive_round2(txn, parsed, Some(deferred)).await?;
                Derived::Paired(round, summary)
            }
            _ => Derived::Parsed(parsed),
        };
        record_file(txn, known, &this, Ok(Some(bytes)), None, deferred.as_deref_mut()).await?;
        // From here on the file has written: a refusal must roll it back.
        settle.times.push(file.timestamp());
        let before = match deferred.as_deref_mut() {
            Some(deferred) => deferred.snapshot(txn, &guids).await?,
            None => super::unlocks::snapshot(txn, &guids).await?,
        };
        let (round_id, kind) = self.store_parsed(txn, parsed, now, deferred.as_deref_mut()).await?;
        let mut rederived = Vec::new();
        let unlocked = match deferred {
            // Deferred only when no round 2 after it was stored: nothing to re-derive.
            Some(deferred) => {
                deferred.record_unlocks(txn, &players, &before, round_id, file.timestamp()).await?
            }
            None => {
                for neighbour in self.round2s_after(txn, &file).await? {
                    if self.rederive(txn, &neighbour, now).await? {
                        rederived.push(neighbour);
                    }
                }
                super::unlocks::record(txn, &players, &before, round_id, file.timestamp()).await?
            }
        };
        known.clear_set_aside(txn, name).await?;
        if self.outbox {
            queue_post(txn, round_id, name, now).await?;
            if let Some(summary) = self.find_round(txn, &file, 0).await? {
                queue_post(txn, summary.id, name, now).await?;
            }
            // A round 1 stored after its round 2 pairs them now: the match summary this
            // made is posted too (a re-derived round 2 already posted is not posted again).
            for neighbour in &rederived {
                let Ok(neighbour) = StatsFileName::parse(neighbour) else { continue };
                if let Some(summary) = self.find_round(txn, &neighbour, 0).await? {
                    queue_post(txn, summary.id, name, now).await?;
                }
            }
        }
        Ok(ImportOutcome::Imported(Imported { round_id, kind, rederived, warnings, unlocked }))
    }

    /// Stores a parsed file's round (and for a paired round 2 its match summary) and counts
    /// its players' names. Returns the round id and its kind. With `deferred`, the file's
    /// rounds are known to be new and their rows are left to the end of the batch.
    async fn store_parsed(
        &self,
        txn: &DatabaseTransaction,
        parsed: Derived,
        now: NaiveDateTime,
        mut deferred: Option<&mut Deferred>,
    ) -> Result<(i32, RoundKind), StoreError> {
        let is_new = match (&parsed, &deferred) {
            (_, Some(_)) => true,
            (Derived::Parsed(p), None) => {
                self.find_round(txn, &p.file, p.file.round()).await?.is_none()
            }
            (Derived::Paired(round, _), None) => {
                self.find_round(txn, &round.file, round.round_number()).await?.is_none()
            }
        };
        let paired = match parsed {
            Derived::Parsed(parsed) if parsed.file.round() == 1 => {
                if let Some(deferred) = deferred.as_deref_mut() {
                    deferred.keep_round1(&parsed);
                }
                Err(parsed.into_round1())
            }
            Derived::Parsed(parsed) => Ok(self.derive_round2(txn, parsed, None).await?),
            Derived::Paired(round, summary) => Ok((round, summary)),
        };
        let round = match paired {
            Err(round1) => round1,
            Ok((round, summary)) => {
                match (summary, deferred.as_deref_mut()) {
                    (Some(summary), Some(deferred)) => {
                        self.insert_round_deferred(txn, &summary, now, deferred).await?;
                    }
                    (Some(summary), None) => {
                        self.upsert_round(txn, &summary, now).await?;
                    }
                    // A deferred file has no stored match summary to delete.
                    (None, Some(_)) => {}
                    (None, None) => self.delete_round(txn, &round.file, 0).await?,
                }
                round
            }
        };
        let id = match deferred {
            Some(deferred) => {
                let id = self.insert_round_deferred(txn, &round, now, deferred).await?;
                deferred.add_aliases(&round);
                id
            }
            None => {
                let id = self.upsert_round(txn, &round, now).await?;
                if is_new {
                    add_aliases(txn, &round).await?;
                }
                id
            }
        };
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

/// The file an attempt is recorded for: its name and hash, whether a row for the name is
/// there (and whether it was a success), and the time that stamps it.
#[derive(Debug, Clone, Copy)]
struct Recording<'a> {
    name: &'a str,
    hash: &'a str,
    existing: Option<bool>,
    now: NaiveDateTime,
}

/// Writes the `processed_files` row of an attempt: `Ok(Some(bytes))` a success with the
/// content kept (rounds are re-derived from it), `Ok(None)` a success without content (a
/// duplicate), `Err(message)` a failure.
async fn record_file(
    txn: &DatabaseTransaction,
    known: &mut Known,
    this: &Recording<'_>,
    result: Result<Option<&[u8]>, &str>,
    duplicate_of: Option<&str>,
    deferred: Option<&mut Deferred>,
) -> Result<(), StoreError> {
    let Recording { name, hash, existing, now } = *this;
    let (success, error_message, content) = match result {
        Ok(content) => (true, None, content.map(<[u8]>::to_vec)),
        Err(message) => (false, Some(message.to_owned()), None),
    };
    known.record(name, hash, success, duplicate_of);
    let duplicate_of = duplicate_of.map(str::to_owned);
    if existing.is_some() {
        processed_files::Entity::update_many()
            .col_expr(processed_files::Column::FileHash, Expr::value(hash))
            .col_expr(processed_files::Column::Success, Expr::value(success))
            .col_expr(processed_files::Column::ErrorMessage, Expr::value(error_message))
            .col_expr(processed_files::Column::ProcessedAt, Expr::value(now))
            .col_expr(processed_files::Column::Content, Expr::value(content))
            .col_expr(processed_files::Column::DuplicateOf, Expr::value(duplicate_of))
            .filter(processed_files::Column::Filename.eq(name))
            .exec(txn)
            .await?;
    } else {
        let row = processed_files::ActiveModel {
            filename: Set(name.to_owned()),
            file_hash: Set(Some(hash.to_owned())),
            success: Set(success),
            error_message: Set(error_message),
            processed_at: Set(now),
            content: Set(content),
            duplicate_of: Set(duplicate_of),
            ..Default::default()
        };
        match deferred {
            Some(deferred) => deferred.add_file(row),
            None => {
                processed_files::Entity::insert(row).exec_without_returning(txn).await?;
            }
        }
    }
    Ok(())
}

/// A file's round before it is stored: as parsed, or a round 2 already paired (with its
/// match summary, if it has a round 1).
// One per file, moved once: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Derived {
    Parsed(stats::ParsedFile),
    Paired(stats::Round, Option<stats::Round>),
}

/// A file for [`Store::import_batch`]: its name, bytes, hash and what the parser made of it.
#[derive(Debug)]
pub struct BatchFile {
    name: String,
    bytes: Vec<u8>,
    hash: String,
    parsed: Result<stats::ParsedFile, ParseError>,
}

impl BatchFile {
    /// Parses and hashes `bytes` (pure work: call it on any thread, ahead of the writer).
    pub fn new(name: String, bytes: Vec<u8>) -> BatchFile {
        let parsed = stats::parse_file(&name, &bytes);
        let hash = sha256_hex(&bytes);
        BatchFile { name, bytes, hash, parsed }
    }
}

/// What an import leaves to the end of its transaction: the times of the rounds it stored
/// (their gaming sessions are recomputed, the ratings marked from the earliest).
#[derive(Debug, Default)]
struct Settle {
    times: Vec<NaiveDateTime>,
}

/// A `processed_files` row as the import needs it.
#[derive(Debug, Clone)]
struct Attempt {
    name: String,
    hash: String,
    success: bool,
    /// The name the content was first imported under, for a success.
    original: String,
}

/// How an import learns what `processed_files` holds: by asking the database (one file),
/// or from the rows of a whole batch read at once, kept in step as its files are recorded
/// (what a file records counts once its savepoint is released).
#[derive(Debug)]
enum Known {
    Ask,
    Batch(Box<BatchKnown>),
}

/// What a batch knows of `processed_files`, `rounds` and `set_aside_files` for its names.
#[derive(Debug)]
struct BatchKnown {
    /// Whether the attempt under each name succeeded.
    by_name: HashMap<String, bool>,
    /// The original name of each successfully imported content.
    by_hash: HashMap<String, String>,
    /// The current file's attempt, until its savepoint ends.
    staged: Option<Attempt>,
    /// The batch's names that have stored rounds (before the batch).
    rounds: HashSet<String>,
    /// The batch's names that are set aside (before the batch).
    set_aside: HashSet<String>,
    /// The stored round 2s (map, time, name) from the batch's first file time to its last
    /// plus the pairing window, kept in step as the batch stores round 2s.
    round2s: BTreeSet<(String, NaiveDateTime, String)>,
}

/// The values of `names` found in text column `column` (each table's own file-name column).
async fn present<E: EntityTrait>(
    txn: &DatabaseTransaction,
    column: E::Column,
    names: impl IntoIterator<Item = &String>,
) -> Result<Vec<String>, DbErr> {
    E::find().select_only().column(column).filter(column.is_in(names)).into_tuple().all(txn).await
}

/// How [`BatchKnown::round2s`] orders a round-2 file (its row's map, `round_at` and name).
fn round2_key(file: StatsFileName) -> (String, NaiveDateTime, String) {
    (file.map().to_owned(), file.timestamp(), file.as_str().to_owned())
}

impl Known {
    /// The rows of `files`' names and contents, in two queries.
    async fn prefetch(
        txn: &DatabaseTransaction,
        files: &[BatchFile],
        window: TimeDelta,
    ) -> Result<Known, DbErr> {
        let mut by_name = HashMap::new();
        let mut by_hash = HashMap::new();
        for chunk in files.chunks(500) {
            let rows: Vec<(String, bool)> = processed_files::Entity::find()
                .select_only()
                .column(processed_files::Column::Filename)
                .column(processed_files::Column::Success)
                .filter(processed_files::Column::Filename.is_in(chunk.iter().map(|f| &f.name)))
                .into_tuple()
                .all(txn)
                .await?;
            by_name.extend(rows);
            let rows: Vec<(String, Option<String>, Option<String>)> =
                processed_files::Entity::find()
                    .select_only()
                    .column(processed_files::Column::Filename)
                    .column(processed_files::Column::DuplicateOf)
                    .column(processed_files::Column::FileHash)
                    .filter(processed_files::Column::Success.eq(true))
                    .filter(processed_files::Column::FileHash.is_in(chunk.iter().map(|f| &f.hash)))
                    .into_tuple()
                    .all(txn)
                    .await?;
            for (name, duplicate_of, hash) in rows {
                if let Some(hash) = hash {
                    by_hash.insert(hash, duplicate_of.unwrap_or(name));
                }
            }
        }
        let mut rounds = HashSet::new();
        let mut set_aside = HashSet::new();
        for chunk in files.chunks(500) {
            let names = || chunk.iter().map(|f| &f.name);
            rounds.extend(present::<rounds::Entity>(txn, rounds::Column::Filename, names()).await?);
            set_aside.extend(
                present::<set_aside_files::Entity>(txn, set_aside_files::Column::Filename, names())
                    .await?,
            );
        }
        // The stored round 2s a file of the batch could pair (see `Store::round2s_after`).
        let times = files.iter().filter_map(|f| StatsFileName::parse(&f.name).ok());
        let (first, last) = times.fold((None, None), |(lo, hi), f| {
            let t = f.timestamp();
            (
                Some(lo.map_or(t, |lo: NaiveDateTime| lo.min(t))),
                Some(hi.map_or(t, |hi: NaiveDateTime| hi.max(t))),
            )
        });
        let mut round2s = BTreeSet::new();
        if let (Some(first), Some(last)) = (first, last) {
            let names: Vec<String> = rounds::Entity::find()
                .select_only()
                .column(rounds::Column::Filename)
                .filter(rounds::Column::RoundNumber.eq(2))
                .filter(rounds::Column::RoundAt.between(first, last + window))
                .into_tuple()
                .all(txn)
                .await?;
            round2s
                .extend(names.iter().filter_map(|n| StatsFileName::parse(n).ok()).map(round2_key));
        }
        Ok(Known::Batch(Box::new(BatchKnown {
            by_name,
            by_hash,
            staged: None,
            rounds,
            set_aside,
            round2s,
        })))
    }

    /// Whether an attempt under `name` is recorded, and if so whether it succeeded.
    async fn by_name(&self, txn: &DatabaseTransaction, name: &str) -> Result<Option<bool>, DbErr> {
        match self {
            Known::Ask => Ok(processed_files::Entity::find()
                .select_only()
                .column(processed_files::Column::Success)
                .filter(processed_files::Column::Filename.eq(name))
                .into_tuple()
                .one(txn)
                .await?),
            Known::Batch(batch) => Ok(batch.by_name.get(name).copied()),
        }
    }

    /// The original name of the same content imported under another name than `name`.
    async fn same_content(
        &self,
        txn: &DatabaseTransaction,
        hash: &str,
        name: &str,
    ) -> Result<Option<String>, DbErr> {
        match self {
            Known::Ask => {
                let row: Option<(String, Option<String>)> = processed_files::Entity::find()
                    .select_only()
                    .column(processed_files::Column::Filename)
                    .column(processed_files::Column::DuplicateOf)
                    .filter(processed_files::Column::FileHash.eq(hash))
                    .filter(processed_files::Column::Success.eq(true))
                    .filter(processed_files::Column::Filename.ne(name))
                    .into_tuple()
                    .one(txn)
                    .await?;
                Ok(row.map(|(name, duplicate_of)| duplicate_of.unwrap_or(name)))
            }
            // A success under `name` itself returned `AlreadyImported` before this is asked.
            Known::Batch(batch) => Ok(batch.by_hash.get(hash).filter(|o| *o != name).cloned()),
        }
    }

    /// Whether `name` may have stored rounds (a name never stored successfully has none,
    /// unless they were there before the batch).
    async fn may_have_rounds(&self, txn: &DatabaseTransaction, name: &str) -> Result<bool, DbErr> {
        match self {
            Known::Ask => Ok(rounds::Entity::find()
                .filter(rounds::Column::Filename.eq(name))
                .one(txn)
                .await?
                .is_some()),
            Known::Batch(batch) => Ok(batch.rounds.contains(name)),
        }
    }

    /// Whether a round 2 of `file`'s map other than `file` is stored from its time to the
    /// pairing window after it: `Store::round2s_after` is not empty (a batch only).
    fn has_round2_after(&self, file: &StatsFileName, window: TimeDelta) -> bool {
        let Known::Batch(batch) = self else { return true };
        let t = file.timestamp();
        let from = (file.map().to_owned(), t, String::new());
        batch
            .round2s
            .range(from..)
            .take_while(|(map, at, _)| map == file.map() && *at <= t + window)
            .any(|(_, _, name)| name != file.as_str())
    }

    /// A round-2 file was stored in the batch.
    fn stored_round2(&mut self, file: StatsFileName) {
        if let Known::Batch(batch) = self {
            batch.round2s.insert(round2_key(file));
        }
    }

    /// Takes `name` off the set-aside list (a batch asks only for names that were on it).
    async fn clear_set_aside(
        &self,
        txn: &DatabaseTransaction,
        name: &str,
    ) -> Result<(), StoreError> {
        match self {
            Known::Batch(batch) if !batch.set_aside.contains(name) => Ok(()),
            _ => clear_set_aside(txn, name).await,
        }
    }

    fn record(&mut self, name: &str, hash: &str, success: bool, duplicate_of: Option<&str>) {
        if let Known::Batch(batch) = self {
            batch.staged = Some(Attempt {
                name: name.to_owned(),
                hash: hash.to_owned(),
                success,
                original: duplicate_of.unwrap_or(name).to_owned(),
            });
        }
    }

    /// The current file's savepoint was released: its attempt is in the batch.
    fn commit(&mut self) {
        if let Known::Batch(batch) = self
            && let Some(attempt) = batch.staged.take()
        {
            batch.by_name.insert(attempt.name, attempt.success);
            if attempt.success {
                batch.by_hash.entry(attempt.hash).or_insert(attempt.original);
            }
        }
    }

    /// The current file's savepoint was rolled back.
    fn rollback(&mut self) {
        if let Known::Batch(batch) = self {
            batch.staged = None;
        }
    }
}
