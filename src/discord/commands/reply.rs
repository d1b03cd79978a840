//! Sending a reply: the first post with its images and its components (page buttons, a view
//! menu), then the others; deferring a slow slash command.
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

/// A menu switching a reply between `choices`, with `current` marked.
pub(super) fn choice_menu(key: &str, choices: &[&str], current: &str) -> Vec<CreateActionRow> {
    let options = choices
        .iter()
        .map(|c| CreateSelectMenuOption::new(*c, *c).default_selection(*c == current))
        .collect();
    let menu = CreateSelectMenu::new(key, CreateSelectMenuKind::String { options })
        .placeholder("Another view");
    vec![CreateActionRow::SelectMenu(menu)]
}

/// The leading posts of `reply` that fit in one message (at most 10 embeds, 6000 characters
/// over all of them), as embeds.
pub(super) fn embeds(reply: &Reply) -> Vec<serenity::CreateEmbed> {
    let mut total = 0;
    let mut out = Vec::new();
    for post in reply.posts.iter().take(10) {
        total += post.total_chars();
        if total > crate::render::limits::EMBED_TOTAL && !out.is_empty() {
            break;
        }
        out.push(embed(post));
    }
    out
}

/// Sends a reply: the first post (with images and `components`), then the others. Returns
/// the first message, when it can be read back.
pub(super) async fn send(
    ctx: Context<'_>,
    reply: &Reply,
    components: Vec<CreateActionRow>,
) -> Result<Option<serenity::Message>, Error> {
    let mut first = poise::CreateReply::default().allowed_mentions(CreateAllowedMentions::new());
    if let Some(post) = reply.posts.first() {
        first = first.embed(embed(post));
    }
    for image in &reply.attachments {
        first =
            first.attachment(CreateAttachment::bytes(image.png.clone(), image.filename.clone()));
    }
    if !components.is_empty() {
        first = first.components(components);
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
