//! tracing subscriber set-up.
