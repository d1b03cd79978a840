//! Discord: the serenity client on the daemon's tokio runtime. `connect` checks the token and
//! builds the sink (before the actors start, which post through it); `start_gateway` then
//! logs in with a handler that turns events into actor messages.
//!
//! With `discord.api_url` set (a test server), REST and gateway discovery go there and
//! serenity's rate limiter is off (it ignores the proxy otherwise); the sink retries 429 itself.
pub mod commands;
pub mod handler;
pub mod sink;
pub mod trigger;

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use sea_orm::DatabaseConnection;
use serenity::{
    all::{GatewayIntents, ShardManager},
    http::{Http, HttpBuilder, HttpError},
};

use self::{
    commands::{ChannelRules, Data},
    handler::{Bot, TriggerRoutes},
    sink::{DiscordAnnouncer, PendingTriggers},
    trigger::TriggerGate,
};
use crate::{
    commands::cache::CommandCache,
    ops::{DaemonOps, Reloader},
    settings::{DiscordSettings, Settings, SettingsSource, changed_keys},
};

/// Why Discord could not start. No message carries the token.
#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    /// A required setting is missing.
    #[error("setting `{key}`: {reason}")]
    Setting {
        /// The key.
        key: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// Discord refused the token.
    #[error(
        "Discord rejected the bot token (HTTP {status}); check discord.token / DISCORD_BOT_TOKEN"
    )]
    TokenRejected {
        /// 401 or 403.
        status: u16,
    },
    /// Discord could not be reached or answered something else.
    #[error("cannot reach Discord: {0}")]
    Unreachable(String),
    /// Logging in to the gateway failed.
    #[error("Discord gateway: {0}")]
    Gateway(String),
}

/// The REST client and the sink, ready before the actors start.
pub struct Discord {
    /// REST client (shared with the gateway client).
    pub http: Arc<Http>,
    /// The sink RoundPublisher posts through.
    pub announcer: Arc<DiscordAnnouncer>,
    /// Triggers waiting for their round.
    pub triggers: Arc<PendingTriggers>,
}

/// Gateway intents: guilds, messages with their content (triggers, prefix commands), voice.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::GUILD_VOICE_STATES
        | GatewayIntents::MESSAGE_CONTENT
}

/// A REST client for the configured API.
fn build_http(settings: &DiscordSettings) -> Http {
    let token = settings.token.expose();
    if settings.api_url.is_empty() {
        HttpBuilder::new(token).build()
    } else {
        HttpBuilder::new(token)
            .proxy(settings.api_url.trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build()
    }
}

/// Builds the REST client, checks the token with `GET /users/@me` and builds the sink.
pub async fn connect(settings: &DiscordSettings) -> Result<Discord, DiscordError> {
    if settings.production_channel_id == 0 {
        return Err(DiscordError::Setting {
            key: "discord.production_channel_id",
            reason: "required when a Discord token is set (PRODUCTION_CHANNEL_ID)",
        });
    }
    let http = Arc::new(build_http(settings));
    let bot = match http.get_current_user().await {
        Ok(user) => {
            tracing::info!(user = %user.name, id = %user.id, "discord token accepted");
            user.id
        }
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response)))
            if matches!(response.status_code.as_u16(), 401 | 403) =>
        {
            return Err(DiscordError::TokenRejected { status: response.status_code.as_u16() });
        }
        Err(error) => return Err(DiscordError::Unreachable(sink::describe(&error))),
    };
    let triggers = Arc::new(PendingTriggers::default());
    let production = serenity::all::ChannelId::new(settings.production_channel_id);
    let general = match settings.general_channel_id {
        0 => production,
        id => serenity::all::ChannelId::new(id),
    };
    let announcer =
        Arc::new(DiscordAnnouncer::new(http.clone(), production, general, bot, triggers.clone()));
    Ok(Discord { http, announcer, triggers })
}

/// The Discord front end's own state, shared by the gateway and `!reload`: the channel rules
/// and the trigger gate, made from the settings.
pub struct FrontEnd {
    settings: Settings,
    source: SettingsSource,
    rules: Arc<RwLock<ChannelRules>>,
    gate: Arc<Mutex<TriggerGate>>,
}

impl FrontEnd {
    /// From `settings`; `!reload` reads them again from `source`.
    pub fn new(settings: &Settings, source: SettingsSource) -> Self {
        let d = &settings.discord;
        let gate = TriggerGate::with_limit(
            d.control_channel_id,
            d.webhook_whitelist.clone(),
            &d.webhook_username,
            settings.config().trigger_limit,
            settings.config().trigger_window,
        );
        FrontEnd {
            settings: settings.clone(),
            source,
            rules: Arc::new(RwLock::new(ChannelRules::from_settings(d))),
            gate: Arc::new(Mutex::new(gate)),
        }
    }

