//! A fake Discord (REST + gateway websocket, plain http/ws on 127.0.0.1) that the unchanged
//! serenity 0.12.5 client logs into, records what the bot does, and injects faults.
//!
//! Wire the client like this (see `fake_discord_selftest.rs`):
//! `HttpBuilder::new(token).proxy(fake.base_url()).ratelimiter_disabled(true).build()` and
//! `ClientBuilder::new_with_http(http, intents)`.
//!
//! What serenity 0.12.5 does that shaped this fake (checked in its source and against this fake):
//! - The proxy is honoured only with the rate limiter disabled; with it enabled every request
//!   goes to the real discord.com (serenity#1739). With it disabled serenity never retries a
//!   429 and does not expose `retry_after`: the caller sees `HttpError::UnsuccessfulRequest`
//!   with `status_code` 429 only.
//! - Awaiting `ClientBuilder` calls `GET /api/v10/gateway` (not `/gateway/bot`); on any failure
//!   it silently falls back to `wss://gateway.discord.gg`. So `GET /gateway` here needs no auth
//!   and ignores `reject_token`, like the real one, and a rejected token is refused at IDENTIFY
//!   with close code 4004, which makes `Client::start` return `InvalidAuthentication` at once
//!   instead of retrying forever (the bot should still check `GET /users/@me` first).
//! - The shard connects to `{url}?v=10`, expects HELLO first, sends IDENTIFY with
//!   `token: "Bot <token>"` and `compress: true` (ignored: we send text frames; binary frames
//!   would be taken as zlib).
//! - Serenity parses `resume_gateway_url` but reconnects to the original URL. After an abrupt
//!   close it tries RESUME (op 6) because it has a session id. By default this fake answers
//!   INVALID_SESSION (op 9, `false`), so serenity restarts the shard and re-IDENTIFYs, after
//!   its fixed 5 s wait between boots. `allow_resume(true)` answers RESUMED instead (no wait,
//!   no new READY/GUILD_CREATE, queued dispatches replayed). A new IDENTIFY gets no dispatch
//!   from before it, as on Discord: messages posted while no session was up are only in the
//!   channel's history (`GET /channels/{id}/messages` honours `limit`, `before`, `after`).
//! - Ids are snowflakes (creation time in the top 42 bits), so `created_at` is real.
//! - An ended websocket stream *without* an error is read by serenity as "no message yet"
//!   (until the next heartbeat fails); dropping the TCP connection without a close frame gives
//!   it a protocol error and an immediate reconnect, which is what `drop_gateway` does.
//! - `Message::delete` checks MANAGE_MESSAGES in the cache first (unless the author is the bot):
//!   the guild carries an `@everyone` role (id = guild id) and a bot role (id = guild id + 1,
//!   ADMINISTRATOR by default, see `set_bot_permissions`) that the bot's member holds.
//! - `Role` needs `colors` in 0.12.5; `Guild` needs many fields (see `fixtures.rs`).
//! - `Webhook::from_url` only accepts `https://discord.com/api/webhooks/{17-20 digit id}/{60-68
//!   char token}`; requests still go through the proxy. Hence `discord_webhook_url`, and webhook
//!   ids/tokens of those lengths.
//! - Query parameters are sent as `?&wait=true` (a leading `&`).
//! - A dispatch whose payload does not deserialize becomes `Event::Unknown` and is logged only
//!   at DEBUG ("An unknown event was received", target `serenity::client::dispatch`): no WARN,
//!   no handler. Run with `RUST_LOG=serenity::client::dispatch=debug` when a handler stays silent.
//! - Discord echoes the bot's own messages as MESSAGE_CREATE; so does this fake (REST posts,
//!   webhook executions, interaction replies). Raw `dispatch`ed MESSAGE_CREATE/INTERACTION_CREATE
//!   payloads are remembered too, so the bot can fetch/delete/answer them.
//! - Serenity updates its cache in event order but runs every handler call in its own task, so
//!   handlers can see events out of order (and see the cache already past their event).
//! - Create Message honours `nonce` with `enforce_nonce: true` as Discord documents it: the same
//!   author, channel and nonce within `FakeConfig::nonce_window` get the first message back
//!   (200, same id, nothing new posted; counted by `nonce_hits`), unless it was deleted.
//! - Error replies need `code` and `message` for serenity to decode them; Discord's 429 body has
//!   no `code`, so serenity reports it with code -1 ("Could not decode json").
#![allow(dead_code)] // test-support API: not every test uses every helper

