//! The daemon over a real OpenSSH sshd, on SQLite and PostgreSQL: a game server going down and
//! coming back, a file growing while it is fetched, hostile names on the server, and several
//! game servers at once. Each round is stored once and posted once.
use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use entity::{player_comprehensive_stats, processed_files, rounds};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use slomix::{
    actors::{
        health::HealthState,
        health_monitor::CollectHealth,
        poll_scheduler::{FetchNow, PollNow},
    },
    app::{App, Source},
    sftp::{BoxFuture, RemoteEntry, RemoteFiles, SftpError, SftpFiles, SshTarget},
};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::{
    daemon::{OTHER, R1, R2, next_post, settings, start_with},
    support::{
        db, shared_fixtures,
        sshd::{OwnSshd, sftp_server, sshd},
        tap::Tap,
    },
};

fn put(remote_dir: &Path, name: &str) {
    std::fs::copy(shared_fixtures("real").join(name), remote_dir.join(name)).unwrap();
}

/// No further post within 2 s.
async fn no_more_posts(posts: &mut UnboundedReceiver<String>) {
    if let Ok(Some(extra)) = tokio::time::timeout(Duration::from_secs(2), posts.recv()).await {
        panic!("unexpected post {extra:?}");
    }
}

/// Waits (20 s at most) until the named component is in a state that `want` accepts.
async fn wait_health(app: &App, component: &str, want: impl Fn(&HealthState) -> bool) {
    for _ in 0..200 {
        let all = app.health.send(CollectHealth).await.unwrap();
        if all.iter().any(|s| s.component == component && want(&s.state)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{component} never reached the expected state");
}

/// The local copy of OTHER is `full`, and its rows are all stored.
async fn assert_whole_file_stored(t: &db::TestDb, local: &Path, full: &[u8]) {
    assert_eq!(std::fs::read(local.join(OTHER)).unwrap(), full, "the whole file");
    assert_player_rows_of(t, full).await;
}

/// One player row per player of OTHER's content `full`.
async fn assert_player_rows_of(t: &db::TestDb, full: &[u8]) {
    let players = player_comprehensive_stats::Entity::find().count(&t.db).await.unwrap();
    let expected = slomix::stats::parse_file(OTHER, full).unwrap().players.len() as u64;
    assert_eq!(players, expected, "{}", t.kind);
}

#[actix::test]
async fn rounds_arrive_once_through_an_sshd_kill_and_restart() {
    crate::support::logs();
    let Some(shared) = sshd() else { return };
    for t in db::all().await {
        let mut server = OwnSshd::start(&shared).await;
        let local = tempfile::tempdir().unwrap();
        let files = Arc::new(SftpFiles::new(server.target()));
        let source = Source {
            server: sftp_server("default", &server.target(), local.path()),
            remote: files.clone(),
        };
        let (app, recorder, mut posts) =
            start_with(&t.db, settings(local.path(), &[]), vec![source]);

        put(&server.root, R1);
        app.scheduler.send(FetchNow { name: R1.into() }).await.unwrap();
        assert_eq!(next_post(&mut posts).await, "🎮 Round 1 Complete - sw_goldrush_te");

        // The game server goes down; round 2 ends meanwhile and is announced three times.
        server.kill();
        put(&server.root, R2);
        for _ in 0..3 {
            app.scheduler.send(FetchNow { name: R2.into() }).await.unwrap();
        }
        wait_health(&app, "file_fetcher", |s| matches!(s, HealthState::Degraded { .. })).await;
        server.restart().await;

        assert_eq!(
            next_post(&mut posts).await,
            "🎮 Round 2 Complete - sw_goldrush_te",
            "{}",
            t.kind
        );
        assert_eq!(next_post(&mut posts).await, "🏆 Match Complete - sw_goldrush_te");
        // Polling after the outage finds nothing new either.
        app.scheduler.send(PollNow).await.unwrap();
        no_more_posts(&mut posts).await;
        assert_eq!(recorder.posts.lock().unwrap().len(), 3, "{}", t.kind);
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 3, "{}", t.kind);
        assert_eq!(processed_files::Entity::find().count(&t.db).await.unwrap(), 2);
        assert!(files.connects() >= 2, "a new session after the restart");
        wait_health(&app, "file_fetcher", |s| *s == HealthState::Healthy).await;
        app.stop_polling().await;

        // The daemon itself restarts on the same database and folders, and the files are
        // announced again and polled: nothing is fetched, stored or posted twice.
        let again = Arc::new(SftpFiles::new(server.target()));
        let source = Source {
            server: sftp_server("default", &server.target(), local.path()),
            remote: again.clone(),
        };
        let (restarted, recorder, mut posts) =
            start_with(&t.db, settings(local.path(), &[]), vec![source]);
        for name in [R1, R2] {
            restarted.scheduler.send(FetchNow { name: name.into() }).await.unwrap();
        }
        restarted.scheduler.send(PollNow).await.unwrap();
        no_more_posts(&mut posts).await;
        assert!(recorder.posts.lock().unwrap().is_empty(), "{}", t.kind);
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 3, "{}", t.kind);
        restarted.stop_polling().await;
    }
}

