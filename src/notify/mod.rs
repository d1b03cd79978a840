//! `slomix-notify`, the game-server side: watches the stats folder and announces each new,
//! complete, validly named stats file once to the Discord control channel's webhook, which
//! makes the daemon fetch it at once.
//!
//! `queue` (`NotifyQueue`) is the logic (completeness, refusals, the timestamp-ordered queue, pacing and
//! retries) as a plain value; `run` is the I/O shell (inotify, listings, HTTP, state file);
//! `webhook` the payload and the meaning of each answer; `state` the atomic state file;
//! `settings` the layered settings and the redacting webhook URL. Nothing here uses actix,
//! serenity or sea-orm.
pub mod queue;
pub mod run;
pub mod settings;
pub mod state;
pub mod webhook;

pub use queue::{NotifyQueue, Outcome, Rules, Seen};
pub use run::{NotifyError, run};
pub use settings::{NotifySettings, Overrides, WebhookUrl};
