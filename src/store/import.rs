//! Importing one stats file: one transaction that stores the round, re-derives the round 2s
//! its arrival affects, fixes gaming sessions and aliases, and records the file.
use chrono::{NaiveDateTime, TimeDelta};
use entity::{
    gaming_sessions, player_aliases, player_comprehensive_stats as pcs, post_outbox,
    processed_files, round_posts, rounds, set_aside_files, weapon_comprehensive_stats as wcs,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait, sea_query::Expr,
};
use sha2::{Digest, Sha256};

use super::{StoreError, convert};
use crate::stats::{self, PairingRules, ParseError, ParseWarning, Round, RoundKind, StatsFileName};

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
}

/// The storage side of the pipeline: one database, one game server name, the pairing and
/// session rules. Cloning is cheap (the connection is a pool).
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
    server: String,
    rules: PairingRules,
    session_gap: TimeDelta,
    outbox: bool,
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
        Store { db, server: server.to_owned(), rules, session_gap, outbox: false }
    }

    /// The same store for the daemon: every stored round (and match summary) is also queued
    /// in `post_outbox` in the import's transaction, and a rejected file is set aside, so
    /// posting and skipping survive a crash. `slomix import` stores history without either.
    pub fn posting(self) -> Store {
        Store { outbox: true, ..self }
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
        let (round_id, kind) = self.store_parsed(&txn, parsed, now).await?;
        let mut rederived = Vec::new();
        for neighbour in self.round2s_after(&txn, &file).await? {
            if self.rederive(&txn, &neighbour, now).await? {
                rederived.push(neighbour);
            }
        }
        self.recompute_sessions(&txn, file.timestamp()).await?;
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
        Ok(ImportOutcome::Imported(Imported { round_id, kind, rederived, warnings }))
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

    /// A round-2 file's round: paired with the stored round 1 the pairing rules pick among
    /// the stored rounds of its map, or an orphan. Also the match summary when paired.
    async fn derive_round2(
        &self,
        txn: &DatabaseTransaction,
        parsed: stats::ParsedFile,
    ) -> Result<(Round, Option<Round>), StoreError> {
        let t = parsed.file.timestamp();
        let nearby: Vec<String> = rounds::Entity::find()
            .select_only()
            .column(rounds::Column::Filename)
            .filter(rounds::Column::MapName.eq(parsed.file.map()))
            .filter(rounds::Column::RoundNumber.is_in([1, 2]))
            .filter(rounds::Column::RoundAt.between(t - self.rules.window, t))
            .into_tuple()
            .all(txn)
            .await?;
        let known: Vec<StatsFileName> =
            nearby.iter().filter_map(|n| StatsFileName::parse(n).ok()).collect();
        let Some(companion) = self.rules.find_round1(&parsed.file, &known) else {
            return Ok((parsed.into_orphan(), None));
        };
        let Some(first) = load_parsed(txn, companion.as_str()).await? else {
            return Ok((parsed.into_orphan(), None));
        };
        let round2 = stats::pair_with(parsed, &first, &self.rules)?;
        let summary = stats::match_summary(&first.into_round1(), &round2);
        Ok((round2, Some(summary)))
    }

    /// Stored round-2 files of the same map written after `file` and within the pairing
    /// window: the ones whose companion may change when `file` arrives.
    async fn round2s_after(
        &self,
        txn: &DatabaseTransaction,
        file: &StatsFileName,
    ) -> Result<Vec<String>, StoreError> {
        let t = file.timestamp();
        let names: Vec<String> = rounds::Entity::find()
            .select_only()
            .column(rounds::Column::Filename)
            .filter(rounds::Column::MapName.eq(file.map()))
            .filter(rounds::Column::RoundNumber.eq(2))
            .filter(rounds::Column::RoundAt.between(t, t + self.rules.window))
            .filter(rounds::Column::Filename.ne(file.as_str()))
            .order_by_asc(rounds::Column::RoundAt)
            .into_tuple()
            .all(txn)
            .await?;
        Ok(names)
    }

    /// Re-derives a stored round 2 if its companion changed; true when it did.
    async fn rederive(
        &self,
        txn: &DatabaseTransaction,
        name: &str,
        now: NaiveDateTime,
    ) -> Result<bool, StoreError> {
        let Some(parsed) = load_parsed(txn, name).await? else { return Ok(false) };
        let stored = rounds::Entity::find()
            .filter(rounds::Column::Filename.eq(name))
            .filter(rounds::Column::RoundNumber.eq(2))
            .one(txn)
            .await?;
        let (round, summary) = self.derive_round2(txn, parsed).await?;
        if stored.as_ref().map(|r| r.round1_filename.as_deref()) == Some(round.round1_file()) {
            return Ok(false);
        }
        self.upsert_round(txn, &round, now).await?;
        match summary {
            Some(summary) => {
                self.upsert_round(txn, &summary, now).await?;
            }
            None => self.delete_round(txn, &round.file, 0).await?,
        }
        Ok(true)
    }

    /// Inserts or replaces a round's row (keeping its id) and its player and weapon rows.
    async fn upsert_round(
        &self,
        txn: &DatabaseTransaction,
        round: &Round,
        now: NaiveDateTime,
    ) -> Result<i32, StoreError> {
        let mut row = convert::round_row(round, &self.server, now);
        let existing = self.find_round(txn, &round.file, round.round_number()).await?;
        let round_id = match existing {
            Some(existing) => {
                let id = existing.id;
                if round.round_number() != 0 {
                    super::totals::apply(txn, id, -1).await?;
                }
                pcs::Entity::delete_many().filter(pcs::Column::RoundId.eq(id)).exec(txn).await?;
                wcs::Entity::delete_many().filter(wcs::Column::RoundId.eq(id)).exec(txn).await?;
                row.id = Set(id);
                row.created_at = Set(existing.created_at);
                row.gaming_session_id = Set(existing.gaming_session_id);
                row.update(txn).await?;
                id
            }
            None => rounds::Entity::insert(row).exec(txn).await?.last_insert_id,
        };
        let guids = convert::storage_guids(&round.players);
        let players: Vec<pcs::ActiveModel> = round
            .players
            .iter()
            .zip(&guids)
            .map(|(p, guid)| convert::player_row(round, round_id, guid, p, now))
            .collect();
        let weapons: Vec<wcs::ActiveModel> = round
            .players
            .iter()
            .zip(&guids)
            .flat_map(|(p, guid)| convert::weapon_rows(round, round_id, guid, p, now))
            .collect();
        for chunk in players.chunks(200) {
            pcs::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
        }
        for chunk in weapons.chunks(1000) {
            wcs::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
        }
        if round.round_number() != 0 {
            super::totals::apply(txn, round_id, 1).await?;
        }
        Ok(round_id)
    }

    async fn find_round(
        &self,
        txn: &DatabaseTransaction,
        file: &StatsFileName,
        round_number: u8,
    ) -> Result<Option<rounds::Model>, StoreError> {
        Ok(rounds::Entity::find()
            .filter(rounds::Column::Server.eq(self.server.as_str()))
            .filter(rounds::Column::MapName.eq(file.map()))
            .filter(rounds::Column::RoundDate.eq(file.date_str()))
            .filter(rounds::Column::RoundTime.eq(file.time_str()))
            .filter(rounds::Column::RoundNumber.eq(i32::from(round_number)))
            .one(txn)
            .await?)
    }

    async fn delete_round(
        &self,
        txn: &DatabaseTransaction,
        file: &StatsFileName,
        round_number: u8,
    ) -> Result<(), StoreError> {
        if let Some(existing) = self.find_round(txn, file, round_number).await? {
            if round_number != 0 {
                super::totals::apply(txn, existing.id, -1).await?;
            }
            pcs::Entity::delete_many()
                .filter(pcs::Column::RoundId.eq(existing.id))
                .exec(txn)
                .await?;
            wcs::Entity::delete_many()
                .filter(wcs::Column::RoundId.eq(existing.id))
                .exec(txn)
                .await?;
            rounds::Entity::delete_by_id(existing.id).exec(txn).await?;
        }
        Ok(())
    }

    /// Re-assigns the gaming session of every round connected to time `t` (consecutive
    /// rounds at most the session gap apart). A session's id is its first round's file time
    /// as `YYYYMMDDHHMMSS`, so ids follow from the data whatever the import order.
    async fn recompute_sessions(
        &self,
        txn: &DatabaseTransaction,
        t: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let start = self.component_edge(txn, t, false).await?;
        let end = self.component_edge(txn, t, true).await?;
        let key = session_key(start);
        let round_count = rounds::Entity::find()
            .filter(rounds::Column::RoundNumber.is_in([1, 2]))
            .filter(rounds::Column::RoundAt.between(start, end))
            .count(txn)
            .await?;
        let old_ids: Vec<Option<i64>> = rounds::Entity::find()
            .select_only()
            .column(rounds::Column::GamingSessionId)
            .distinct()
            .filter(rounds::Column::RoundAt.between(start, end))
            .into_tuple()
            .all(txn)
            .await?;
        let session = gaming_sessions::ActiveModel {
            id: Set(key),
            started_at: Set(start),
            ended_at: Set(end),
            round_count: Set(i32::try_from(round_count).unwrap_or(i32::MAX)),
        };
        match gaming_sessions::Entity::find_by_id(key).one(txn).await? {
            Some(_) => {
                session.update(txn).await?;
            }
            None => {
                gaming_sessions::Entity::insert(session).exec_without_returning(txn).await?;
            }
        }
        rounds::Entity::update_many()
            .col_expr(rounds::Column::GamingSessionId, Expr::value(key))
            .filter(rounds::Column::RoundAt.between(start, end))
            .exec(txn)
            .await?;
        let stale: Vec<i64> = old_ids.into_iter().flatten().filter(|id| *id != key).collect();
        if !stale.is_empty() {
            gaming_sessions::Entity::delete_many()
                .filter(gaming_sessions::Column::Id.is_in(stale))
                .exec(txn)
                .await?;
        }
        Ok(())
    }

    /// The first (or, `forward`, last) round time of the chain of rounds around `t` with no
    /// gap larger than the session gap.
    async fn component_edge(
        &self,
        txn: &DatabaseTransaction,
        t: NaiveDateTime,
        forward: bool,
    ) -> Result<NaiveDateTime, StoreError> {
        let mut edge = t;
        loop {
            let mut query = rounds::Entity::find()
                .select_only()
                .column(rounds::Column::RoundAt)
                .filter(rounds::Column::RoundNumber.is_in([1, 2]))
                .limit(256);
            query = if forward {
                query.filter(rounds::Column::RoundAt.gt(edge)).order_by_asc(rounds::Column::RoundAt)
            } else {
                query
                    .filter(rounds::Column::RoundAt.lt(edge))
                    .order_by_desc(rounds::Column::RoundAt)
            };
            let times: Vec<NaiveDateTime> = query.into_tuple().all(txn).await?;
            let batch = times.len();
            for next in times {
                let gap = if forward { next - edge } else { edge - next };
                if gap > self.session_gap {
                    return Ok(edge);
                }
                edge = next;
            }
            if batch < 256 {
                return Ok(edge);
            }
        }
    }
}

