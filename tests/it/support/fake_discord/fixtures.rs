//! JSON fixtures of the fake Discord: users, members, roles, channels, the guild, messages,
//! READY, webhooks, the application. Shapes are those serenity 0.12.5 deserializes.
use serde_json::{Value, json};

use super::{EVERYONE_PERMISSIONS, FakeConfig};

/// The time used for `joined_at` and other fixed timestamps.
pub(super) const EPOCH: &str = "2024-01-01T00:00:00.000000+00:00";
/// The guild owner: a human who is never the bot, so the bot's permissions come from roles only.
pub(super) const OWNER_ID: u64 = 1;

/// "now" in Discord's timestamp format.
pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

/// The id of the role the bot's member carries (the `@everyone` role id is the guild id).
pub(super) fn bot_role_id(config: &FakeConfig) -> u64 {
    config.guild_id + 1
}

pub(super) fn bot_user(config: &FakeConfig) -> Value {
    json!({
        "id": config.bot_user_id.to_string(),
        "username": "slomix-fake",
        "discriminator": "0000",
        "global_name": null,
        "avatar": null,
        "bot": true,
        "system": false,
        "mfa_enabled": false,
        "verified": true,
        "email": null,
        "flags": 0,
        "public_flags": 0,
    })
}

pub(super) fn human_user(id: u64, username: &str) -> Value {
    json!({
        "id": id.to_string(),
        "username": username,
        "discriminator": "0",
        "global_name": username,
        "avatar": null,
        "bot": false,
        "public_flags": 0,
    })
}

pub(super) fn webhook_user(webhook_id: u64, username: &str) -> Value {
    json!({
        "id": webhook_id.to_string(),
        "username": username,
        "discriminator": "0000",
        "avatar": null,
        "bot": true,
    })
}

/// A full guild member (GUILD_CREATE `members`, VOICE_STATE_UPDATE `member`).
pub(super) fn member(user: Value, roles: &[u64]) -> Value {
    json!({
        "user": user,
        "nick": null,
        "avatar": null,
        "roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "joined_at": EPOCH,
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    })
}

/// The partial member a MESSAGE_CREATE carries (no `user`).
pub(super) fn partial_member() -> Value {
    json!({
        "roles": [],
        "joined_at": EPOCH,
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "nick": null,
        "avatar": null,
    })
}

fn role(
    guild_id: u64,
    id: u64,
    name: &str,
    permissions: u64,
    position: u16,
    managed: bool,
) -> Value {
    json!({
        "id": id.to_string(),
        "guild_id": guild_id.to_string(),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "managed": managed,
        "mentionable": false,
        "permissions": permissions.to_string(),
        "position": position,
        "icon": null,
        "unicode_emoji": null,
        "flags": 0,
    })
}

/// A guild channel: `kind` 0 = text, 2 = voice.
pub(super) fn channel(config: &FakeConfig, id: u64) -> Option<Value> {
    let guild_id = config.guild_id.to_string();
    if let Some(pos) = config.text_channels.iter().position(|&c| c == id) {
        return Some(json!({
            "id": id.to_string(),
            "type": 0,
            "guild_id": guild_id,
            "name": format!("text-{id}"),
            "position": pos,
            "permission_overwrites": [],
            "nsfw": false,
            "topic": null,
            "last_message_id": null,
            "parent_id": null,
            "rate_limit_per_user": 0,
            "flags": 0,
        }));
    }
    let pos = config.voice_channels.iter().position(|&c| c == id)?;
    Some(json!({
        "id": id.to_string(),
        "type": 2,
        "guild_id": guild_id,
        "name": format!("voice-{id}"),
        "position": pos,
        "permission_overwrites": [],
        "nsfw": false,
        "parent_id": null,
        "bitrate": 64000,
        "user_limit": 0,
        "rtc_region": null,
        "rate_limit_per_user": 0,
        "flags": 0,
    }))
}

/// One voice state. `channel_id: None` means "left voice".
pub(super) fn voice_state(config: &FakeConfig, user_id: u64, channel_id: Option<u64>) -> Value {
    json!({
        "guild_id": config.guild_id.to_string(),
        "channel_id": channel_id.map(|c| c.to_string()),
        "user_id": user_id.to_string(),
        "session_id": format!("voice-session-{user_id}"),
        "deaf": false,
        "mute": false,
        "self_deaf": false,
        "self_mute": false,
        "self_stream": false,
        "self_video": false,
        "suppress": false,
        "request_to_speak_timestamp": null,
    })
}

