//! slomix: ET:Legacy round statistics to Discord. The library half of the `slomix` binary.
//!
//! `stats` is the pure parser (no I/O); `settings`, `telemetry` and `db` are the daemon's plumbing;
//! `cli` holds the terminal commands; `notify` is the game-server notifier (`slomix-notify`);
//! `web` is the community site and the operator endpoints, `metrics` what `/metrics` shows.
pub mod actors;
pub mod adopt;
pub mod app;
pub mod awards;
pub mod badges;
pub mod bulk;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod discord;
pub mod local_files;
pub mod metrics;
pub mod notify;
pub mod ops;
pub mod ratings;
pub mod render;
pub mod retry;
pub mod settings;
pub mod sftp;
pub mod stats;
pub mod store;
pub mod telemetry;
pub mod web;
