//! Database connection and migrations (sea-orm, SQLite or PostgreSQL).
