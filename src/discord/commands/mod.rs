//! The commands on Discord (poise): a `!` prefix command and a slash command for every entry
//! of the command table (`commands::registry`), built by one generic front end (`front`) that
//! runs the entry's handler from the command layer (`crate::commands`). This module
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
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateSelectMenu,
    CreateSelectMenuKind, CreateSelectMenuOption, EditMessage,
};

use super::sink::embed;
use crate::{
    commands::{
        self, Caller, CommandError, Ctx, Reply,
        admin::{self, Operations},
        cache::CommandCache,
    },
    render::Names,
};

mod front;
mod hooks;
mod pager;
mod presses;
mod reply;
mod rules;
mod switcher;

use self::{
    hooks::{finished, on_error},
    pager::Pager,
    reply::{choice_menu, defer, embeds, page_buttons, send},
    rules::caller,
    switcher::Switcher,
};
pub use self::{pager::PAGE_BUTTONS_FOR, rules::ChannelRules, switcher::MENU_FOR};

/// The error type of every command.
pub type Error = CommandError;
/// poise's context with our data.
pub type Context<'a> = poise::Context<'a, Data, Error>;

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
    memo: Arc<crate::commands::team_records::Memo>,
    /// `web.public_url`: answers link to the site's pages.
    pub site: Option<Arc<url::Url>>,
    /// The gaming voice channels (`!suggest_teams` takes their members).
    pub voice_channels: Vec<u64>,
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
        Data {
            db,
            cache,
            ops,
            rules,
            timezone,
            slow,
            started: Mutex::new(HashMap::new()),
            memo: Default::default(),
            site: None,
            voice_channels: Vec::new(),
        }
    }

    fn rules(&self) -> ChannelRules {
        self.rules.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn ctx(&self) -> Ctx {
        let now = chrono::Utc::now().with_timezone(&self.timezone).naive_local();
        Ctx {
            db: self.db.clone(),
            names: Names::Discord,
            now,
            memo: self.memo.clone(),
            site: self.site.clone(),
        }
    }
}

/// Every command, for the framework: one per entry of the command table
/// (`commands::registry`), which gives each its aliases, category, description, cooldown and
/// parameters.
pub fn all() -> Vec<poise::Command<Data, Error>> {
    crate::commands::registry::COMMANDS.iter().map(front::command).collect()
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
    fn every_discord_command_is_in_the_command_table_and_takes_its_metadata() {
        use crate::commands::registry::COMMANDS;
        let commands = all();
        let names: Vec<&str> = commands.iter().map(|c| c.name.as_ref()).collect();
        let table: Vec<&str> = COMMANDS.iter().map(|s| s.name).collect();
        assert_eq!(names, table, "discord::commands::all() and the command table differ");
        for (command, spec) in commands.iter().zip(COMMANDS) {
            let aliases: Vec<&str> = command.aliases.iter().map(AsRef::as_ref).collect();
            assert_eq!(aliases, spec.aliases, "{}", spec.name);
            assert_eq!(command.category.as_deref(), Some(spec.group.label()));
            assert_eq!(command.description.as_deref(), Some(spec.help));
            let cooldown = command.cooldown_config.read().unwrap().user;
            assert_eq!(cooldown, spec.cooldown(), "{}", spec.name);
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