mod commands;
mod fixtures;
mod gateway;
mod rest;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot, watch};

/// ADMINISTRATOR: what the bot's role carries by default.
pub const ADMINISTRATOR: u64 = 1 << 3;
/// MANAGE_MESSAGES: what `Message::delete` checks for.
pub const MANAGE_MESSAGES: u64 = 1 << 13;
/// Permissions of `@everyone`: view, send, embed links, attach files, read history, connect,
/// speak, use application commands. No MANAGE_MESSAGES.
pub const EVERYONE_PERMISSIONS: u64 =
    (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 20) | (1 << 21) | (1 << 31);

/// The fake guild and its credentials.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// The bot token without the `Bot ` prefix.
    pub token: String,
    pub heartbeat_interval_ms: u64,
    pub guild_id: u64,
    pub bot_user_id: u64,
    pub application_id: u64,
    pub text_channels: Vec<u64>,
    pub voice_channels: Vec<u64>,
    /// How long a Create Message nonce is remembered: a second request with `enforce_nonce`
    /// and the same nonce (same author and channel) within it gets the first message back.
    /// Discord says "the past few minutes"; tests can shorten it.
    pub nonce_window: std::time::Duration,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            token: "fake-token".to_owned(),
            heartbeat_interval_ms: 41_250,
            guild_id: 1000,
            bot_user_id: 900,
            application_id: 901,
            text_channels: (100..=105).collect(),
            voice_channels: vec![200, 201],
            nonce_window: std::time::Duration::from_secs(120),
        }
    }
}

/// What a faulty REST call answers instead of success.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// 429 with Discord's body and `retry-after`/`x-ratelimit-*` headers.
    RateLimited { retry_after_secs: f64 },
    /// This status with `{"message":"<code>: <reason>","code":0}`.
    Status(u16),
}

/// A file of a multipart request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// One REST call, with the status it was answered.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Without the `?`. Serenity sends e.g. `&wait=true`.
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub status: u16,
    /// The JSON body, or a multipart request's `payload_json`.
    pub json: Option<Value>,
    pub files: Vec<Attachment>,
}

/// A message created in a channel: by the bot through REST, by a webhook, or as an
/// interaction reply (then `webhook_id` is the application id, as on Discord).
#[derive(Clone, Debug)]
pub struct Posted {
    pub id: u64,
    pub channel_id: u64,
    /// What was sent: content, embeds, allowed_mentions, components, attachments ...
    pub payload: Value,
    pub files: Vec<Attachment>,
    pub webhook_id: Option<u64>,
}

/// Handle to a running fake. Clones share the server; dropping the last one stops it.
#[derive(Clone)]
pub struct FakeDiscord {
    shared: Arc<Shared>,
    _stop: Arc<StopOnDrop>,
}

struct StopOnDrop(Mutex<Option<oneshot::Sender<()>>>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(tx) = self.0.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = tx.send(());
        }
    }
}

/// State shared by the handle and the server tasks.
pub(super) struct Shared {
    config: FakeConfig,
    base_url: String,
    state: Mutex<State>,
    changed: watch::Sender<u64>,
}

