//! The one integration-test binary: every test that needs the built library or the services.
mod cli;
mod commands;
mod daemon;
mod daemon_ssh;
mod discord;
mod discord_commands;
mod fake_discord_selftest;
mod faults;
mod golden;
mod hostile_input;
mod kill_storm;
mod notify;
mod parser;
mod sftp;
mod soak;
mod store;
mod support;
