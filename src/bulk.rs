//! The history import pipeline behind `slomix import` and `slomix adopt`: files are read,
//! parsed and hashed on every core but one, a batch ahead of the writer, which stores each batch in
//! one transaction ([`Store::import_batch`]). Two batches at most are in memory, so a history
//! of any length imports in bounded memory; stopping between batches leaves the database
//! consistent.
use std::{
    path::PathBuf,
    sync::atomic::{AtomicBool, Ordering},
};

use crate::store::{BatchFile, ImportOutcome, Store, StoreError};

/// Files per transaction: large enough that commits, look-ups and the deferred writes are a
/// small share of the time, small enough that Ctrl-C is answered within a few seconds and
/// two batches in memory stay small.
pub const BATCH_FILES: usize = 500;

/// What importing one file gave: its outcome, or why it was refused (unreadable, or
/// rejected by the parser or the pairing).
pub type FileResult = Result<ImportOutcome, String>;

/// How a bulk import ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every file was attempted.
    Done,
    /// `stop` was raised; the files after the last committed batch were not attempted.
    Stopped,
}

/// Imports `paths` in order, `batch` files per transaction, calling `each` for every file
/// attempted (in order). Reading and parsing the next batch overlaps storing this one.
pub async fn import_paths(
    store: &Store,
    paths: Vec<PathBuf>,
    batch: usize,
    stop: &AtomicBool,
    mut each: impl FnMut(&PathBuf, &FileResult),
) -> Result<Ended, StoreError> {
    let mut chunks: Vec<Vec<PathBuf>> =
        paths.chunks(batch.max(1)).map(<[PathBuf]>::to_vec).collect();
    chunks.reverse();
    let mut next = chunks.pop().map(|chunk| tokio::task::spawn_blocking(move || load(chunk)));
    while let Some(loading) = next.take() {
        let loaded = loading.await.map_err(|e| {
            StoreError::Db(sea_orm::DbErr::Custom(format!("reading stats files failed: {e}")))
        })?;
        if stop.load(Ordering::SeqCst) {
            return Ok(Ended::Stopped);
        }
        next = chunks.pop().map(|chunk| tokio::task::spawn_blocking(move || load(chunk)));
        let mut files = Vec::with_capacity(loaded.len());
        let mut order = Vec::with_capacity(loaded.len());
        for (path, file) in loaded {
            match file {
                Ok(file) => {
                    order.push((path, None));
                    files.push(file);
                }
                Err(reason) => order.push((path, Some(reason))),
            }
        }
        let now = chrono::Local::now().naive_local();
        let mut outcomes = store.import_batch(files, now).await?.into_iter();
        for (path, unreadable) in order {
            let result = match unreadable {
                Some(reason) => Err(reason),
                None => match outcomes.next() {
                    Some(Ok(outcome)) => Ok(outcome),
                    Some(Err(error)) => Err(error.to_string()),
                    None => Err("not attempted".to_owned()),
                },
            };
            each(&path, &result);
        }
    }
    Ok(Ended::Done)
}

/// Reads, parses and hashes `paths` on every core but one (the writer and the database
/// need one); in order.
fn load(paths: Vec<PathBuf>) -> Vec<(PathBuf, Result<BatchFile, String>)> {
    let threads =
        std::thread::available_parallelism().map_or(1, usize::from).saturating_sub(1).max(1);
    let per = paths.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = paths
            .chunks(per)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|path| {
                            let name = path
                                .file_name()
                                .and_then(|n| n.to_str())
                                .unwrap_or_default()
                                .to_owned();
                            let file = std::fs::read(path)
                                .map(|bytes| BatchFile::new(name, bytes))
                                .map_err(|e| e.to_string());
                            (path.clone(), file)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            // A worker that panicked loses no file silently: the panic goes on to the caller.
            .flat_map(|worker| worker.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}
