//! The slomix schema migrations, one set for SQLite and PostgreSQL alike.
//!
//! Migrations only ever add: no migration drops or rewrites user data on the way up.
pub use sea_orm_migration::prelude::*;

mod m20261125_000001_processed_files;
mod m20261125_000002_stats_schema;
mod m20261125_000003_round_posts;
pub mod m20261201_000004_command_tables;
mod m20261201_000005_lookup_indexes;
mod m20261202_000006_outbox;
mod m20261202_000007_voice_sessions;
mod m20261203_000008_achievement_unlocks;
mod m20261204_000009_sync_batches;
mod m20261204_000010_record_indexes;
mod m20261204_000011_rounds_by_number_and_map;
pub mod m20261204_000012_player_map_totals;
mod m20261204_000013_ratings;

/// Applies every migration in order.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_processed_files::Migration),
            Box::new(m20261125_000002_stats_schema::Migration),
            Box::new(m20261125_000003_round_posts::Migration),
            Box::new(m20261201_000004_command_tables::Migration),
            Box::new(m20261201_000005_lookup_indexes::Migration),
            Box::new(m20261202_000006_outbox::Migration),
            Box::new(m20261202_000007_voice_sessions::Migration),
            Box::new(m20261203_000008_achievement_unlocks::Migration),
            Box::new(m20261204_000009_sync_batches::Migration),
            Box::new(m20261204_000010_record_indexes::Migration),
            Box::new(m20261204_000011_rounds_by_number_and_map::Migration),
            Box::new(m20261204_000012_player_map_totals::Migration),
            Box::new(m20261204_000013_ratings::Migration),
        ]
    }
}