/// Something to write to the gateway connection.
enum Out {
    Text(String),
    Close(u16, &'static str),
    /// Drop the TCP connection without a close frame.
    Abort,
}

struct Conn {
    id: u64,
    tx: mpsc::UnboundedSender<Out>,
    /// READY (or RESUMED) was sent on it: dispatches go out directly.
    ready: bool,
}

struct Webhook {
    channel_id: u64,
    token: String,
}

#[derive(Default)]
struct State {
    next_id: u64,
    requests: Vec<Recorded>,
    posted: Vec<Posted>,
    /// Full Message JSON by message id (REST-created and gateway-dispatched ones).
    messages: HashMap<u64, Value>,
    deleted: Vec<(u64, u64)>,
    /// (channel, author, nonce) -> (the message it created, when).
    nonces: HashMap<(u64, u64, String), (u64, std::time::Instant)>,
    /// How many Create Message requests got an earlier message back for their nonce.
    nonce_hits: usize,
    failures: Vec<(String, String, Failure, usize)>,
    reject_token: bool,
    webhooks: HashMap<u64, Webhook>,
    global_commands: Vec<Value>,
    guild_commands: HashMap<u64, Vec<Value>>,
    /// Interaction token -> (channel, original response message id once there is one; for a
    /// button press, the message the button is on).
    interactions: HashMap<String, (u64, Option<u64>)>,
    /// (message id, callback data) of every UPDATE_MESSAGE answer to a button press.
    component_updates: Vec<(u64, Value)>,
    // gateway
    voice: BTreeMap<u64, u64>,
    names: BTreeMap<u64, String>,
    bot_permissions: u64,
    identify_count: usize,
    resume_count: usize,
    last_identify: Option<Value>,
    allow_resume: bool,
    conn: Option<Conn>,
    next_conn_id: u64,
    seq: u64,
    session_id: String,
    pending: Vec<(String, Value)>,
    // Dispatches sent right behind the next IDENTIFY's GUILD_CREATE, in the same burst.
    behind_guild_create: Vec<(String, Value)>,
}

impl State {
    /// A new snowflake, as Discord makes them: milliseconds since 2015 in the top 42 bits
    /// (so `created_at` is when it was made), strictly increasing.
    fn next_id(&mut self) -> u64 {
        const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
        let ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
        let now = ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
        self.next_id = now.max(self.next_id + 1);
        self.next_id
    }

    fn ready_conn(&self) -> Option<&Conn> {
        self.conn.as_ref().filter(|c| c.ready)
    }

    /// Sends a dispatch on the ready connection, or queues it for the next READY/RESUMED.
    fn dispatch(&mut self, event: &str, data: Value) {
        if event == "MESSAGE_CREATE" {
            let id = data.get("id").and_then(id_of);
            if let Some(id) = id {
                self.messages.insert(id, data.clone());
            }
        }
        if event == "INTERACTION_CREATE" {
            let token = data.get("token").and_then(Value::as_str);
            let channel = data.get("channel_id").and_then(id_of);
            if let (Some(token), Some(channel)) = (token, channel) {
                self.interactions.insert(token.to_owned(), (channel, None));
            }
        }
        let seq = self.seq + 1;
        let sent = self.ready_conn().is_some_and(|conn| {
            let frame = json!({"op": 0, "s": seq, "t": event, "d": &data});
            conn.tx.send(Out::Text(frame.to_string())).is_ok()
        });
        if sent {
            self.seq = seq;
        } else {
            self.pending.push((event.to_owned(), data));
        }
    }

    fn humans(&self) -> Vec<(u64, String)> {
        let mut ids: Vec<u64> = self.names.keys().copied().collect();
        ids.extend(self.voice.keys().copied());
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter().map(|id| (id, self.name_of(id))).collect()
    }

