//! The slomix schema migrations, one set for SQLite and PostgreSQL alike.
pub use sea_orm_migration::prelude::*;

/// Applies every migration in order.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![]
    }
}
