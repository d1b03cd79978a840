//! The daemon's Prometheus metrics (`prometheus-client`): one process-wide set the actors
//! count into and `/metrics` encodes in the Prometheus text format. Gauges of the moment
//! (actors up, the writer's queue) are set when they change or when scraped.
use std::sync::{LazyLock, Mutex, PoisonError};

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

/// The `server` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServerLabel {
    /// The game server's name.
    pub server: String,
}

/// The `actor` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ActorLabel {
    /// The actor's name as health reports it.
    pub actor: String,
}

/// The `command` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CommandLabel {
    /// The command's name (from the command table, never user text).
    pub command: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Every metric, registered once.
pub struct Metrics {
    registry: Registry,
    /// Stats files stored by DbWriter (one round each).
    pub rounds_stored: Counter,
    /// Rounds posted by RoundPublisher (a `!sync`'s held rounds are not).
    pub round_posts: Counter,
    /// Files downloaded, per game server.
    pub files_fetched: Family<ServerLabel, Counter>,
    /// Files set aside for their own data.
    pub files_set_aside: Counter,
    /// From a webhook trigger's message to its round's post.
    pub trigger_to_post: Histogram,
    /// 1 for each actor not down, 0 for one down.
    pub actor_up: Family<ActorLabel, Gauge>,
    /// Files waiting in DbWriter's queue.
    pub db_writer_queue_depth: Gauge,
    /// Command run time, per command.
    pub command_duration: Histograms<CommandLabel>,
}

fn command_histogram() -> Histogram {
    // 1 ms to about 4 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 13))
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::default();
        let rounds_stored = Counter::default();
        registry.register(
            "slomix_rounds_stored",
            "Rounds stored (one per stats file)",
            rounds_stored.clone(),
        );
        let round_posts = Counter::default();
        registry.register("slomix_round_posts", "Rounds posted", round_posts.clone());
        let files_fetched = Family::<ServerLabel, Counter>::default();
        registry.register(
            "slomix_files_fetched",
            "Stats files downloaded, per game server",
            files_fetched.clone(),
        );
        let files_set_aside = Counter::default();
        registry.register(
            "slomix_files_set_aside",
            "Stats files set aside for their own data",
            files_set_aside.clone(),
        );
        // 50 ms to about 100 s.
        let trigger_to_post = Histogram::new(exponential_buckets(0.05, 2.0, 12));
        registry.register(
            "slomix_trigger_to_post_seconds",
            "Seconds from a webhook trigger message to its round's post",
            trigger_to_post.clone(),
        );
        let actor_up = Family::<ActorLabel, Gauge>::default();
        registry.register("slomix_actor_up", "1 when the actor is not down", actor_up.clone());
        let db_writer_queue_depth = Gauge::default();
        registry.register(
            "slomix_db_writer_queue_depth",
            "Files waiting in the database writer's queue",
            db_writer_queue_depth.clone(),
        );
        let command_duration: Histograms<CommandLabel> =
            Family::new_with_constructor(command_histogram);
        registry.register(
            "slomix_command_duration_seconds",
            "Command run time in seconds, per command",
            command_duration.clone(),
        );
        Metrics {
            registry,
            rounds_stored,
            round_posts,
            files_fetched,
            files_set_aside,
            trigger_to_post,
            actor_up,
            db_writer_queue_depth,
            command_duration,
        }
    }

    /// The Prometheus text exposition (format 0.0.4) of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        out
    }

    /// Counts a file fetched from `server`.
    pub fn fetched(&self, server: &str) {
        self.files_fetched.get_or_create(&ServerLabel { server: server.to_owned() }).inc();
    }

    /// Makes `server`'s fetch counter exist (at 0 until a file is fetched).
    pub fn fetched_from(&self, server: &str) {
        let _ = self.files_fetched.get_or_create(&ServerLabel { server: server.to_owned() });
    }

    /// Records a command's run time.
    pub fn command(&self, command: &str, seconds: f64) {
        self.command_duration
            .get_or_create(&CommandLabel { command: command.to_owned() })
            .observe(seconds);
    }

    /// Sets each actor's up gauge from the health of the moment.
    pub fn actors(&self, up: &[(String, bool)]) {
        // One scrape at a time sets them (a family keeps labels once seen).
        static SETTING: Mutex<()> = Mutex::new(());
        let _one = SETTING.lock().unwrap_or_else(PoisonError::into_inner);
        for (actor, is_up) in up {
            self.actor_up
                .get_or_create(&ActorLabel { actor: actor.clone() })
                .set(i64::from(*is_up));
        }
    }
}

/// The process's metrics.
pub fn get() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

/// The content type of [`Metrics::encode`].
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_the_operators_rely_on_is_exposed() {
        let m = Metrics::new();
        m.rounds_stored.inc();
        m.fetched("main");
        m.command("stats", 0.004);
        m.actors(&[("db_writer".to_owned(), true), ("file_fetcher".to_owned(), false)]);
        let text = m.encode();
        for line in [
            "slomix_rounds_stored_total 1",
            "slomix_round_posts_total 0",
            "slomix_files_fetched_total{server=\"main\"} 1",
            "slomix_files_set_aside_total 0",
            "slomix_trigger_to_post_seconds_count 0",
            "slomix_actor_up{actor=\"db_writer\"} 1",
            "slomix_actor_up{actor=\"file_fetcher\"} 0",
            "slomix_db_writer_queue_depth 0",
            "slomix_command_duration_seconds_bucket{command=\"stats\",le=\"0.004\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
        }
        assert!(text.contains("# TYPE slomix_trigger_to_post_seconds histogram"));
    }
}
