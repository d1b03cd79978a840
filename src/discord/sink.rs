//! RoundPublisher's Discord sink: round embeds in the production channel, session notices in
//! the general channel, and deletion of the webhook triggers once their round is posted.
//!
//! Posting retries 429 and 5xx itself under `retry::DISCORD_SEND` (serenity's rate limiter is
//! off when the API URL is overridden, and it never exposes `retry_after`), with a nonce
//! Discord enforces (derived from the round and part), so a retry after a lost reply does not
//! post twice. A post resumed after a crash first looks for itself among the channel's recent
//! messages (`find_posted`), which covers the time after Discord forgets the nonce. Mentions
//! are disabled on every message.
use std::{collections::HashMap, sync::Arc};

use serenity::{
    all::{ChannelId, Message, MessageId, UserId},
    builder::{CreateAllowedMentions, CreateEmbed, CreateEmbedFooter, CreateMessage, GetMessages},
    http::{Http, HttpError},
    model::channel::Nonce,
};

use crate::{
    actors::round_publisher::{Announcer, PublishError, SinkFuture},
    render::{Names, Post},
    retry,
};

/// Trigger messages waiting for their round to be posted: file name → (channel, message).
#[derive(Debug, Default)]
pub struct PendingTriggers {
    by_file: std::sync::Mutex<HashMap<String, Vec<(u64, u64)>>>,
}

impl PendingTriggers {
    /// Remembers a trigger for `file`.
    pub fn add(&self, file: &str, channel: u64, message: u64) {
        let mut map = self.by_file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let triggers = map.entry(file.to_owned()).or_default();
        if !triggers.contains(&(channel, message)) {
            triggers.push((channel, message));
        }
    }

    /// Takes every trigger for `file`.
    pub fn take(&self, file: &str) -> Vec<(u64, u64)> {
        let mut map = self.by_file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(file).unwrap_or_default()
    }

    /// The files with triggers waiting.
    pub fn files(&self) -> Vec<String> {
        let map = self.by_file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.keys().cloned().collect()
    }

    /// Deletes every trigger for `file` (its round is posted, or was already).
    pub async fn delete(&self, http: &Http, file: &str) {
        for (channel, message) in self.take(file) {
            // The trigger's time is in its snowflake id: trigger to post, for `/metrics`.
            let sent = MessageId::new(message.max(1)).created_at().timestamp_millis();
            let waited = chrono::Utc::now().timestamp_millis() - sent;
            if (0..86_400_000).contains(&waited) {
                crate::metrics::get().trigger_to_post.observe(waited as f64 / 1000.0);
            }
            match http.delete_message(ChannelId::new(channel), MessageId::new(message), None).await
            {
                Ok(()) => tracing::info!(file, message, "trigger deleted"),
                Err(error) => {
                    tracing::warn!(file, message, error = %describe(&error), "cannot delete trigger")
                }
            }
        }
    }
}

/// The Discord sink.
pub struct DiscordAnnouncer {
    http: Arc<Http>,
    production: ChannelId,
    general: ChannelId,
    bot: UserId,
    triggers: Arc<PendingTriggers>,
    retry: retry::Policy,
}

impl DiscordAnnouncer {
    /// Round posts go to `production`, session notices to `general`; `bot` is the bot's own
    /// user (its recent messages are searched when resuming a post).
    pub fn new(
        http: Arc<Http>,
        production: ChannelId,
        general: ChannelId,
        bot: UserId,
        triggers: Arc<PendingTriggers>,
    ) -> Self {
        DiscordAnnouncer { http, production, general, bot, triggers, retry: retry::DISCORD_SEND }
    }

    /// Same, with another retry policy (tests).
    pub fn with_retry(mut self, retry: retry::Policy) -> Self {
        self.retry = retry;
        self
    }

    async fn send(
        &self,
        channel: ChannelId,
        post: &Post,
        nonce: &str,
    ) -> Result<MessageId, PublishError> {
        let mut backoff = self.retry.backoff(u64::from(channel.get() as u32) | 1);
        let mut attempt = 1;
        loop {
            let message = CreateMessage::new()
                .embed(embed(post))
                .allowed_mentions(CreateAllowedMentions::new())
                .nonce(Nonce::String(nonce.to_owned()))
                .enforce_nonce(true);
            match channel.send_message(self.http.as_ref(), message).await {
                Ok(sent) => return Ok(sent.id),
                Err(error) if self.retry.allows_another(attempt) && retryable(&error) => {
                    let wait = backoff.next_delay();
                    tracing::warn!(actor = "round_publisher", sink = "discord", channel = %channel, attempt, error = %describe(&error), retry_in_ms = wait.as_millis() as u64, "post failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(error) => return Err(PublishError::Sink(describe(&error))),
            }
        }
    }
}

/// True when `message` is the bot's own post of `post` (same title, description, fields and
/// footer): how a resumed post recognises a message sent before a crash.
pub fn shows(message: &Message, bot: UserId, post: &Post) -> bool {
    let Some(embed) = message.embeds.first() else { return false };
    let same = |a: Option<&str>, b: &str| a.unwrap_or_default().trim() == b.trim();
    message.author.id == bot
        && same(embed.title.as_deref(), &post.title)
        && same(embed.description.as_deref(), &post.description)
        && same(embed.footer.as_ref().map(|f| f.text.as_str()), &post.footer)
        && embed.fields.len() == post.fields.len()
        && embed.fields.iter().zip(&post.fields).all(|(a, b)| same(Some(&a.value), &b.value))
}

/// 429, 5xx and transport errors are worth another try; 4xx are not.
fn retryable(error: &serenity::Error) -> bool {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            let code = response.status_code.as_u16();
            code == 429 || code >= 500
        }
        serenity::Error::Http(HttpError::Request(_)) => true,
        _ => false,
    }
}

