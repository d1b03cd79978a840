//! The test sshd: the shared one `scripts/test` starts (`SLOMIX_TEST_SSH_*`), and private ones
//! a test can kill and restart (same port, same host key) to play a game server going down.
use std::{
    path::{Path, PathBuf},
    process::{Child, Command},
    time::Duration,
};

use slomix::{
    settings::{GameServer, SourceKind},
    sftp::SshTarget,
};

/// The test sshd, from the environment.
pub struct Sshd {
    /// Host (127.0.0.1).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Login user.
    pub user: String,
    /// Client private key.
    pub key: PathBuf,
    /// known_hosts holding the server's key.
    pub known_hosts: PathBuf,
    /// A folder tests may create remote folders in.
    pub root: PathBuf,
}

/// The shared test sshd, or `None` (printed) when not configured.
pub fn sshd() -> Option<Sshd> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let found = (
        var("SLOMIX_TEST_SSH_HOST"),
        var("SLOMIX_TEST_SSH_PORT"),
        var("SLOMIX_TEST_SSH_USER"),
        var("SLOMIX_TEST_SSH_KEY"),
        var("SLOMIX_TEST_SSH_KNOWN_HOSTS"),
        var("SLOMIX_TEST_SSH_ROOT"),
    );
    let (Some(host), Some(port), Some(user), Some(key), Some(known_hosts), Some(root)) = found
    else {
        if std::env::var("SLOMIX_TEST_SERVICES").as_deref() == Ok("required") {
            panic!(
                "SLOMIX_TEST_SERVICES=required but SLOMIX_TEST_SSH_HOST, _PORT, _USER, _KEY, \
                 _KNOWN_HOSTS and _ROOT are not all set (start sshd with scripts/lib/sshd.sh)"
            );
        }
        println!("skipped: sshd not configured");
        return None;
    };
    let port = port.parse().expect("SLOMIX_TEST_SSH_PORT is not a port number");
    Some(Sshd {
        host,
        port,
        user,
        key: key.into(),
        known_hosts: known_hosts.into(),
        root: root.into(),
    })
}

impl Sshd {
    /// A fresh, empty stats folder for one test (removed when dropped).
    pub fn folder(&self) -> tempfile::TempDir {
        tempfile::Builder::new().prefix("sftp-").tempdir_in(&self.root).unwrap()
    }

    /// An SFTP target for `remote` on this server.
    pub fn target(&self, remote: &Path) -> SshTarget {
        SshTarget {
            host: self.host.clone(),
            port: self.port,
            user: self.user.clone(),
            key_path: self.key.clone(),
            known_hosts: self.known_hosts.clone(),
            strict_host_key: true,
            remote_path: remote.to_path_buf(),
            connect_timeout: Duration::from_secs(10),
            op_timeout: Duration::from_secs(10),
        }
    }

    /// The server's `ssh-ed25519 AAAA...` (key type and key) from the known_hosts file.
    pub fn host_key(&self) -> String {
        let text = std::fs::read_to_string(&self.known_hosts).unwrap();
        let line = text.lines().find(|l| l.contains(&format!(":{} ", self.port))).unwrap();
        line.split_whitespace().skip(1).take(2).collect::<Vec<_>>().join(" ")
    }
}

/// A new ed25519 key pair at `dir/name` (private) and `dir/name.pub`.
pub fn keygen(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&path)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen failed");
    path
}

/// A private sshd for one test, accepting the shared client key; killable and restartable.
pub struct OwnSshd {
    dir: tempfile::TempDir,
    /// Its port.
    pub port: u16,
    child: Option<Child>,
    /// A stats folder on it.
    pub root: PathBuf,
    /// known_hosts for it.
    pub known_hosts: PathBuf,
    user: String,
    key: PathBuf,
}

impl OwnSshd {
    /// Starts one beside the shared sshd (whose client key it accepts).
    pub async fn start(shared: &Sshd) -> OwnSshd {
        let dir = tempfile::Builder::new().prefix("own-sshd-").tempdir_in(&shared.root).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let host_key = keygen(dir.path(), "host_ed25519");
        let public = std::fs::read_to_string(shared.key.with_extension("pub"))
            .expect("the shared client key has a .pub beside it");
        std::fs::write(dir.path().join("authorized_keys"), public).unwrap();
        let host_public = std::fs::read_to_string(host_key.with_extension("pub")).unwrap();
        let key_part: Vec<_> = host_public.split_whitespace().take(2).collect();
        let known_hosts = dir.path().join("known_hosts");
        std::fs::write(&known_hosts, format!("[127.0.0.1]:{port} {}\n", key_part.join(" ")))
            .unwrap();
        let root = dir.path().join("stats");
        std::fs::create_dir(&root).unwrap();
        let d = dir.path().display();
        std::fs::write(
            dir.path().join("sshd_config"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_ed25519\nPidFile {d}/sshd.pid\n\
                 AuthorizedKeysFile {d}/authorized_keys\nPubkeyAuthentication yes\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\nAllowUsers {}\n\
                 Subsystem sftp internal-sftp\n",
                shared.user
            ),
        )
        .unwrap();
        let mut own = OwnSshd {
            dir,
            port,
            child: None,
            root,
            known_hosts,
            user: shared.user.clone(),
            key: shared.key.clone(),
        };
        own.restart().await;
        own
    }

    /// Starts (again) on the same port with the same host key, and waits until it listens.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new("/usr/sbin/sshd")
            .arg("-D")
            .arg("-f")
            .arg(self.dir.path().join("sshd_config"))
            .arg("-E")
            .arg(self.dir.path().join("sshd.log"))
            .spawn()
            .expect("sshd starts");
        self.child = Some(child);
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("own sshd not listening on {}", self.port);
    }

    /// Kills it (its connections die with it).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // sshd's per-connection children outlive the listener: end them first.
            let _ = Command::new("pkill").args(["-KILL", "-P", &child.id().to_string()]).status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// An SFTP target for its stats folder.
    pub fn target(&self) -> SshTarget {
        SshTarget {
            host: "127.0.0.1".into(),
            port: self.port,
            user: self.user.clone(),
            key_path: self.key.clone(),
            known_hosts: self.known_hosts.clone(),
            strict_host_key: true,
            remote_path: self.root.clone(),
            connect_timeout: Duration::from_secs(5),
            op_timeout: Duration::from_secs(5),
        }
    }
}

impl Drop for OwnSshd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The game server behind `target`, fetched into `local_dir`, as settings would give it.
pub fn sftp_server(name: &str, target: &SshTarget, local_dir: &Path) -> GameServer {
    GameServer {
        name: name.into(),
        source: SourceKind::Sftp {
            host: target.host.clone(),
            port: target.port,
            user: target.user.clone(),
            key_path: target.key_path.display().to_string(),
            remote_path: target.remote_path.display().to_string(),
            known_hosts: target.known_hosts.display().to_string(),
            strict_host_key: true,
        },
        local_dir: local_dir.display().to_string(),
        webhook_ids: Vec::new(),
    }
}
