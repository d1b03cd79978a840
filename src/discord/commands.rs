//! The commands on Discord (poise): `!` prefix commands and slash commands from the same
//! definitions, each a thin wrapper over the command layer (`crate::commands`). This module
//! adds what only Discord has: channel rules (answered only in configured channels, silent
//! elsewhere, never in the control channel), admin checks and the audit log, cooldowns,
//! cached replies, page buttons, generic error replies (details go to the log; a command that
//! panics gets the same reply), and a warning for slow commands.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError, RwLock},
    time::{Duration, Instant},
};

use poise::serenity_prelude as serenity;
use sea_orm::DatabaseConnection;
use serenity::{
    CreateActionRow, CreateAllowedMentions, CreateAttachment, CreateButton,
    CreateInteractionResponse, CreateInteractionResponseMessage, EditMessage,
};

use super::sink::embed;
use crate::{
    commands::{
        self, Caller, CommandError, CommandResult, Ctx, Reply,
        admin::{self, Operations},
        cache::CommandCache,
        leaderboard::{self, Category},
        players::{Who, mention_id},
        sessions::Pick,
    },
    render::Names,
    settings::DiscordSettings,
};

/// The error type of every command.
pub type Error = CommandError;
/// poise's context with our data.
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// Which channels commands are read in and who is an admin (reloadable).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelRules {
    /// Channels where commands are read; empty: the public and admin channels.
    pub command_channels: Vec<u64>,
    /// Production, general and gather channels.
    pub public: Vec<u64>,
    /// Admin channels; admin commands are answered only there (anywhere when empty).
    pub admin_channels: Vec<u64>,
    /// The webhook control channel: never answered.
    pub control: u64,
    /// Users who are admins.
    pub admin_users: Vec<u64>,
    /// Roles whose members are admins.
    pub admin_roles: Vec<u64>,
}

impl ChannelRules {
    /// The rules the settings give.
    pub fn from_settings(settings: &DiscordSettings) -> Self {
        ChannelRules {
            command_channels: settings.command_channels.clone(),
            public: [
                settings.production_channel_id,
                settings.general_channel_id,
                settings.gather_channel_id,
            ]
            .into_iter()
            .filter(|c| *c != 0)
            .collect(),
            admin_channels: settings.admin_channel_ids.clone(),
            control: settings.control_channel_id,
            admin_users: settings.admin_user_ids.clone(),
            admin_roles: settings.admin_role_ids.clone(),
        }
    }

    /// Whether commands are read in `channel`.
    pub fn reads(&self, channel: u64) -> bool {
        if channel == self.control && self.control != 0 {
            return false;
        }
        if self.admin_channels.contains(&channel) {
            return true;
        }
        if !self.command_channels.is_empty() {
            return self.command_channels.contains(&channel);
        }
        if self.public.is_empty() && self.admin_channels.is_empty() {
            return true;
        }
        self.public.contains(&channel)
    }

    /// Whether admin commands are answered in `channel`.
    pub fn admin_channel(&self, channel: u64) -> bool {
        self.admin_channels.is_empty() || self.admin_channels.contains(&channel)
    }

    /// Whether a user with `roles` (and Manage Server or not) is an admin: on the admin list
    /// or holding an admin role; with neither list set, Manage Server decides.
    pub fn is_admin(&self, user: u64, roles: &[u64], manage_guild: bool) -> bool {
        if self.admin_users.is_empty() && self.admin_roles.is_empty() {
            return manage_guild;
        }
        self.admin_users.contains(&user) || roles.iter().any(|r| self.admin_roles.contains(r))
    }
}

/// What every command can reach.
pub struct Data {
    /// The database.
    pub db: DatabaseConnection,
    /// Cached replies.
    pub cache: Arc<CommandCache>,
    /// The running daemon (admin commands).
    pub ops: Arc<dyn Operations>,
    /// Channel rules and admins.
    pub rules: Arc<RwLock<ChannelRules>>,
    /// The game servers' time zone (for "today" and seasons).
    pub timezone: chrono_tz::Tz,
    /// Commands slower than this are logged as warnings.
    pub slow: Duration,
    started: Mutex<HashMap<u64, Instant>>,
}

