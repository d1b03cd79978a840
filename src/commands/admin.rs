//! Admin commands: `!automation_status`, `!ssh_check`, `!sync [days]`, `!import <file>`,
//! `!reload`, `!cache_clear`. They act on the running daemon through [`Operations`] and
//! every use is written to `command_audit`.
use super::call::{BoxFuture, Call};
use std::{future::Future, pin::Pin, time::Duration};

use chrono::{NaiveDate, TimeDelta};
use entity::{command_audit as audit, processed_files, set_aside_files};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::{Caller, CommandError, CommandResult, Ctx, Reply};
use crate::{
    actors::health::{ComponentStatus, HealthState},
    render::{Field, Post, safe_name},
    stats::StatsFileName,
};

/// A boxed future (the trait is object-safe).
pub type OpFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What one game server's source answered.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceCheck {
    /// The server.
    pub server: String,
    /// How long the listing took, and how many stats files it holds; or the error.
    pub result: Result<(Duration, usize), String>,
    /// The connection's state (connected / backing off until T / down), after the check.
    pub link: String,
}

/// The running daemon, as admin commands see it.
pub trait Operations: Send + Sync {
    /// Every actor's health.
    fn health(&self) -> OpFuture<'_, Vec<ComponentStatus>>;
    /// Lists every game server's stats folder now.
    fn check_sources(&self) -> OpFuture<'_, Vec<SourceCheck>>;
    /// Looks at every server now for files written since `since` (all when `None`);
    /// returns the servers asked. The sync posts at most
    /// [`SHOWN_PER_SYNC`](crate::store::sync_batches::SHOWN_PER_SYNC) rounds, then one line
    /// counting the rest.
    fn sync(&self, since: Option<NaiveDate>) -> OpFuture<'_, Result<Vec<String>, String>>;
    /// Fetches and imports one file now from the server that has it; returns that server,
    /// or `None` when no server lists it.
    fn import(&self, file: StatsFileName) -> OpFuture<'_, Result<Option<String>, String>>;
    /// Re-reads the settings; returns what changed (keys, no values) or why it failed.
    fn reload(&self) -> OpFuture<'_, Result<Vec<String>, String>>;
    /// Drops cached replies; returns how many.
    fn cache_clear(&self) -> usize;
    /// Whether a voice session is active, and how many are in voice (from the tracker).
    fn voice(&self) -> OpFuture<'_, String>;
}

fn post(title: &str, colour: u32, description: String, fields: Vec<Field>) -> Post {
    Post { title: title.to_owned(), colour, description, fields, footer: "slomix admin".to_owned() }
}

fn require_admin(caller: &Caller) -> Result<(), CommandError> {
    if caller.admin { Ok(()) } else { Err(CommandError::Refused("admins only".into())) }
}

/// Writes one audit row: who used which admin command where, with what, and the outcome.
pub async fn audit(
    ctx: &Ctx,
    caller: &Caller,
    channel_id: u64,
    command: &str,
    arguments: &str,
    outcome: &str,
) -> Result<(), sea_orm::DbErr> {
    audit::ActiveModel {
        // UTC, like every other stored time of ours (`ctx.now` is game-server local).
        at: Set(chrono::Utc::now().naive_utc()),
        user_id: Set(caller.discord_id.map_or(0, |id| i64::try_from(id).unwrap_or(i64::MAX))),
        user_name: Set(caller.name.chars().take(100).collect()),
        channel_id: Set(i64::try_from(channel_id).unwrap_or(i64::MAX)),
        command: Set(command.to_owned()),
        arguments: Set(arguments.chars().take(300).collect()),
        outcome: Set(outcome.chars().take(300).collect()),
        ..Default::default()
    }
    .insert(&ctx.db)
    .await?;
    Ok(())
}

/// How an audited command went, for `command_audit.outcome`: `ok`, `refused: <reason>` (the
/// user's to fix) or `error` (ours; the detail is in the log).
pub fn outcome(result: &CommandResult) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(error) if error.is_users() => {
            format!("refused: {}", super::format::cut(&error.to_string(), 200))
        }
        Err(_) => "error".to_owned(),
    }
}

fn state_line(status: &ComponentStatus) -> String {
    match &status.state {
        HealthState::Healthy => format!("🟢 **{}** — {}", status.component, status.detail),
        HealthState::Degraded { since, last_error } => format!(
            "🟡 **{}** — {} (degraded since {}: {})",
            status.component,
            status.detail,
            since.format("%H:%M:%S"),
            safe_name(last_error, crate::render::Names::Discord, 120)
        ),
        HealthState::Down { since, last_error } => format!(
            "🔴 **{}** — down since {}: {}",
            status.component,
            since.format("%H:%M:%S"),
            safe_name(last_error, crate::render::Names::Discord, 120)
        ),
        HealthState::Stalled { since, waited_ms } => format!(
            "🟠 **{}** — stalled: no answer within {waited_ms} ms at {}",
            status.component,
            since.format("%H:%M:%S")
        ),
    }
}