/// SFTP that changes the named file on the server once, as its first read starts (the game
/// server still writing it, or rewriting it): `change` runs, then the read goes on.
struct OnFirstRead {
    inner: SftpFiles,
    file: std::path::PathBuf,
    change: Box<dyn Fn(&Path) + Send + Sync>,
    done: AtomicBool,
}

impl OnFirstRead {
    fn new(
        inner: SftpFiles,
        file: std::path::PathBuf,
        change: impl Fn(&Path) + Send + Sync + 'static,
    ) -> Self {
        OnFirstRead { inner, file, change: Box::new(change), done: AtomicBool::new(false) }
    }
}

impl RemoteFiles for OnFirstRead {
    fn list(&self) -> BoxFuture<'_, Result<Vec<RemoteEntry>, SftpError>> {
        self.inner.list()
    }

    fn read<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<u8>, SftpError>> {
        Box::pin(async move {
            if self.file.ends_with(name) && !self.done.swap(true, Ordering::SeqCst) {
                (self.change)(&self.file);
            }
            self.inner.read(name).await
        })
    }
}

#[actix::test]
async fn a_file_growing_while_fetched_is_imported_whole_once() {
    crate::support::logs();
    let Some(shared) = sshd() else { return };
    for t in db::all().await {
        let folder = shared.folder();
        let local = tempfile::tempdir().unwrap();
        let full = std::fs::read(shared_fixtures("real").join(OTHER)).unwrap();
        // The game has written the header and part of the first player line so far.
        let cut = full.iter().position(|b| *b == b'\n').unwrap() + 40;
        std::fs::write(folder.path().join(OTHER), &full[..cut]).unwrap();
        let target = shared.target(folder.path());
        // It grows right after the listing: the first read sees more than was listed.
        let rest = full[cut..].to_vec();
        let remote = Arc::new(OnFirstRead::new(
            SftpFiles::new(target.clone()),
            folder.path().join(OTHER),
            move |file| {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new().append(true).open(file).unwrap();
                f.write_all(&rest).unwrap();
            },
        ));
        let source = Source { server: sftp_server("default", &target, local.path()), remote };
        let (app, _recorder, mut posts) =
            start_with(&t.db, settings(local.path(), &[]), vec![source]);

        app.scheduler.send(FetchNow { name: OTHER.into() }).await.unwrap();
        assert_eq!(
            next_post(&mut posts).await,
            "🎮 Round 1 Complete - etl_adlernest",
            "{}",
            t.kind
        );
        no_more_posts(&mut posts).await;
        assert_whole_file_stored(&t, local.path(), &full).await;
        app.stop_polling().await;
    }
}

