//! The gateway handler: translates Discord events into actor messages and does nothing else.
//! Webhook triggers in the control channel become `FetchNow` for the right game server; voice
//! events become full snapshots of the gaming voice channels for VoiceSessionTracker.
use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex, PoisonError},
};

use actix::Addr;
use sea_orm::DatabaseConnection;
use serenity::{
    all::{
        ChannelId, Context, EventHandler, Guild, GuildId, Http, Message, MessageId, Ready,
        VoiceState,
    },
    async_trait,
    builder::GetMessages,
};

use super::{
    sink::PendingTriggers,
    trigger::{Incoming, Refusal, TriggerGate},
};
use crate::actors::{
    poll_scheduler::{FetchNow, PollScheduler},
    voice_session_tracker::{UpdateVoiceMembers, VoiceSessionTracker},
};

/// Where a trigger's fetch goes: the server listing the webhook, else the first.
#[derive(Clone)]
pub struct TriggerRoutes {
    /// (webhook ids, scheduler) per game server, in settings order.
    pub servers: Vec<(Vec<u64>, Addr<PollScheduler>)>,
}

impl TriggerRoutes {
    fn scheduler(&self, webhook: u64) -> Option<&Addr<PollScheduler>> {
        self.servers
            .iter()
            .find(|(ids, _)| ids.contains(&webhook))
            .or_else(|| self.servers.first())
            .map(|(_, scheduler)| scheduler)
    }
}

/// The serenity event handler.
pub struct Bot {
    gate: Arc<Mutex<TriggerGate>>,
    routes: TriggerRoutes,
    voice: Addr<VoiceSessionTracker>,
    gaming_channels: Vec<u64>,
    triggers: Arc<PendingTriggers>,
    db: DatabaseConnection,
    seen: Mutex<Seen>,
    // Voice snapshots are numbered under this lock in the order they read the cache, so the
    // tracker can drop one that arrives after a newer one (handlers run concurrently).
    voice_order: Mutex<VoiceOrder>,
}

/// The numbering of voice snapshots, and whether the start-up one was sent.
#[derive(Debug, Default)]
struct VoiceOrder {
    seq: u64,
    startup_sent: bool,
}

impl Bot {
    /// A handler with these rules and actors.
    pub fn new(
        gate: Arc<Mutex<TriggerGate>>,
        routes: TriggerRoutes,
        voice: Addr<VoiceSessionTracker>,
        gaming_channels: Vec<u64>,
        triggers: Arc<PendingTriggers>,
        db: DatabaseConnection,
    ) -> Self {
        Bot {
            gate,
            routes,
            voice,
            gaming_channels,
            triggers,
            db,
            seen: Mutex::new(Seen::default()),
            voice_order: Mutex::new(VoiceOrder::default()),
        }
    }

    /// Members (not bots) in the gaming voice channels.
    fn members_in_voice(&self, guild: &Guild) -> BTreeSet<u64> {
        members_in(guild, &self.gaming_channels)
    }

    /// Reads the guild from the cache and sends the tracker a numbered snapshot. Before the
    /// start-up snapshot is sent (by [`Bot::send_startup_snapshot`]) nothing is sent: that
    /// one reads the cache after this change anyway.
    fn send_voice_snapshot(&self, ctx: &Context, guild_id: GuildId) {
        let mut order = self.voice_order.lock().unwrap_or_else(PoisonError::into_inner);
        if !order.startup_sent {
            return;
        }
        let Some(members) = ctx.cache.guild(guild_id).map(|g| self.members_in_voice(&g)) else {
            return;
        };
        order.seq += 1;
        tracing::debug!(members = members.len(), seq = order.seq, "voice snapshot");
        self.voice.do_send(UpdateVoiceMembers { members, startup: false, seq: order.seq });
    }

