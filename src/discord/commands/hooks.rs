//! The framework's hooks: how long a command took (a warning when slow) and the one error
//! reply (the user's errors as they are, ours generic; details only in the log).
use super::*;

/// Logs how a command went and how long it took; warns when it was slow.
pub(super) fn finished(ctx: Context<'_>, outcome: &str) {
    let took = {
        let mut started = ctx.data().started.lock().unwrap_or_else(PoisonError::into_inner);
        started.remove(&ctx.id()).map(|at| at.elapsed())
    };
    let Some(took) = took else { return };
    let ms = took.as_millis() as u64;
    crate::metrics::get().command(&ctx.command().qualified_name, took.as_secs_f64());
    if took > ctx.data().slow {
        tracing::warn!(command = %ctx.command().qualified_name, user = %ctx.author().id, channel = %ctx.channel_id(), took_ms = ms, outcome, "slow command");
    } else {
        tracing::info!(command = %ctx.command().qualified_name, user = %ctx.author().id, channel = %ctx.channel_id(), took_ms = ms, outcome, "command");
    }
}

pub(super) async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            if error.is_users() {
                finished(ctx, "refused");
            } else {
                finished(ctx, "error");
                // The detail stays in the log; the user sees a generic line.
                tracing::error!(command = %ctx.command().qualified_name, error = %error, "command failed");
            }
            say(ctx, error.user_message(Names::Discord)).await;
        }
        poise::FrameworkError::CommandPanic { payload, ctx, .. } => {
            // A panic is a bug of ours (poise's `handle_panics` caught it): the user gets the
            // generic line, the log the command and the panic message.
            finished(ctx, "panic");
            tracing::error!(
                command = %ctx.command().qualified_name,
                panic = payload.as_deref().unwrap_or("(no message)"),
                "command panicked"
            );
            say(ctx, commands::GENERIC_ERROR.to_owned()).await;
        }
        poise::FrameworkError::CooldownHit { remaining_cooldown, ctx, .. } => {
            say(
                ctx,
                format!("⏱️ Slow down! Try again in {}s.", remaining_cooldown.as_secs().max(1)),
            )
            .await;
        }
        poise::FrameworkError::ArgumentParse { ctx, input, .. } => {
            let usage = ctx.command().name.clone();
            tracing::debug!(command = %usage, input = ?input, "bad argument");
            say(
                ctx,
                format!(
                    "❌ I could not read that. Usage: `!help` lists `!{usage}` and its arguments."
                ),
            )
            .await;
        }
        poise::FrameworkError::CommandCheckFailed { ctx, .. } => {
            tracing::debug!(command = %ctx.command().qualified_name, channel = %ctx.channel_id(), "ignored: not a command channel");
        }
        poise::FrameworkError::UnknownCommand { .. } => {}
        other => tracing::warn!(error = %other, "command framework error"),
    }
}

/// A short reply (ephemeral for slash commands) with no mentions.
pub(super) async fn say(ctx: Context<'_>, text: String) {
    let reply = poise::CreateReply::default()
        .content(commands::format::cut(&text, 2000))
        .ephemeral(true)
        .allowed_mentions(CreateAllowedMentions::new());
    if let Err(error) = ctx.send(reply).await {
        tracing::warn!(error = %crate::discord::sink::describe(&error), "cannot answer a command");
    }
}
