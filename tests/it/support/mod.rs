//! Shared test helpers: fixtures, services.
