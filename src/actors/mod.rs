//! The daemon's supervised actors and the messages between them.
//!
//! ```text
//! voice snapshots ─▶ VoiceSessionTracker ─started/ended─▶ PollScheduler
//! timer / PollNow / FetchNow ─▶ PollScheduler ─SyncFiles/FetchFile─▶ FileFetcher
//! FileFetcher ─FileFetched─▶ StatsParser ─StoreFile─▶ DbWriter ─RoundStored─▶ RoundPublisher
//! DbWriter ─FileStored─▶ PollScheduler (grace period)
//! ```
//! Each actor is a thin shell over a plain struct whose logic takes explicit inputs and times;
//! actors know their downstream only as `Recipient<M>`.
pub mod clock;
pub mod db_writer;
pub mod file_fetcher;
pub mod health;
pub mod health_monitor;
pub mod in_runtime;
pub mod link;
pub mod messages;
pub mod poll_scheduler;
pub mod probe;
pub mod round_publisher;
pub mod stats_parser;
pub mod voice_session_tracker;