impl Data {
    /// Command data.
    pub fn new(
        db: DatabaseConnection,
        cache: Arc<CommandCache>,
        ops: Arc<dyn Operations>,
        rules: Arc<RwLock<ChannelRules>>,
        timezone: chrono_tz::Tz,
        slow: Duration,
    ) -> Self {
        Data { db, cache, ops, rules, timezone, slow, started: Mutex::new(HashMap::new()) }
    }

    fn rules(&self) -> ChannelRules {
        self.rules.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn ctx(&self) -> Ctx {
        let now = chrono::Utc::now().with_timezone(&self.timezone).naive_local();
        Ctx { db: self.db.clone(), names: Names::Discord, now }
    }
}

/// Every command, for the framework.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        stats(),
        leaderboard(),
        compare(),
        session(),
        sessions(),
        last_session(),
        teams(),
        find_player(),
        link(),
        unlink(),
        achievements(),
        season(),
        help(),
        automation_status(),
        ssh_check(),
        sync(),
        import(),
        reload(),
        cache_clear(),
    ]
}

/// The framework options: prefix, checks, hooks, no mentions.
pub fn options(prefix: &str) -> poise::FrameworkOptions<Data, Error> {
    poise::FrameworkOptions {
        commands: all(),
        prefix_options: poise::PrefixFrameworkOptions {
            prefix: Some(prefix.to_owned().into()),
            case_insensitive_commands: true,
            mention_as_prefix: false,
            ignore_bots: true,
            ..Default::default()
        },
        command_check: Some(|ctx| {
            Box::pin(async move { Ok(ctx.data().rules().reads(ctx.channel_id().get())) })
        }),
        pre_command: |ctx| {
            Box::pin(async move {
                let mut started = ctx.data().started.lock().unwrap_or_else(PoisonError::into_inner);
                started.insert(ctx.id(), Instant::now());
            })
        },
        post_command: |ctx| Box::pin(async move { finished(ctx, "ok") }),
        on_error: |error| Box::pin(on_error(error)),
        allowed_mentions: Some(CreateAllowedMentions::new()),
        initialize_owners: false,
        ..Default::default()
    }
}

/// Logs how a command went and how long it took; warns when it was slow.
fn finished(ctx: Context<'_>, outcome: &str) {
    let took = {
        let mut started = ctx.data().started.lock().unwrap_or_else(PoisonError::into_inner);
        started.remove(&ctx.id()).map(|at| at.elapsed())
    };
    let Some(took) = took else { return };
    let ms = took.as_millis() as u64;
    if took > ctx.data().slow {
        tracing::warn!(command = %ctx.command().qualified_name, user = %ctx.author().id, channel = %ctx.channel_id(), took_ms = ms, outcome, "slow command");
    } else {
        tracing::info!(command = %ctx.command().qualified_name, user = %ctx.author().id, channel = %ctx.channel_id(), took_ms = ms, outcome, "command");
    }
}

async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            if error.is_users() {
                finished(ctx, "refused");
            } else {
                finished(ctx, "error");
                // The detail stays in the log; the user sees a generic line.
                tracing::error!(command = %ctx.command().qualified_name, error = %error, "command failed");
            }
            say(ctx, error.user_message(Names::Discord)).await;
        }
        poise::FrameworkError::CommandPanic { payload, ctx, .. } => {
            // A panic is a bug of ours (poise's `handle_panics` caught it): the user gets the
            // generic line, the log the command and the panic message.
            finished(ctx, "panic");
            tracing::error!(
                command = %ctx.command().qualified_name,
                panic = payload.as_deref().unwrap_or("(no message)"),
                "command panicked"
            );
            say(ctx, commands::GENERIC_ERROR.to_owned()).await;
        }
        poise::FrameworkError::CooldownHit { remaining_cooldown, ctx, .. } => {
            say(
                ctx,
                format!("⏱️ Slow down! Try again in {}s.", remaining_cooldown.as_secs().max(1)),
            )
            .await;
        }
        poise::FrameworkError::ArgumentParse { ctx, input, .. } => {
            let usage = ctx.command().name.clone();
            tracing::debug!(command = %usage, input = ?input, "bad argument");
            say(
                ctx,
                format!(
                    "❌ I could not read that. Usage: `!help` lists `!{usage}` and its arguments."
                ),
            )
            .await;
        }
        poise::FrameworkError::CommandCheckFailed { ctx, .. } => {
            tracing::debug!(command = %ctx.command().qualified_name, channel = %ctx.channel_id(), "ignored: not a command channel");
        }
        poise::FrameworkError::UnknownCommand { .. } => {}
        other => tracing::warn!(error = %other, "command framework error"),
    }
}

