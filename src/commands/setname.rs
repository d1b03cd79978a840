//! `!setname <name> | alias <alias> | reset`: the name every post and board shows for your
//! linked player (`player_links.display_name`, source `custom`, `alias` or `auto`); admins
//! set another account's with `!setname @user …`.
use entity::{player_aliases as aliases, player_links as links};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::json;

use super::{
    Caller, CommandError, CommandResult, Ctx, Reply,
    call::{BoxFuture, Call},
    players,
};
use crate::render::{Post, safe_name};

/// Shortest and longest chosen name, in characters (as the original).
pub const LENGTH: (usize, usize) = (2, 32);

/// What `!setname` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// A name of the player's own choosing.
    Custom(String),
    /// One of the names the player played under.
    Alias(String),
    /// Back to the name seen most.
    Reset,
}

fn usage() -> CommandError {
    CommandError::Invalid(format!(
        "usage: `!setname <name>` ({}–{} characters), `!setname alias <one of your names>` or `!setname reset`",
        LENGTH.0, LENGTH.1
    ))
}

/// Reads the argument: `reset`, `alias <alias>`, or a name of 2 to 32 printable characters
/// (spaces inside are kept, around are dropped).
pub fn parse(text: &str) -> Result<Choice, CommandError> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("reset") {
        return Ok(Choice::Reset);
    }
    if text.eq_ignore_ascii_case("alias") {
        return Err(usage());
    }
    let (choice, name) = match text.split_once(char::is_whitespace) {
        Some((word, rest)) if word.eq_ignore_ascii_case("alias") => {
            (Choice::Alias as fn(_) -> _, rest.trim())
        }
        _ => (Choice::Custom as fn(_) -> _, text),
    };
    let length = name.chars().count();
    if !(LENGTH.0..=LENGTH.1).contains(&length) || name.chars().any(char::is_control) {
        return Err(usage());
    }
    Ok(choice(name.to_owned()))
}

/// Sets the display name of `account`'s link (the caller's own without one; another's for
/// admins only).
pub async fn setname(
    ctx: &Ctx,
    caller: &Caller,
    account: Option<u64>,
    choice: Choice,
) -> CommandResult {
    let account = match account {
        Some(id) if !caller.admin && Some(id) != caller.discord_id => {
            return Err(CommandError::Refused("only admins can name other players".into()));
        }
        Some(id) => id,
        None => caller
            .discord_id
            .ok_or_else(|| CommandError::Invalid("`!setname` needs a Discord account".into()))?,
    };
    let link = links::Entity::find()
        .filter(links::Column::DiscordId.eq(i64::try_from(account).unwrap_or(i64::MAX)))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| CommandError::NotLinked { who: format!("<@{account}>") })?;
    let (name, source) = match choice {
        Choice::Custom(name) => (Some(name), "custom"),
        Choice::Reset => (None, "auto"),
        Choice::Alias(wanted) => {
            let known = aliases::Entity::find()
                .filter(aliases::Column::Guid.eq(link.player_guid.as_str()))
                .all(&ctx.db)
                .await?;
            let Some(alias) = known.into_iter().find(|a| a.alias.eq_ignore_ascii_case(&wanted))
            else {
                return Err(CommandError::Invalid(format!(
                    "{} is not one of the player's names (`!myaliases` lists them)",
                    safe_name(&wanted, ctx.names, 32)
                )));
            };
            (Some(alias.alias), "alias")
        }
    };
    let guid = link.player_guid.clone();
    let mut row = link.into_active_model();
    row.display_name = Set(name.clone());
    row.display_name_source = Set(source.to_owned());
    row.display_name_updated_at = Set(Some(ctx.now));
    row.update(&ctx.db).await?;
    let shown = players::display_names(&ctx.db, std::slice::from_ref(&guid)).await?;
    let shown = shown.get(&guid).cloned().unwrap_or_else(|| guid.clone());
    tracing::info!(command = "setname", discord_id = account, source, "display name set");
    Ok(Reply::single(
        Post {
            title: "✏️ Name set".to_owned(),
            colour: 0x0057_F287,
            description: format!(
                "<@{account}> is shown as **{}** in posts and boards from now on.",
                safe_name(&shown, ctx.names, 32)
            ),
            fields: Vec::new(),
            footer: format!("GUID: {guid}"),
        },
        json!({ "discord_id": account, "guid": guid, "display_name": name, "source": source, "shown": shown }),
    ))
}

/// The table's handler: `!setname <name>|alias <alias>|reset`, or for admins
/// `!setname @user …` (audited). Replies shown before are dropped (names changed).
pub fn run_setname(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let text = call.arg("name").unwrap_or_default();
        let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let (target, rest) = match players::mention_id(first)? {
            Some(id) => (Some(id.get()), rest),
            None => (None, text),
        };
        let choice = parse(rest)?;
        let result = setname(&call.ctx, &call.caller, target, choice).await;
        if let Some(id) = target.filter(|id| Some(*id) != call.caller.discord_id) {
            call.audit("setname", &format!("<@{id}> {}", rest.trim()), &result).await;
        }
        let reply = result?;
        call.changed();
        Ok(reply)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_names_aliases_and_reset() {
        assert_eq!(parse(" Reset ").unwrap(), Choice::Reset);
        assert_eq!(parse("alias  Old Name ").unwrap(), Choice::Alias("Old Name".into()));
        assert_eq!(parse("New Name").unwrap(), Choice::Custom("New Name".into()));
        assert_eq!(parse("aliasx").unwrap(), Choice::Custom("aliasx".into()));
        for bad in ["", "x", "alias x", &"y".repeat(33), "bad\u{7}bell", "alias"] {
            assert!(matches!(parse(bad), Err(CommandError::Invalid(_))), "{bad:?}");
        }
        assert_eq!(parse(&"é".repeat(32)).unwrap(), Choice::Custom("é".repeat(32)));
    }

    proptest! {
        #[test]
        fn any_text_is_read_or_refused_without_panicking(text in "\\PC{0,64}") {
            match parse(&text) {
                Ok(Choice::Custom(n)) | Ok(Choice::Alias(n)) => {
                    let length = n.chars().count();
                    prop_assert!((LENGTH.0..=LENGTH.1).contains(&length));
                }
                Ok(Choice::Reset) => prop_assert!(text.trim().eq_ignore_ascii_case("reset")),
                Err(_) => {}
            }
        }
    }
}
