//! Cached command replies, dropped as soon as a new stats file is stored (the original kept
//! them for 300 s and showed stale numbers after a round). A reply computed while a file was
//! being stored is not kept: each entry carries the generation it was computed in.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use actix::prelude::*;

use super::Reply;
use crate::actors::messages::FileStored;

/// The cache.
#[derive(Debug)]
pub struct CommandCache {
    ttl: Duration,
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    generation: u64,
    entries: HashMap<String, (Instant, Reply)>,
    hits: u64,
    misses: u64,
}

/// Counters, for health and `!automation_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Entries held.
    pub entries: usize,
    /// Answers served from the cache.
    pub hits: u64,
    /// Answers computed.
    pub misses: u64,
    /// Times the cache was dropped.
    pub generation: u64,
}

impl CommandCache {
    /// Entries live at most `ttl`; at most `capacity` are kept.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        CommandCache { ttl, capacity, inner: Mutex::new(Inner::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The generation a reply computed now belongs to (pass it to [`CommandCache::put`]).
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// A live entry.
    pub fn get(&self, key: &str, now: Instant) -> Option<Reply> {
        let mut inner = self.lock();
        let live = inner
            .entries
            .get(key)
            .filter(|(at, _)| now.duration_since(*at) < self.ttl)
            .map(|(_, r)| r.clone());
        match live {
            Some(reply) => {
                inner.hits += 1;
                Some(reply)
            }
            None => {
                inner.misses += 1;
                inner.entries.remove(key);
                None
            }
        }
    }

    /// Keeps `reply` unless the cache was dropped since `generation`.
    pub fn put(&self, key: String, reply: Reply, generation: u64, now: Instant) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= self.capacity {
            let ttl = self.ttl;
            inner.entries.retain(|_, (at, _)| now.duration_since(*at) < ttl);
            if inner.entries.len() >= self.capacity {
                inner.entries.clear();
            }
        }
        inner.entries.insert(key, (now, reply));
    }

    /// A live entry for `key`, or `compute`'s reply, kept unless the cache was dropped while
    /// it was computed. Errors are not kept.
    pub async fn get_or_compute(
        &self,
        key: String,
        compute: impl Future<Output = super::CommandResult>,
    ) -> super::CommandResult {
        if let Some(reply) = self.get(&key, Instant::now()) {
            return Ok(reply);
        }
        let generation = self.generation();
        let reply = compute.await?;
        self.put(key, reply.clone(), generation, Instant::now());
        Ok(reply)
    }

    /// Drops every entry; returns how many there were.
    pub fn clear(&self) -> usize {
        let mut inner = self.lock();
        inner.generation += 1;
        let n = inner.entries.len();
        inner.entries.clear();
        n
    }

    /// Counters.
    pub fn stats(&self) -> CacheStats {
        let inner = self.lock();
        CacheStats {
            entries: inner.entries.len(),
            hits: inner.hits,
            misses: inner.misses,
            generation: inner.generation,
        }
    }
}

/// A small actor that drops the cache whenever DbWriter stores a file.
pub struct CacheKeeper(pub Arc<CommandCache>);

impl Actor for CacheKeeper {
    type Context = Context<Self>;
}

impl Handler<FileStored> for CacheKeeper {
    type Result = ();

    fn handle(&mut self, msg: FileStored, _ctx: &mut Self::Context) {
        let dropped = self.0.clear();
        tracing::debug!(server = %msg.server, dropped, "command cache dropped: a file was stored");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(n: i64) -> Reply {
        Reply {
            posts: Vec::new(),
            attachments: Vec::new(),
            pages: None,
            data: serde_json::json!({ "n": n }),
        }
    }

    #[test]
    fn entries_expire_and_are_dropped_by_new_files() {
        let cache = CommandCache::new(Duration::from_secs(60), 10);
        let t0 = Instant::now();
        assert!(cache.get("a", t0).is_none());
        cache.put("a".into(), reply(1), cache.generation(), t0);
        assert_eq!(cache.get("a", t0 + Duration::from_secs(59)), Some(reply(1)));
        assert!(cache.get("a", t0 + Duration::from_secs(60)).is_none(), "expired");
        cache.put("a".into(), reply(2), cache.generation(), t0);
        assert_eq!(cache.clear(), 1);
        assert!(cache.get("a", t0).is_none(), "dropped");
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.generation), (1, 3, 1));
    }

    #[test]
    fn a_reply_computed_before_a_drop_is_not_kept() {
        let cache = CommandCache::new(Duration::from_secs(60), 10);
        let t0 = Instant::now();
        let generation = cache.generation();
        cache.clear(); // a file was stored while the reply was computed
        cache.put("a".into(), reply(1), generation, t0);
        assert!(cache.get("a", t0).is_none());
    }

    #[test]
    fn capacity_is_bounded() {
        let cache = CommandCache::new(Duration::from_secs(60), 3);
        let t0 = Instant::now();
        for i in 0..10 {
            cache.put(format!("k{i}"), reply(i), cache.generation(), t0);
            assert!(cache.stats().entries <= 3);
        }
    }
}
