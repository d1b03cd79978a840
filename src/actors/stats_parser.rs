//! StatsParser: reads a fetched file, runs the pure parser off the actor thread, reports what
//! it found (or the file, line and field of what is wrong) and hands the bytes with the parsed
//! file to DbWriter, which pairs the round against stored data and records the outcome
//! (nothing parses a file twice). The file stays in the local folder until it is stored, so
//! a restart loses nothing held here.
use actix::prelude::*;

use super::{
    clock::Clock,
    health::{GetHealth, Health},
    messages::{FileFetched, StoreFile},
};
use crate::stats;

/// The actor.
pub struct StatsParser {
    store: Recipient<StoreFile>,
    health: Health,
    clock: Clock,
    parsed: u64,
    rejected: u64,
}

impl StatsParser {
    /// A parser that sends every file on to `store`.
    pub fn new(store: Recipient<StoreFile>) -> Self {
        StatsParser {
            store,
            health: Health::new("stats_parser"),
            clock: Clock::start(),
            parsed: 0,
            rejected: 0,
        }
    }
}

impl Actor for StatsParser {
    type Context = Context<Self>;
}

impl Supervised for StatsParser {}

impl Handler<FileFetched> for StatsParser {
    type Result = ();

    fn handle(&mut self, msg: FileFetched, ctx: &mut Self::Context) {
        let work = async move {
            let bytes = match tokio::fs::read(&msg.path).await {
                Ok(bytes) => bytes,
                Err(error) => {
                    let message = format!("cannot read {}: {error}", msg.path.display());
                    return (msg, Err(message));
                }
            };
            let name = msg.name.clone();
            let checked = tokio::task::spawn_blocking(move || {
                let parsed = stats::parse_file(&name, &bytes);
                (bytes, parsed)
            })
            .await;
            match checked {
                Ok((bytes, verdict)) => (msg, Ok((bytes, verdict))),
                Err(error) => (msg, Err(format!("parser task failed: {error}"))),
            }
        };
        // `wait`: files go on to DbWriter in the order they were fetched.
        ctx.wait(work.into_actor(self).map(|(msg, result), act, _ctx| match result {
            Ok((bytes, parsed)) => {
                match &parsed {
                    Ok(p) => {
                        act.parsed += 1;
                        act.health.healthy();
                        tracing::info!(actor = "stats_parser", file = %msg.name, players = p.players.len(), warnings = p.warnings.len(), "parsed");
                    }
                    Err(error) => {
                        act.rejected += 1;
                        tracing::warn!(actor = "stats_parser", file = %msg.name, line = ?error.line, field = ?error.field, error = %error, "stats file unusable");
                    }
                }
                // A rejected file goes on too: DbWriter records it and sets it aside.
                let parsed = std::sync::Arc::new(parsed);
                act.store.do_send(StoreFile { server: msg.server, name: msg.name, bytes, parsed });
            }
            Err(error) => {
                act.health.degraded(act.clock.now(), &error);
                tracing::warn!(actor = "stats_parser", file = %msg.name, error = %error, "cannot read fetched file");
            }
        }));
    }
}

impl Handler<GetHealth> for StatsParser {
    type Result = MessageResult<GetHealth>;

    fn handle(&mut self, _msg: GetHealth, _ctx: &mut Self::Context) -> Self::Result {
        MessageResult(
            self.health.status(format!("{} parsed, {} unusable", self.parsed, self.rejected)),
        )
    }
}
