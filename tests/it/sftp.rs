//! `SftpFiles` against a real OpenSSH sshd on loopback (`scripts/lib/sshd.sh` sets `SLOMIX_TEST_SSH_*`).
//!
//! Each test works in its own folder under `SLOMIX_TEST_SSH_ROOT`: it writes files there
//! directly and reads them back over SFTP. Without the variables a test prints
//! `skipped: sshd not configured`, unless `SLOMIX_TEST_SERVICES=required`.
use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use slomix::sftp::{HostKeyProblem, RemoteEntry, RemoteFiles, SftpError, SftpFiles, SshTarget};
use tokio::{net::TcpListener, task::JoinHandle};

use crate::support::sshd::{Sshd, keygen, sshd};

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn entry(name: &str, size: u64) -> RemoteEntry {
    RemoteEntry { name: name.into(), size }
}

#[tokio::test]
async fn lists_regular_files_and_reads_them_byte_for_byte() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    let dir = folder.path();
    let big: Vec<u8> =
        (0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let text = b"^7Player\t1\t2\t3\r\n\xff\xfe not utf-8\n";
    write(dir, "2025-01-01-203000-supply-round-1.txt", text);
    write(dir, "big.bin", &big);
    write(dir, "empty.txt", b"");
    std::fs::create_dir(dir.join("subfolder")).unwrap();
    std::os::unix::fs::symlink(dir.join("big.bin"), dir.join("link.bin")).unwrap();

    let files = Arc::new(SftpFiles::new(env.target(dir)));
    let remote: Arc<dyn RemoteFiles> = files.clone();
    let listed = remote.list().await.unwrap();
    assert_eq!(
        listed,
        vec![
            entry("2025-01-01-203000-supply-round-1.txt", text.len() as u64),
            entry("big.bin", big.len() as u64),
            entry("empty.txt", 0),
        ]
    );
    assert_eq!(remote.read("2025-01-01-203000-supply-round-1.txt").await.unwrap(), text);
    assert_eq!(remote.read("big.bin").await.unwrap(), big);
    assert_eq!(remote.read("empty.txt").await.unwrap(), b"");
    assert_eq!(files.connects(), 1, "one session for the listing and all reads");
}

#[tokio::test]
async fn a_file_written_between_two_listings_appears_in_the_second() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    write(folder.path(), "a.txt", b"first");
    let files = SftpFiles::new(env.target(folder.path()));
    assert_eq!(files.list().await.unwrap(), vec![entry("a.txt", 5)]);
    write(folder.path(), "b.txt", b"second!");
    assert_eq!(files.list().await.unwrap(), vec![entry("a.txt", 5), entry("b.txt", 7)]);
    assert_eq!(files.read("b.txt").await.unwrap(), b"second!");
    assert_eq!(files.connects(), 1);
}

#[tokio::test]
async fn reads_in_a_row_reuse_one_session() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    write(folder.path(), "one.txt", b"1");
    write(folder.path(), "two.txt", b"22");
    let files = SftpFiles::new(env.target(folder.path()));
    assert_eq!(files.connects(), 0, "nothing connects before the first call");
    assert_eq!(files.read("one.txt").await.unwrap(), b"1");
    assert_eq!(files.read("two.txt").await.unwrap(), b"22");
    assert_eq!(files.read("one.txt").await.unwrap(), b"1");
    assert_eq!(files.connects(), 1);
}

#[tokio::test]
async fn concurrent_calls_share_the_session() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    for i in 0..8 {
        write(folder.path(), &format!("f{i}.txt"), format!("file {i}").as_bytes());
    }
    let files = Arc::new(SftpFiles::new(env.target(folder.path())));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let files = files.clone();
            tokio::spawn(async move { files.read(&format!("f{i}.txt")).await.unwrap() })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.unwrap(), format!("file {i}").as_bytes());
    }
    assert_eq!(files.connects(), 1);
}

#[tokio::test]
async fn a_missing_file_is_not_found_and_keeps_the_session() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    write(folder.path(), "here.txt", b"x");
    let files = SftpFiles::new(env.target(folder.path()));
    let result = files.read("missing.txt").await;
    assert!(
        matches!(&result, Err(SftpError::NotFound(name)) if name == "missing.txt"),
        "{result:?}"
    );
    assert_eq!(files.read("here.txt").await.unwrap(), b"x");
    assert_eq!(files.connects(), 1, "NotFound does not drop the session");
}

