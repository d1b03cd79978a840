//! HealthMonitor: asks every actor for its health, logs one structured line per actor every
//! interval, and answers `slomix status` over a loopback TCP socket.
use std::time::Duration;

use actix::prelude::*;
use futures_util::future::join_all;
use tokio::io::AsyncWriteExt;

use super::health::{ComponentStatus, GetHealth, HealthState, render};

/// Command: collect every component's status now.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "Vec<ComponentStatus>")]
pub struct CollectHealth;

/// The actor.
pub struct HealthMonitor {
    components: Vec<(String, Recipient<GetHealth>)>,
    interval: Duration,
}

impl HealthMonitor {
    /// A monitor over `components`, logging every `interval`.
    pub fn new(components: Vec<(String, Recipient<GetHealth>)>, interval: Duration) -> Self {
        HealthMonitor { components, interval }
    }

    fn collect(&self) -> impl Future<Output = Vec<ComponentStatus>> + 'static {
        let asks: Vec<_> = self
            .components
            .iter()
            .map(|(name, recipient)| {
                let name = name.clone();
                let request = recipient.send(GetHealth);
                async move {
                    match request.await {
                        // The monitor's name wins: it tells several fetchers apart.
                        Ok(status) => ComponentStatus { component: name, ..status },
                        Err(error) => ComponentStatus {
                            component: name,
                            state: HealthState::Down {
                                since: chrono::Utc::now(),
                                last_error: format!("mailbox: {error}"),
                            },
                            detail: "not answering".to_owned(),
                        },
                    }
                }
            })
            .collect();
        join_all(asks)
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
            let text = match monitor.send(CollectHealth).await {
                Ok(statuses) => statuses.iter().map(|s| render(s) + "\n").collect::<String>(),
                Err(error) => format!("health monitor not answering: {error}\n"),
            };
            let _ = stream.write_all(text.as_bytes()).await;
            let _ = stream.shutdown().await;
        });
    }
}
