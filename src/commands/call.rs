//! One use of a command, whichever front end it came from: the context, who asked, the
//! arguments by the table's parameter names, and what only the front end has (the reply
//! cache, the running daemon, Discord user names, the channel for the audit log). A command's
//! handler (`registry::Handler`) sees only this, so one handler serves Discord's prefix and
//! slash forms and the terminal.
use std::{future::Future, pin::Pin, sync::Arc};

use super::{
    Caller, CommandError, CommandResult, Ctx,
    admin::{self, Operations},
    cache::CommandCache,
    registry::{Kind, Spec},
};

/// A boxed future of a handler.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a front end offers a command beyond the database.
pub trait Front: Send + Sync {
    /// The reply cache (Discord has one; the terminal answers fresh).
    fn cache(&self) -> Option<&CommandCache> {
        None
    }

    /// The running daemon (admin commands).
    fn operations(&self) -> Option<&dyn Operations> {
        None
    }

    /// The channel the command came from (0: none), for the audit log.
    fn channel(&self) -> u64 {
        0
    }

    /// The Discord users (not bots) in the gaming voice channels now, by id (the terminal has
    /// none).
    fn voice_members(&self) -> Vec<u64> {
        Vec::new()
    }

    /// A Discord user's name, when it can be looked up.
    fn user_name(&self, _id: u64) -> BoxFuture<'_, Option<String>> {
        Box::pin(async { None })
    }
}

/// The terminal: no cache, no daemon, no Discord.
#[derive(Debug, Clone, Copy, Default)]
pub struct Terminal;

impl Front for Terminal {}

/// One use of a command.
pub struct Call {
    /// The command.
    pub spec: &'static Spec,
    /// The name it was called by (an alias, or `spec.name`).
    pub invoked: String,
    /// The database, the name style and now.
    pub ctx: Ctx,
    /// Who asked.
    pub caller: Caller,
    /// The arguments, one per parameter of `spec` (None: not given).
    pub args: Vec<Option<String>>,
    /// A page asked for by a page button; it overrides the page argument.
    pub page: Option<u32>,
    /// The front end.
    pub front: Arc<dyn Front>,
}

impl Call {
    /// The argument of the parameter called `name` (None: not given, or empty).
    pub fn arg(&self, name: &str) -> Option<&str> {
        let index = self.spec.params.iter().position(|p| p.name == name)?;
        self.args.get(index)?.as_deref().map(str::trim).filter(|a| !a.is_empty())
    }

    /// A number argument (a [`Kind::Number`] parameter), checked.
    pub fn number(&self, name: &str) -> Result<Option<u32>, CommandError> {
        let Some(text) = self.arg(name) else { return Ok(None) };
        debug_assert!(self.spec.params.iter().any(|p| p.name == name && p.kind == Kind::Number));
        text.parse::<u32>().map(Some).map_err(|_| {
            CommandError::Invalid(format!(
                "`{name}` is a number (got {:?})",
                super::format::cut(text, 40)
            ))
        })
    }

    /// Every argument given, in order, as the audit log keeps them (at most 255 characters).
    pub fn arguments(&self) -> String {
        let given: Vec<&str> = self.args.iter().flatten().map(String::as_str).collect();
        super::format::cut(&given.join(" "), 255)
    }

    /// A reply from the front end's cache under `key`, or computed (and kept there).
    pub async fn cached(
        &self,
        key: String,
        compute: impl Future<Output = CommandResult> + Send,
    ) -> CommandResult {
        match self.front.cache() {
            Some(cache) => cache.get_or_compute(key, compute).await,
            None => compute.await,
        }
    }

    /// Drops cached replies (after a command changed what they show).
    pub fn changed(&self) {
        if let Some(cache) = self.front.cache() {
            cache.clear();
        }
    }

    /// The running daemon, for admin commands.
    pub fn operations(&self) -> Result<&dyn Operations, CommandError> {
        self.front
            .operations()
            .ok_or_else(|| CommandError::Refused("this needs the running daemon".into()))
    }

    /// Writes `command`'s use with `arguments` and its `result` to the audit log (a failure to
    /// write is logged, not answered).
    pub async fn audit(&self, command: &str, arguments: &str, result: &CommandResult) {
        self.audit_outcome(command, arguments, &admin::outcome(result)).await;
    }

    /// As [`Call::audit`], with the outcome as text (`refused`, ...).
    pub async fn audit_outcome(&self, command: &str, arguments: &str, outcome: &str) {
        let channel = self.front.channel();
        if let Err(error) =
            admin::audit(&self.ctx, &self.caller, channel, command, arguments, outcome).await
        {
            tracing::error!(error = %error, "cannot write the audit log");
        }
    }
}
