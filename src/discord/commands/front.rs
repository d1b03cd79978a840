//! One poise command per entry of the command table: its prefix form splits the text into the
//! table's parameters (`commands::args`), its slash form takes them as options, and both run
//! the entry's handler through [`invoke`], which adds what only Discord has: admin channel,
//! rights and audit for admin commands, deferring slow slash commands, the reply with its
//! images, and page buttons when the reply is one page of several.
use std::borrow::Cow;

use poise::serenity_prelude::{CommandOptionType, CreateCommandOption, ResolvedValue};
use poise::{BoxFuture, FrameworkError};

use super::{presses::Presses, *};
use crate::commands::{
    args,
    call::{Call, Front},
    registry::{Kind, Param, Spec},
};

/// What Discord offers a command: the reply cache, the daemon, user names, the channel.
pub(super) struct DiscordFront {
    pub(super) cache: Arc<CommandCache>,
    pub(super) ops: Arc<dyn Operations>,
    pub(super) http: Arc<serenity::Http>,
    pub(super) channel: u64,
    pub(super) serenity: serenity::Context,
    pub(super) guild: Option<serenity::GuildId>,
    pub(super) voice_channels: Vec<u64>,
}

impl Front for DiscordFront {
    fn cache(&self) -> Option<&CommandCache> {
        Some(&self.cache)
    }

    fn operations(&self) -> Option<&dyn Operations> {
        Some(self.ops.as_ref())
    }

    fn channel(&self) -> u64 {
        self.channel
    }

    fn voice_members(&self) -> Vec<u64> {
        let Some(guild) = self.guild.and_then(|g| self.serenity.cache.guild(g)) else {
            return Vec::new();
        };
        crate::discord::handler::members_in(&guild, &self.voice_channels).into_iter().collect()
    }

    fn user_name(&self, id: u64) -> commands::call::BoxFuture<'_, Option<String>> {
        Box::pin(async move {
            let user = serenity::UserId::from(std::num::NonZeroU64::new(id)?);
            self.http.get_user(user).await.map(|u| u.name).ok()
        })
    }
}

/// The poise command of `spec`, with its metadata from the table.
pub(super) fn command(spec: &'static Spec) -> poise::Command<Data, Error> {
    let command = poise::Command {
        name: spec.name.into(),
        qualified_name: spec.name.into(),
        identifying_name: spec.name.into(),
        source_code_name: spec.name.into(),
        prefix_action: Some(prefix_action),
        slash_action: Some(slash_action),
        parameters: spec.params.iter().filter(|p| p.on_discord()).map(parameter).collect(),
        aliases: spec.aliases.iter().map(|a| Cow::Borrowed(*a)).collect(),
        category: Some(spec.group.label().into()),
        description: Some(spec.help.into()),
        ..Default::default()
    };
    command.cooldown_config.write().unwrap_or_else(PoisonError::into_inner).user = spec.cooldown();
    command
}

fn parameter(param: &'static Param) -> poise::CommandParameter<Data, Error> {
    fn text(option: CreateCommandOption) -> CreateCommandOption {
        option.kind(CommandOptionType::String)
    }
    fn number(option: CreateCommandOption) -> CreateCommandOption {
        option
            .kind(CommandOptionType::Integer)
            .min_number_value(0.0)
            .max_number_value(f64::from(u32::MAX))
    }
    poise::CommandParameter {
        name: param.name.into(),
        name_localizations: Cow::Borrowed(&[]),
        description: Some(param.help.into()),
        description_localizations: Cow::Borrowed(&[]),
        required: param.required,
        channel_types: None,
        choices: Cow::Borrowed(&[]),
        type_setter: Some(if param.kind == Kind::Number { number } else { text }),
        autocomplete_callback: None,
        __non_exhaustive: (),
    }
}

fn spec_of(ctx: Context<'_>) -> Result<&'static Spec, Error> {
    let name = &ctx.command().name;
    crate::commands::registry::find(name)
        .ok_or_else(|| CommandError::Internal(format!("{name} is not in the command table")))
}

fn prefix_action(
    ctx: poise::PrefixContext<'_, Data, Error>,
) -> BoxFuture<'_, Result<(), FrameworkError<'_, Data, Error>>> {
    Box::pin(act(poise::Context::Prefix(ctx), move |spec| args::split(ctx.args, spec.params)))
}

fn slash_action(
    ctx: poise::ApplicationContext<'_, Data, Error>,
) -> BoxFuture<'_, Result<(), FrameworkError<'_, Data, Error>>> {
    Box::pin(act(poise::Context::Application(ctx), move |spec| {
        let value = |param: &Param| {
            let option = ctx.args.iter().find(|o| o.name == param.name)?;
            match &option.value {
                ResolvedValue::String(text) => Some((*text).to_owned()),
                ResolvedValue::Integer(n) => Some(n.to_string()),
                _ => None,
            }
        };
        Ok(spec.params.iter().map(value).collect())
    }))
}

/// The command's table entry, its arguments read by `values`, then [`invoke`]; errors go to
/// the framework's `on_error` (arguments that do not fit as an argument error).
async fn act<'a>(
    ctx: Context<'a>,
    values: impl FnOnce(&'static Spec) -> Result<Vec<Option<String>>, args::ArgError>,
) -> Result<(), FrameworkError<'a, Data, Error>> {
    let spec = spec_of(ctx).map_err(|error| FrameworkError::new_command(ctx, error))?;
    let values = values(spec)
        .map_err(|error| FrameworkError::new_argument_parse(ctx, error.input(), Box::new(error)))?;
    invoke(ctx, spec, values).await.map_err(|error| FrameworkError::new_command(ctx, error))
}

