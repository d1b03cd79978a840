//! The game server's host key against OpenSSH's known_hosts file: libssh2 checks it line by
//! line (lines it cannot parse are skipped, not fatal), an unknown host is refused or trusted
//! on first use, a changed key is always refused, and fingerprints are logged as
//! `ssh-keygen -l` prints them.
use std::path::Path;

use async_ssh2_lite::{
    AsyncSession, TokioTcpStream,
    ssh2::{self, CheckResult, HashType, KnownHostFileKind, KnownHostKeyFormat},
};

use super::{HostKeyProblem, SftpError, SshTarget, ssh::describe};

/// Checks the server's host key against `target.known_hosts`: a match passes; an unknown
/// host is refused when strict, else trusted on first use and appended; a changed key is
/// always refused. Each outcome is logged with the key's fingerprint.
pub(super) async fn verify(
    target: &SshTarget,
    session: &AsyncSession<TokioTcpStream>,
) -> Result<(), SftpError> {
    let refused = |problem| SftpError::HostKey {
        host: target.host.clone(),
        port: target.port,
        known_hosts: target.known_hosts.clone(),
        problem,
    };
    let known = match tokio::fs::read(&target.known_hosts).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => {
            return Err(refused(HostKeyProblem::KnownHosts(format!("cannot read: {error}"))));
        }
    };
    let fingerprint =
        session.host_key_hash(HashType::Sha256).map(sha256_fingerprint).unwrap_or_default();
    let checked = check_host_key(session, target, &known).inspect_err(|problem| {
        if *problem == HostKeyProblem::Mismatch {
            tracing::error!(host = %target.host, port = target.port, known_hosts = %target.known_hosts.display(), fingerprint = %fingerprint, "HOST KEY MISMATCH: the server's key differs from known_hosts; refusing to connect");
        }
    });
    let line = match checked.map_err(refused)? {
        None => {
            tracing::debug!(host = %target.host, port = target.port, fingerprint = %fingerprint, "host key matches known_hosts");
            return Ok(());
        }
        Some(line) => line,
    };
    if target.strict_host_key {
        tracing::error!(host = %target.host, port = target.port, known_hosts = %target.known_hosts.display(), fingerprint = %fingerprint, "unknown host key refused (strict host key checking)");
        return Err(refused(HostKeyProblem::Unknown));
    }
    append_line(&target.known_hosts, &known, &line)
        .await
        .map_err(|e| refused(HostKeyProblem::KnownHosts(format!("cannot add the host: {e}"))))?;
    tracing::warn!(host = %target.host, port = target.port, known_hosts = %target.known_hosts.display(), fingerprint = %fingerprint, "unknown host key trusted on first use and added to known_hosts");
    Ok(())
}

/// Checks the server's key against the known_hosts text: `None` when it matches,
/// `Some(line to add)` when the host is unknown, an error on a mismatch.
/// (Synchronous: libssh2's known-hosts object must not live across an await.)
fn check_host_key(
    session: &AsyncSession<TokioTcpStream>,
    target: &SshTarget,
    known: &str,
) -> Result<Option<String>, HostKeyProblem> {
    let problem = |what: &str, error: ssh2::Error| {
        HostKeyProblem::KnownHosts(format!("{what}: {}", error.message()))
    };
    let Some((key, key_type)) = session.host_key() else {
        return Err(HostKeyProblem::KnownHosts("the server sent no host key".into()));
    };
    let mut hosts = session.known_hosts().map_err(|e| HostKeyProblem::KnownHosts(describe(&e)))?;
    // Line by line: libssh2 gives up on a whole file at its first line it cannot parse
    // (newer key types, markers); such lines are skipped instead.
    let mut skipped = 0usize;
    for line in known.lines() {
        if hosts.read_str(line, KnownHostFileKind::OpenSSH).is_err() {
            skipped += 1;
        }
    }
    if skipped > 0 {
        tracing::debug!(known_hosts = %target.known_hosts.display(), skipped, "known_hosts lines libssh2 cannot parse were skipped");
    }
    match hosts.check_port(&target.host, target.port, key) {
        CheckResult::Match => Ok(None),
        CheckResult::Mismatch => Err(HostKeyProblem::Mismatch),
        CheckResult::Failure => {
            Err(HostKeyProblem::KnownHosts("libssh2 could not check the key".into()))
        }
        CheckResult::NotFound => {
            let format = KnownHostKeyFormat::from(key_type);
            let mut fresh =
                session.known_hosts().map_err(|e| HostKeyProblem::KnownHosts(describe(&e)))?;
            fresh
                .add(&target.known_hosts_name(), key, "", format)
                .map_err(|e| problem("add", e))?;
            let entries = fresh.hosts().map_err(|e| problem("list", e))?;
            let Some(entry) = entries.first() else {
                return Err(HostKeyProblem::KnownHosts("the new entry vanished".into()));
            };
            let line = fresh
                .write_string(entry, KnownHostFileKind::OpenSSH)
                .map_err(|e| problem("format", e))?;
            Ok(Some(line.trim_end().to_owned()))
        }
    }
}

/// Appends one line to the known_hosts file (creating it and its folder).
async fn append_line(path: &Path, existing: &str, line: &str) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent).await?;
    }
    let separator = if existing.is_empty() || existing.ends_with('\n') { "" } else { "\n" };
    let mut file = tokio::fs::OpenOptions::new().create(true).append(true).open(path).await?;
    file.write_all(format!("{separator}{line}\n").as_bytes()).await?;
    file.flush().await
}

/// `SHA256:<base64>`, as `ssh-keygen -l` prints it (unpadded).
fn sha256_fingerprint(hash: &[u8]) -> String {
    use base64::Engine;
    format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_unpadded_base64() {
        // base64("abc") = "YWJj", base64("ab") = "YWI=", base64("a") = "YQ==".
        assert_eq!(sha256_fingerprint(b"abc"), "SHA256:YWJj");
        assert_eq!(sha256_fingerprint(b"abcab"), "SHA256:YWJjYWI");
        assert_eq!(sha256_fingerprint(b"a"), "SHA256:YQ");
    }
}