#[actix::test]
async fn a_half_written_file_is_not_stored_until_it_is_complete() {
    crate::support::logs();
    let Some(shared) = sshd() else { return };
    for t in db::all().await {
        let folder = shared.folder();
        let local = tempfile::tempdir().unwrap();
        let full = std::fs::read(shared_fixtures("real").join(OTHER)).unwrap();
        let cut = full.len() - 25; // the writer stopped inside the last player line
        std::fs::write(folder.path().join(OTHER), &full[..cut]).unwrap();
        let target = shared.target(folder.path());
        let source = Source {
            server: sftp_server("default", &target, local.path()),
            remote: Arc::new(SftpFiles::new(target.clone())),
        };
        let (app, _recorder, mut posts) =
            start_with(&t.db, settings(local.path(), &[]), vec![source]);

        app.scheduler.send(FetchNow { name: OTHER.into() }).await.unwrap();
        no_more_posts(&mut posts).await;
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 0, "{}", t.kind);
        let failed = processed_files::Entity::find()
            .filter(processed_files::Column::Success.eq(false))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!(failed, 1, "the attempt is recorded as failed, to be retried");

        std::fs::write(folder.path().join(OTHER), &full).unwrap();
        app.scheduler.send(FetchNow { name: OTHER.into() }).await.unwrap();
        assert_eq!(
            next_post(&mut posts).await,
            "🎮 Round 1 Complete - etl_adlernest",
            "{}",
            t.kind
        );
        app.scheduler.send(PollNow).await.unwrap();
        no_more_posts(&mut posts).await;
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 1);
        app.stop_polling().await;
    }
}

