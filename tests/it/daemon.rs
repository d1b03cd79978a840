//! The actor pipeline end to end on SQLite and PostgreSQL: files in the source folder →
//! rows in the database → posts, exactly once, through repeats, restarts and a supervised
//! actor restart.
use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use entity::{processed_files, rounds};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use slomix::{
    actors::{
        db_writer::Restart,
        health::HealthState,
        health_monitor::CollectHealth,
        poll_scheduler::{FetchNow, PollNow, Shutdown},
        round_publisher::{Announcer, PublishError},
    },
    daemon::{self, App, Parts},
    render::{Names, Post},
    settings::Settings,
    sftp::LocalDirFiles,
};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::support::{db, shared_fixtures};

/// Records every post (title) and reports it on a channel.
struct Recorder {
    posts: Mutex<Vec<String>>,
    sender: UnboundedSender<String>,
}

impl Announcer for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn names(&self) -> Names {
        Names::Plain
    }
    fn post<'a>(
        &'a self,
        posts: &'a [Post],
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), PublishError>> + Send + 'a>> {
        Box::pin(async move {
            for post in posts {
                self.posts.lock().unwrap().push(post.title.clone());
                let _ = self.sender.send(post.title.clone());
            }
            Ok(())
        })
    }
}

fn settings(local: &Path) -> Settings {
    let env = [
        ("SLOMIX__STATS__LOCAL_DIR".to_owned(), local.display().to_string()),
        ("SLOMIX__HEALTH__LOG_INTERVAL_SECS".to_owned(), "3600".to_owned()),
        ("SLOMIX__POLL__STARTUP_LOOKBACK_HOURS".to_owned(), "100000".to_owned()),
    ]
    .into_iter()
    .collect();
    Settings::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("settings"), &env).unwrap()
}

fn start(db: &DatabaseConnection, local: &Path) -> (App, Arc<Recorder>, UnboundedReceiver<String>) {
    let (sender, receiver) = unbounded_channel();
    let recorder = Arc::new(Recorder { posts: Mutex::new(Vec::new()), sender });
    let app = daemon::start(Parts {
        settings: settings(local),
        db: db.clone(),
        remote: Arc::new(LocalDirFiles::new(local.to_path_buf())),
        local_source: true,
        announcer: recorder.clone(),
    })
    .unwrap();
    (app, recorder, receiver)
}

async fn next_post(receiver: &mut UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(20), receiver.recv())
        .await
        .expect("a post within 20 s")
        .expect("recorder alive")
}

fn drop_in(local: &Path, name: &str) {
    std::fs::copy(shared_fixtures("real").join(name), local.join(name)).unwrap();
}

const R1: &str = "2025-10-12-224530-sw_goldrush_te-round-1.txt";
const R2: &str = "2025-10-12-225242-sw_goldrush_te-round-2.txt";
const OTHER: &str = "2025-10-14-212214-etl_adlernest-round-1.txt";

#[actix::test]
async fn files_become_rows_and_posts_exactly_once() {
    for t in db::all().await {
        let local = tempfile::tempdir().unwrap();
        let (app, recorder, mut posts) = start(&t.db, local.path());
        drop_in(local.path(), R1);
        assert_eq!(next_post(&mut posts).await, "🎮 Round 1 Complete - sw_goldrush_te");
        drop_in(local.path(), R2);
        assert_eq!(next_post(&mut posts).await, "🎮 Round 2 Complete - sw_goldrush_te");
        assert_eq!(next_post(&mut posts).await, "🏆 Match Complete - sw_goldrush_te");
        // Announced again and again (webhook, polling, manual sync): nothing new.
        for _ in 0..3 {
            app.scheduler.send(FetchNow { name: R2.into() }).await.unwrap();
            app.scheduler.send(PollNow).await.unwrap();
        }
        drop_in(local.path(), OTHER);
        assert_eq!(
            next_post(&mut posts).await,
            "🎮 Round 1 Complete - etl_adlernest",
            "{}",
            t.kind
        );
        assert_eq!(recorder.posts.lock().unwrap().len(), 4);
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 4, "{}", t.kind);
        assert_eq!(processed_files::Entity::find().count(&t.db).await.unwrap(), 3);

        // A daemon restart on the same database and folder posts nothing again.
        app.scheduler.send(Shutdown).await.unwrap();
        let (restarted, again, mut again_posts) = start(&t.db, local.path());
        restarted.scheduler.send(PollNow).await.unwrap();
        let health = restarted.health.send(CollectHealth).await.unwrap();
        assert_eq!(health.len(), 6);
        assert!(tokio::time::timeout(Duration::from_secs(3), again_posts.recv()).await.is_err());
        assert!(again.posts.lock().unwrap().is_empty(), "{}", t.kind);
        // A supervised actor that stops is restarted and the pipeline keeps working.
        restarted.db_writer.send(Restart).await.unwrap();
        drop_in(local.path(), "2025-10-14-212521-etl_adlernest-round-2.txt");
        assert_eq!(
            next_post(&mut again_posts).await,
            "🎮 Round 2 Complete - etl_adlernest",
            "{}",
            t.kind
        );
        let health = restarted.health.send(CollectHealth).await.unwrap();
        assert!(health.iter().all(|s| s.state == HealthState::Healthy), "{health:?}");
        drop(app);
    }
}
