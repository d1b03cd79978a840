//! `SftpFiles`: the stats folder on the game server over SFTP (async-ssh2-lite, one session).
//!
//! The libssh2 session is non-blocking, and its own timeout only applies in blocking mode, so
//! every network step runs under `tokio::time::timeout_at`. The session timeout is still set:
//! ssh2 closes dropped file handles and the SFTP channel in blocking mode, and that timeout
//! bounds those closes. Sessions that failed are dropped on a blocking thread for that reason.
use std::{
    future::Future,
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use async_ssh2_lite::{
    AsyncFile, AsyncSession, AsyncSftp, Error as SshError, SessionConfiguration, TokioTcpStream,
    ssh2::ErrorCode,
};
use futures_util::AsyncReadExt;
use tokio::{sync::Mutex, time::Instant};

use super::{BoxFuture, RemoteEntry, RemoteFiles, SftpError, check_name};

type Stream = TokioTcpStream;

/// libssh2's `LIBSSH2_ERROR_FILE`: what `readdir` returns after the last entry.
const LIBSSH2_ERROR_FILE: i32 = -16;
/// The SFTP status `SSH_FX_NO_SUCH_FILE`.
const FX_NO_SUCH_FILE: i32 = 2;

/// Where the stats files are and how to log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    /// Server host name or address.
    pub host: String,
    /// Server port (22).
    pub port: u16,
    /// User name.
    pub user: String,
    /// The private key file (unencrypted). Only its path is ever logged.
    pub key_path: PathBuf,
    /// The OpenSSH known_hosts file the host key is checked against.
    pub known_hosts: PathBuf,
    /// When on (the default), an unknown host is refused; when off, its key is trusted on
    /// first use and appended to `known_hosts`. A changed key is refused either way.
    pub strict_host_key: bool,
    /// The stats folder on the server.
    pub remote_path: PathBuf,
    /// Limit for the TCP connection plus the SSH handshake (10 s).
    pub connect_timeout: Duration,
    /// Limit for each later operation: authentication, one listing, one file read (30 s).
    pub op_timeout: Duration,
}

impl Default for SshTarget {
    fn default() -> Self {
        SshTarget {
            host: String::new(),
            port: 22,
            user: String::new(),
            key_path: PathBuf::new(),
            known_hosts: PathBuf::new(),
            strict_host_key: true,
            remote_path: PathBuf::new(),
            connect_timeout: Duration::from_secs(10),
            op_timeout: Duration::from_secs(30),
        }
    }
}

impl SshTarget {
    /// The host as known_hosts writes it: `host`, or `[host]:port` off port 22.
    pub(super) fn known_hosts_name(&self) -> String {
        if self.port == 22 { self.host.clone() } else { format!("[{}]:{}", self.host, self.port) }
    }
}

/// One authenticated session and its SFTP channel (dropped in this order).
struct Conn {
    sftp: AsyncSftp<Stream>,
    _session: AsyncSession<Stream>,
}

/// The stats folder on an SSH server, read over SFTP.
///
/// One session is opened on first use and kept; calls take turns on it. A call that fails
/// with a timeout or a session/I/O error drops the session, and the next call reconnects.
/// A kept session that turns out dead (not timed out) is replaced once within the same call.
pub struct SftpFiles {
    target: SshTarget,
    conn: Mutex<Option<Conn>>,
    connects: AtomicU64,
}

impl std::fmt::Debug for SftpFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SftpFiles")
            .field("target", &self.target)
            .field("connects", &self.connects())
            .finish_non_exhaustive()
    }
}

impl SftpFiles {
    /// A source for `target`. Nothing connects until the first call.
    pub fn new(target: SshTarget) -> Self {
        SftpFiles { target, conn: Mutex::new(None), connects: AtomicU64::new(0) }
    }

    /// The target.
    pub fn target(&self) -> &SshTarget {
        &self.target
    }

    /// How many sessions have been established so far (a reconnect counts again).
    pub fn connects(&self) -> u64 {
        self.connects.load(Ordering::Relaxed)
    }

    async fn list_files(&self) -> Result<Vec<RemoteEntry>, SftpError> {
        let mut slot = self.conn.lock().await;
        let reused = slot.is_some();
        match self.list_once(&mut slot).await {
            Err(error) if reused && is_stale(&error) => {
                self.log_reconnect(&error);
                self.list_once(&mut slot).await
            }
            result => result,
        }
    }

