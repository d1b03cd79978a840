//! The admin commands on Discord: admin channel and rights checked, every use audited.
use super::*;

/// Runs an admin command: only in admin channels (silent elsewhere), only for admins, and
/// every use written to the audit log.
pub(super) async fn admin_command<F, Fut>(
    ctx: Context<'_>,
    name: &str,
    arguments: &str,
    run: F,
) -> Result<(), Error>
where
    F: FnOnce(Ctx, Caller, Arc<dyn Operations>) -> Fut,
    Fut: Future<Output = CommandResult>,
{
    let rules = ctx.data().rules();
    let channel = ctx.channel_id().get();
    if !rules.admin_channel(channel) {
        tracing::debug!(command = name, channel, "ignored: not an admin channel");
        return Ok(());
    }
    let caller = caller(ctx).await;
    let c = ctx.data().ctx();
    if !caller.admin {
        tracing::warn!(command = name, user = %ctx.author().id, channel, "admin command refused");
        if let Err(error) = admin::audit(&c, &caller, channel, name, arguments, "refused").await {
            tracing::error!(error = %error, "cannot write the audit log");
        }
        return Err(CommandError::Refused("admins only".into()));
    }
    let result = run(c.clone(), caller.clone(), ctx.data().ops.clone()).await;
    let outcome = admin::outcome(&result);
    if let Err(error) = admin::audit(&c, &caller, channel, name, arguments, &outcome).await {
        tracing::error!(error = %error, "cannot write the audit log");
    }
    tracing::info!(command = name, user = %ctx.author().id, outcome = %outcome, "admin command");
    send(ctx, &result?, None).await.map(|_| ())
}

/// Each actor's health, the last file, the next poll and the voice session.
#[poise::command(prefix_command, slash_command)]
pub async fn automation_status(ctx: Context<'_>) -> Result<(), Error> {
    admin_command(ctx, "automation_status", "", |c, caller, ops| async move {
        admin::automation_status(&c, ops.as_ref(), &caller).await
    })
    .await
}

/// Reaches every game server: latency and stats files there.
#[poise::command(prefix_command, slash_command)]
pub async fn ssh_check(ctx: Context<'_>) -> Result<(), Error> {
    defer(ctx).await;
    admin_command(ctx, "ssh_check", "", |c, caller, ops| async move {
        admin::ssh_check(&c, ops.as_ref(), &caller).await
    })
    .await
}

/// Fetches and imports what is missing (default: files of the last day).
#[poise::command(prefix_command, slash_command)]
pub async fn sync(
    ctx: Context<'_>,
    #[description = "Days back: 3, 2w, 1m or all"] days: Option<String>,
) -> Result<(), Error> {
    let arguments = days.clone().unwrap_or_default();
    admin_command(ctx, "sync", &arguments, |c, caller, ops| async move {
        let days = admin::parse_days(days.as_deref())?;
        admin::sync(&c, ops.as_ref(), &caller, days).await
    })
    .await
}

/// Fetches and imports one stats file now.
#[poise::command(prefix_command, slash_command)]
pub async fn import(
    ctx: Context<'_>,
    #[description = "Stats file name"] file: String,
) -> Result<(), Error> {
    let arguments = commands::format::cut(&file, 255);
    admin_command(ctx, "import", &arguments, |c, caller, ops| async move {
        admin::import(&c, ops.as_ref(), &caller, &file).await
    })
    .await
}

/// Re-reads the settings files.
#[poise::command(prefix_command, slash_command)]
pub async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    admin_command(ctx, "reload", "", |c, caller, ops| async move {
        admin::reload(&c, ops.as_ref(), &caller).await
    })
    .await
}

/// Drops cached command results.
#[poise::command(prefix_command, slash_command)]
pub async fn cache_clear(ctx: Context<'_>) -> Result<(), Error> {
    admin_command(ctx, "cache_clear", "", |c, caller, ops| async move {
        admin::cache_clear(&c, ops.as_ref(), &caller).await
    })
    .await
}