    /// `!reload` for these rules and this gate.
    pub fn reloader(&self) -> Reloader {
        reloader(self.settings.clone(), self.source.clone(), self.rules.clone(), self.gate.clone())
    }
}

/// What the gateway needs from the rest of the daemon (the composition root builds it).
pub struct GatewayParts {
    /// Channel rules and the trigger gate.
    pub front: FrontEnd,
    /// The admin commands' handle on the actors.
    pub ops: Arc<DaemonOps>,
    /// Which game server's PollScheduler a webhook's trigger goes to.
    pub routes: TriggerRoutes,
    /// Where voice snapshots go.
    pub voice: actix::Addr<crate::actors::voice_session_tracker::VoiceSessionTracker>,
    /// The database the commands read.
    pub db: DatabaseConnection,
    /// The commands' reply cache.
    pub cache: Arc<CommandCache>,
}

/// Logs in to the gateway with the event handler and the command framework, and runs the
/// client on the current runtime. Returns the shard manager, to shut the connection down.
pub async fn start_gateway(
    discord: &Discord,
    settings: &Settings,
    parts: GatewayParts,
) -> Result<Arc<ShardManager>, DiscordError> {
    let GatewayParts { front, ops, routes, voice, db, cache } = parts;
    let d = &settings.discord;
    let (rules, gate) = (front.rules, front.gate);
    let timezone = settings.config().timezone;
    let mut data =
        Data::new(db.clone(), cache, ops, rules, timezone, settings.config().slow_warning);
    data.site = settings.config().public_url.clone().map(Arc::new);
    data.voice_channels = settings.discord.gaming_voice_channels.clone();
    // Team records and head-to-heads score every session once; do it now, not on the first ask.
    let ctx = data.ctx();
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        match crate::commands::team_records::warm(&ctx).await {
            Ok(scored) => tracing::info!(
                scored,
                took_ms = started.elapsed().as_millis() as u64,
                "session scores ready"
            ),
            Err(error) => {
                tracing::warn!(error = %error, "session scores not worked out in advance")
            }
        }
    });
    let slash = d.slash_commands;
    let framework = poise::Framework::builder()
        .options(commands::options(&d.command_prefix))
        .setup(move |ctx, _ready, framework| {
            Box::pin(async move {
                // The list is replaced whole, so slash commands this version no longer serves go.
                let result = if slash {
                    poise::builtins::register_globally(ctx, &framework.options().commands).await
                } else {
                    serenity::all::Command::set_global_commands(&ctx.http, Vec::new()).await.map(|_| ())
                };
                match result {
                    Ok(()) => tracing::info!(slash, "slash commands registered"),
                    Err(error) => tracing::warn!(error = %sink::describe(&error), "cannot register slash commands"),
                }
                Ok(data)
            })
        })
        .build();
    // Voice counts only with voice automation on (the original's AUTOMATION_ENABLED).
    let voice_channels = if settings.voice.automation_enabled {
        d.gaming_voice_channels.clone()
    } else {
        tracing::info!("voice sessions off (voice.automation_enabled = false)");
        Vec::new()
    };
    let bot = Bot::new(gate, routes, voice, voice_channels, discord.triggers.clone(), db);
    // The gateway client gets its own REST client with the same settings.
    let mut client = serenity::client::ClientBuilder::new_with_http(build_http(d), intents())
        .event_handler(bot)
        .framework(framework)
        .await
        .map_err(|e| DiscordError::Gateway(sink::describe(&e)))?;
    let shards = client.shard_manager.clone();
    tokio::spawn(async move {
        if let Err(error) = client.start().await {
            tracing::error!(error = %sink::describe(&error), "discord client stopped");
        }
    });
    Ok(shards)
}

/// `!reload`: reads the settings again; channel rules, admins and the webhook whitelist take
/// effect at once, other changes are reported as needing a restart.
fn reloader(
    current: Settings,
    source: SettingsSource,
    rules: Arc<RwLock<ChannelRules>>,
    gate: Arc<Mutex<TriggerGate>>,
) -> Reloader {
    let current = Mutex::new(current);
    Arc::new(move || {
        let new = source.load().map_err(|e| e.to_string())?;
        let mut old = current.lock().unwrap_or_else(PoisonError::into_inner);
        let changed = changed_keys(&old, &new);
        *rules.write().unwrap_or_else(PoisonError::into_inner) =
            ChannelRules::from_settings(&new.discord);
        gate.lock().unwrap_or_else(PoisonError::into_inner).set_rules(
            new.discord.webhook_whitelist.clone(),
            &new.discord.webhook_username,
            new.config().trigger_limit,
            new.config().trigger_window,
        );
        tracing::info!(changed = ?changed, "settings reloaded");
        *old = new;
        Ok(changed)
    })
}