    async fn read_file(&self, name: &str) -> Result<Vec<u8>, SftpError> {
        check_name(name)?;
        let path = self.target.remote_path.join(name);
        let mut slot = self.conn.lock().await;
        let reused = slot.is_some();
        match self.read_once(&mut slot, name, &path).await {
            Err(error) if reused && is_stale(&error) => {
                self.log_reconnect(&error);
                self.read_once(&mut slot, name, &path).await
            }
            result => result,
        }
    }

    fn log_reconnect(&self, error: &SftpError) {
        tracing::info!(host = %self.target.host, port = self.target.port, error = %error, "kept ssh session is dead; reconnecting");
    }

    async fn list_once(&self, slot: &mut Option<Conn>) -> Result<Vec<RemoteEntry>, SftpError> {
        let conn = self.session(slot).await?;
        let (result, leftover) = self.list_on(conn).await;
        self.settle(slot, &result, leftover);
        if let Ok(files) = &result {
            tracing::debug!(host = %self.target.host, port = self.target.port, files = files.len(), "listed");
        }
        result
    }

    async fn read_once(
        &self,
        slot: &mut Option<Conn>,
        name: &str,
        path: &Path,
    ) -> Result<Vec<u8>, SftpError> {
        let conn = self.session(slot).await?;
        let (result, leftover) = self.read_on(conn, name, path).await;
        self.settle(slot, &result, leftover);
        if let Ok(bytes) = &result {
            tracing::debug!(host = %self.target.host, port = self.target.port, file = name, bytes = bytes.len(), "read");
        }
        result
    }