/// A short reply (ephemeral for slash commands) with no mentions.
async fn say(ctx: Context<'_>, text: String) {
    let reply = poise::CreateReply::default()
        .content(commands::format::cut(&text, 2000))
        .ephemeral(true)
        .allowed_mentions(CreateAllowedMentions::new());
    if let Err(error) = ctx.send(reply).await {
        tracing::warn!(error = %super::sink::describe(&error), "cannot answer a command");
    }
}

/// Who is asking, with their admin rights here.
async fn caller(ctx: Context<'_>) -> Caller {
    let rules = ctx.data().rules();
    let user = ctx.author();
    let (roles, manage_guild) = match ctx.author_member().await {
        Some(member) => {
            let roles: Vec<u64> = member.roles.iter().map(|r| r.get()).collect();
            let manage = match member.permissions {
                Some(p) => p.manage_guild(),
                None => ctx
                    .guild()
                    .map(|g| {
                        #[allow(
                            deprecated,
                            reason = "the cached guild is all a prefix command has"
                        )]
                        g.member_permissions(&member).manage_guild()
                    })
                    .unwrap_or(false),
            };
            (roles, manage)
        }
        None => (Vec::new(), false),
    };
    let admin = rules.admin_channel(ctx.channel_id().get())
        && rules.is_admin(user.id.get(), &roles, manage_guild);
    Caller { discord_id: Some(user.id.get()), name: user.name.clone(), admin }
}