/// Runs `spec`'s handler for this use: admin commands only in admin channels (silent
/// elsewhere), only for admins, every use audited; then the reply (with page buttons when
/// it has pages).
async fn invoke(
    ctx: Context<'_>,
    spec: &'static Spec,
    values: Vec<Option<String>>,
) -> Result<(), Error> {
    if let Some(missing) = spec.params.iter().zip(&values).find(|(p, v)| p.required && v.is_none())
    {
        return Err(CommandError::Invalid(format!(
            "`{}` needs `{}`",
            spec.usage(),
            missing.0.name
        )));
    }
    // As poise's own commands do: the cooldown starts once the arguments are read.
    let command = ctx.command();
    if !command.manual_cooldowns.unwrap_or(ctx.framework().options().manual_cooldowns) {
        let mut cooldowns = command.cooldowns.lock().unwrap_or_else(PoisonError::into_inner);
        cooldowns.start_cooldown(ctx.cooldown_context());
    }
    let data = ctx.data();
    let channel = ctx.channel_id().get();
    if spec.admin() && !data.rules().admin_channel(channel) {
        tracing::debug!(command = spec.name, channel, "ignored: not an admin channel");
        return Ok(());
    }
    let front = DiscordFront {
        cache: data.cache.clone(),
        ops: data.ops.clone(),
        http: ctx.serenity_context().http.clone(),
        channel,
        serenity: ctx.serenity_context().clone(),
        guild: ctx.guild_id(),
        voice_channels: data.voice_channels.clone(),
    };
    let call = Call {
        spec,
        invoked: ctx.invoked_command_name().to_lowercase(),
        ctx: data.ctx(),
        caller: caller(ctx).await,
        args: values,
        page: None,
        front: Arc::new(front),
    };
    if spec.admin() && !call.caller.admin {
        tracing::warn!(command = spec.name, user = %ctx.author().id, channel, "admin command refused");
        call.audit_outcome(spec.name, &call.arguments(), "refused").await;
        return Err(CommandError::Refused("admins only".into()));
    }
    if spec.slow {
        defer(ctx).await;
    }
    let result = (spec.run)(&call).await;
    if spec.admin() {
        let outcome = admin::outcome(&result);
        call.audit_outcome(spec.name, &call.arguments(), &outcome).await;
        tracing::info!(command = spec.name, user = %ctx.author().id, outcome = %outcome, "admin command");
    }
    let reply = result?;
    let paged = spec.pages() && reply.pages.is_some_and(|p| p.total > 1);
    let switch = spec.switch().filter(|_| !paged && !reply.posts.is_empty());
    if !paged && switch.is_none() {
        return send(ctx, &reply, Vec::new()).await.map(|_| ());
    }
    let key = format!("{}{}", if paged { "pg" } else { "sw" }, ctx.id());
    // Listen for the components before the message exists, so no press can come too early.
    let prefix = key.clone();
    let presses =
        serenity::collector::collect(&ctx.serenity_context().shard, move |event| match event {
            serenity::Event::InteractionCreate(created) => created
                .interaction
                .as_message_component()
                .filter(|press| press.data.custom_id.starts_with(&prefix))
                .cloned(),
            _ => None,
        });
    let components = match (reply.pages, switch) {
        (Some(pages), _) if paged => page_buttons(&key, pages.page, pages.total),
        (_, Some((index, param))) => {
            let current = call.args[index].as_deref().unwrap_or(param.choices[0]);
            let current = param.choices.iter().find(|c| c.eq_ignore_ascii_case(current.trim()));
            choice_menu(&key, param.choices, current.copied().unwrap_or(param.choices[0]))
        }
        _ => Vec::new(),
    };
    let Some(message) = send(ctx, &reply, components).await? else { return Ok(()) };
    let presses = Presses {
        serenity: ctx.serenity_context().clone(),
        timezone: data.timezone,
        owner: ctx.author().id,
        key,
        call,
        message,
        stream: Box::pin(presses),
    };
    match (reply.pages, switch) {
        (Some(pages), _) if paged => {
            tokio::spawn(Pager { presses, page: pages.page, total: pages.total }.run());
        }
        (_, Some((index, _))) => {
            tokio::spawn(Switcher { presses, index }.run());
        }
        _ => {}
    }
    Ok(())
}
