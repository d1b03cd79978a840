//! What page buttons and view menus share: the presses on one message's components, taken
//! only from the one who asked (others get a private line), until some minutes pass without
//! one; re-running the command with the press's change; updating the message in place; and
//! removing the components at the end.
use std::pin::Pin;

use futures_util::{Stream, StreamExt};

use super::*;
use crate::commands::call::Call;

/// A stream of component presses.
pub(super) type PressStream = Pin<Box<dyn Stream<Item = serenity::ComponentInteraction> + Send>>;

/// The presses on one message, and the use of the command that made it.
pub(super) struct Presses {
    pub(super) serenity: serenity::Context,
    pub(super) timezone: chrono_tz::Tz,
    pub(super) owner: serenity::UserId,
    /// The components' custom-id prefix.
    pub(super) key: String,
    /// The use that made the message (changed per press).
    pub(super) call: Call,
    pub(super) message: serenity::Message,
    pub(super) stream: PressStream,
}

impl Presses {
    /// The next press by the one who asked, or None once `idle` passes without one; others'
    /// presses get `refusal`, privately.
    pub(super) async fn next(
        &mut self,
        idle: Duration,
        refusal: &str,
    ) -> Option<serenity::ComponentInteraction> {
        while let Ok(Some(press)) = tokio::time::timeout(idle, self.stream.next()).await {
            if press.message.id != self.message.id {
                continue;
            }
            if press.user.id != self.owner {
                self.answer_privately(&press, refusal).await;
                continue;
            }
            return Some(press);
        }
        None
    }

    /// A reply only the presser sees. (`&mut`: the stream is `Send` but not `Sync`.)
    pub(super) async fn answer_privately(
        &mut self,
        press: &serenity::ComponentInteraction,
        text: &str,
    ) {
        let answer = CreateInteractionResponseMessage::new().content(text).ephemeral(true);
        let _ = press
            .create_response(&self.serenity.http, CreateInteractionResponse::Message(answer))
            .await;
    }

    /// The command run again now (after the caller changed `call`); an error is answered
    /// privately and gives None.
    pub(super) async fn rerun(&mut self, press: &serenity::ComponentInteraction) -> Option<Reply> {
        self.call.ctx.now = chrono::Utc::now().with_timezone(&self.timezone).naive_local();
        match (self.call.spec.run)(&self.call).await {
            Ok(reply) => Some(reply),
            Err(error) => {
                tracing::error!(command = self.call.spec.name, error = %error, "component press failed");
                self.answer_privately(press, &error.user_message(Names::Discord)).await;
                None
            }
        }
    }

    /// Edits the message the press is on.
    pub(super) async fn update(
        &mut self,
        press: &serenity::ComponentInteraction,
        update: CreateInteractionResponseMessage,
    ) {
        let update = update.allowed_mentions(CreateAllowedMentions::new());
        if let Err(error) = press
            .create_response(&self.serenity.http, CreateInteractionResponse::UpdateMessage(update))
            .await
        {
            tracing::warn!(error = %crate::discord::sink::describe(&error), "cannot update the message");
        }
    }

    /// Removes the message's components.
    pub(super) async fn finish(mut self) {
        let edit = EditMessage::new().components(Vec::new());
        if let Err(error) = self.message.edit(&self.serenity.http, edit).await {
            tracing::debug!(error = %crate::discord::sink::describe(&error), "cannot remove the components");
        }
    }
}