/// `!automation_status`.
pub async fn automation_status(ctx: &Ctx, ops: &dyn Operations, caller: &Caller) -> CommandResult {
    require_admin(caller)?;
    let health = ops.health().await;
    let last = processed_files::Entity::find()
        .order_by_desc(processed_files::Column::ProcessedAt)
        .order_by_desc(processed_files::Column::Id)
        .one(&ctx.db)
        .await?;
    let voice = ops.voice().await;
    let set_aside_count = set_aside_files::Entity::find().count(&ctx.db).await?;
    let set_aside = set_aside_files::Entity::find()
        .order_by_desc(set_aside_files::Column::SetAsideAt)
        .order_by_desc(set_aside_files::Column::Id)
        .limit(5)
        .all(&ctx.db)
        .await?;
    let set_aside_line = if set_aside.is_empty() {
        "none".to_owned()
    } else {
        let mut text =
            format!("{set_aside_count} file(s), retried by `!import <file>` or a changed file:\n");
        for f in &set_aside {
            text.push_str(&format!(
                "`{}`: {}\n",
                safe_name(&f.filename, ctx.names, 80),
                safe_name(&f.reason, crate::render::Names::Discord, 120)
            ));
        }
        crate::commands::format::cut(&text, 1024)
    };
    let lines: Vec<String> = health.iter().map(state_line).collect();
    let last_line = match &last {
        Some(f) => format!(
            "`{}` at {} ({})",
            safe_name(&f.filename, ctx.names, 80),
            f.processed_at.format("%Y-%m-%d %H:%M:%S"),
            if f.success { "imported" } else { "failed" }
        ),
        None => "none yet".to_owned(),
    };
    let healthy = health.iter().all(|s| s.state == HealthState::Healthy);
    let reply = post(
        "🤖 Automation status",
        if healthy { 0x0057_F287 } else { 0x00FE_E75C },
        crate::commands::format::cut(&lines.join("\n"), 4096),
        vec![
            Field { name: "Last file".to_owned(), value: last_line },
            Field { name: "Voice".to_owned(), value: voice.clone() },
            Field { name: "Set aside".to_owned(), value: set_aside_line },
        ],
    );
    Ok(Reply::single(
        reply,
        json!({
            "actors": health,
            "last_file": last.as_ref().map(|f| f.filename.clone()),
            "set_aside": set_aside.iter().map(|f| json!({ "file": f.filename, "reason": f.reason, "at": f.set_aside_at.to_string() })).collect::<Vec<_>>(),
            "set_aside_count": set_aside_count,
            "voice": voice,
        }),
    ))
}

/// `!ssh_check`.
pub async fn ssh_check(_ctx: &Ctx, ops: &dyn Operations, caller: &Caller) -> CommandResult {
    require_admin(caller)?;
    let checks = ops.check_sources().await;
    let mut lines = Vec::new();
    let mut data = Vec::new();
    for check in &checks {
        match &check.result {
            Ok((latency, files)) => {
                lines.push(format!(
                    "✅ **{}** — {} ms, {files} stats files",
                    check.server,
                    latency.as_millis()
                ));
                data.push(json!({ "server": check.server, "ok": true, "latency_ms": latency.as_millis() as u64, "files": files, "link": check.link }));
            }
            Err(error) => {
                lines.push(format!(
                    "❌ **{}** — {}",
                    check.server,
                    safe_name(error, crate::render::Names::Discord, 200)
                ));
                data.push(json!({ "server": check.server, "ok": false, "error": error, "link": check.link }));
            }
        }
    }
    let ok = checks.iter().all(|c| c.result.is_ok());
    let links: Vec<Field> = checks
        .iter()
        .filter(|c| !c.link.is_empty())
        .take(25)
        .map(|c| Field {
            name: format!(
                "Connection: {}",
                safe_name(&c.server, crate::render::Names::Discord, 200)
            ),
            value: safe_name(&c.link, crate::render::Names::Discord, 1000),
        })
        .collect();
    Ok(Reply::single(
        post(
            "🔌 Game server check",
            if ok { 0x0057_F287 } else { 0x00ED_4245 },
            lines.join("\n"),
            links,
        ),
        json!({ "servers": data }),
    ))
}

/// Reads `!sync`'s period: none → 1 day; `all`; `<n>`, `<n>d`, `<n>w`, `<n>m` (30 days).
pub fn parse_days(arg: Option<&str>) -> Result<Option<u32>, CommandError> {
    let Some(text) = arg.map(|a| a.trim().to_lowercase()).filter(|a| !a.is_empty()) else {
        return Ok(Some(1));
    };
    if matches!(text.as_str(), "all" | "any" | "everything") {
        return Ok(None);
    }
    let bad = || CommandError::Invalid("give days as 3, 3d, 2w, 1m or all".into());
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text.as_str(), "d"),
    };
    let n: u32 = number.parse().map_err(|_| bad())?;
    let factor = match unit {
        "d" | "day" | "days" => 1,
        "w" | "week" | "weeks" => 7,
        "m" | "month" | "months" => 30,
        _ => return Err(bad()),
    };
    Ok(Some(n.saturating_mul(factor).clamp(1, 36_500)))
}

