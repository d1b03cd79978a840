//! Deduplication layers (filled in below).