fn page_buttons(key: &str, page: u32, total: u32) -> Vec<CreateActionRow> {
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

/// Sends a reply: the first post (with images and page buttons under `buttons`), then the
/// others. Returns the first message, when it can be read back.
async fn send(
    ctx: Context<'_>,
    reply: &Reply,
    buttons: Option<&str>,
) -> Result<Option<serenity::Message>, Error> {
    let mut first = poise::CreateReply::default().allowed_mentions(CreateAllowedMentions::new());
    if let Some(post) = reply.posts.first() {
        first = first.embed(embed(post));
    }
    for image in &reply.attachments {
        first =
            first.attachment(CreateAttachment::bytes(image.png.clone(), image.filename.clone()));
    }
    if let (Some(key), Some(pages)) = (buttons, reply.pages)
        && pages.total > 1
    {
        first = first.components(page_buttons(key, pages.page, pages.total));
    }
    let handle =
        ctx.send(first).await.map_err(|e| CommandError::Internal(super::sink::describe(&e)))?;
    for post in reply.posts.iter().skip(1) {
        let more = poise::CreateReply::default()
            .embed(embed(post))
            .allowed_mentions(CreateAllowedMentions::new());
        ctx.send(more).await.map_err(|e| CommandError::Internal(super::sink::describe(&e)))?;
    }
    Ok(handle.into_message().await.ok())
}

/// A reply from the cache, or computed and cached.
async fn cached<F, Fut>(ctx: Context<'_>, key: String, compute: F) -> CommandResult
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = CommandResult>,
{
    ctx.data().cache.get_or_compute(key, compute(ctx.data().ctx())).await
}

/// Slash commands may take a moment (graphs): tell Discord to wait.
async fn defer(ctx: Context<'_>) {
    if let poise::Context::Application(_) = ctx
        && let Err(error) = ctx.defer().await
    {
        tracing::warn!(error = %super::sink::describe(&error), "cannot defer a slash command");
    }
}

/// Lifetime stats of a player (name, part of a name, GUID or @mention; none: your own).
#[poise::command(prefix_command, slash_command, user_cooldown = 5, category = "Players")]
pub async fn stats(
    ctx: Context<'_>,
    #[description = "Player name, GUID or @mention (default: you)"]
    #[rest]
    player: Option<String>,
) -> Result<(), Error> {
    let caller = caller(ctx).await;
    let reply =
        commands::stats::stats(&ctx.data().ctx(), &Who::parse(player.as_deref())?, &caller).await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// Player rankings by kills, K/D, DPM, accuracy, headshots, revives and more.
#[poise::command(
    prefix_command,
    slash_command,
    aliases("lb", "top"),
    user_cooldown = 10,
    category = "Players"
)]
pub async fn leaderboard(
    ctx: Context<'_>,
    #[description = "kills, kd, dpm, accuracy, headshots, games, revives, gibs, objectives, ..."]
    category: Option<String>,
    #[description = "Page (from 1)"] page: Option<u32>,
) -> Result<(), Error> {
    let (category, page) = leaderboard::parse_args(category.as_deref(), page)?;
    let reply = cached(ctx, format!("lb:{}:{page}", category.key()), |c| async move {
        leaderboard::leaderboard(&c, category, page).await
    })
    .await?;
    let key = format!("lb{}", ctx.id());
    // Listen for the buttons before the message exists, so no press can come too early.
    let presses = reply.pages.filter(|p| p.total > 1).map(|_| {
        let prefix = format!("{key}:");
        serenity::collector::collect(&ctx.serenity_context().shard, move |event| match event {
            serenity::Event::InteractionCreate(created) => created
                .interaction
                .as_message_component()
                .filter(|press| press.data.custom_id.starts_with(&prefix))
                .cloned(),
            _ => None,
        })
    });
    let message = send(ctx, &reply, Some(&key)).await?;
    if let (Some(message), Some(pages), Some(presses)) = (message, reply.pages, presses) {
        let pager = Pager {
            serenity: ctx.serenity_context().clone(),
            data: PagerData {
                db: ctx.data().db.clone(),
                cache: ctx.data().cache.clone(),
                timezone: ctx.data().timezone,
            },
            owner: ctx.author().id,
            key,
            category,
            page: pages.page,
            total: pages.total,
        };
        tokio::spawn(pager.run(message, Box::pin(presses)));
    }
    Ok(())
}

#[derive(Clone)]
struct PagerData {
    db: DatabaseConnection,
    cache: Arc<CommandCache>,
    timezone: chrono_tz::Tz,
}

/// The page buttons of one leaderboard message: only the person who asked turns pages, for
/// three minutes; then the buttons go.
struct Pager {
    serenity: serenity::Context,
    data: PagerData,
    owner: serenity::UserId,
    key: String,
    category: Category,
    page: u32,
    total: u32,
}

/// How long page buttons work.
pub const PAGE_BUTTONS_FOR: Duration = Duration::from_secs(180);

impl Pager {
    async fn run(
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
                let answer = CreateInteractionResponseMessage::new()
                    .content("Only the person who asked can turn these pages.")
                    .ephemeral(true);
                let _ = press
                    .create_response(
                        &self.serenity.http,
                        CreateInteractionResponse::Message(answer),
                    )
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
            let ctx = Ctx {
                db: self.data.db.clone(),
                names: Names::Discord,
                now: chrono::Utc::now().with_timezone(&self.data.timezone).naive_local(),
            };
            let key = format!("lb:{}:{}", self.category.key(), self.page);
            let reply = self
                .data
                .cache
                .get_or_compute(key, leaderboard::leaderboard(&ctx, self.category, self.page))
                .await;
            let reply = match reply {
                Ok(reply) => reply,
                Err(error) => {
                    tracing::error!(error = %error, "leaderboard page failed");
                    let answer = CreateInteractionResponseMessage::new()
                        .content(error.user_message(Names::Discord))
                        .ephemeral(true);
                    let _ = press
                        .create_response(
                            &self.serenity.http,
                            CreateInteractionResponse::Message(answer),
                        )
                        .await;
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
                tracing::warn!(error = %super::sink::describe(&error), "cannot turn the page");
            }
        }
        if let Err(error) =
            message.edit(&self.serenity.http, EditMessage::new().components(Vec::new())).await
        {
            tracing::debug!(error = %super::sink::describe(&error), "cannot remove page buttons");
        }
    }
}

/// Two players side by side.
#[poise::command(prefix_command, slash_command, user_cooldown = 5, category = "Players")]
pub async fn compare(
    ctx: Context<'_>,
    #[description = "First player"] first: String,
    #[description = "Second player"] second: String,
) -> Result<(), Error> {
    let caller = caller(ctx).await;
    let c = ctx.data().ctx();
    let reply = commands::compare::compare(
        &c,
        &Who::parse(Some(&first))?,
        &Who::parse(Some(&second))?,
        &caller,
    )
    .await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// One gaming session: its id, a date (YYYY-MM-DD), today or yesterday (default: latest).
#[poise::command(
    prefix_command,
    slash_command,
    aliases("match", "game"),
    user_cooldown = 5,
    category = "Sessions"
)]
pub async fn session(
    ctx: Context<'_>,
    #[description = "Session id, YYYY-MM-DD, today or yesterday"] which: Option<String>,
) -> Result<(), Error> {
    let c = ctx.data().ctx();
    let pick = Pick::parse(which.as_deref(), c.now.date())?;
    let reply = cached(ctx, format!("session:{pick:?}"), |c| async move {
        commands::sessions::session(&c, pick).await
    })
    .await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// Recent gaming sessions, or a month's (10, 2025-10, oct).
#[poise::command(
    prefix_command,
    slash_command,
    aliases("rounds", "list_sessions", "ls"),
    user_cooldown = 5,
    category = "Sessions"
)]
pub async fn sessions(
    ctx: Context<'_>,
    #[description = "Month: 10, 2025-10 or oct"] month: Option<String>,
) -> Result<(), Error> {
    let key = format!("sessions:{}", month.clone().unwrap_or_default());
    let reply =
        cached(
            ctx,
            key,
            |c| async move { commands::sessions::sessions(&c, month.as_deref()).await },
        )
        .await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// The latest gaming session with its graphs.
#[poise::command(
    prefix_command,
    slash_command,
    aliases("last", "latest", "recent"),
    user_cooldown = 5,
    category = "Sessions"
)]
pub async fn last_session(ctx: Context<'_>) -> Result<(), Error> {
    defer(ctx).await;
    let reply = cached(ctx, "last_session".to_owned(), |c| async move {
        commands::sessions::last_session(&c).await
    })
    .await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// The two line-ups of a session and the maps each won.
#[poise::command(prefix_command, slash_command, user_cooldown = 5, category = "Sessions")]
pub async fn teams(
    ctx: Context<'_>,
    #[description = "Session id, YYYY-MM-DD, today or yesterday"] which: Option<String>,
) -> Result<(), Error> {
    let c = ctx.data().ctx();
    let pick = Pick::parse(which.as_deref(), c.now.date())?;
    let reply = cached(ctx, format!("teams:{pick:?}"), |c| async move {
        commands::teams::teams(&c, pick).await
    })
    .await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// Players whose names contain the text.
#[poise::command(
    prefix_command,
    slash_command,
    aliases("findplayer", "fp", "search_player"),
    category = "Players"
)]
pub async fn find_player(
    ctx: Context<'_>,
    #[description = "Part of a name"]
    #[rest]
    text: String,
) -> Result<(), Error> {
    let reply = commands::links::find_player(&ctx.data().ctx(), &text).await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// Link your Discord account to your player (admins: `!link @user <name|GUID>`).
#[poise::command(prefix_command, slash_command, user_cooldown = 10, category = "Players")]
pub async fn link(
    ctx: Context<'_>,
    #[description = "Your player name or GUID"]
    #[rest]
    player: Option<String>,
) -> Result<(), Error> {
    let caller = caller(ctx).await;
    // `@user <player>`: an admin links someone else. A mention must name a valid user.
    let (target, rest) = match player.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => {
            let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
            match mention_id(first)? {
                Some(id) => {
                    let name = ctx
                        .http()
                        .get_user(serenity::UserId::from(id))
                        .await
                        .map(|u| u.name)
                        .unwrap_or_else(|_| id.to_string());
                    (Some((id.get(), name)), Some(rest.trim().to_owned()))
                }
                None => (None, Some(text.to_owned())),
            }
        }
        None => (None, None),
    };
    let c = ctx.data().ctx();
    let result = commands::links::link(&c, &caller, target.clone(), rest.as_deref()).await;
    if let Some((id, _)) = &target {
        let arguments = format!("<@{id}> {}", rest.as_deref().unwrap_or(""));
        audit_other(ctx, &c, &caller, "link", &arguments, &result).await;
    }
    let reply = result?;
    ctx.data().cache.clear();
    send(ctx, &reply, None).await.map(|_| ())
}

