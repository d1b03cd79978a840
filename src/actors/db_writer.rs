//! DbWriter: the only writer of the stats tables. Imports files one at a time, in arrival
//! order. What failed is sorted by [`StoreError::is_transient`]: a database outage is retried
//! with back-off (`retry::DB_WRITE`) while the work waits in a bounded queue; a file that
//! failed for its own data is set aside (`set_aside_files`) and the files after it go on.
//!
//! The queue is a cache of durable work, never the only copy: every queued file is in the
//! local stats folder, and the fetchers hear [`WriterStarted`] when the writer (re)starts with
//! an empty queue, and [`FileDone`] for each file settled, so nothing handed over is lost.
use std::{collections::VecDeque, time::Duration};

use actix::prelude::*;

use crate::actors::in_runtime::InRuntime;

use super::{
    clock::Clock,
    health::{GetHealth, Health},
    messages::{FileDone, FileOutcome, FileStored, RoundStored, StoreFile, WriterStarted},
};
use crate::{
    retry::{self, Backoff},
    store::{ImportOutcome, Store, StoreError},
};

/// How many files may wait during an outage; beyond that new files are refused (they are not
/// marked processed, so the next poll offers them again).
pub const MAX_QUEUE: usize = 1000;

/// The writer's plain core: the queue, single flight and the retry schedule. No actix, no
/// clock: the shell runs what it returns.
#[derive(Debug)]
pub struct WriteQueue {
    queue: VecDeque<StoreFile>,
    capacity: usize,
    busy: bool,
    waiting: bool,
    backoff: Backoff,
}

/// How an import attempt ended, as the core sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Settled (stored, already there, or set aside): go on with the next file.
    Settled,
    /// The database failed: keep the file first in line and wait.
    Transient,
}

/// What the shell does next.
#[derive(Debug)]
pub enum Next {
    /// Import this file now.
    Import(StoreFile),
    /// Wait this long, then call [`WriteQueue::retry_due`].
    RetryIn(Duration),
    /// Nothing (idle, busy or waiting).
    Idle,
}

impl PartialEq for Next {
    fn eq(&self, other: &Next) -> bool {
        match (self, other) {
            (Next::Import(a), Next::Import(b)) => a.server == b.server && a.name == b.name,
            (Next::RetryIn(a), Next::RetryIn(b)) => a == b,
            (Next::Idle, Next::Idle) => true,
            _ => false,
        }
    }
}

impl WriteQueue {
    /// An empty queue holding at most `capacity` files.
    pub fn new(capacity: usize) -> Self {
        WriteQueue {
            queue: VecDeque::new(),
            capacity,
            busy: false,
            waiting: false,
            backoff: retry::DB_WRITE.backoff(0x5EED),
        }
    }

    /// A file arrived: `Err(file)` when the queue is full (refused), else what to do now.
    pub fn offer(&mut self, file: StoreFile) -> Result<Next, StoreFile> {
        if self.queue.len() >= self.capacity {
            return Err(file);
        }
        self.queue.push_back(file);
        Ok(self.next())
    }

    /// The running import ended; `file` is it, handed back for a transient failure.
    pub fn finished(&mut self, attempt: Attempt, file: StoreFile) -> Next {
        self.busy = false;
        match attempt {
            Attempt::Settled => {
                self.backoff.reset();
                self.next()
            }
            Attempt::Transient => {
                self.queue.push_front(file);
                self.waiting = true;
                Next::RetryIn(self.backoff.next_delay())
            }
        }
    }

    /// The wait after a failure is over.
    pub fn retry_due(&mut self) -> Next {
        self.waiting = false;
        self.next()
    }

    /// Drops everything (a restart): the names of the files that were queued.
    pub fn clear(&mut self) -> Vec<String> {
        self.busy = false;
        self.waiting = false;
        self.backoff.reset();
        self.queue.drain(..).map(|f| f.name).collect()
    }

    /// Files waiting (the running one not counted).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when no file waits.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Failed attempts since the last success.
    pub fn failures(&self) -> u32 {
        self.backoff.attempts()
    }

    fn next(&mut self) -> Next {
        if self.busy || self.waiting {
            return Next::Idle;
        }
        match self.queue.pop_front() {
            Some(file) => {
                self.busy = true;
                Next::Import(file)
            }
            None => Next::Idle,
        }
    }
}

/// The actor.
pub struct DbWriter {
    store: Store,
    stored: Recipient<RoundStored>,
    arrived: Vec<Recipient<FileStored>>,
    fetchers: Vec<Recipient<FileDone>>,
    restarts: Vec<Recipient<WriterStarted>>,
    queue: WriteQueue,
    health: Health,
    clock: Clock,
    imported: u64,
    set_aside: u64,
}

