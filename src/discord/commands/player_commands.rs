//! The player commands on Discord: each parses its arguments and calls the command layer.
use super::*;

/// Lifetime stats of a player (name, part of a name, GUID or @mention; none: your own).
#[poise::command(prefix_command, slash_command)]
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
#[poise::command(prefix_command, slash_command)]
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

/// Two players side by side.
#[poise::command(prefix_command, slash_command)]
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

/// Players whose names contain the text.
#[poise::command(prefix_command, slash_command)]
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
#[poise::command(prefix_command, slash_command)]
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
pub(super) async fn audit_other(
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
#[poise::command(prefix_command, slash_command)]
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
#[poise::command(prefix_command, slash_command)]
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
#[poise::command(prefix_command, slash_command)]
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
#[poise::command(prefix_command, slash_command)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    let caller = caller(ctx).await;
    send(ctx, &commands::help::help(caller.admin), None).await.map(|_| ())
}