/// An error as text for logs and health (serenity's errors carry no token).
pub fn describe(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => format!(
            "Discord answered {} {} ({})",
            response.status_code.as_u16(),
            response.error.message,
            route(&response.url)
        ),
        other => other.to_string(),
    }
}

/// The API route of a URL, without the query and without webhook or interaction tokens.
fn route(url: &str) -> String {
    // A bare path is read against a placeholder base; the query never comes along.
    let base = url::Url::parse("http://discord.invalid/").expect("a valid base URL");
    let parsed = url::Url::options().base_url(Some(&base)).parse(url);
    let path = parsed.as_ref().map_or("", |u| u.path());
    let path = path.find("/api/").map_or(path, |i| &path[i..]);
    let mut out = Vec::new();
    let mut secret_next = 0;
    for segment in path.split('/') {
        if secret_next == 1 {
            out.push("***");
            break;
        }
        out.push(segment);
        secret_next = match segment {
            "webhooks" | "interactions" => 2,
            _ if secret_next == 2 => 1,
            _ => 0,
        };
    }
    out.join("/")
}

/// A post as a Discord embed.
pub fn embed(post: &Post) -> CreateEmbed {
    let mut embed = CreateEmbed::new().title(&post.title).colour(post.colour);
    if !post.description.is_empty() {
        embed = embed.description(&post.description);
    }
    for field in &post.fields {
        embed = embed.field(&field.name, &field.value, false);
    }
    if !post.footer.is_empty() {
        embed = embed.footer(CreateEmbedFooter::new(&post.footer));
    }
    embed
}

impl Announcer for DiscordAnnouncer {
    fn name(&self) -> &'static str {
        "discord"
    }

    fn names(&self) -> Names {
        Names::Discord
    }

    fn post<'a>(&'a self, posts: &'a [Post]) -> SinkFuture<'a, Result<(), PublishError>> {
        Box::pin(async move {
            for (part, post) in posts.iter().enumerate() {
                // Without a round to name, the nonce comes from the footer (which names one).
                let key = post
                    .footer
                    .bytes()
                    .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
                    % 0xFFFF_FFFF_FFFF;
                self.post_part(post, &format!("{key:x}-{part}")).await?;
            }
            Ok(())
        })
    }

    fn post_part<'a>(
        &'a self,
        post: &'a Post,
        key: &'a str,
    ) -> SinkFuture<'a, Result<(), PublishError>> {
        Box::pin(async move {
            let id = self.send(self.production, post, key).await?;
            tracing::debug!(actor = "round_publisher", sink = "discord", message = %id, title = %post.title, nonce = key, "posted");
            Ok(())
        })
    }

    fn find_posted<'a>(&'a self, post: &'a Post) -> SinkFuture<'a, Result<bool, PublishError>> {
        Box::pin(async move {
            let recent = self
                .production
                .messages(self.http.as_ref(), GetMessages::new().limit(100))
                .await
                .map_err(|e| PublishError::Sink(describe(&e)))?;
            Ok(recent.iter().any(|m| shows(m, self.bot, post)))
        })
    }

    fn voice_notice<'a>(
        &'a self,
        post: &'a Post,
        key: &'a str,
    ) -> SinkFuture<'a, Result<(), PublishError>> {
        Box::pin(async move { self.send(self.general, post, key).await.map(|_| ()) })
    }

    fn round_posted<'a>(&'a self, file: &'a str) -> SinkFuture<'a, ()> {
        Box::pin(self.triggers.delete(&self.http, file))
    }

    fn waiting_triggers(&self) -> Vec<String> {
        self.triggers.files()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_in_errors_carry_no_tokens() {
        assert_eq!(
            route("http://127.0.0.1:5/api/v10/channels/100/messages?x=1"),
            "/api/v10/channels/100/messages"
        );
        assert_eq!(
            route("https://discord.com/api/v10/webhooks/123/SECRET-token/messages/@original"),
            "/api/v10/webhooks/123/***"
        );
        assert_eq!(route("/api/v10/interactions/9/SECRET/callback"), "/api/v10/interactions/9/***");
    }

    #[test]
    fn pending_triggers_are_taken_once() {
        let p = PendingTriggers::default();
        p.add("a.txt", 1, 10);
        p.add("a.txt", 1, 11);
        p.add("b.txt", 1, 12);
        assert_eq!(p.take("a.txt"), vec![(1, 10), (1, 11)]);
        assert!(p.take("a.txt").is_empty());
        assert_eq!(p.take("b.txt"), vec![(1, 12)]);
    }
}
