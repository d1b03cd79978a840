//! DbWriter: the only writer of the stats tables. Imports files one at a time, in arrival
//! order; a database outage is retried with back-off while the work waits in a bounded queue.
use std::collections::VecDeque;

use actix::prelude::*;

use super::{
    backoff::Backoff,
    clock::Clock,
    health::{GetHealth, Health},
    messages::{FileStored, RoundStored, StoreFile},
};
use crate::store::{ImportOutcome, Store, StoreError};

/// How many files may wait during an outage; beyond that new files are refused (they are not
/// marked processed, so the next poll offers them again).
pub const MAX_QUEUE: usize = 1000;

/// The actor.
pub struct DbWriter {
    store: Store,
    stored: Recipient<RoundStored>,
    arrived: Vec<Recipient<FileStored>>,
    queue: VecDeque<StoreFile>,
    busy: bool,
    retry: Option<SpawnHandle>,
    backoff: Backoff,
    health: Health,
    clock: Clock,
    imported: u64,
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
            queue: VecDeque::new(),
            busy: false,
            retry: None,
            backoff: Backoff::new(
                std::time::Duration::from_millis(500),
                std::time::Duration::from_secs(60),
                0x5EED,
            ),
            health: Health::new("db_writer"),
            clock: Clock::start(),
            imported: 0,
        }
    }

    fn drain(&mut self, ctx: &mut Context<Self>) {
        if self.busy || self.retry.is_some() {
            return;
        }
        let Some(item) = self.queue.pop_front() else { return };
        self.busy = true;
        let store = self.store.for_server(&item.server);
        let now = self.clock.now().naive_utc();
        let work = async move {
            let result = store.import_file(&item.name, &item.bytes, now).await;
            (result, item)
        };
        ctx.spawn(work.into_actor(self).map(|(result, item), act, ctx| {
            act.busy = false;
            match result {
                Ok(ImportOutcome::Imported(imported)) => {
                    act.health.healthy();
                    act.backoff.reset();
                    act.imported += 1;
                    tracing::info!(actor = "db_writer", file = %item.name, round_id = imported.round_id, kind = ?imported.kind, rederived = imported.rederived.len(), "round stored");
                    act.stored.do_send(RoundStored { round_id: imported.round_id, file: item.name });
                    for listener in &act.arrived {
                        listener.do_send(FileStored { server: item.server.clone() });
                    }
                }
                Ok(ImportOutcome::AlreadyImported { original }) => {
                    act.health.healthy();
                    tracing::debug!(actor = "db_writer", file = %item.name, original = ?original, "already imported");
                }
                Err(StoreError::Rejected(error)) => {
                    act.health.healthy();
                    tracing::warn!(actor = "db_writer", file = %item.name, line = ?error.line, field = ?error.field, error = %error, "stats file rejected");
                }
                Err(StoreError::Db(error)) => {
                    let delay = act.backoff.next_delay();
                    act.health.degraded(act.clock.now(), &format!("database: {error}"));
                    tracing::warn!(actor = "db_writer", file = %item.name, error = %error, retry_in_ms = delay.as_millis() as u64, queued = act.queue.len() + 1, "database write failed; will retry");
                    act.queue.push_front(item);
                    act.retry = Some(ctx.run_later(delay, |act, ctx| {
                        act.retry = None;
                        act.drain(ctx);
                    }));
                    return;
                }
            }
            act.drain(ctx);
        }));
    }
}

impl Actor for DbWriter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(256);
        self.health.healthy();
    }
}

impl Supervised for DbWriter {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        // Queued files are re-offered by the fetcher: none was marked processed.
        self.queue.clear();
        self.busy = false;
        self.retry = None;
        self.backoff.reset();
    }
}

impl Handler<StoreFile> for DbWriter {
    type Result = ();

    fn handle(&mut self, msg: StoreFile, ctx: &mut Self::Context) {
        if self.queue.len() >= MAX_QUEUE {
            tracing::error!(actor = "db_writer", file = %msg.name, queued = self.queue.len(), "write queue full; file left for the next poll");
            return;
        }
        self.queue.push_back(msg);
        self.drain(ctx);
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

impl Handler<GetHealth> for DbWriter {
    type Result = MessageResult<GetHealth>;

    fn handle(&mut self, _msg: GetHealth, _ctx: &mut Self::Context) -> Self::Result {
        MessageResult(self.health.status(format!(
            "{} imported, {} queued, {} failed attempts",
            self.imported,
            self.queue.len(),
            self.backoff.attempts()
        )))
    }
}
