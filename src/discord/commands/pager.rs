//! Page buttons (the leaderboard's): presses by the one who asked turn the page in place, by
//! running the command's handler again for that page, until the buttons time out.
use super::*;
use crate::commands::call::Call;

/// The page buttons of one message: only the person who asked turns pages, for three
/// minutes; then the buttons go.
pub(super) struct Pager {
    pub(super) serenity: serenity::Context,
    pub(super) timezone: chrono_tz::Tz,
    pub(super) owner: serenity::UserId,
    pub(super) key: String,
    /// The use that made the first page (its page is set per press).
    pub(super) call: Call,
    pub(super) page: u32,
    pub(super) total: u32,
}

/// How long page buttons work.
pub const PAGE_BUTTONS_FOR: Duration = Duration::from_secs(180);

impl Pager {
    /// A reply only the presser sees.
    async fn answer_privately(&self, press: &serenity::ComponentInteraction, text: &str) {
        let answer = CreateInteractionResponseMessage::new().content(text).ephemeral(true);
        let _ = press
            .create_response(&self.serenity.http, CreateInteractionResponse::Message(answer))
            .await;
    }

    pub(super) async fn run(
        mut self,
        mut message: serenity::Message,
        mut presses: std::pin::Pin<
            Box<dyn futures_util::Stream<Item = serenity::ComponentInteraction> + Send>,
        >,
    ) {
        use futures_util::StreamExt;
        // The buttons work until three minutes pass without a press.
        while let Ok(Some(press)) = tokio::time::timeout(PAGE_BUTTONS_FOR, presses.next()).await {
            if press.message.id != message.id {
                continue;
            }
            if press.user.id != self.owner {
                self.answer_privately(&press, "Only the person who asked can turn these pages.")
                    .await;
                continue;
            }
            self.page = match press.data.custom_id.rsplit(':').next() {
                Some("first") => 1,
                Some("prev") => self.page.saturating_sub(1).max(1),
                Some("next") => (self.page + 1).min(self.total),
                Some("last") => self.total,
                _ => self.page,
            };
            self.call.ctx.now = chrono::Utc::now().with_timezone(&self.timezone).naive_local();
            self.call.page = Some(self.page);
            let reply = match (self.call.spec.run)(&self.call).await {
                Ok(reply) => reply,
                Err(error) => {
                    tracing::error!(command = self.call.spec.name, error = %error, "page failed");
                    self.answer_privately(&press, &error.user_message(Names::Discord)).await;
                    continue;
                }
            };
            if let Some(pages) = reply.pages {
                self.total = pages.total;
                self.page = pages.page;
            }
            let mut update = CreateInteractionResponseMessage::new()
                .components(page_buttons(&self.key, self.page, self.total))
                .allowed_mentions(CreateAllowedMentions::new());
            if let Some(post) = reply.posts.first() {
                update = update.embed(embed(post));
            }
            if let Err(error) = press
                .create_response(
                    &self.serenity.http,
                    CreateInteractionResponse::UpdateMessage(update),
                )
                .await
            {
                tracing::warn!(error = %crate::discord::sink::describe(&error), "cannot turn the page");
            }
        }
        if let Err(error) =
            message.edit(&self.serenity.http, EditMessage::new().components(Vec::new())).await
        {
            tracing::debug!(error = %crate::discord::sink::describe(&error), "cannot remove page buttons");
        }
    }
}