    /// On GUILD_CREATE: the first time, the members the event itself lists are the start-up
    /// snapshot (a session already under way is recovered, without a "started" notice), then
    /// the cache's when it differs: it holds the voice changes that came after the event.
    /// Handlers run concurrently, so this one may run after those changes' own handlers;
    /// reading the cache for the start-up snapshot would take people who joined after the
    /// start for people who were there before it.
    fn send_startup_snapshot(&self, ctx: &Context, guild: &Guild) {
        let listed = {
            let mut order = self.voice_order.lock().unwrap_or_else(PoisonError::into_inner);
            if order.startup_sent {
                None
            } else {
                order.startup_sent = true;
                order.seq += 1;
                let members = self.members_in_voice(guild);
                tracing::debug!(
                    members = members.len(),
                    seq = order.seq,
                    "start-up voice snapshot"
                );
                self.voice.do_send(UpdateVoiceMembers {
                    members: members.clone(),
                    startup: true,
                    seq: order.seq,
                });
                Some(members)
            }
        };
        let cached = ctx.cache.guild(guild.id).map(|g| self.members_in_voice(&g));
        // An unchanged snapshot is not sent twice: below the end threshold each one restarts
        // the end timer (as the original), and a restored deadline must stand.
        if listed.is_none() || cached != listed {
            self.send_voice_snapshot(ctx, guild.id);
        }
    }

    async fn on_trigger(&self, ctx: &Context, msg: &Message) {
        self.decide(&ctx.http, msg, chrono::Utc::now()).await;
    }

    /// Passes a control-channel message through the gate at `now`, once per message (it can
    /// come both on the gateway and from the history read at start-up).
    async fn decide(&self, http: &Http, msg: &Message, now: chrono::DateTime<chrono::Utc>) {
        if !self.seen.lock().unwrap_or_else(PoisonError::into_inner).first_time(msg.id.get()) {
            return;
        }
        let decision =
            self.gate.lock().unwrap_or_else(PoisonError::into_inner).check(incoming(msg), now);
        let webhook = msg.webhook_id.map_or(0, |w| w.get());
        let (file, fetch) = match decision {
            Ok(file) => {
                tracing::info!(file = %file, webhook, message = %msg.id, "webhook trigger accepted");
                (file, true)
            }
            // Not fetched now (polling finds the file), but tidied up once it is posted.
            Err(Refusal::RateLimited { file, .. }) => {
                tracing::warn!(file = %file, webhook, message = %msg.id, "webhook trigger rate limited; polling will find the file");
                (file, false)
            }
            Err(refusal) => {
                tracing::warn!(channel = %msg.channel_id, message = %msg.id, author = %msg.author.id, webhook = ?msg.webhook_id.map(|w| w.get()), reason = %refusal, "control-channel message ignored");
                return;
            }
        };
        self.follow(http, &file, webhook, msg.channel_id.get(), msg.id.get(), fetch).await;
    }

    /// Remembers a trigger until its file's rounds are posted; deletes it at once when they
    /// are, else asks for the file when `fetch`.
    async fn follow(
        &self,
        http: &Http,
        file: &str,
        webhook: u64,
        channel: u64,
        message: u64,
        fetch: bool,
    ) {
        self.triggers.add(file, channel, message);
        match crate::store::posting_done(&self.db, file).await {
            Ok(true) => {
                // Announced again after its rounds were posted: nothing to fetch, tidy up.
                self.triggers.delete(http, file).await;
                tracing::info!(file = %file, "already posted; nothing to fetch");
            }
            Ok(false) | Err(_) if fetch => {
                if let Some(scheduler) = self.routes.scheduler(webhook) {
                    scheduler.do_send(FetchNow { name: file.to_owned() });
                }
            }
            Ok(false) | Err(_) => {}
        }
    }

