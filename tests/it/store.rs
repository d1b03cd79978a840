//! Storage tests, run on SQLite and on the PostgreSQL the test command starts.