impl DbWriter {
    /// A writer over `store` that tells `stored` about every stored round and `arrived` about
    /// every new file.
    pub fn new(
        store: Store,
        stored: Recipient<RoundStored>,
        arrived: Vec<Recipient<FileStored>>,
    ) -> Self {
        DbWriter {
            store,
            stored,
            arrived,
            fetchers: Vec::new(),
            restarts: Vec::new(),
            queue: WriteQueue::new(MAX_QUEUE),
            health: Health::new("db_writer"),
            clock: Clock::start(),
            imported: 0,
            set_aside: 0,
        }
    }

    fn settle(&self, file: &StoreFile, outcome: FileOutcome) {
        let metrics = crate::metrics::get();
        metrics.db_writer_queue_depth.set(i64::try_from(self.queue.len()).unwrap_or(i64::MAX));
        match outcome {
            FileOutcome::Stored => {
                metrics.rounds_stored.inc();
            }
            FileOutcome::SetAside => {
                metrics.files_set_aside.inc();
            }
            _ => {}
        }
        for fetcher in &self.fetchers {
            fetcher.do_send(FileDone {
                server: file.server.clone(),
                name: file.name.clone(),
                outcome,
            });
        }
    }

    fn run(&mut self, next: Next, ctx: &mut Context<Self>) {
        match next {
            Next::Idle => {}
            Next::RetryIn(delay) => {
                ctx.run_later(delay, |act, ctx| {
                    let next = act.queue.retry_due();
                    act.run(next, ctx);
                });
            }
            Next::Import(file) => self.import(file, ctx),
        }
    }

    fn import(&mut self, file: StoreFile, ctx: &mut Context<Self>) {
        let store = self.store.for_server(&file.server);
        let now = self.clock.now().naive_utc();
        let work = async move {
            let parsed = (*file.parsed).clone();
            let result = store.import_parsed(&file.name, &file.bytes, parsed, now).await;
            // A file the database refused for its data is set aside outside the rolled-back
            // transaction; if even that fails, it is an outage like any other.
            let result = match result {
                Err(StoreError::Db(error)) if !crate::store::errors::is_transient(&error) => {
                    let reason = format!("database refused it: {error}");
                    match store.set_aside(&file.name, &reason, file.bytes.len(), now).await {
                        Ok(()) => Err(StoreError::Db(error)),
                        Err(failed) => Err(failed),
                    }
                }
                other => other,
            };
            (result, file)
        };
        ctx.spawn(work.in_runtime().into_actor(self).map(|(result, file), act, ctx| {
            let attempt = match result {
                Ok(ImportOutcome::Imported(imported)) => {
                    act.health.healthy();
                    act.imported += 1;
                    tracing::info!(actor = "db_writer", file = %file.name, round_id = imported.round_id, kind = ?imported.kind, rederived = imported.rederived.len(), "round stored");
                    act.stored.do_send(RoundStored { round_id: imported.round_id, file: file.name.clone() });
                    for listener in &act.arrived {
                        listener.do_send(FileStored { server: file.server.clone() });
                    }
                    act.settle(&file, FileOutcome::Stored);
                    Attempt::Settled
                }
                Ok(ImportOutcome::AlreadyImported { original }) => {
                    act.health.healthy();
                    tracing::debug!(actor = "db_writer", file = %file.name, original = ?original, "already imported");
                    act.settle(&file, FileOutcome::AlreadyStored);
                    Attempt::Settled
                }
                Err(error) if !error.is_transient() => {
                    act.health.healthy();
                    act.set_aside += 1;
                    match &error {
                        StoreError::Rejected(e) => tracing::warn!(actor = "db_writer", file = %file.name, line = ?e.line, field = ?e.field, error = %e, "stats file rejected; set aside"),
                        StoreError::Db(e) => tracing::warn!(actor = "db_writer", file = %file.name, error = %e, "database refused this file's data; set aside"),
                    }
                    act.settle(&file, FileOutcome::SetAside);
                    Attempt::Settled
                }
                Err(error) => {
                    act.health.degraded(act.clock.now(), &error.to_string());
                    tracing::warn!(actor = "db_writer", file = %file.name, error = %error, queued = act.queue.len() + 1, "database write failed; will retry");
                    Attempt::Transient
                }
            };
            let next = act.queue.finished(attempt, file);
            act.run(next, ctx);
        }));
    }
}

impl Actor for DbWriter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(256);
        self.health.healthy();
        // After a restart the fetchers offer again what this writer had not settled.
        for fetcher in &self.restarts {
            fetcher.do_send(WriterStarted);
        }
    }
}

impl Supervised for DbWriter {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        let dropped = self.queue.clear();
        tracing::warn!(
            actor = "db_writer",
            dropped = dropped.len(),
            "restarting; queued files will be offered again from the local folder"
        );
    }
}

impl Handler<StoreFile> for DbWriter {
    type Result = ();

