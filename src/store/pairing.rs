//! Round-2 pairing inside the import's transaction: a round 2 is paired with the stored round
//! 1 the pairing rules pick (its numbers are the difference, the match summary the total) or
//! kept as an orphan; a round 1 arriving re-derives the round 2s after it. Rounds are
//! upserted by (file, round number), so re-deriving never duplicates.
use chrono::NaiveDateTime;
use entity::{player_comprehensive_stats as pcs, rounds, weapon_comprehensive_stats as wcs};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::{Store, StoreError, convert, deferred::Deferred, import::load_parsed};
use crate::stats::{self, Round, StatsFileName};

impl Store {
    /// A round-2 file's round: paired with the stored round 1 the pairing rules pick among
    /// the stored rounds of its map, or an orphan. Also the match summary when paired.
    pub(super) async fn derive_round2(
        &self,
        txn: &DatabaseTransaction,
        parsed: stats::ParsedFile,
        batch: Option<&Deferred>,
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
        let kept = batch.and_then(|b| b.round1(companion.as_str()));
        let first = match kept {
            Some(first) => Some(first),
            None => load_parsed(txn, companion.as_str()).await?,
        };
        let Some(first) = first else {
            return Ok((parsed.into_orphan(), None));
        };
        let round2 = stats::pair_with(parsed, &first, &self.rules)?;
        let summary = stats::match_summary(&first.into_round1(), &round2);
        Ok((round2, Some(summary)))
    }

    /// Stored round-2 files of the same map written after `file` and within the pairing
    /// window: the ones whose companion may change when `file` arrives.
    pub(super) async fn round2s_after(
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
    pub(super) async fn rederive(
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
        let (round, summary) = self.derive_round2(txn, parsed, None).await?;
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
    pub(super) async fn upsert_round(
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
        let (players, weapons) = rows_of(round, round_id, now);
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

    /// Inserts a round known to be new and defers its player and weapon rows (a batch).
    pub(super) async fn insert_round_deferred(
        &self,
        txn: &DatabaseTransaction,
        round: &Round,
        now: NaiveDateTime,
        deferred: &mut Deferred,
    ) -> Result<i32, StoreError> {
        let row = convert::round_row(round, &self.server, now);
        let round_id = rounds::Entity::insert(row).exec(txn).await?.last_insert_id;
        let (players, weapons) = rows_of(round, round_id, now);
        deferred.add_round(txn, round_id, round.round_number(), players, weapons).await?;
        Ok(round_id)
    }

    pub(super) async fn find_round(
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

    pub(super) async fn delete_round(
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
}

/// A round's player and weapon rows.
fn rows_of(
    round: &Round,
    round_id: i32,
    now: NaiveDateTime,
) -> (Vec<pcs::ActiveModel>, Vec<wcs::ActiveModel>) {
    let guids = convert::storage_guids(&round.players);
    let players = round
        .players
        .iter()
        .zip(&guids)
        .map(|(p, guid)| convert::player_row(round, round_id, guid, p, now))
        .collect();
    let weapons = round
        .players
        .iter()
        .zip(&guids)
        .flat_map(|(p, guid)| convert::weapon_rows(round, round_id, guid, p, now))
        .collect();
    (players, weapons)
}
