//! The gateway handler: translates Discord events into actor messages and does nothing else.
//! Webhook triggers in the control channel become `FetchNow` for the right game server; voice
//! events become full snapshots of the gaming voice channels for VoiceSessionTracker.
use std::{
    collections::BTreeSet,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
};

use actix::Addr;
use entity::{round_posts, rounds};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serenity::{
    all::{Context, EventHandler, Guild, GuildId, Message, Ready, VoiceState},
    async_trait,
};

use super::{
    sink::PendingTriggers,
    trigger::{Incoming, TriggerGate},
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
    // Voice snapshots are numbered under this lock in the order they read the cache, so the
    // tracker can drop one that arrives after a newer one (handlers run concurrently).
    voice_seq: Mutex<u64>,
    recovered: AtomicBool,
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
            voice_seq: Mutex::new(0),
            recovered: AtomicBool::new(false),
        }
    }

    /// Members (not bots) in the gaming voice channels.
    fn members_in_voice(&self, guild: &Guild) -> BTreeSet<u64> {
        guild
            .voice_states
            .values()
            .filter(|v| v.channel_id.is_some_and(|c| self.gaming_channels.contains(&c.get())))
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

    /// Reads the guild from the cache and sends the tracker a numbered snapshot.
    fn send_voice_snapshot(&self, ctx: &Context, guild_id: GuildId) {
        let mut seq = self.voice_seq.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(members) = ctx.cache.guild(guild_id).map(|g| self.members_in_voice(&g)) else {
            return;
        };
        *seq += 1;
        // The first snapshot after start-up recovers a session already under way.
        let startup = !self.recovered.swap(true, Ordering::SeqCst);
        tracing::debug!(members = members.len(), seq = *seq, startup, "voice snapshot");
        self.voice.do_send(UpdateVoiceMembers { members, startup, seq: *seq });
    }

    async fn on_trigger(&self, ctx: &Context, msg: &Message) {
        let decision = {
            let mut gate = self.gate.lock().unwrap_or_else(PoisonError::into_inner);
            gate.check(
                Incoming {
                    channel_id: msg.channel_id.get(),
                    webhook_id: msg.webhook_id.map(|w| w.get()),
                    author_name: &msg.author.name,
                    content: &msg.content,
                },
                chrono::Utc::now(),
            )
        };
        let file = match decision {
            Ok(file) => file,
            Err(refusal) => {
                tracing::warn!(channel = %msg.channel_id, message = %msg.id, author = %msg.author.id, webhook = ?msg.webhook_id.map(|w| w.get()), reason = %refusal, "control-channel message ignored");
                return;
            }
        };
        let webhook = msg.webhook_id.map_or(0, |w| w.get());
        tracing::info!(file = %file, webhook, message = %msg.id, "webhook trigger accepted");
        self.triggers.add(&file, msg.channel_id.get(), msg.id.get());
        match already_posted(&self.db, &file).await {
            Ok(true) => {
                // Announced again after its round was posted: nothing to fetch, tidy up.
                self.triggers.delete(&ctx.http, &file).await;
                tracing::info!(file = %file, "already posted; nothing to fetch");
            }
            Ok(false) | Err(_) => {
                if let Some(scheduler) = self.routes.scheduler(webhook) {
                    scheduler.do_send(FetchNow { name: file });
                }
            }
        }
    }
}

/// Whether a round of `file` has been posted.
async fn already_posted(db: &DatabaseConnection, file: &str) -> Result<bool, sea_orm::DbErr> {
    let ids: Vec<i32> = rounds::Entity::find()
        .filter(rounds::Column::Filename.eq(file))
        .filter(rounds::Column::RoundNumber.ne(0))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    if ids.is_empty() {
        return Ok(false);
    }
    Ok(round_posts::Entity::find()
        .filter(round_posts::Column::RoundId.is_in(ids))
        .count(db)
        .await?
        > 0)
}

#[async_trait]
impl EventHandler for Bot {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        // Slash commands are registered (and stale ones dropped) by the command framework.
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "discord gateway ready");
    }

    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        tracing::info!(guild = %guild.id, voice_states = guild.voice_states.len(), "guild available");
        self.send_voice_snapshot(&ctx, guild.id);
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