/// Linking or unlinking another account is an admin act: it goes to the audit log.
async fn audit_other(
    ctx: Context<'_>,
    c: &Ctx,
    caller: &Caller,
    command: &str,
    arguments: &str,
    result: &CommandResult,
) {
    let outcome = admin::outcome(result);
    if let Err(error) =
        admin::audit(c, caller, ctx.channel_id().get(), command, arguments, &outcome).await
    {
        tracing::error!(error = %error, "cannot write the audit log");
    }
}

/// Remove your link (admins: `!unlink @user`).
#[poise::command(prefix_command, slash_command, category = "Players")]
pub async fn unlink(
    ctx: Context<'_>,
    #[description = "Admins: the account to unlink"] user: Option<String>,
) -> Result<(), Error> {
    let caller = caller(ctx).await;
    let target = match user.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(text) => Some(
            mention_id(text)?
                .ok_or_else(|| {
                    CommandError::Invalid(
                        "`!unlink` takes a @mention of the account (nothing: your own link)".into(),
                    )
                })?
                .get(),
        ),
    };
    let c = ctx.data().ctx();
    let result = commands::links::unlink(&c, &caller, target).await;
    if let Some(id) = target.filter(|id| Some(*id) != caller.discord_id) {
        audit_other(ctx, &c, &caller, "unlink", &format!("<@{id}>"), &result).await;
    }
    let reply = result?;
    ctx.data().cache.clear();
    send(ctx, &reply, None).await.map(|_| ())
}