#[actix::test]
async fn hostile_names_on_the_server_are_never_fetched() {
    crate::support::logs();
    let Some(shared) = sshd() else { return };
    let t = db::sqlite().await;
    let folder = shared.folder();
    let remote_dir = folder.path();
    let local = tempfile::tempdir().unwrap();
    let content = std::fs::read(shared_fixtures("real").join(R1)).unwrap();
    for hostile in [
        "2025-10-12-224530-sw_goldrush_te-round-1.txt\n",
        "2025-10-12-224530-$(touch pwned)-round-1.txt",
        "2025-10-12-224530-sw_goldrush_te-round-1.txt;rm -rf ~",
        " 2025-10-12-224530-sw_goldrush_te-round-1.txt",
        "2025-13-45-224530-sw_goldrush_te-round-1.txt",
    ] {
        std::fs::write(remote_dir.join(hostile), &content).unwrap();
    }
    // A link with a valid name pointing elsewhere on the server, and a folder with one.
    std::os::unix::fs::symlink(shared_fixtures("real").join(R2), remote_dir.join(R2)).unwrap();
    std::fs::create_dir(remote_dir.join("2025-10-13-010101-supply-round-1.txt")).unwrap();
    put(remote_dir, OTHER);
    let target = shared.target(remote_dir);
    let source = Source {
        server: sftp_server("default", &target, local.path()),
        remote: Arc::new(SftpFiles::new(target.clone())),
    };
    let (app, recorder, mut posts) = start_with(&t.db, settings(local.path(), &[]), vec![source]);

    for name in ["../../../../etc/passwd", "/etc/passwd", "..", "a\0b.txt", R2] {
        app.scheduler.send(FetchNow { name: name.into() }).await.unwrap();
    }
    app.scheduler.send(PollNow).await.unwrap();
    assert_eq!(next_post(&mut posts).await, "🎮 Round 1 Complete - etl_adlernest");
    no_more_posts(&mut posts).await;
    assert_eq!(recorder.posts.lock().unwrap().len(), 1);
    let mut fetched: Vec<String> = std::fs::read_dir(local.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    fetched.sort();
    assert_eq!(fetched, [OTHER], "only the one legitimate file was written locally");
    assert!(!remote_dir.join("pwned").exists() && !Path::new("pwned").exists());
    assert_eq!(processed_files::Entity::find().count(&t.db).await.unwrap(), 1);
    app.stop_polling().await;
}

#[actix::test]
async fn several_game_servers_are_watched_at_once() {
    crate::support::logs();
    let Some(shared) = sshd() else { return };
    for t in db::all().await {
        let (eu, us) = (shared.folder(), shared.folder());
        let local = tempfile::tempdir().unwrap();
        let mut sources = Vec::new();
        for (name, folder, webhook) in [("eu", &eu, 11), ("us", &us, 22)] {
            let target = shared.target(folder.path());
            let mut server = sftp_server(name, &target, &local.path().join(name));
            server.webhook_ids = vec![webhook];
            sources.push(Source { server, remote: Arc::new(SftpFiles::new(target)) });
        }
        let (app, _recorder, mut posts) = start_with(&t.db, settings(local.path(), &[]), sources);
        put(eu.path(), R1);
        put(us.path(), OTHER);

        // A trigger goes to the server whose webhook sent it; the start-up poll of each server
        // finds its file too, so the two posts come in either order, once each.
        assert_eq!(app.scheduler_for_webhook(22), &app.servers[1].scheduler);
        assert_eq!(app.scheduler_for_webhook(11), &app.servers[0].scheduler);
        assert_eq!(app.scheduler_for_webhook(99), &app.servers[0].scheduler, "unknown: first");
        app.scheduler_for_webhook(22).send(FetchNow { name: OTHER.into() }).await.unwrap();
        app.scheduler_for_webhook(11).send(FetchNow { name: R1.into() }).await.unwrap();
        let mut titles = vec![next_post(&mut posts).await, next_post(&mut posts).await];
        titles.sort();
        assert_eq!(
            titles,
            ["🎮 Round 1 Complete - etl_adlernest", "🎮 Round 1 Complete - sw_goldrush_te"]
        );
        for server in &app.servers {
            server.scheduler.send(PollNow).await.unwrap();
        }
        no_more_posts(&mut posts).await;

        let server_of = |name: &str| {
            let name = name.to_owned();
            let db = t.db.clone();
            async move {
                let map =
                    if name.contains("adlernest") { "etl_adlernest" } else { "sw_goldrush_te" };
                let row = rounds::Entity::find()
                    .filter(rounds::Column::MapName.eq(map))
                    .one(&db)
                    .await
                    .unwrap()
                    .unwrap();
                row.server
            }
        };
        assert_eq!(server_of(OTHER).await, "us", "{}", t.kind);
        assert_eq!(server_of(R1).await, "eu", "{}", t.kind);
        assert!(local.path().join("us").join(OTHER).exists());
        assert!(local.path().join("eu").join(R1).exists());
        let health = app.health.send(CollectHealth).await.unwrap();
        let names: Vec<_> = health.iter().map(|s| s.component.as_str()).collect();
        for expected in
            ["file_fetcher@eu", "file_fetcher@us", "poll_scheduler@eu", "poll_scheduler@us"]
        {
            assert!(names.contains(&expected), "{names:?}");
        }
        app.stop_polling().await;
    }
}

/// SFTP that arms the tap in front of sshd when the named file's first read starts: the
/// transfer is cut `after` bytes into the server's answer. The first read's result is kept.
struct CutsFirstRead {
    inner: SftpFiles,
    name: &'static str,
    tap: Arc<Tap>,
    after: usize,
    first: std::sync::Mutex<Option<Result<usize, String>>>,
}

impl RemoteFiles for CutsFirstRead {
    fn list(&self) -> BoxFuture<'_, Result<Vec<RemoteEntry>, SftpError>> {
        self.inner.list()
    }

    fn read<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<u8>, SftpError>> {
        Box::pin(async move {
            let first = name == self.name && self.first.lock().unwrap().is_none();
            if first {
                self.tap.arm(self.after);
            }
            let result = self.inner.read(name).await;
            if first {
                let seen = result.as_ref().map(Vec::len).map_err(ToString::to_string);
                *self.first.lock().unwrap() = Some(seen);
            }
            result
        })
    }
}