    /// An INTERACTION_CREATE payload of `kind` (2 command, 3 button press) by a human (id,
    /// name) in `channel_id`, with a fresh id and token.
    fn interaction(
        &mut self,
        config: &FakeConfig,
        kind: u64,
        channel_id: u64,
        (user_id, username): (u64, &str),
        data: Value,
        message: Option<Value>,
    ) -> (u64, String, Value) {
        let id = self.next_id();
        let token = format!("fake-interaction-token-{id}");
        let mut member = fixtures::member(fixtures::human_user(user_id, username), &[]);
        member["permissions"] = json!(EVERYONE_PERMISSIONS.to_string());
        let mut payload = json!({
            "id": id.to_string(),
            "application_id": config.application_id.to_string(),
            "type": kind,
            "data": data,
            "guild_id": config.guild_id.to_string(),
            "channel_id": channel_id.to_string(),
            "member": member,
            "token": token,
            "version": 1,
            "app_permissions": self.bot_permissions.to_string(),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "context": 0,
            "attachment_size_limit": 10_485_760,
        });
        if let Some(message) = message {
            payload["message"] = message;
        }
        (id, token, payload)
    }

    fn name_of(&self, user_id: u64) -> String {
        self.names.get(&user_id).cloned().unwrap_or_else(|| format!("user{user_id}"))
    }
}

/// A snowflake from a JSON string or number.
fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes every `wait_until`.
    fn bump(&self) {
        self.changed.send_modify(|v| *v += 1);
    }

    fn ws_url(&self) -> String {
        format!("{}/gw", self.base_url.replacen("http://", "ws://", 1))
    }
}

impl FakeDiscord {
    /// Starts the fake with `FakeConfig::default()`.
    pub fn start() -> FakeDiscord {
        Self::start_with(FakeConfig::default())
    }