/// `!sync [days]`.
pub async fn sync(
    ctx: &Ctx,
    ops: &dyn Operations,
    caller: &Caller,
    days: Option<u32>,
) -> CommandResult {
    require_admin(caller)?;
    let since = days.map(|d| ctx.now.date() - TimeDelta::days(i64::from(d)));
    let servers = ops.sync(since).await.map_err(CommandError::Internal)?;
    let window = match since {
        Some(day) => format!("files written since {day}"),
        None => "every file".to_owned(),
    };
    Ok(Reply::single(
        post(
            "🔄 Sync started",
            0x0058_65F2,
            format!(
                "Looking for {window} on {}. Missing rounds are imported; the first {} are posted, then one line counts the rest. `!automation_status` shows progress.",
                servers.join(", "),
                crate::store::sync_batches::SHOWN_PER_SYNC
            ),
            Vec::new(),
        ),
        json!({ "servers": servers, "since": since.map(|d| d.to_string()) }),
    ))
}

/// `!import <file>`.
pub async fn import(
    _ctx: &Ctx,
    ops: &dyn Operations,
    caller: &Caller,
    file: &str,
) -> CommandResult {
    require_admin(caller)?;
    let name = StatsFileName::parse(file.trim().trim_matches('`'))
        .map_err(|e| CommandError::Invalid(format!("not a stats file name: {e}")))?;
    match ops.import(name.clone()).await {
        Ok(Some(server)) => Ok(Reply::single(
            post(
                "📥 Import started",
                0x0058_65F2,
                format!(
                    "Fetching `{}` from {server}; its round is posted once stored.",
                    name.as_str()
                ),
                Vec::new(),
            ),
            json!({ "file": name.as_str(), "server": server }),
        )),
        Ok(None) => Err(CommandError::Empty(format!("no game server has `{}`", name.as_str()))),
        Err(error) => Err(CommandError::Internal(error)),
    }
}

/// `!reload`.
pub async fn reload(_ctx: &Ctx, ops: &dyn Operations, caller: &Caller) -> CommandResult {
    require_admin(caller)?;
    match ops.reload().await {
        Ok(changed) => {
            let text = if changed.is_empty() {
                "Settings re-read: nothing changed.".to_owned()
            } else {
                format!("Settings re-read. Changed: {}", changed.join(", "))
            };
            Ok(Reply::single(
                post("♻️ Settings reloaded", 0x0057_F287, text, Vec::new()),
                json!({ "changed": changed }),
            ))
        }
        // A bad settings file is the admin's to fix: say which key (no values, no secrets).
        Err(error) => Err(CommandError::Refused(format!("settings not reloaded: {error}"))),
    }
}

/// `!cache_clear`.
pub async fn cache_clear(_ctx: &Ctx, ops: &dyn Operations, caller: &Caller) -> CommandResult {
    require_admin(caller)?;
    let dropped = ops.cache_clear();
    Ok(Reply::single(
        post(
            "🧹 Cache cleared",
            0x0057_F287,
            format!("{dropped} cached replies dropped."),
            Vec::new(),
        ),
        json!({ "dropped": dropped }),
    ))
}

/// The table's handler: `!automation_status`.
pub fn run_automation_status(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move { automation_status(&call.ctx, call.operations()?, &call.caller).await })
}

/// The table's handler: `!ssh_check`.
pub fn run_ssh_check(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move { ssh_check(&call.ctx, call.operations()?, &call.caller).await })
}

/// The table's handler: `!sync [days]`.
pub fn run_sync(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        // `!sync_today`, `!sync_week`, `!sync_month`, `!sync_all`: the original's shortcuts.
        let shortcut = match call.invoked.as_str() {
            "sync_today" => Some("1"),
            "sync_week" => Some("1w"),
            "sync_month" => Some("1m"),
            "sync_all" => Some("all"),
            _ => None,
        };
        let days = parse_days(call.arg("days").or(shortcut))?;
        sync(&call.ctx, call.operations()?, &call.caller, days).await
    })
}

/// The table's handler: `!import <file>`.
pub fn run_import(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        import(&call.ctx, call.operations()?, &call.caller, call.arg("file").unwrap_or_default())
            .await
    })
}

/// The table's handler: `!reload`.
pub fn run_reload(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move { reload(&call.ctx, call.operations()?, &call.caller).await })
}

/// The table's handler: `!cache_clear`.
pub fn run_cache_clear(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move { cache_clear(&call.ctx, call.operations()?, &call.caller).await })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_periods() {
        assert_eq!(parse_days(None).unwrap(), Some(1));
        assert_eq!(parse_days(Some("all")).unwrap(), None);
        assert_eq!(parse_days(Some("3")).unwrap(), Some(3));
        assert_eq!(parse_days(Some("2w")).unwrap(), Some(14));
        assert_eq!(parse_days(Some("1m")).unwrap(), Some(30));
        assert!(parse_days(Some("x")).is_err());
        assert!(parse_days(Some("3y")).is_err());
    }
}
