//! The view menu under a reply whose command has a parameter with choices (`!last_session`,
//! `!session`): a choice by the one who asked re-runs the command's handler with it and
//! switches the same message in place (embeds, images and the menu), until three minutes pass
//! without a choice; then the menu goes.
use super::{presses::Presses, *};

/// The menu of one message.
pub(super) struct Switcher {
    pub(super) presses: Presses,
    /// Which argument the menu sets.
    pub(super) index: usize,
}

/// How long a view menu works without a choice.
pub const MENU_FOR: Duration = Duration::from_secs(180);

impl Switcher {
    pub(super) async fn run(mut self) {
        let choices = self.presses.call.spec.params[self.index].choices;
        let refusal = "Only the person who asked can switch this view.";
        while let Some(pick) = self.presses.next(MENU_FOR, refusal).await {
            let chosen = match &pick.data.kind {
                serenity::ComponentInteractionDataKind::StringSelect { values } => {
                    values.first().cloned()
                }
                _ => None,
            };
            let Some(chosen) = chosen.filter(|c| choices.contains(&c.as_str())) else {
                self.presses.answer_privately(&pick, "That is not one of the views.").await;
                continue;
            };
            self.presses.call.args[self.index] = Some(chosen.clone());
            let Some(reply) = self.presses.rerun(&pick).await else { continue };
            // The images are given again (or none): an update replaces the message's files.
            let mut update = CreateInteractionResponseMessage::new()
                .embeds(embeds(&reply))
                .components(choice_menu(&self.presses.key, choices, &chosen));
            for image in &reply.attachments {
                update = update
                    .add_file(CreateAttachment::bytes(image.png.clone(), image.filename.clone()));
            }
            self.presses.update(&pick, update).await;
        }
        self.presses.finish().await;
    }
}