    fn handle(&mut self, msg: StoreFile, ctx: &mut Self::Context) {
        let offered = self.queue.offer(msg);
        crate::metrics::get()
            .db_writer_queue_depth
            .set(i64::try_from(self.queue.len()).unwrap_or(i64::MAX));
        match offered {
            Ok(next) => self.run(next, ctx),
            Err(file) => {
                tracing::error!(actor = "db_writer", file = %file.name, queued = self.queue.len(), "write queue full; file left for the next poll");
                self.settle(&file, FileOutcome::Refused);
            }
        }
    }
}

/// Command: stop, so the Supervisor restarts the actor with clean state (what an
/// unrecoverable error does; also used by the supervision test).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct Restart;

impl Handler<Restart> for DbWriter {
    type Result = ();

    fn handle(&mut self, _msg: Restart, ctx: &mut Self::Context) {
        tracing::warn!(actor = "db_writer", "stopping for a supervised restart");
        ctx.stop();
    }
}

/// Command: also tell this recipient about every new file (wired after start-up, since the
/// scheduler that listens is built after the writer).
#[derive(Message)]
#[rtype(result = "()")]
pub struct AddFileListener(pub Recipient<FileStored>);

impl Handler<AddFileListener> for DbWriter {
    type Result = ();

    fn handle(&mut self, msg: AddFileListener, _ctx: &mut Self::Context) {
        self.arrived.push(msg.0);
    }
}

/// Command: a fetcher hands files to this writer (through the parser): tell it how each one
/// ended, and when the writer restarts.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AddFetcher {
    /// Hears [`FileDone`].
    pub done: Recipient<FileDone>,
    /// Hears [`WriterStarted`].
    pub restarted: Recipient<WriterStarted>,
}

impl Handler<AddFetcher> for DbWriter {
    type Result = ();

    fn handle(&mut self, msg: AddFetcher, _ctx: &mut Self::Context) {
        self.fetchers.push(msg.done);
        self.restarts.push(msg.restarted);
    }
}

impl Handler<GetHealth> for DbWriter {
    type Result = MessageResult<GetHealth>;

    fn handle(&mut self, _msg: GetHealth, _ctx: &mut Self::Context) -> Self::Result {
        MessageResult(self.health.status(format!(
            "{} imported, {} queued, {} set aside, {} failed attempts",
            self.imported,
            self.queue.len(),
            self.set_aside,
            self.queue.failures()
        )))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn file(name: &str) -> StoreFile {
        StoreFile {
            server: "s".into(),
            name: name.into(),
            bytes: Vec::new(),
            parsed: Arc::new(crate::stats::parse_file(name, b"")),
        }
    }

    fn name(next: &Next) -> &str {
        match next {
            Next::Import(f) => &f.name,
            other => panic!("expected an import, got {other:?}"),
        }
    }

    #[test]
    fn one_import_at_a_time_in_arrival_order() {
        let mut q = WriteQueue::new(10);
        let first = q.offer(file("a")).unwrap();
        assert_eq!(name(&first), "a");
        assert_eq!(q.offer(file("b")).unwrap(), Next::Idle, "single flight");
        assert_eq!(q.offer(file("c")).unwrap(), Next::Idle);
        assert_eq!(q.len(), 2);
        let Next::Import(a) = first else { unreachable!() };
        let second = q.finished(Attempt::Settled, a);
        assert_eq!(name(&second), "b");
    }

    #[test]
    fn a_transient_failure_keeps_the_file_first_and_backs_off() {
        let mut q = WriteQueue::new(10);
        let Next::Import(a) = q.offer(file("a")).unwrap() else { panic!() };
        q.offer(file("b")).unwrap();
        let Next::RetryIn(first_wait) = q.finished(Attempt::Transient, a) else { panic!() };
        assert!(
            first_wait >= Duration::from_millis(250) && first_wait < Duration::from_millis(500)
        );
        assert_eq!(q.offer(file("c")).unwrap(), Next::Idle, "nothing runs while waiting");
        let again = q.retry_due();
        assert_eq!(name(&again), "a", "the failed file goes first");
        let Next::Import(a) = again else { unreachable!() };
        let Next::RetryIn(second_wait) = q.finished(Attempt::Transient, a) else { panic!() };
        assert!(second_wait >= Duration::from_millis(500), "doubled: {second_wait:?}");
        assert_eq!(q.failures(), 2);
        let Next::Import(a) = q.retry_due() else { panic!() };
        assert_eq!(name(&q.finished(Attempt::Settled, a)), "b");
        assert_eq!(q.failures(), 0, "a success resets the back-off");
    }

    #[test]
    fn a_full_queue_refuses_and_a_restart_names_what_it_dropped() {
        let mut q = WriteQueue::new(2);
        q.offer(file("a")).unwrap(); // running
        q.offer(file("b")).unwrap();
        q.offer(file("c")).unwrap();
        let refused = q.offer(file("d")).unwrap_err();
        assert_eq!(refused.name, "d");
        assert_eq!(q.clear(), vec!["b".to_owned(), "c".to_owned()]);
        assert!(q.is_empty());
        assert_eq!(name(&q.offer(file("e")).unwrap()), "e", "not busy after a restart");
    }
}
