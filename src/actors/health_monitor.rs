//! HealthMonitor: asks every actor for its health, logs one structured line per actor every
//! interval, and answers `slomix status` over a loopback TCP socket.
//!
//! It never waits long: each actor gets [`ASK_TIMEOUT`] to answer and is reported `stalled`
//! otherwise, so a status request answers within a second whatever is failing. Every second
//! it also checks that each actor's mailbox is still open: an actor that died (a panic kills
//! its Supervisor with it) leaves the process half-alive, so the monitor reports it on the
//! `fatal` channel and the daemon exits non-zero for systemd to restart it.
use std::time::Duration;

use actix::prelude::*;
use futures_util::future::join_all;
use tokio::{io::AsyncWriteExt, sync::mpsc::UnboundedSender};

use super::health::{ComponentStatus, GetHealth, HealthState, render};

/// How long each actor has to answer a health request.
pub const ASK_TIMEOUT: Duration = Duration::from_millis(400);

/// How often the monitor checks that every actor is alive.
pub const LIVENESS_INTERVAL: Duration = Duration::from_secs(1);

/// Command: collect every component's status now.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Vec<ComponentStatus>")]
pub struct CollectHealth;

/// The actor.
pub struct HealthMonitor {
    components: Vec<(String, Recipient<GetHealth>)>,
    interval: Duration,
    fatal: Option<UnboundedSender<String>>,
    reported: bool,
}

impl HealthMonitor {
    /// A monitor over `components`, logging every `interval`.
    pub fn new(components: Vec<(String, Recipient<GetHealth>)>, interval: Duration) -> Self {
        HealthMonitor { components, interval, fatal: None, reported: false }
    }

    /// Also report the name of any actor that died on `fatal` (once).
    pub fn with_fatal(mut self, fatal: UnboundedSender<String>) -> Self {
        self.fatal = Some(fatal);
        self
    }

    fn collect(&self) -> impl Future<Output = Vec<ComponentStatus>> + 'static {
        let asks: Vec<_> = self
            .components
            .iter()
            .map(|(name, recipient)| {
                let name = name.clone();
                let request = recipient.send(GetHealth);
                async move {
                    let asked = chrono::Utc::now();
                    match tokio::time::timeout(ASK_TIMEOUT, request).await {
                        // The monitor's name wins: it tells several fetchers apart.
                        Ok(Ok(status)) => ComponentStatus { component: name, ..status },
                        Ok(Err(error)) => ComponentStatus {
                            component: name,
                            state: HealthState::Down {
                                since: asked,
                                last_error: format!("mailbox: {error}"),
                            },
                            detail: "not answering".to_owned(),
                        },
                        Err(_) => ComponentStatus {
                            component: name,
                            state: HealthState::Stalled {
                                since: asked,
                                waited_ms: ASK_TIMEOUT.as_millis() as u64,
                            },
                            detail: "busy".to_owned(),
                        },
                    }
                }
            })
            .collect();
        join_all(asks)
    }

    /// The first actor whose mailbox is closed (it died and was not restarted).
    pub fn dead(&self) -> Option<&str> {
        self.components.iter().find(|(_, r)| !r.connected()).map(|(name, _)| name.as_str())
    }
}

fn log_status(status: &ComponentStatus) {
    match &status.state {
        HealthState::Healthy => {
            tracing::info!(actor = %status.component, state = "healthy", detail = %status.detail, "health")
        }
        HealthState::Degraded { since, last_error } => tracing::warn!(
            actor = %status.component, state = "degraded", since = %since, last_error = %last_error,
            detail = %status.detail, "health"
        ),
        HealthState::Down { since, last_error } => tracing::error!(
            actor = %status.component, state = "down", since = %since, last_error = %last_error,
            detail = %status.detail, "health"
        ),
        HealthState::Stalled { since, waited_ms } => tracing::warn!(
            actor = %status.component, state = "stalled", since = %since, waited_ms,
            detail = %status.detail, "health"
        ),
    }
}

impl Actor for HealthMonitor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.run_interval(self.interval, |act, ctx| {
            let collect = act.collect();
            ctx.spawn(collect.into_actor(act).map(|statuses, _act, _ctx| {
                for status in &statuses {
                    log_status(status);
                }
            }));
        });
        ctx.run_interval(LIVENESS_INTERVAL, |act, _ctx| {
            if act.reported {
                return;
            }
            if let Some(name) = act.dead().map(str::to_owned) {
                tracing::error!(actor = %name, state = "dead", "actor died and cannot be restarted; stopping the daemon so its supervisor (systemd) restarts it");
                if let Some(fatal) = &act.fatal {
                    let _ = fatal.send(name);
                }
                act.reported = true;
            }
        });
    }
}

impl Supervised for HealthMonitor {}

impl Handler<CollectHealth> for HealthMonitor {
    type Result = ResponseFuture<Vec<ComponentStatus>>;

    fn handle(&mut self, _msg: CollectHealth, _ctx: &mut Self::Context) -> Self::Result {
        Box::pin(self.collect())
    }
}

/// Serves the health lines to whoever connects to `listener` (`slomix status`).
pub async fn serve_status(listener: tokio::net::TcpListener, monitor: Addr<HealthMonitor>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { continue };
        let monitor = monitor.clone();
        tokio::spawn(async move {
            let asked = monitor.send(CollectHealth);
            let text = match tokio::time::timeout(ASK_TIMEOUT * 2, asked).await {
                Ok(Ok(statuses)) => statuses.iter().map(|s| render(s) + "\n").collect::<String>(),
                Ok(Err(error)) => format!("health monitor not answering: {error}\n"),
                Err(_) => "health monitor stalled\n".to_owned(),
            };
            let _ = stream.write_all(text.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actors::health::Health;

    struct Fragile;

    impl Actor for Fragile {
        type Context = Context<Self>;
    }

    impl Supervised for Fragile {}

    #[derive(Message)]
    #[rtype(result = "()")]
    struct Break;

    impl Handler<Break> for Fragile {
        type Result = ();
        #[allow(clippy::panic)]
        fn handle(&mut self, _msg: Break, _ctx: &mut Self::Context) {
            panic!("a bug in an actor (test)");
        }
    }

    impl Handler<GetHealth> for Fragile {
        type Result = MessageResult<GetHealth>;
        fn handle(&mut self, _msg: GetHealth, _ctx: &mut Self::Context) -> Self::Result {
            MessageResult(Health::new("fragile").status("fine"))
        }
    }

    #[actix::test]
    async fn an_actor_that_dies_is_reported_once_as_fatal() {
        let fragile = Supervisor::start(|_| Fragile);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let monitor = HealthMonitor::new(
            vec![("fragile".to_owned(), fragile.clone().recipient())],
            Duration::from_secs(3600),
        )
        .with_fatal(tx)
        .start();
        let statuses = monitor.send(CollectHealth).await.unwrap();
        assert_eq!(statuses[0].state, HealthState::Healthy);
        fragile.do_send(Break);
        let dead = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await;
        assert_eq!(dead.ok().flatten().as_deref(), Some("fragile"));
        let statuses = monitor.send(CollectHealth).await.unwrap();
        assert!(matches!(statuses[0].state, HealthState::Down { .. }), "{statuses:?}");
        assert!(tokio::time::timeout(Duration::from_secs(2), rx.recv()).await.is_err(), "once");
    }
}
