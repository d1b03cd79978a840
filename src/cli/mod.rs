//! Terminal commands of the `slomix` binary, one module each.
pub mod commands;
pub mod daemon;
pub mod import;
pub mod migrate;
pub mod parse;
