//! Typed settings: settings/*.toml layered under environment variables.