    /// The kept session, or a new one.
    async fn session<'s>(&self, slot: &'s mut Option<Conn>) -> Result<&'s Conn, SftpError> {
        let conn = match slot.take() {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        Ok(slot.insert(conn))
    }

    /// After an operation: drops the session when the error says it is unusable, and gets rid
    /// of a file handle that was not closed cleanly (both without blocking this thread).
    fn settle<T>(
        &self,
        slot: &mut Option<Conn>,
        result: &Result<T, SftpError>,
        leftover: Option<AsyncFile<Stream>>,
    ) {
        match result {
            Err(error) if is_fatal(error) => {
                tracing::warn!(host = %self.target.host, port = self.target.port, error = %error, "dropping the ssh session; the next call reconnects");
                // The handle goes before the session it belongs to.
                discard((leftover, slot.take()));
            }
            _ => {
                if let Some(file) = leftover {
                    discard(file);
                }
            }
        }
    }

    async fn list_on(
        &self,
        conn: &Conn,
    ) -> (Result<Vec<RemoteEntry>, SftpError>, Option<AsyncFile<Stream>>) {
        let dir = &self.target.remote_path;
        let limit = self.target.op_timeout;
        let deadline = Instant::now() + limit;
        let mut handle = match within(deadline, limit, "opendir", conn.sftp.opendir(dir)).await {
            Ok(Ok(handle)) => handle,
            Ok(Err(error)) => return (Err(op_error("opendir", dir, None, error)), None),
            Err(timeout) => return (Err(timeout), None),
        };
        let mut files = Vec::new();
        loop {
            match within(deadline, limit, "readdir", handle.readdir()).await {
                Ok(Ok((name, stat))) => {
                    let Some(name) = name.to_str() else { continue };
                    if check_name(name).is_ok() && stat.is_file() {
                        files.push(RemoteEntry {
                            name: name.to_owned(),
                            size: stat.size.unwrap_or(0),
                        });
                    }
                }
                Ok(Err(SshError::Ssh2(error)))
                    if error.code() == ErrorCode::Session(LIBSSH2_ERROR_FILE) =>
                {
                    break;
                }
                Ok(Err(error)) => {
                    return (Err(op_error("readdir", dir, None, error)), Some(handle));
                }
                Err(timeout) => return (Err(timeout), Some(handle)),
            }
        }
        match within(deadline, limit, "closedir", handle.close()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return (Err(op_error("closedir", dir, None, error)), Some(handle)),
            Err(timeout) => return (Err(timeout), Some(handle)),
        }
        files.sort();
        (Ok(files), None)
    }

    async fn read_on(
        &self,
        conn: &Conn,
        name: &str,
        path: &Path,
    ) -> (Result<Vec<u8>, SftpError>, Option<AsyncFile<Stream>>) {
        let limit = self.target.op_timeout;
        let deadline = Instant::now() + limit;
        let mut file = match within(deadline, limit, "open", conn.sftp.open(path)).await {
            Ok(Ok(file)) => file,
            Ok(Err(error)) => return (Err(op_error("open", path, Some(name), error)), None),
            Err(timeout) => return (Err(timeout), None),
        };
        let mut bytes = Vec::new();
        match within(deadline, limit, "read", file.read_to_end(&mut bytes)).await {
            Ok(Ok(_)) => {}
            Ok(Err(source)) => {
                return (
                    Err(SftpError::Io { operation: "read", path: path.into(), source }),
                    Some(file),
                );
            }
            Err(timeout) => return (Err(timeout), Some(file)),
        }
        match within(deadline, limit, "close", file.close()).await {
            Ok(Ok(())) => (Ok(bytes), None),
            Ok(Err(error)) => (Err(op_error("close", path, Some(name), error)), Some(file)),
            Err(timeout) => (Err(timeout), Some(file)),
        }
    }

    /// TCP, handshake, host key check, key authentication, SFTP channel.
    async fn connect(&self) -> Result<Conn, SftpError> {
        let target = &self.target;
        let failed = |reason: String| SftpError::Connect {
            host: target.host.clone(),
            port: target.port,
            reason,
        };
        if target.host.contains('\0') || target.user.contains('\0') {
            return Err(failed("the host or user name contains a NUL byte".into()));
        }
        let limit = target.connect_timeout;
        let deadline = Instant::now() + limit;
        let address = (target.host.as_str(), target.port);
        let stream = within(deadline, limit, "connect", TokioTcpStream::connect(address))
            .await?
            .map_err(|e| failed(e.to_string()))?;
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(host = %target.host, port = target.port, error = %error, "cannot set TCP_NODELAY");
        }
        let mut config = SessionConfiguration::new();
        config.set_timeout(u32::try_from(target.op_timeout.as_millis()).unwrap_or(u32::MAX));
        let mut session = AsyncSession::new(stream, config).map_err(|e| failed(describe(&e)))?;
        within(deadline, limit, "handshake", session.handshake())
            .await?
            .map_err(|e| failed(describe(&e)))?;

        super::known_hosts::verify(&self.target, &session).await?;

        let limit = target.op_timeout;
        let deadline = Instant::now() + limit;
        self.authenticate(&session, deadline).await?;
        let sftp = within(deadline, limit, "sftp start", session.sftp())
            .await?
            .map_err(|e| op_error("sftp start", &target.remote_path, None, e))?;
        self.connects.fetch_add(1, Ordering::Relaxed);
        tracing::info!(host = %target.host, port = target.port, user = %target.user, "sftp session established");
        Ok(Conn { sftp, _session: session })
    }

    async fn authenticate(
        &self,
        session: &AsyncSession<Stream>,
        deadline: Instant,
    ) -> Result<(), SftpError> {
        let target = &self.target;
        let failed = |reason: String| SftpError::Auth {
            user: target.user.clone(),
            key_path: target.key_path.clone(),
            reason,
        };
        // Only the path is checked here; libssh2 reads the key and its errors quote no content.
        if let Err(error) = tokio::fs::metadata(&target.key_path).await {
            return Err(failed(format!("cannot read the key file: {error}")));
        }
        let login = session.userauth_pubkey_file(&target.user, None, &target.key_path, None);
        within(deadline, target.op_timeout, "authenticate", login)
            .await?
            .map_err(|e| failed(describe(&e)))?;
        if session.authenticated() {
            Ok(())
        } else {
            Err(failed("the server refused the key".into()))
        }
    }
}

impl Drop for SftpFiles {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.get_mut().take() {
            discard(conn);
        }
    }
}

impl RemoteFiles for SftpFiles {
    fn list(&self) -> BoxFuture<'_, Result<Vec<RemoteEntry>, SftpError>> {
        Box::pin(self.list_files())
    }

    fn read<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<u8>, SftpError>> {
        Box::pin(self.read_file(name))
    }
}

