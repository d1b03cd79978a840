//! The view menu under a reply whose command has a parameter with choices (`!last_session`,
//! `!session`): a choice by the one who asked re-runs the command's handler with it and
//! switches the same message in place (embeds, images and the menu), until three minutes pass
//! without a choice; then the menu goes.
use super::*;
use crate::commands::call::Call;

/// The menu of one message.
pub(super) struct Switcher {
    pub(super) serenity: serenity::Context,
    pub(super) timezone: chrono_tz::Tz,
    pub(super) owner: serenity::UserId,
    pub(super) key: String,
    /// The use that made the first reply (its choice is set per pick).
    pub(super) call: Call,
    /// Which argument the menu sets.
    pub(super) index: usize,
}

/// How long a view menu works without a choice.
pub const MENU_FOR: Duration = Duration::from_secs(180);

impl Switcher {
    async fn answer_privately(&self, press: &serenity::ComponentInteraction, text: &str) {
        let answer = CreateInteractionResponseMessage::new().content(text).ephemeral(true);
        let _ = press
            .create_response(&self.serenity.http, CreateInteractionResponse::Message(answer))
            .await;
    }

    pub(super) async fn run(
        mut self,
        mut message: serenity::Message,
        mut picks: std::pin::Pin<
            Box<dyn futures_util::Stream<Item = serenity::ComponentInteraction> + Send>,
        >,
    ) {
        use futures_util::StreamExt;
        let choices = self.call.spec.params[self.index].choices;
        while let Ok(Some(pick)) = tokio::time::timeout(MENU_FOR, picks.next()).await {
            if pick.message.id != message.id {
                continue;
            }
            if pick.user.id != self.owner {
                self.answer_privately(&pick, "Only the person who asked can switch this view.")
                    .await;
                continue;
            }
            let chosen = match &pick.data.kind {
                serenity::ComponentInteractionDataKind::StringSelect { values } => {
                    values.first().cloned()
                }
                _ => None,
            };
            let Some(chosen) = chosen.filter(|c| choices.contains(&c.as_str())) else {
                self.answer_privately(&pick, "That is not one of the views.").await;
                continue;
            };
            self.call.ctx.now = chrono::Utc::now().with_timezone(&self.timezone).naive_local();
            self.call.args[self.index] = Some(chosen.clone());
            let reply = match (self.call.spec.run)(&self.call).await {
                Ok(reply) => reply,
                Err(error) => {
                    tracing::error!(command = self.call.spec.name, error = %error, "view failed");
                    self.answer_privately(&pick, &error.user_message(Names::Discord)).await;
                    continue;
                }
            };
            // The images are given again (or none): an update replaces the message's files.
            let mut update = CreateInteractionResponseMessage::new()
                .embeds(embeds(&reply))
                .components(choice_menu(&self.key, choices, &chosen))
                .allowed_mentions(CreateAllowedMentions::new());
            for image in &reply.attachments {
                update = update
                    .add_file(CreateAttachment::bytes(image.png.clone(), image.filename.clone()));
            }
            if let Err(error) = pick
                .create_response(
                    &self.serenity.http,
                    CreateInteractionResponse::UpdateMessage(update),
                )
                .await
            {
                tracing::warn!(error = %crate::discord::sink::describe(&error), "cannot switch the view");
            }
        }
        if let Err(error) =
            message.edit(&self.serenity.http, EditMessage::new().components(Vec::new())).await
        {
            tracing::debug!(error = %crate::discord::sink::describe(&error), "cannot remove the view menu");
        }
    }
}
