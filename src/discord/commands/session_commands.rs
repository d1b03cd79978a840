//! The session commands on Discord: each parses its arguments and calls the command layer.
use super::*;

/// One gaming session: its id, a date (YYYY-MM-DD), today or yesterday (default: latest).
#[poise::command(prefix_command, slash_command)]
pub async fn session(
    ctx: Context<'_>,
    #[description = "Session id, YYYY-MM-DD, today or yesterday"] which: Option<String>,
) -> Result<(), Error> {
    let c = ctx.data().ctx();
    let pick = Pick::parse(which.as_deref(), c.now.date())?;
    let reply = cached(ctx, format!("session:{pick:?}"), |c| async move {
        commands::sessions::session(&c, pick).await
    })
    .await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// Recent gaming sessions, or a month's (10, 2025-10, oct).
#[poise::command(prefix_command, slash_command)]
pub async fn sessions(
    ctx: Context<'_>,
    #[description = "Month: 10, 2025-10 or oct"] month: Option<String>,
) -> Result<(), Error> {
    let key = format!("sessions:{}", month.clone().unwrap_or_default());
    let reply =
        cached(
            ctx,
            key,
            |c| async move { commands::sessions::sessions(&c, month.as_deref()).await },
        )
        .await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// The latest gaming session with its graphs.
#[poise::command(prefix_command, slash_command)]
pub async fn last_session(ctx: Context<'_>) -> Result<(), Error> {
    defer(ctx).await;
    let reply = cached(ctx, "last_session".to_owned(), |c| async move {
        commands::sessions::last_session(&c).await
    })
    .await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// The two line-ups of a session and the maps each won.
#[poise::command(prefix_command, slash_command)]
pub async fn teams(
    ctx: Context<'_>,
    #[description = "Session id, YYYY-MM-DD, today or yesterday"] which: Option<String>,
) -> Result<(), Error> {
    let c = ctx.data().ctx();
    let pick = Pick::parse(which.as_deref(), c.now.date())?;
    let reply = cached(ctx, format!("teams:{pick:?}"), |c| async move {
        commands::teams::teams(&c, pick).await
    })
    .await?;
    send(ctx, &reply, None).await.map(|_| ())
}