/// Runs `future` until `deadline`; past it, `Timeout { operation, after: limit }`.
async fn within<F: Future>(
    deadline: Instant,
    limit: Duration,
    operation: &'static str,
    future: F,
) -> Result<F::Output, SftpError> {
    tokio::time::timeout_at(deadline, future)
        .await
        .map_err(|_| SftpError::Timeout { operation, after: limit })
}

/// An async-ssh2-lite error as text: libssh2's message and code.
pub(super) fn describe(error: &SshError) -> String {
    match error {
        SshError::Ssh2(error) => match error.code() {
            ErrorCode::Session(code) => format!("{} (libssh2 error {code})", error.message()),
            ErrorCode::SFTP(code) => format!("{} (sftp status {code})", error.message()),
        },
        SshError::Io(error) => error.to_string(),
        SshError::Other(error) => error.to_string(),
    }
}

/// Sorts an error from a step on an established session.
fn op_error(
    operation: &'static str,
    path: &Path,
    name: Option<&str>,
    error: SshError,
) -> SftpError {
    match error {
        SshError::Ssh2(ref e) => match e.code() {
            ErrorCode::SFTP(FX_NO_SUCH_FILE) => {
                SftpError::NotFound(name.map_or_else(|| path.display().to_string(), str::to_owned))
            }
            ErrorCode::SFTP(_) => {
                SftpError::Sftp { operation, path: path.into(), reason: describe(&error) }
            }
            ErrorCode::Session(_) => SftpError::Session { operation, reason: describe(&error) },
        },
        SshError::Io(source) => SftpError::Io { operation, path: path.into(), source },
        SshError::Other(_) => SftpError::Session { operation, reason: describe(&error) },
    }
}

/// Errors after which the session cannot be trusted.
fn is_fatal(error: &SftpError) -> bool {
    matches!(error, SftpError::Timeout { .. } | SftpError::Io { .. } | SftpError::Session { .. })
}

/// Errors that mean a kept session had died (worth one reconnect in the same call).
fn is_stale(error: &SftpError) -> bool {
    matches!(error, SftpError::Io { .. } | SftpError::Session { .. })
}

/// Drops session parts on a blocking thread: ssh2 closes handles in blocking mode on drop.
fn discard<T: Send + 'static>(parts: T) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn_blocking(move || drop(parts));
        }
        Err(_) => drop(parts),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn target(port: u16) -> SshTarget {
        SshTarget {
            host: "127.0.0.1".into(),
            port,
            user: "nobody".into(),
            key_path: "/nonexistent/key".into(),
            known_hosts: "/nonexistent/known_hosts".into(),
            remote_path: "/stats".into(),
            connect_timeout: Duration::from_millis(300),
            op_timeout: Duration::from_millis(300),
            ..SshTarget::default()
        }
    }

    #[test]
    fn defaults() {
        let t = SshTarget::default();
        assert_eq!((t.port, t.strict_host_key), (22, true));
        assert_eq!(
            (t.connect_timeout, t.op_timeout),
            (Duration::from_secs(10), Duration::from_secs(30))
        );
    }

    #[test]
    fn known_hosts_names() {
        let mut t = SshTarget { host: "example.org".into(), ..SshTarget::default() };
        assert_eq!(t.known_hosts_name(), "example.org");
        t.port = 2222;
        assert_eq!(t.known_hosts_name(), "[example.org]:2222");
    }

    #[tokio::test]
    async fn hostile_names_are_refused_before_connecting() {
        let files: Arc<dyn RemoteFiles> = Arc::new(SftpFiles::new(target(1)));
        for name in ["../etc/passwd", "a/b.txt", "", "..", "a\\b", "a\0b"] {
            assert!(matches!(files.read(name).await, Err(SftpError::BadName(_))), "{name:?}");
        }
    }

    #[tokio::test]
    async fn refused_port_is_a_connect_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let files = SftpFiles::new(target(port));
        assert!(matches!(files.list().await, Err(SftpError::Connect { .. })));
        assert_eq!(files.connects(), 0);
    }

    #[tokio::test]
    async fn silent_server_times_out_in_the_handshake() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(socket);
        });
        let files = SftpFiles::new(target(port));
        let started = std::time::Instant::now();
        let result = files.read("a.txt").await;
        assert!(
            matches!(result, Err(SftpError::Timeout { operation: "handshake", .. })),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        server.abort();
    }
}
