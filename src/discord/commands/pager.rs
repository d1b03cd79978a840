//! Page buttons (the leaderboard's, the player list's): presses by the one who asked turn the
//! page in place, by running the command's handler again for that page, until three minutes
//! pass without a press; then the buttons go.
use super::{presses::Presses, *};

/// The page buttons of one message.
pub(super) struct Pager {
    pub(super) presses: Presses,
    pub(super) page: u32,
    pub(super) total: u32,
}

/// How long page buttons work without a press.
pub const PAGE_BUTTONS_FOR: Duration = Duration::from_secs(180);

impl Pager {
    pub(super) async fn run(mut self) {
        let refusal = "Only the person who asked can turn these pages.";
        while let Some(press) = self.presses.next(PAGE_BUTTONS_FOR, refusal).await {
            self.page = match press.data.custom_id.rsplit(':').next() {
                Some("first") => 1,
                Some("prev") => self.page.saturating_sub(1).max(1),
                Some("next") => (self.page + 1).min(self.total),
                Some("last") => self.total,
                _ => self.page,
            };
            self.presses.call.page = Some(self.page);
            let Some(reply) = self.presses.rerun(&press).await else { continue };
            if let Some(pages) = reply.pages {
                self.total = pages.total;
                self.page = pages.page;
            }
            let mut update = CreateInteractionResponseMessage::new().components(page_buttons(
                &self.presses.key,
                self.page,
                self.total,
            ));
            if let Some(post) = reply.posts.first() {
                update = update.embed(embed(post));
            }
            self.presses.update(&press, update).await;
        }
        self.presses.finish().await;
    }
}
