//! The one integration-test binary: every test that needs the built library or the services.
mod cli;
mod golden;
mod parser;
mod store;
mod support;