/// What a GUILD_CREATE needs to know beyond the config.
pub(super) struct GuildView<'a> {
    pub voice: &'a [(u64, u64)],
    pub humans: &'a [(u64, String)],
    pub bot_permissions: u64,
}

/// The full GUILD_CREATE payload.
pub(super) fn guild(config: &FakeConfig, view: &GuildView<'_>) -> Value {
    let g = config.guild_id;
    let bot_role = bot_role_id(config);
    let roles = vec![
        role(g, g, "@everyone", EVERYONE_PERMISSIONS, 0, false),
        role(g, bot_role, "slomix", view.bot_permissions, 1, true),
    ];
    let mut members = vec![member(bot_user(config), &[bot_role])];
    members.extend(view.humans.iter().map(|(id, name)| member(human_user(*id, name), &[])));
    let channels: Vec<Value> = config
        .text_channels
        .iter()
        .chain(&config.voice_channels)
        .filter_map(|&c| channel(config, c))
        .collect();
    let voice_states: Vec<Value> =
        view.voice.iter().map(|&(user, chan)| voice_state(config, user, Some(chan))).collect();
    json!({
        "id": g.to_string(),
        "name": "Fake ET:Legacy Guild",
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": OWNER_ID.to_string(),
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": roles,
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "joined_at": EPOCH,
        "large": false,
        "unavailable": false,
        "member_count": members.len(),
        "voice_states": voice_states,
        "members": members,
        "channels": channels,
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
    })
}

/// The READY payload.
pub(super) fn ready(config: &FakeConfig, session_id: &str, ws_url: &str) -> Value {
    json!({
        "v": 10,
        "user": bot_user(config),
        "guilds": [{"id": config.guild_id.to_string(), "unavailable": true}],
        "session_id": session_id,
        "resume_gateway_url": ws_url,
        "shard": [0, 1],
        "application": {"id": config.application_id.to_string(), "flags": 0},
    })
}

/// `GET /oauth2/applications/@me`.
pub(super) fn application(config: &FakeConfig) -> Value {
    json!({
        "id": config.application_id.to_string(),
        "name": "slomix-fake",
        "icon": null,
        "description": "",
        "rpc_origins": [],
        "bot_public": false,
        "bot_require_code_grant": false,
        "owner": human_user(OWNER_ID, "owner"),
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
        "team": null,
        "flags": 0,
        "bot": bot_user(config),
    })
}

/// A full Message. `payload` is what the client sent (content, embeds, components, flags).
pub(super) struct MessageParts<'a> {
    pub id: u64,
    pub channel_id: u64,
    pub author: Value,
    pub payload: &'a Value,
    pub attachments: Vec<Value>,
    pub webhook_id: Option<u64>,
    pub member: Option<Value>,
}

pub(super) fn message(config: &FakeConfig, parts: MessageParts<'_>) -> Value {
    let field = |name: &str, default: Value| parts.payload.get(name).cloned().unwrap_or(default);
    let mut msg = json!({
        "id": parts.id.to_string(),
        "channel_id": parts.channel_id.to_string(),
        "guild_id": config.guild_id.to_string(),
        "author": parts.author,
        "content": field("content", json!("")),
        "timestamp": now(),
        "edited_timestamp": null,
        "tts": field("tts", json!(false)),
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": parts.attachments,
        "embeds": field("embeds", json!([])),
        "components": field("components", json!([])),
        "pinned": false,
        "type": 0,
        "flags": field("flags", json!(0)),
    });
    if let Some(webhook_id) = parts.webhook_id {
        msg["webhook_id"] = json!(webhook_id.to_string());
    }
    if let Some(member) = parts.member {
        msg["member"] = member;
    }
    msg
}

/// `GET /webhooks/{id}/{token}`.
pub(super) fn webhook(
    config: &FakeConfig,
    id: u64,
    channel_id: u64,
    token: &str,
    url: &str,
) -> Value {
    json!({
        "id": id.to_string(),
        "type": 1,
        "guild_id": config.guild_id.to_string(),
        "channel_id": channel_id.to_string(),
        "name": "fake-webhook",
        "avatar": null,
        "token": token,
        "application_id": null,
        "url": url,
    })
}
