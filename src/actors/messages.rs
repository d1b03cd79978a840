//! Messages that cross between actors (each actor's own commands live in its module).
use std::path::PathBuf;

use actix::prelude::*;

use crate::store::dedup::Trigger;

/// Command to FileFetcher: list the source and fetch every file the dedup layers let through.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct SyncFiles {
    /// Polling (age gate applies) or an explicit full sync.
    pub trigger: Trigger,
    /// Only files whose name says they were written on or after this day (`!sync <days>`).
    pub since: Option<chrono::NaiveDate>,
    /// The admin's `!sync` batch (`store::sync_batches`) the listing's files are recorded in.
    pub batch: Option<i32>,
}

/// Command to FileFetcher: list the source now and say how long it took and which stats
/// files it holds (`!ssh_check`, `!import`).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Result<SourceListing, String>")]
pub struct ListSource;

/// What [`ListSource`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceListing {
    /// Time the listing took.
    pub took: std::time::Duration,
    /// Names of the valid stats files there.
    pub files: Vec<String>,
    /// The connection's state after the listing.
    pub link: String,
}

/// Command to FileFetcher: fetch one named file now (the webhook path).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct FetchFile {
    /// The file's base name (validated again by the fetcher).
    pub name: String,
    /// How it was announced.
    pub trigger: Trigger,
}

/// Event from FileFetcher: a file is in the local folder, complete.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct FileFetched {
    /// The game server it came from.
    pub server: String,
    /// Base name.
    pub name: String,
    /// Where it is.
    pub path: PathBuf,
    /// How it was announced.
    pub trigger: Trigger,
}

/// Command to DbWriter: import this file, as StatsParser read it.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct StoreFile {
    /// The game server it came from.
    pub server: String,
    /// Base name.
    pub name: String,
    /// The content.
    pub bytes: Vec<u8>,
    /// What the parser made of `bytes` (shared: the writer never parses again).
    pub parsed: std::sync::Arc<Result<crate::stats::ParsedFile, crate::stats::ParseError>>,
}

/// What became of a file handed to DbWriter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOutcome {
    /// Its round was stored.
    Stored,
    /// It was there already.
    AlreadyStored,
    /// It failed for its own data and is set aside (`set_aside_files`).
    SetAside,
    /// The write queue was full: not taken (offered again by the next poll).
    Refused,
}

/// Event from DbWriter to the fetchers: a handed-off file is settled (or refused), so it
/// need not be offered again (or must be).
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct FileDone {
    /// The game server it came from.
    pub server: String,
    /// Base name.
    pub name: String,
    /// What happened.
    pub outcome: FileOutcome,
}

/// Event from DbWriter to the fetchers: the writer (re)started with an empty queue; whatever
/// was handed to it and not settled must be offered again from the local folder.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct WriterStarted;

/// Event from DbWriter: a round was stored (and should be posted once).
#[derive(Debug, Clone, PartialEq, Eq, Message)]
#[rtype(result = "()")]
pub struct RoundStored {
    /// `rounds.id`.
    pub round_id: i32,
    /// The file it came from.
    pub file: String,
}

/// Event from DbWriter to its listeners: a file arrived. PollScheduler starts its grace period;
/// CacheKeeper drops the cached command replies.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct FileStored {
    /// The game server it came from (only that server's scheduler takes note).
    pub server: String,
}

/// Event from VoiceSessionTracker to RoundPublisher: a session notice is stored in
/// `voice_sessions` and waits to be posted.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct SessionNoticeQueued;