#[tokio::test]
async fn a_missing_stats_folder_is_not_found() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    let files = SftpFiles::new(env.target(&folder.path().join("no-such-folder")));
    let result = files.list().await;
    assert!(matches!(result, Err(SftpError::NotFound(_))), "{result:?}");
}

#[tokio::test]
async fn hostile_names_are_refused_without_touching_the_server() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    std::fs::create_dir(folder.path().join("a")).unwrap();
    write(&folder.path().join("a"), "b.txt", b"nested");
    let files = SftpFiles::new(env.target(folder.path()));
    for name in ["../etc/passwd", "a/b.txt", "/etc/passwd", "..", "", "a\\b.txt", "a\0b"] {
        let result = files.read(name).await;
        assert!(matches!(result, Err(SftpError::BadName(_))), "{name:?}: {result:?}");
    }
    assert_eq!(files.connects(), 0);
}

#[tokio::test]
async fn a_wrong_host_key_is_refused_even_when_not_strict() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    let keys = tempfile::tempdir().unwrap();
    let other = keygen(keys.path(), "other_host");
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let other_key: Vec<&str> = other_pub.split_whitespace().take(2).collect();
    let known_hosts = keys.path().join("known_hosts");
    let content = format!("[{}]:{} {}\n", env.host, env.port, other_key.join(" "));
    std::fs::write(&known_hosts, &content).unwrap();
    for strict in [true, false] {
        let target = SshTarget {
            known_hosts: known_hosts.clone(),
            strict_host_key: strict,
            ..env.target(folder.path())
        };
        let result = SftpFiles::new(target).list().await;
        assert!(
            matches!(&result, Err(SftpError::HostKey { problem: HostKeyProblem::Mismatch, .. })),
            "strict={strict}: {result:?}"
        );
    }
    assert_eq!(std::fs::read_to_string(&known_hosts).unwrap(), content, "file left alone");
}

#[tokio::test]
async fn a_wrong_client_key_fails_authentication() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    let keys = tempfile::tempdir().unwrap();
    let key = keygen(keys.path(), "stranger");
    let target = SshTarget { key_path: key.clone(), ..env.target(folder.path()) };
    let result = SftpFiles::new(target).list().await;
    let Err(error @ SftpError::Auth { .. }) = result else {
        panic!("expected Auth, got {result:?}")
    };
    let message = error.to_string();
    assert!(message.contains(&key.display().to_string()), "{message}");
    let secret = std::fs::read_to_string(&key).unwrap();
    for line in secret.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!message.contains(line), "the message quotes the key: {message}");
    }

    let missing = SshTarget { key_path: keys.path().join("absent"), ..env.target(folder.path()) };
    let result = SftpFiles::new(missing).list().await;
    assert!(matches!(result, Err(SftpError::Auth { .. })), "{result:?}");
}

#[tokio::test]
async fn unknown_host_strict_is_refused_and_trust_on_first_use_records_it() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    write(folder.path(), "a.txt", b"abc");
    let keys = tempfile::tempdir().unwrap();
    let known_hosts = keys.path().join("ssh/known_hosts");
    std::fs::create_dir_all(known_hosts.parent().unwrap()).unwrap();
    std::fs::write(&known_hosts, "# nothing here yet\n").unwrap();
    let target = SshTarget { known_hosts: known_hosts.clone(), ..env.target(folder.path()) };

    let result = SftpFiles::new(target.clone()).list().await;
    assert!(
        matches!(&result, Err(SftpError::HostKey { problem: HostKeyProblem::Unknown, .. })),
        "{result:?}"
    );
    assert_eq!(std::fs::read_to_string(&known_hosts).unwrap(), "# nothing here yet\n");

    let tofu = SftpFiles::new(SshTarget { strict_host_key: false, ..target.clone() });
    assert_eq!(tofu.list().await.unwrap(), vec![entry("a.txt", 3)]);
    let text = std::fs::read_to_string(&known_hosts).unwrap();
    let added: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(added.len(), 1, "{text}");
    let expected = format!("[{}]:{} {}", env.host, env.port, env.host_key());
    assert!(added[0].starts_with(&expected), "added {:?}, expected {expected:?}", added[0]);

    // The recorded key now passes strict checking, and nothing more is appended.
    assert_eq!(SftpFiles::new(target).read("a.txt").await.unwrap(), b"abc");
    assert_eq!(std::fs::read_to_string(&known_hosts).unwrap(), text);

    // A missing known_hosts file (and folder) is created when not strict.
    let fresh = keys.path().join("new/dir/known_hosts");
    let tofu = SftpFiles::new(SshTarget {
        known_hosts: fresh.clone(),
        strict_host_key: false,
        ..env.target(folder.path())
    });
    tofu.list().await.unwrap();
    assert!(std::fs::read_to_string(&fresh).unwrap().starts_with(&expected));
}

