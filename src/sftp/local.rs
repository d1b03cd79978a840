//! `LocalDirFiles`: the stats folder is a local directory (the default source, and a test fake).
use std::path::PathBuf;

use super::{BoxFuture, RemoteEntry, RemoteFiles, SftpError, check_name};

/// Stats files read from a local folder with `tokio::fs`.
///
/// Like the SFTP source it lists regular files only (symbolic links are skipped) and reads
/// only `<dir>/<name>` for plain base names.
#[derive(Debug, Clone)]
pub struct LocalDirFiles {
    /// The folder.
    pub dir: PathBuf,
}

impl LocalDirFiles {
    /// A source over `dir`.
    pub fn new(dir: PathBuf) -> Self {
        LocalDirFiles { dir }
    }

    async fn list_dir(&self) -> Result<Vec<RemoteEntry>, SftpError> {
        let io = |path: PathBuf| move |source| SftpError::Io { operation: "list", path, source };
        let mut entries = tokio::fs::read_dir(&self.dir).await.map_err(io(self.dir.clone()))?;
        let mut files = Vec::new();
        while let Some(entry) = entries.next_entry().await.map_err(io(self.dir.clone()))? {
            let Ok(name) = entry.file_name().into_string() else { continue };
            if check_name(&name).is_err() {
                continue;
            }
            // Does not follow symbolic links; a file removed meanwhile is simply not listed.
            let Ok(meta) = entry.metadata().await else { continue };
            if meta.is_file() {
                files.push(RemoteEntry { name, size: meta.len() });
            }
        }
        files.sort();
        Ok(files)
    }

    async fn read_file(&self, name: &str) -> Result<Vec<u8>, SftpError> {
        check_name(name)?;
        let path = self.dir.join(name);
        tokio::fs::read(&path).await.map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                SftpError::NotFound(name.to_owned())
            } else {
                SftpError::Io { operation: "read", path, source }
            }
        })
    }
}

impl RemoteFiles for LocalDirFiles {
    fn list(&self) -> BoxFuture<'_, Result<Vec<RemoteEntry>, SftpError>> {
        Box::pin(self.list_dir())
    }

    fn read<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<u8>, SftpError>> {
        Box::pin(self.read_file(name))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn source() -> (tempfile::TempDir, Arc<dyn RemoteFiles>) {
        let dir = tempfile::tempdir().unwrap();
        let files: Arc<dyn RemoteFiles> = Arc::new(LocalDirFiles::new(dir.path().to_path_buf()));
        (dir, files)
    }

    #[tokio::test]
    async fn lists_regular_files_sorted_with_sizes() {
        let (dir, files) = source();
        std::fs::write(dir.path().join("b.txt"), b"hello").unwrap();
        std::fs::write(dir.path().join("a.txt"), b"").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("b.txt"), dir.path().join("link.txt")).unwrap();
        let listed = files.list().await.unwrap();
        assert_eq!(
            listed,
            vec![
                RemoteEntry { name: "a.txt".into(), size: 0 },
                RemoteEntry { name: "b.txt".into(), size: 5 }
            ]
        );
    }

    #[tokio::test]
    async fn reads_whole_files() {
        let (dir, files) = source();
        let bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        std::fs::write(dir.path().join("big.bin"), &bytes).unwrap();
        assert_eq!(files.read("big.bin").await.unwrap(), bytes);
    }

    #[tokio::test]
    async fn missing_file_is_not_found() {
        let (_dir, files) = source();
        assert!(
            matches!(files.read("nope.txt").await, Err(SftpError::NotFound(n)) if n == "nope.txt")
        );
    }

    #[tokio::test]
    async fn missing_folder_is_an_io_error() {
        let files = LocalDirFiles::new(PathBuf::from("/nonexistent/slomix/stats"));
        assert!(matches!(files.list().await, Err(SftpError::Io { operation: "list", .. })));
    }

    #[tokio::test]
    async fn refuses_names_outside_the_folder() {
        let outer = tempfile::tempdir().unwrap();
        let inner = outer.path().join("stats");
        std::fs::create_dir_all(inner.join("a")).unwrap();
        std::fs::write(outer.path().join("secret.txt"), b"secret").unwrap();
        std::fs::write(inner.join("a/b.txt"), b"nested").unwrap();
        let files = LocalDirFiles::new(inner);
        for name in ["../secret.txt", "a/b.txt", "", "..", "a\\b", "x\0y"] {
            assert!(matches!(files.read(name).await, Err(SftpError::BadName(_))), "{name:?}");
        }
    }
}