/// sshd killed in the middle of a download (the connection cut 600 bytes into the answer to
/// the read, then the server killed): nothing partial is stored or kept, the link backs off
/// (degraded), and once sshd is back the file is fetched whole, stored once and posted once.
#[actix::test]
async fn sshd_killed_in_the_middle_of_a_download_loses_nothing_and_stores_no_part() {
    crate::support::logs();
    let Some(shared) = sshd() else { return };
    for t in db::all().await {
        let mut server = OwnSshd::start(&shared).await;
        let tap = Arc::new(Tap::start(server.port).await);
        let keys = tempfile::tempdir().unwrap();
        let known_hosts = keys.path().join("known_hosts");
        let key = std::fs::read_to_string(&server.known_hosts).unwrap();
        let key = key.split_once(' ').unwrap().1.to_owned();
        std::fs::write(&known_hosts, format!("[127.0.0.1]:{} {key}", tap.port)).unwrap();
        let target = SshTarget { port: tap.port, known_hosts, ..server.target() };
        let full = std::fs::read(shared_fixtures("real").join(OTHER)).unwrap();
        assert!(full.len() > 1200, "the cut falls inside the file's data");
        let remote = Arc::new(CutsFirstRead {
            inner: SftpFiles::new(target.clone()),
            name: OTHER,
            tap: tap.clone(),
            after: 600,
            first: std::sync::Mutex::new(None),
        });
        let local = tempfile::tempdir().unwrap();
        let source = Source {
            server: sftp_server("default", &target, local.path()),
            remote: remote.clone(),
        };
        put(&server.root, OTHER);
        let (app, recorder, mut posts) =
            start_with(&t.db, settings(local.path(), &[]), vec![source]);
        app.scheduler.send(FetchNow { name: OTHER.into() }).await.unwrap();

        crate::faults::within("the transfer cut", tap.tripped()).await;
        server.kill();
        wait_health(&app, "file_fetcher", |s| matches!(s, HealthState::Degraded { .. })).await;
        let first = remote.first.lock().unwrap().clone();
        assert!(matches!(&first, Some(Err(_))), "the first read failed: {first:?}");
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 0, "{}", t.kind);
        let kept: Vec<_> =
            std::fs::read_dir(local.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert!(kept.is_empty(), "no part of the file is kept: {kept:?}");

        server.restart().await;
        assert_eq!(
            next_post(&mut posts).await,
            "🎮 Round 1 Complete - etl_adlernest",
            "{}",
            t.kind
        );
        assert_whole_file_stored(&t, local.path(), &full).await;
        app.scheduler.send(PollNow).await.unwrap();
        no_more_posts(&mut posts).await;
        assert_eq!(recorder.posts.lock().unwrap().len(), 1, "{}", t.kind);
        assert_eq!(tap.trips(), 1);
        wait_health(&app, "file_fetcher", |s| *s == HealthState::Healthy).await;
        app.stop_polling().await;
    }
}