/// `YYYYMMDDHHMMSS` of a time, as a number.
pub fn session_key(t: NaiveDateTime) -> i64 {
    t.format("%Y%m%d%H%M%S").to_string().parse().unwrap_or_default()
}

/// Re-reads a stored file's content and parses it.
async fn load_parsed(
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

/// Counts one more round for each player's (GUID, name): first/last seen widen to the round's
/// time. Min, max and count commute, so the result does not depend on import order; it runs
/// once per newly stored round-1 or round-2 file (never for re-derivations or summaries).
async fn add_aliases(txn: &DatabaseTransaction, round: &Round) -> Result<(), StoreError> {
    use sea_orm::sea_query::OnConflict;
    let at = round.file.timestamp();
    let guids = convert::storage_guids(&round.players);
    let mut rows: Vec<player_aliases::ActiveModel> = Vec::with_capacity(guids.len());
    let mut seen = std::collections::HashSet::new();
    for (player, guid) in round.players.iter().zip(guids) {
        if !seen.insert((guid.clone(), player.name.clone())) {
            continue;
        }
        rows.push(player_aliases::ActiveModel {
            guid: Set(guid),
            alias: Set(player.name.clone()),
            first_seen: Set(at),
            last_seen: Set(at),
            times_seen: Set(1),
            ..Default::default()
        });
    }
    if rows.is_empty() {
        return Ok(());
    }
    let on_conflict =
        OnConflict::columns([player_aliases::Column::Guid, player_aliases::Column::Alias])
            .value(
                player_aliases::Column::TimesSeen,
                Expr::cust("player_aliases.times_seen + excluded.times_seen"),
            )
            .value(
                player_aliases::Column::FirstSeen,
                Expr::cust(
                    "CASE WHEN excluded.first_seen < player_aliases.first_seen \
                 THEN excluded.first_seen ELSE player_aliases.first_seen END",
                ),
            )
            .value(
                player_aliases::Column::LastSeen,
                Expr::cust(
                    "CASE WHEN excluded.last_seen > player_aliases.last_seen \
                 THEN excluded.last_seen ELSE player_aliases.last_seen END",
                ),
            )
            .to_owned();
    player_aliases::Entity::insert_many(rows)
        .on_conflict(on_conflict)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Queues `round_id` for posting unless it is posted or queued already.
/// Whether `file` is done with as far as its triggers go: stored (or a known duplicate) and
/// none of the posts its import queued still waiting. A file set aside or not stored yet is not.
pub async fn posting_done(db: &DatabaseConnection, file: &str) -> Result<bool, sea_orm::DbErr> {
    let stored = processed_files::Entity::find()
        .filter(processed_files::Column::Filename.eq(file))
        .filter(processed_files::Column::Success.eq(true))
        .count(db)
        .await?
        > 0;
    if !stored {
        return Ok(false);
    }
    let waiting =
        post_outbox::Entity::find().filter(post_outbox::Column::File.eq(file)).count(db).await?;
    Ok(waiting == 0)
}

async fn queue_post(
    txn: &DatabaseTransaction,
    round_id: i32,
    file: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let posted = round_posts::Entity::find()
        .filter(round_posts::Column::RoundId.eq(round_id))
        .count(txn)
        .await?
        > 0;
    let queued = post_outbox::Entity::find()
        .filter(post_outbox::Column::RoundId.eq(round_id))
        .count(txn)
        .await?
        > 0;
    if !posted && !queued {
        let row = post_outbox::ActiveModel {
            round_id: Set(round_id),
            file: Set(file.to_owned()),
            queued_at: Set(now),
            attempted_at: Set(None),
            parts_sent: Set(0),
            ..Default::default()
        };
        post_outbox::Entity::insert(row).exec_without_returning(txn).await?;
    }
    Ok(())
}

async fn upsert_set_aside(
    txn: &DatabaseTransaction,
    server: &str,
    name: &str,
    reason: &str,
    size: usize,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    clear_set_aside(txn, name).await?;
    let row = set_aside_files::ActiveModel {
        filename: Set(name.to_owned()),
        server: Set(server.to_owned()),
        reason: Set(reason.chars().take(1000).collect()),
        size: Set(i64::try_from(size).unwrap_or(i64::MAX)),
        set_aside_at: Set(now),
        ..Default::default()
    };
    set_aside_files::Entity::insert(row).exec_without_returning(txn).await?;
    Ok(())
}

async fn clear_set_aside(txn: &DatabaseTransaction, name: &str) -> Result<(), StoreError> {
    set_aside_files::Entity::delete_many()
        .filter(set_aside_files::Column::Filename.eq(name))
        .exec(txn)
        .await?;
    Ok(())
}