/// Badges and progress (a player's, or the legend).
#[poise::command(prefix_command, slash_command, aliases("medals", "badges"), category = "Players")]
pub async fn achievements(
    ctx: Context<'_>,
    #[description = "Player"]
    #[rest]
    player: Option<String>,
) -> Result<(), Error> {
    let caller = caller(ctx).await;
    let reply = commands::achievements::achievements(
        &ctx.data().ctx(),
        &Who::parse(player.as_deref())?,
        &caller,
    )
    .await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// This quarter's season and its leaders.
#[poise::command(prefix_command, slash_command, aliases("season_info"), category = "Players")]
pub async fn season(ctx: Context<'_>) -> Result<(), Error> {
    let reply =
        cached(
            ctx,
            "season".to_owned(),
            |c| async move { commands::achievements::season(&c).await },
        )
        .await?;
    send(ctx, &reply, None).await.map(|_| ())
}

/// What each command does.
#[poise::command(
    prefix_command,
    slash_command,
    aliases("commands", "cmds", "help_command"),
    category = "Players"
)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    let caller = caller(ctx).await;
    send(ctx, &commands::help::help(caller.admin), None).await.map(|_| ())
}

/// Runs an admin command: only in admin channels (silent elsewhere), only for admins, and
/// every use written to the audit log.
async fn admin_command<F, Fut>(
    ctx: Context<'_>,
    name: &str,
    arguments: &str,
    run: F,
) -> Result<(), Error>
where
    F: FnOnce(Ctx, Caller, Arc<dyn Operations>) -> Fut,
    Fut: Future<Output = CommandResult>,
{
    let rules = ctx.data().rules();
    let channel = ctx.channel_id().get();
    if !rules.admin_channel(channel) {
        tracing::debug!(command = name, channel, "ignored: not an admin channel");
        return Ok(());
    }
    let caller = caller(ctx).await;
    let c = ctx.data().ctx();
    if !caller.admin {
        tracing::warn!(command = name, user = %ctx.author().id, channel, "admin command refused");
        if let Err(error) = admin::audit(&c, &caller, channel, name, arguments, "refused").await {
            tracing::error!(error = %error, "cannot write the audit log");
        }
        return Err(CommandError::Refused("admins only".into()));
    }
    let result = run(c.clone(), caller.clone(), ctx.data().ops.clone()).await;
    let outcome = admin::outcome(&result);
    if let Err(error) = admin::audit(&c, &caller, channel, name, arguments, &outcome).await {
        tracing::error!(error = %error, "cannot write the audit log");
    }
    tracing::info!(command = name, user = %ctx.author().id, outcome = %outcome, "admin command");
    send(ctx, &result?, None).await.map(|_| ())
}