    /// Starts the server on its own thread with its own tokio runtime (so it runs in real time
    /// even when the test's runtime has paused time), bound to 127.0.0.1 on a free port.
    pub fn start_with(config: FakeConfig) -> FakeDiscord {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let port = listener.local_addr().expect("listener address").port();
        let state = State { next_id: 5000, bot_permissions: ADMINISTRATOR, ..State::default() };
        let shared = Arc::new(Shared {
            config,
            base_url: format!("http://127.0.0.1:{port}"),
            state: Mutex::new(state),
            changed: watch::channel(0).0,
        });
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let server = shared.clone();
        std::thread::Builder::new()
            .name(format!("fake-discord-{port}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("fake discord runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    let app = rest::router(server);
                    tokio::select! {
                        res = axum::serve(listener, app) => {
                            if let Err(e) = res {
                                eprintln!("fake discord: server error: {e}");
                            }
                        }
                        _ = stop_rx => {}
                    }
                });
                rt.shutdown_background();
            })
            .expect("spawn fake discord thread");
        FakeDiscord { shared, _stop: Arc::new(StopOnDrop(Mutex::new(Some(stop_tx)))) }
    }

    /// `http://127.0.0.1:PORT`: give it to `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// `ws://127.0.0.1:PORT/gw`, what `GET /gateway` answers.
    pub fn gateway_url(&self) -> String {
        self.shared.ws_url()
    }

    pub fn config(&self) -> &FakeConfig {
        &self.shared.config
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Runs `f` on the state and wakes waiters.
    fn update<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let out = f(&mut self.lock());
        self.shared.bump();
        out
    }

    // ---- waiting -------------------------------------------------------------------------

    /// Resolves once `what` holds; re-checked on every recorded change. No timer inside:
    /// wrap it in a timeout when running in real time.
    pub async fn wait_until(&self, what: impl Fn(&FakeDiscord) -> bool) {
        let mut rx = self.shared.changed.subscribe();
        loop {
            rx.borrow_and_update();
            if what(self) {
                return;
            }
            if rx.changed().await.is_err() {
                // Cannot happen while `self` holds the sender; avoid spinning anyway.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Resolves once a client is connected and has been sent READY and GUILD_CREATE (or
    /// RESUMED) on its current connection.
    pub async fn wait_ready(&self) {
        self.wait_until(FakeDiscord::is_ready).await;
    }

    /// Whether the current gateway connection has been sent READY (or RESUMED).
    pub fn is_ready(&self) -> bool {
        self.lock().ready_conn().is_some()
    }

    // ---- gateway ---------------------------------------------------------------------------

    pub fn identify_count(&self) -> usize {
        self.lock().identify_count
    }

    pub fn resume_count(&self) -> usize {
        self.lock().resume_count
    }

    /// The `d` of the last IDENTIFY (token, intents, shard, properties ...).
    pub fn last_identify(&self) -> Option<Value> {
        self.lock().last_identify.clone()
    }

    /// Answer RESUME with RESUMED (true) or with INVALID_SESSION so the client re-IDENTIFYs
    /// (false, the default).
    pub fn allow_resume(&self, allow: bool) {
        self.update(|st| st.allow_resume = allow);
    }

    /// Voice states for the GUILD_CREATE sent after each READY (replaces the current ones).
    pub fn set_guild_voice(&self, voice: &[(u64, u64)]) {
        self.update(|st| st.voice = voice.iter().copied().collect());
    }

    /// The voice states the next GUILD_CREATE would carry, as (user, channel).
    pub fn guild_voice(&self) -> Vec<(u64, u64)> {
        self.lock().voice.iter().map(|(&u, &c)| (u, c)).collect()
    }

    /// The username the fake uses for a human (members, voice states, messages).
    pub fn set_user_name(&self, user_id: u64, username: &str) {
        self.update(|st| st.names.insert(user_id, username.to_owned()));
    }

    /// Permissions of the bot's role in later GUILD_CREATEs (default ADMINISTRATOR).
    pub fn set_bot_permissions(&self, permissions: u64) {
        self.update(|st| st.bot_permissions = permissions);
    }

    /// Raw dispatch with the next sequence number; queued until the next READY when no client
    /// is ready.
    pub fn dispatch(&self, event: &str, data: Value) {
        self.update(|st| st.dispatch(event, data));
    }

    /// VOICE_STATE_UPDATE (with guild_id and member); also updates later GUILD_CREATEs.
    pub fn voice_state_update(&self, user_id: u64, channel_id: Option<u64>) {
        let config = &self.shared.config;
        self.update(|st| {
            match channel_id {
                Some(c) => st.voice.insert(user_id, c),
                None => st.voice.remove(&user_id),
            };
            let mut data = fixtures::voice_state(config, user_id, channel_id);
            let user = fixtures::human_user(user_id, &st.name_of(user_id));
            data["member"] = fixtures::member(user, &[]);
            st.dispatch("VOICE_STATE_UPDATE", data);
        });
    }

    /// VOICE_STATE_UPDATEs of `users` joining `channel`, sent in one burst right behind the
    /// GUILD_CREATE of the next IDENTIFY (which does not list them): people joining as the bot
    /// connects.
    pub fn joins_behind_next_guild_create(&self, users: &[u64], channel: u64) {
        let config = &self.shared.config;
        self.update(|st| {
            for &user_id in users {
                let mut data = fixtures::voice_state(config, user_id, Some(channel));
                let user = fixtures::human_user(user_id, &st.name_of(user_id));
                data["member"] = fixtures::member(user, &[]);
                st.behind_guild_create.push(("VOICE_STATE_UPDATE".to_owned(), data));
            }
        });
    }

    /// MESSAGE_CREATE from a human in a guild channel; returns the message id.
    pub fn user_message(
        &self,
        channel_id: u64,
        user_id: u64,
        username: &str,
        content: &str,
    ) -> u64 {
        let config = &self.shared.config;
        self.update(|st| {
            st.names.insert(user_id, username.to_owned());
            let id = st.next_id();
            let msg = fixtures::message(
                config,
                fixtures::MessageParts {
                    id,
                    channel_id,
                    author: fixtures::human_user(user_id, username),
                    payload: &json!({ "content": content }),
                    attachments: vec![],
                    webhook_id: None,
                    member: Some(fixtures::partial_member()),
                },
            );
            st.dispatch("MESSAGE_CREATE", msg);
            id
        })
    }

    /// MESSAGE_CREATE as a webhook posts it (webhook_id set, author id = webhook id, bot);
    /// returns the message id. Not recorded in `messages()` (use a real webhook call for that).
    pub fn webhook_message(
        &self,
        channel_id: u64,
        webhook_id: u64,
        username: &str,
        content: &str,
    ) -> u64 {
        let config = &self.shared.config;
        self.update(|st| {
            let id = st.next_id();
            let msg = fixtures::message(
                config,
                fixtures::MessageParts {
                    id,
                    channel_id,
                    author: fixtures::webhook_user(webhook_id, username),
                    payload: &json!({ "content": content }),
                    attachments: vec![],
                    webhook_id: Some(webhook_id),
                    member: None,
                },
            );
            st.dispatch("MESSAGE_CREATE", msg);
            id
        })
    }

    /// INTERACTION_CREATE for a slash command `/name` used by a human in a guild channel.
    /// `options` is Discord's option array, e.g. `[{"name":"player","type":3,"value":"bob"}]`.
    /// Returns (interaction id, token); replies then show up in `messages(channel_id)` with
    /// `webhook_id` = the application id.
    pub fn slash_command(
        &self,
        channel_id: u64,
        user_id: u64,
        username: &str,
        name: &str,
        options: Value,
    ) -> (u64, String) {
        let config = &self.shared.config;
        self.update(|st| {
            st.names.insert(user_id, username.to_owned());
            let registered = st.guild_commands.get(&config.guild_id).into_iter().flatten();
            let command_id = registered
                .chain(&st.global_commands)
                .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
                .and_then(|c| c.get("id").and_then(id_of));
            let command_id = command_id.unwrap_or_else(|| st.next_id());
            let guild_id = config.guild_id.to_string();
            let data = json!({
                "id": command_id.to_string(),
                "name": name,
                "type": 1,
                "options": options,
                "resolved": {},
                "guild_id": guild_id,
            });
            let (id, token, data) =
                st.interaction(config, 2, channel_id, (user_id, username), data, None);
            st.dispatch("INTERACTION_CREATE", data);
            (id, token)
        })
    }

    /// INTERACTION_CREATE for a press on the button `custom_id` of message `message_id` by a
    /// human; returns (interaction id, token). An UPDATE_MESSAGE answer edits that message
    /// (see `component_updates` and `message_json`).
    pub fn button_click(
        &self,
        message_id: u64,
        user_id: u64,
        username: &str,
        custom_id: &str,
    ) -> (u64, String) {
        let data = json!({ "custom_id": custom_id, "component_type": 2 });
        self.component(message_id, user_id, username, data)
    }

    /// INTERACTION_CREATE for a choice of `values` in the string select menu `custom_id` of
    /// message `message_id` by a human; returns (interaction id, token), as `button_click`.
    pub fn select_menu(
        &self,
        message_id: u64,
        user_id: u64,
        username: &str,
        custom_id: &str,
        values: &[&str],
    ) -> (u64, String) {
        let data = json!({ "custom_id": custom_id, "component_type": 3, "values": values });
        self.component(message_id, user_id, username, data)
    }

    fn component(
        &self,
        message_id: u64,
        user_id: u64,
        username: &str,
        data: Value,
    ) -> (u64, String) {
        let config = &self.shared.config;
        self.update(|st| {
            st.names.insert(user_id, username.to_owned());
            let message = st.messages.get(&message_id).cloned().unwrap_or_else(|| json!({}));
            let channel_id = message.get("channel_id").and_then(id_of).unwrap_or_default();
            let (id, token, data) =
                st.interaction(config, 3, channel_id, (user_id, username), data, Some(message));
            st.dispatch("INTERACTION_CREATE", data);
            st.interactions.insert(token.clone(), (channel_id, Some(message_id)));
            (id, token)
        })
    }

    /// (message id, data) of every UPDATE_MESSAGE answer to a button press, in order.
    pub fn component_updates(&self) -> Vec<(u64, Value)> {
        self.lock().component_updates.clone()
    }

    /// Drops the current gateway connection without a close frame; serenity reconnects.
    pub fn drop_gateway(&self) {
        self.close_gateway_with(None);
    }

    /// Closes the gateway with a close frame (`Some(code)`) or abruptly (`None`).
    pub fn close_gateway_with(&self, code: Option<u16>) {
        self.update(|st| {
            if let Some(conn) = st.conn.take() {
                let out = match code {
                    Some(code) => Out::Close(code, "closed by fake discord"),
                    None => Out::Abort,
                };
                let _ = conn.tx.send(out);
            }
        });
    }

    // ---- REST recording ------------------------------------------------------------------

    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// Messages created in that channel (REST, webhooks, interaction replies), in order.
    pub fn messages(&self, channel_id: u64) -> Vec<Posted> {
        self.lock().posted.iter().filter(|p| p.channel_id == channel_id).cloned().collect()
    }

    /// The current full Message JSON (after edits), for REST-created and dispatched messages.
    pub fn message_json(&self, message_id: u64) -> Option<Value> {
        self.lock().messages.get(&message_id).cloned()
    }

    /// (channel, message) of every successful DELETE, in order.
    pub fn deleted(&self) -> Vec<(u64, u64)> {
        self.lock().deleted.clone()
    }

    /// How many Create Message requests with `enforce_nonce` got an earlier message back
    /// instead of a new one.
    pub fn nonce_hits(&self) -> usize {
        self.lock().nonce_hits
    }

    /// Global (`None`) or guild application commands as registered.
    pub fn commands(&self, guild_id: Option<u64>) -> Vec<Value> {
        let st = self.lock();
        match guild_id {
            None => st.global_commands.clone(),
            Some(g) => st.guild_commands.get(&g).cloned().unwrap_or_default(),
        }
    }

    // ---- faults --------------------------------------------------------------------------

    /// The next `times` REST calls with this method whose path starts with `path_prefix`
    /// get `failure` (recorded with its status).
    pub fn fail_next(&self, method: &str, path_prefix: &str, failure: Failure, times: usize) {
        self.update(|st| {
            st.failures.push((method.to_ascii_uppercase(), path_prefix.to_owned(), failure, times))
        });
    }

    /// Drops every failure still planned (Discord is healthy again).
    pub fn clear_failures(&self) {
        self.update(|st| st.failures.clear());
    }

    /// When true, every bot-authenticated REST call answers 401 and IDENTIFY is closed with
    /// 4004. `GET /gateway` and webhook/interaction token routes are not bot-authenticated.
    pub fn reject_token(&self, reject: bool) {
        self.update(|st| st.reject_token = reject);
    }

    // ---- webhooks ------------------------------------------------------------------------

    /// Registers a webhook on `channel_id`; returns its id and the execute URL
    /// `{base}/api/v10/webhooks/{id}/{token}`.
    pub fn add_webhook(&self, channel_id: u64) -> (u64, String) {
        let (id, token) = self.update(|st| {
            // A snowflake (19 digits) and a 68-char token, so serenity's `parse_webhook` accepts them.
            let id = st.next_id();
            let token = format!("{:-<68}", format!("fake-webhook-token-{id}-"));
            st.webhooks.insert(id, Webhook { channel_id, token: token.clone() });
            (id, token)
        });
        (id, format!("{}/api/v10/webhooks/{id}/{token}", self.shared.base_url))
    }

    /// `https://discord.com/api/webhooks/{id}/{token}`: the form `Webhook::from_url` accepts
    /// (its requests still go to the proxy).
    pub fn discord_webhook_url(&self, webhook_id: u64) -> Option<String> {
        let st = self.lock();
        let hook = st.webhooks.get(&webhook_id)?;
        Some(format!("https://discord.com/api/webhooks/{webhook_id}/{}", hook.token))
    }
}
