//! Sending a reply: the first post with its images and page buttons, then the others;
//! deferring a slow slash command.
use super::*;

pub(super) fn page_buttons(key: &str, page: u32, total: u32) -> Vec<CreateActionRow> {
    let button = |action: &str, label: &str, disabled: bool| {
        CreateButton::new(format!("{key}:{action}")).label(label).disabled(disabled)
    };
    vec![CreateActionRow::Buttons(vec![
        button("first", "⏮️", page <= 1),
        button("prev", "◀️ Prev", page <= 1),
        button("next", "Next ▶️", page >= total),
        button("last", "⏭️", page >= total),
    ])]
}

/// Sends a reply: the first post (with images and page buttons under `buttons`), then the
/// others. Returns the first message, when it can be read back.
pub(super) async fn send(
    ctx: Context<'_>,
    reply: &Reply,
    buttons: Option<&str>,
) -> Result<Option<serenity::Message>, Error> {
    let mut first = poise::CreateReply::default().allowed_mentions(CreateAllowedMentions::new());
    if let Some(post) = reply.posts.first() {
        first = first.embed(embed(post));
    }
    for image in &reply.attachments {
        first =
            first.attachment(CreateAttachment::bytes(image.png.clone(), image.filename.clone()));
    }
    if let (Some(key), Some(pages)) = (buttons, reply.pages)
        && pages.total > 1
    {
        first = first.components(page_buttons(key, pages.page, pages.total));
    }
    let handle = ctx
        .send(first)
        .await
        .map_err(|e| CommandError::Internal(crate::discord::sink::describe(&e)))?;
    for post in reply.posts.iter().skip(1) {
        let more = poise::CreateReply::default()
            .embed(embed(post))
            .allowed_mentions(CreateAllowedMentions::new());
        ctx.send(more)
            .await
            .map_err(|e| CommandError::Internal(crate::discord::sink::describe(&e)))?;
    }
    Ok(handle.into_message().await.ok())
}

/// Slash commands may take a moment (graphs): tell Discord to wait.
pub(super) async fn defer(ctx: Context<'_>) {
    if let poise::Context::Application(_) = ctx
        && let Err(error) = ctx.defer().await
    {
        tracing::warn!(error = %crate::discord::sink::describe(&error), "cannot defer a slash command");
    }
}
