//! Per-actor health: each actor keeps a [`Health`], logs its state changes, and answers
//! [`GetHealth`] with a [`ComponentStatus`].
use actix::prelude::*;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// An actor's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HealthState {
    /// Working.
    Healthy,
    /// Working around a problem (retrying, queueing).
    Degraded {
        /// Since when.
        since: DateTime<Utc>,
        /// The last error, as text without secrets.
        last_error: String,
    },
    /// Not working.
    Down {
        /// Since when.
        since: DateTime<Utc>,
        /// The last error.
        last_error: String,
    },
    /// Did not answer the health request in time (its mailbox is blocked or flooded).
    Stalled {
        /// When it was asked.
        since: DateTime<Utc>,
        /// How long it was given.
        waited_ms: u64,
    },
}

/// What `GetHealth` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentStatus {
    /// The actor's name.
    pub component: String,
    /// Its state.
    #[serde(flatten)]
    pub state: HealthState,
    /// A short description of what it is doing (queue length, next poll, ...).
    pub detail: String,
}

/// Command: report your health.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "ComponentStatus")]
pub struct GetHealth;

/// An actor's health record; logs every change of state.
#[derive(Debug, Clone)]
pub struct Health {
    component: String,
    state: HealthState,
}

impl Health {
    /// Healthy from the start.
    pub fn new(component: impl Into<String>) -> Self {
        Health { component: component.into(), state: HealthState::Healthy }
    }

    /// Marks healthy (logs when it was not).
    pub fn healthy(&mut self) {
        if self.state != HealthState::Healthy {
            tracing::info!(actor = %self.component, state = "healthy", "actor state changed");
            self.state = HealthState::Healthy;
        }
    }

    /// Marks degraded with `error` (logs when the state or error changes).
    pub fn degraded(&mut self, now: DateTime<Utc>, error: &str) {
        let since = match &self.state {
            HealthState::Degraded { since, last_error } => {
                if last_error == error {
                    return;
                }
                *since
            }
            _ => now,
        };
        tracing::warn!(actor = %self.component, state = "degraded", error, "actor state changed");
        self.state = HealthState::Degraded { since, last_error: error.to_owned() };
    }

    /// Marks down with `error`.
    pub fn down(&mut self, now: DateTime<Utc>, error: &str) {
        if !matches!(self.state, HealthState::Down { .. }) {
            tracing::error!(actor = %self.component, state = "down", error, "actor state changed");
            self.state = HealthState::Down { since: now, last_error: error.to_owned() };
        }
    }

    /// The state.
    pub fn state(&self) -> &HealthState {
        &self.state
    }

    /// The status to answer `GetHealth` with.
    pub fn status(&self, detail: impl Into<String>) -> ComponentStatus {
        ComponentStatus {
            component: self.component.clone(),
            state: self.state.clone(),
            detail: detail.into(),
        }
    }
}

/// One health line per component, for the log and `slomix status`.
pub fn render(status: &ComponentStatus) -> String {
    match &status.state {
        HealthState::Healthy => format!("{:<22} healthy   {}", status.component, status.detail),
        HealthState::Degraded { since, last_error } => format!(
            "{:<22} degraded  since {} last error: {} ({})",
            status.component, since, last_error, status.detail
        ),
        HealthState::Down { since, last_error } => format!(
            "{:<22} down      since {} last error: {} ({})",
            status.component, since, last_error, status.detail
        ),
        HealthState::Stalled { since, waited_ms } => format!(
            "{:<22} stalled   at {} no answer within {} ms ({})",
            status.component, since, waited_ms, status.detail
        ),
    }
}