/// A listing that fails (the stats folder gone from the server) is reported as degraded with
/// the reason and tried again by the next poll; when the folder is back its files arrive.
#[actix::test]
async fn a_failing_listing_is_degraded_and_the_next_poll_after_it_is_fixed_fetches() {
    crate::support::logs();
    let Some(shared) = sshd() else { return };
    for t in db::all().await {
        let folder = shared.folder();
        let stats = folder.path().join("stats");
        let moved = folder.path().join("stats.away");
        std::fs::create_dir(&moved).unwrap();
        let target = shared.target(&stats);
        let local = tempfile::tempdir().unwrap();
        let source = Source {
            server: sftp_server("default", &target, local.path()),
            remote: Arc::new(SftpFiles::new(target.clone())),
        };
        let (app, recorder, mut posts) =
            start_with(&t.db, settings(local.path(), &[]), vec![source]);
        app.scheduler.send(PollNow).await.unwrap();
        wait_health(&app, "file_fetcher", |s| {
            matches!(s, HealthState::Degraded { last_error, .. } if last_error.contains("stats"))
        })
        .await;
        let status = app.health.send(CollectHealth).await.unwrap();
        let fetcher = status.iter().find(|s| s.component == "file_fetcher").unwrap();
        assert!(fetcher.detail.contains("0 fetched"), "{}", fetcher.detail);

        put(&moved, R1);
        std::fs::rename(&moved, &stats).unwrap();
        app.scheduler.send(PollNow).await.unwrap();
        assert_eq!(
            next_post(&mut posts).await,
            "🎮 Round 1 Complete - sw_goldrush_te",
            "{}",
            t.kind
        );
        wait_health(&app, "file_fetcher", |s| *s == HealthState::Healthy).await;
        no_more_posts(&mut posts).await;
        assert_eq!(recorder.posts.lock().unwrap().len(), 1);
        app.stop_polling().await;
    }
}

/// A file truncated on the server while it is fetched (cut inside a player line) is never
/// stored as it was read: the short read is seen, the file read again as it now is, and that
/// cut-off version rejected with its line; the complete version written later is stored once.
#[actix::test]
async fn a_file_truncated_on_the_server_while_fetched_is_never_stored_cut_off() {
    crate::support::logs();
    let Some(shared) = sshd() else { return };
    for t in db::all().await {
        let folder = shared.folder();
        let local = tempfile::tempdir().unwrap();
        let full = std::fs::read(shared_fixtures("real").join(OTHER)).unwrap();
        let keep = full.len() - 25; // inside the last player line
        std::fs::write(folder.path().join(OTHER), &full).unwrap();
        let target = shared.target(folder.path());
        let source = Source {
            server: sftp_server("default", &target, local.path()),
            // Truncated as its first read starts: the read sees fewer bytes than listed.
            remote: Arc::new(OnFirstRead::new(
                SftpFiles::new(target.clone()),
                folder.path().join(OTHER),
                move |file| {
                    let f = std::fs::OpenOptions::new().write(true).open(file).unwrap();
                    f.set_len(keep as u64).unwrap();
                },
            )),
        };
        let (app, _recorder, mut posts) =
            start_with(&t.db, settings(local.path(), &[]), vec![source]);
        app.scheduler.send(FetchNow { name: OTHER.into() }).await.unwrap();
        crate::faults::until_db("the cut-off version rejected", async || {
            processed_files::Entity::find()
                .filter(processed_files::Column::Success.eq(false))
                .count(&t.db)
                .await
                .unwrap_or(0)
                == 1
        })
        .await;
        assert_eq!(std::fs::read(local.path().join(OTHER)).unwrap(), &full[..keep]);
        let failed = processed_files::Entity::find().one(&t.db).await.unwrap().unwrap();
        let error = failed.error_message.unwrap_or_default();
        assert!(error.contains("line"), "{error}");
        assert_eq!(rounds::Entity::find().count(&t.db).await.unwrap(), 0, "{}", t.kind);

        std::fs::write(folder.path().join(OTHER), &full).unwrap();
        app.scheduler.send(FetchNow { name: OTHER.into() }).await.unwrap();
        assert_eq!(
            next_post(&mut posts).await,
            "🎮 Round 1 Complete - etl_adlernest",
            "{}",
            t.kind
        );
        assert_player_rows_of(&t, &full).await;
        app.scheduler.send(PollNow).await.unwrap();
        no_more_posts(&mut posts).await;
        app.stop_polling().await;
    }
}