/// A TCP forwarder in front of sshd whose connections a test can cut or freeze.
struct Proxy {
    port: u16,
    state: Arc<Mutex<ProxyState>>,
    accept: JoinHandle<()>,
}

#[derive(Default)]
struct ProxyState {
    forwarders: Vec<JoinHandle<()>>,
    // Extra handles on each client socket: they keep a frozen connection open.
    held: Vec<std::net::TcpStream>,
    accepted: usize,
}

impl Proxy {
    async fn start(upstream_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let shared = state.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                let std_client = client.into_std().unwrap();
                let held = std_client.try_clone().unwrap();
                let mut client = tokio::net::TcpStream::from_std(std_client).unwrap();
                let forwarder = tokio::spawn(async move {
                    let Ok(mut server) =
                        tokio::net::TcpStream::connect(("127.0.0.1", upstream_port)).await
                    else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
                let mut state = shared.lock().unwrap();
                state.accepted += 1;
                state.forwarders.push(forwarder);
                state.held.push(held);
            }
        });
        Proxy { port, state, accept }
    }

    /// Stops forwarding but keeps the client connections open: requests go unanswered.
    fn freeze(&self) {
        let mut state = self.state.lock().unwrap();
        state.forwarders.drain(..).for_each(|f| f.abort());
    }

    /// Closes every connection.
    fn cut(&self) {
        let mut state = self.state.lock().unwrap();
        state.forwarders.drain(..).for_each(|f| f.abort());
        for socket in state.held.drain(..) {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }

    fn accepted(&self) -> usize {
        self.state.lock().unwrap().accepted
    }

    /// A known_hosts file for the proxy's port holding sshd's key.
    fn known_hosts(&self, env: &Sshd, dir: &Path) -> PathBuf {
        let path = dir.join("known_hosts");
        std::fs::write(&path, format!("[{}]:{} {}\n", env.host, self.port, env.host_key()))
            .unwrap();
        path
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

#[tokio::test]
async fn a_cut_connection_is_replaced_within_the_next_call() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    write(folder.path(), "a.txt", b"alpha");
    let keys = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(env.port).await;
    let target = SshTarget {
        host: "127.0.0.1".into(),
        port: proxy.port,
        known_hosts: proxy.known_hosts(&env, keys.path()),
        ..env.target(folder.path())
    };
    let files = SftpFiles::new(target);
    assert_eq!(files.read("a.txt").await.unwrap(), b"alpha");
    assert_eq!(files.connects(), 1);

    proxy.cut();
    assert_eq!(files.read("a.txt").await.unwrap(), b"alpha");
    assert_eq!(files.connects(), 2, "the dead session was replaced");
    assert_eq!(files.list().await.unwrap(), vec![entry("a.txt", 5)]);
    assert_eq!((files.connects(), proxy.accepted()), (2, 2));
}

#[tokio::test]
async fn a_stalled_connection_times_out_and_the_next_call_reconnects() {
    let Some(env) = sshd() else { return };
    let folder = env.folder();
    write(folder.path(), "a.txt", b"alpha");
    let keys = tempfile::tempdir().unwrap();
    let proxy = Proxy::start(env.port).await;
    let target = SshTarget {
        host: "127.0.0.1".into(),
        port: proxy.port,
        known_hosts: proxy.known_hosts(&env, keys.path()),
        op_timeout: Duration::from_millis(700),
        ..env.target(folder.path())
    };
    let files = SftpFiles::new(target);
    assert_eq!(files.list().await.unwrap(), vec![entry("a.txt", 5)]);

    proxy.freeze();
    let started = std::time::Instant::now();
    let result = files.read("a.txt").await;
    assert!(matches!(result, Err(SftpError::Timeout { .. })), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());

    assert_eq!(files.read("a.txt").await.unwrap(), b"alpha");
    assert_eq!(files.connects(), 2);
}