/// Each actor's health, the last file, the next poll and the voice session.
#[poise::command(prefix_command, slash_command, category = "Admin")]
pub async fn automation_status(ctx: Context<'_>) -> Result<(), Error> {
    admin_command(ctx, "automation_status", "", |c, caller, ops| async move {
        admin::automation_status(&c, ops.as_ref(), &caller).await
    })
    .await
}

/// Reaches every game server: latency and stats files there.
#[poise::command(prefix_command, slash_command, category = "Admin")]
pub async fn ssh_check(ctx: Context<'_>) -> Result<(), Error> {
    defer(ctx).await;
    admin_command(ctx, "ssh_check", "", |c, caller, ops| async move {
        admin::ssh_check(&c, ops.as_ref(), &caller).await
    })
    .await
}

/// Fetches and imports what is missing (default: files of the last day).
#[poise::command(
    prefix_command,
    slash_command,
    aliases("sync_stats", "syncstats"),
    category = "Admin"
)]
pub async fn sync(
    ctx: Context<'_>,
    #[description = "Days back: 3, 2w, 1m or all"] days: Option<String>,
) -> Result<(), Error> {
    let arguments = days.clone().unwrap_or_default();
    admin_command(ctx, "sync", &arguments, |c, caller, ops| async move {
        let days = admin::parse_days(days.as_deref())?;
        admin::sync(&c, ops.as_ref(), &caller, days).await
    })
    .await
}

/// Fetches and imports one stats file now.
#[poise::command(prefix_command, slash_command, category = "Admin")]
pub async fn import(
    ctx: Context<'_>,
    #[description = "Stats file name"] file: String,
) -> Result<(), Error> {
    let arguments = commands::format::cut(&file, 255);
    admin_command(ctx, "import", &arguments, |c, caller, ops| async move {
        admin::import(&c, ops.as_ref(), &caller, &file).await
    })
    .await
}

/// Re-reads the settings files.
#[poise::command(prefix_command, slash_command, category = "Admin")]
pub async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    admin_command(ctx, "reload", "", |c, caller, ops| async move {
        admin::reload(&c, ops.as_ref(), &caller).await
    })
    .await
}

/// Drops cached command results.
#[poise::command(prefix_command, slash_command, category = "Admin")]
pub async fn cache_clear(ctx: Context<'_>) -> Result<(), Error> {
    admin_command(ctx, "cache_clear", "", |c, caller, ops| async move {
        admin::cache_clear(&c, ops.as_ref(), &caller).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> ChannelRules {
        ChannelRules {
            command_channels: Vec::new(),
            public: vec![100, 102],
            admin_channels: vec![105],
            control: 101,
            admin_users: vec![7],
            admin_roles: vec![70],
        }
    }

    #[test]
    fn commands_are_read_only_in_configured_channels() {
        let r = rules();
        assert!(r.reads(100) && r.reads(102) && r.reads(105));
        assert!(!r.reads(101), "never in the control channel");
        assert!(!r.reads(103));
        let only = ChannelRules { command_channels: vec![104], ..rules() };
        assert!(only.reads(104) && only.reads(105) && !only.reads(100));
        let open = ChannelRules { public: Vec::new(), admin_channels: Vec::new(), ..rules() };
        assert!(open.reads(999) && !open.reads(101));
    }

    #[test]
    fn admins_by_list_role_or_manage_server() {
        let r = rules();
        assert!(r.is_admin(7, &[], false));
        assert!(r.is_admin(8, &[70], false));
        assert!(!r.is_admin(8, &[71], true), "with lists set, Manage Server alone is not enough");
        let none = ChannelRules { admin_users: Vec::new(), admin_roles: Vec::new(), ..rules() };
        assert!(none.is_admin(8, &[], true) && !none.is_admin(8, &[], false));
        assert!(r.admin_channel(105) && !r.admin_channel(100));
    }
}