    /// Triggers posted while the bot was away (down, or between a crash and its restart) are
    /// still in the control channel, and a new gateway session does not deliver them: each is
    /// passed through the gate as if it had arrived when Discord made it (its snowflake's
    /// time, so a burst is rate-limited as it would have been live). The look-back is bounded
    /// by [`REPLAY_PAGES`].
    async fn replay_triggers(&self, http: &Http) {
        let channel = self.gate.lock().unwrap_or_else(PoisonError::into_inner).control_channel();
        let Some(channel) = std::num::NonZeroU64::new(channel).map(ChannelId::from) else { return };
        let mut before: Option<MessageId> = None;
        let mut history: Vec<Message> = Vec::new();
        for _ in 0..REPLAY_PAGES {
            let mut page = GetMessages::new().limit(100);
            if let Some(before) = before {
                page = page.before(before);
            }
            let messages = match channel.messages(http, page).await {
                Ok(messages) => messages,
                Err(error) => {
                    tracing::warn!(channel = %channel, error = %super::sink::describe(&error), "cannot read the control channel's history; polling will find missed files");
                    break;
                }
            };
            let full = messages.len() == 100;
            before = messages.iter().map(|m| m.id).min();
            history.extend(messages);
            if !full || before.is_none() {
                break;
            }
        }
        // Oldest first, as they were posted.
        history.sort_by_key(|m| m.id);
        let followed = history.len();
        for msg in &history {
            self.decide(http, msg, *msg.id.created_at()).await;
        }
        if followed > 0 {
            tracing::info!(channel = %channel, messages = followed, "control channel history read");
        }
    }
}

/// Control-channel messages already decided on (the last [`Seen::CAPACITY`]).
#[derive(Debug, Default)]
struct Seen {
    ids: std::collections::HashSet<u64>,
    order: std::collections::VecDeque<u64>,
}

impl Seen {
    const CAPACITY: usize = 4096;

    /// True the first time `id` is seen.
    fn first_time(&mut self, id: u64) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > Self::CAPACITY
            && let Some(old) = self.order.pop_front()
        {
            self.ids.remove(&old);
        }
        true
    }
}

/// Pages of 100 control-channel messages read at start-up for triggers missed while away.
pub const REPLAY_PAGES: usize = 10;

fn incoming(msg: &Message) -> Incoming<'_> {
    Incoming {
        channel_id: msg.channel_id.get(),
        webhook_id: msg.webhook_id.map(|w| w.get()),
        author_name: &msg.author.name,
        content: &msg.content,
    }
}

#[async_trait]
impl EventHandler for Bot {
    async fn ready(&self, ctx: Context, ready: Ready) {
        // Slash commands are registered (and stale ones dropped) by the command framework.
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "discord gateway ready");
        self.replay_triggers(&ctx.http).await;
    }

    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        tracing::info!(guild = %guild.id, voice_states = guild.voice_states.len(), "guild available");
        self.send_startup_snapshot(&ctx, &guild);
    }

    async fn voice_state_update(&self, ctx: Context, _old: Option<VoiceState>, new: VoiceState) {
        if let Some(guild_id) = new.guild_id {
            self.send_voice_snapshot(&ctx, guild_id);
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        if msg.author.id == ctx.cache.current_user().id {
            return;
        }
        let is_control = self
            .gate
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_control_channel(msg.channel_id.get());
        if is_control {
            self.on_trigger(&ctx, &msg).await;
        }
    }
}

/// The members (not bots) of `guild` in any of `channels`, by user id.
pub(crate) fn members_in(guild: &Guild, channels: &[u64]) -> BTreeSet<u64> {
    guild
        .voice_states
        .values()
        .filter(|v| v.channel_id.is_some_and(|c| channels.contains(&c.get())))
        .filter(|v| {
            let bot = v
                .member
                .as_ref()
                .map(|m| m.user.bot)
                .or_else(|| guild.members.get(&v.user_id).map(|m| m.user.bot));
            bot != Some(true)
        })
        .map(|v| v.user_id.get())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_decided_once_and_the_memory_is_bounded() {
        let mut seen = Seen::default();
        assert!(seen.first_time(7));
        assert!(!seen.first_time(7), "the gateway and the history give the same message");
        for id in 100..100 + Seen::CAPACITY as u64 {
            assert!(seen.first_time(id));
        }
        assert_eq!(seen.ids.len(), Seen::CAPACITY);
        assert!(seen.first_time(7), "the oldest was forgotten");
        assert!(!seen.first_time(100 + Seen::CAPACITY as u64 - 1));
    }

    #[test]
    fn a_snowflake_tells_when_discord_made_it() {
        // Discord's documented example: 175928847299117063 was made 2016-04-30 11:18:25.796 UTC.
        let made = *MessageId::new(175_928_847_299_117_063).created_at();
        assert_eq!(made.timestamp_millis(), 1_462_015_105_796);
    }
}
