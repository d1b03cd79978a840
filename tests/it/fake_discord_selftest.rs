//! Proves the fake Discord (`support::fake_discord`) with a real serenity 0.12.5 client: login,
//! guild cache, messages in and out, multipart files, deletes, faults, reconnects, webhooks,
//! message nonces.
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serenity::all::{
    ChannelId, ClientBuilder, Command, CommandInteraction, CommandOptionType, Context,
    CreateAttachment, CreateCommand, CreateCommandOption, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage,
    EditInteractionResponse, EventHandler, ExecuteWebhook, GatewayIntents, Guild, GuildId, Http,
    HttpBuilder, Interaction, Message, MessageId, Nonce, Ready, VoiceState, Webhook,
};
use serenity::http::HttpError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::support::fake_discord::{
    EVERYONE_PERMISSIONS, Failure, FakeConfig, FakeDiscord, MANAGE_MESSAGES,
};

const WAIT: Duration = Duration::from_secs(20);

/// What the test event handler saw.
#[derive(Debug)]
enum Ev {
    Ready(Box<Ready>),
    GuildCreate {
        guild: Box<Guild>,
        cached_voice: Option<usize>,
    },
    Message(Box<Message>),
    /// Result of `Message::delete` on a message whose content was `delete me`.
    Deleted(Result<(), String>),
    /// A voice state update, with the number of voice states in the cached guild afterwards.
    Voice {
        state: Box<VoiceState>,
        cached_voice: Option<usize>,
    },
    /// A slash command, answered (reply, edit, follow-up); errors as text.
    Command {
        name: String,
        options: serde_json::Value,
        answered: Result<(), String>,
    },
}

struct Handler {
    tx: mpsc::UnboundedSender<Ev>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self.tx.send(Ev::Ready(Box::new(ready)));
    }

    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        let cached_voice = ctx.cache.guild(guild.id).map(|g| g.voice_states.len());
        let _ = self.tx.send(Ev::GuildCreate { guild: Box::new(guild), cached_voice });
    }

    async fn message(&self, ctx: Context, msg: Message) {
        if msg.content == "delete me" {
            let result = msg.delete(&ctx).await.map_err(|e| e.to_string());
            let _ = self.tx.send(Ev::Deleted(result));
        }
        let _ = self.tx.send(Ev::Message(Box::new(msg)));
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Interaction::Command(cmd) = interaction else { return };
        let answered = answer(&ctx, &cmd).await.map_err(|e| e.to_string());
        let options = serde_json::to_value(&cmd.data.options).unwrap_or_default();
        let _ = self.tx.send(Ev::Command { name: cmd.data.name.clone(), options, answered });
    }

    async fn voice_state_update(&self, ctx: Context, _old: Option<VoiceState>, new: VoiceState) {
        let cached_voice =
            new.guild_id.and_then(|g| ctx.cache.guild(g)).map(|g| g.voice_states.len());
        let _ = self.tx.send(Ev::Voice { state: Box::new(new), cached_voice });
    }
}

/// Replies to a slash command, edits the reply, and sends a follow-up.
async fn answer(ctx: &Context, cmd: &CommandInteraction) -> serenity::Result<()> {
    let reply = CreateInteractionResponseMessage::new().content(format!("/{} ok", cmd.data.name));
    cmd.create_response(&ctx.http, CreateInteractionResponse::Message(reply)).await?;
    cmd.edit_response(&ctx.http, EditInteractionResponse::new().content("edited reply")).await?;
    let followup = CreateInteractionResponseFollowup::new().content("follow-up");
    cmd.create_followup(&ctx.http, followup).await?;
    Ok(())
}

/// A serenity client logged into the fake, wired like the bot.
struct Bot {
    http: Arc<Http>,
    events: mpsc::UnboundedReceiver<Ev>,
    /// Events received but not yet asked for.
    backlog: Vec<Ev>,
    task: JoinHandle<Result<(), serenity::Error>>,
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn http_for(fake: &FakeDiscord) -> Http {
    HttpBuilder::new(&fake.config().token).proxy(fake.base_url()).ratelimiter_disabled(true).build()
}

fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::GUILD_VOICE_STATES
        | GatewayIntents::MESSAGE_CONTENT
}

async fn start_bot(fake: &FakeDiscord) -> Bot {
    // `RUST_LOG=serenity::client::dispatch=debug` shows payloads serenity failed to parse
    // ("An unknown event was received"); it drops them without a warning.
    if std::env::var_os("RUST_LOG").is_some() {
        let filter = tracing_subscriber::EnvFilter::from_default_env();
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
    }
    let (tx, events) = mpsc::unbounded_channel();
    let mut client = ClientBuilder::new_with_http(http_for(fake), intents())
        .event_handler(Handler { tx })
        .await
        .expect("client builds");
    let http = client.http.clone();
    let task = tokio::spawn(async move { client.start().await });
    Bot { http, events, backlog: Vec::new(), task }
}

async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, fut).await.unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

impl Bot {
    /// The first event `pick` accepts (it hands back the others); events it does not accept are
    /// kept for later calls, since handlers run concurrently and may report out of order.
    async fn next<T>(&mut self, what: &str, mut pick: impl FnMut(Ev) -> Result<T, Ev>) -> T {
        let mut earlier = std::mem::take(&mut self.backlog).into_iter();
        while let Some(ev) = earlier.next() {
            match pick(ev) {
                Ok(t) => {
                    self.backlog.extend(earlier);
                    return t;
                }
                Err(ev) => self.backlog.push(ev),
            }
        }
        within(what, async {
            loop {
                let ev = self.events.recv().await.expect("event handler alive");
                match pick(ev) {
                    Ok(t) => return t,
                    Err(ev) => self.backlog.push(ev),
                }
            }
        })
        .await
    }

    async fn message_with(&mut self, content: &str) -> Message {
        self.next(content, |ev| match ev {
            Ev::Message(m) if m.content == content => Ok(*m),
            ev => Err(ev),
        })
        .await
    }

    async fn voice(&mut self) -> (VoiceState, Option<usize>) {
        self.next("VOICE_STATE_UPDATE", |ev| match ev {
            Ev::Voice { state, cached_voice } => Ok((*state, cached_voice)),
            ev => Err(ev),
        })
        .await
    }

    async fn ready(&mut self) -> Ready {
        self.next("READY", |ev| match ev {
            Ev::Ready(r) => Ok(*r),
            ev => Err(ev),
        })
        .await
    }
}

fn status_of(err: &serenity::Error) -> Option<u16> {
    match err {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(resp)) => {
            Some(resp.status_code.as_u16())
        }
        _ => None,
    }
}

/// Bytes that look like a PNG and contain CRLF and `--` to stress the multipart parser.
fn png_bytes() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend_from_slice(b"\r\n--\r\n\r\n--boundary-lookalike\r\n");
    bytes.extend((0..=255u8).cycle().take(3000));
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_login_ready_and_guild_cache() {
    let fake = FakeDiscord::start();
    fake.set_guild_voice(&[(11, 200), (12, 200)]);
    let mut bot = start_bot(&fake).await;

    let ready = bot.ready().await;
    assert_eq!(ready.user.id.get(), fake.config().bot_user_id);
    assert_eq!(ready.application.id.get(), fake.config().application_id);
    within("wait_ready", fake.wait_ready()).await;
    assert_eq!(fake.identify_count(), 1);
    let identify = fake.last_identify().expect("identify recorded");
    let token = identify["token"].as_str().expect("token is a string");
    assert!(token == "Bot fake-token" || token == "fake-token", "token {token}");
    assert_eq!(identify["intents"].as_u64(), Some(intents().bits()));

    let (guild, cached_voice) = bot
        .next("GUILD_CREATE", |ev| match ev {
            Ev::GuildCreate { guild, cached_voice } => Ok((guild, cached_voice)),
            ev => Err(ev),
        })
        .await;
    assert_eq!(guild.id.get(), fake.config().guild_id);
    let in_200 = guild
        .voice_states
        .values()
        .filter(|v| v.channel_id.map(ChannelId::get) == Some(200))
        .count();
    assert_eq!(in_200, 2);
    assert_eq!(cached_voice, Some(2), "ctx.cache holds the voice states");
    assert_eq!(guild.channels.len(), 8, "6 text + 2 voice channels");
    assert!(guild.members.contains_key(&ready.user.id), "bot member present");

    // serenity asked for the gateway URL through the proxy, with the bot token
    let gateway =
        fake.requests().into_iter().find(|r| r.path == "/api/v10/gateway").expect("GET /gateway");
    assert_eq!(gateway.authorization.as_deref(), Some("Bot fake-token"));

    // voice state updates reach the handler's cache and later GUILD_CREATEs
    fake.voice_state_update(11, None);
    fake.voice_state_update(13, Some(201));
    assert_eq!(fake.guild_voice(), vec![(12, 200), (13, 201)]);
    // serenity runs every handler call in its own task: the two may arrive in either order
    let mut seen = [bot.voice().await, bot.voice().await];
    seen.sort_by_key(|(state, _)| state.user_id);
    let [(left, _), (joined, cached_voice)] = seen;
    assert_eq!((left.user_id.get(), left.channel_id), (11, None));
    assert_eq!((joined.user_id.get(), joined.channel_id.map(ChannelId::get)), (13, Some(201)));
    assert_eq!(joined.member.as_ref().map(|m| m.user.id.get()), Some(13));
    assert_eq!(cached_voice, Some(2), "cache after both updates: 12 in 200, 13 in 201");

    // the bot's own REST posts come back as MESSAGE_CREATE, as on Discord
    ChannelId::new(103).say(&bot.http, "own post").await.expect("post");
    let own = bot.message_with("own post").await;
    assert_eq!(own.author.id, ready.user.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_user_and_webhook_messages_reach_the_handler() {
    let fake = FakeDiscord::start();
    let mut bot = start_bot(&fake).await;
    within("ready", fake.wait_ready()).await;

    let id = fake.user_message(100, 42, "alice", "!ping");
    let msg = bot.message_with("!ping").await;
    assert_eq!(msg.id.get(), id);
    assert_eq!(msg.channel_id.get(), 100);
    assert_eq!(msg.author.id.get(), 42);
    assert_eq!(msg.author.name, "alice");
    assert!(!msg.author.bot);
    assert_eq!(msg.guild_id.map(|g| g.get()), Some(fake.config().guild_id));
    assert!(msg.webhook_id.is_none());

    let hook = 777_000_000_000_000_001;
    let id = fake.webhook_message(102, hook, "ET server", "📊 `round.txt`");
    let msg = bot.message_with("📊 `round.txt`").await;
    assert_eq!(msg.id.get(), id);
    assert_eq!(msg.webhook_id.map(|w| w.get()), Some(hook));
    assert_eq!(msg.author.id.get(), hook);
    assert!(msg.author.bot);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_records_embeds_and_multipart_files() {
    let fake = FakeDiscord::start();
    let http = http_for(&fake);

    let embed = CreateEmbed::new().title("t").field("a", "b", true);
    let sent = ChannelId::new(100)
        .send_message(&http, CreateMessage::new().embed(embed))
        .await
        .expect("send embed");
    let posted = fake.messages(100);
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].id, sent.id.get());
    assert_eq!(posted[0].payload["embeds"][0]["title"], "t");
    assert_eq!(posted[0].payload["embeds"][0]["fields"][0]["name"], "a");
    assert_eq!(posted[0].payload["embeds"][0]["fields"][0]["inline"], true);
    assert_eq!(sent.embeds[0].title.as_deref(), Some("t"));
    assert_eq!(sent.author.id.get(), fake.config().bot_user_id);

    let png = png_bytes();
    let builder = CreateMessage::new()
        .embed(CreateEmbed::new().title("chart").image("attachment://chart.png"))
        .add_file(CreateAttachment::bytes(png.clone(), "chart.png"));
    let sent = ChannelId::new(100).send_message(&http, builder).await.expect("send file");
    assert_eq!(sent.attachments.len(), 1);
    assert_eq!(sent.attachments[0].filename, "chart.png");
    assert_eq!(sent.attachments[0].size as usize, png.len());
    let posted = fake.messages(100);
    assert_eq!(posted.len(), 2);
    assert!(posted[1].id > posted[0].id, "ids increase");
    assert_eq!(posted[1].files.len(), 1);
    assert_eq!(posted[1].files[0].filename, "chart.png");
    assert_eq!(posted[1].files[0].bytes, png);
    assert_eq!(posted[1].payload["embeds"][0]["image"]["url"], "attachment://chart.png");
    let last = fake.requests().pop().expect("recorded");
    assert_eq!(
        (last.method.as_str(), last.path.as_str(), last.status),
        ("POST", "/api/v10/channels/100/messages", 200)
    );
    assert_eq!(last.files.len(), 1);

    // edit and fetch go through the stored message
    let edited = ChannelId::new(100)
        .edit_message(&http, sent.id, serenity::all::EditMessage::new().content("edited"))
        .await
        .expect("edit");
    assert_eq!(edited.content, "edited");
    assert!(edited.edited_timestamp.is_some());
    let fetched = ChannelId::new(100).message(&http, sent.id).await.expect("get message");
    assert_eq!(fetched.content, "edited");
    let missing =
        ChannelId::new(100).message(&http, MessageId::new(1)).await.expect_err("unknown message");
    assert_eq!(status_of(&missing), Some(404));
    assert!(fake.messages(101).is_empty());
}

async fn delete_from_handler(fake: &FakeDiscord) -> (Result<(), String>, u64) {
    let mut bot = start_bot(fake).await;
    within("ready", fake.wait_ready()).await;
    // the guild must be in the cache before the message arrives: GUILD_CREATE comes first
    bot.next("GUILD_CREATE", |ev| match ev {
        Ev::GuildCreate { .. } => Ok(()),
        ev => Err(ev),
    })
    .await;
    let id = fake.user_message(100, 42, "alice", "delete me");
    let result = bot
        .next("delete result", |ev| match ev {
            Ev::Deleted(r) => Ok(r),
            ev => Err(ev),
        })
        .await;
    (result, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_delete_from_handler_passes_the_cache_permission_check() {
    let fake = FakeDiscord::start();
    let (result, id) = delete_from_handler(&fake).await;
    assert_eq!(result, Ok(()));
    assert_eq!(fake.deleted(), vec![(100, id)]);

    // control: without MANAGE_MESSAGES serenity refuses before calling the API
    let fake = FakeDiscord::start();
    fake.set_bot_permissions(EVERYONE_PERMISSIONS);
    assert_eq!(EVERYONE_PERMISSIONS & MANAGE_MESSAGES, 0);
    let (result, _) = delete_from_handler(&fake).await;
    assert!(result.is_err(), "delete must fail without MANAGE_MESSAGES: {result:?}");
    assert!(fake.deleted().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_injects_429_and_5xx() {
    let fake = FakeDiscord::start();
    let http = http_for(&fake);
    let path = "/api/v10/channels/100/messages";
    let send = |text: &'static str| {
        let http = &http;
        async move { ChannelId::new(100).send_message(http, CreateMessage::new().content(text)).await }
    };

    fake.fail_next("POST", path, Failure::RateLimited { retry_after_secs: 0.2 }, 1);
    let err = send("one").await.expect_err("429");
    assert_eq!(status_of(&err), Some(429), "{err:?}");
    send("two").await.expect("next send succeeds");

    fake.fail_next("POST", path, Failure::Status(502), 2);
    for _ in 0..2 {
        let err = send("three").await.expect_err("502");
        assert_eq!(status_of(&err), Some(502), "{err:?}");
    }
    send("four").await.expect("after the failures");

    let statuses: Vec<u16> =
        fake.requests().iter().filter(|r| r.path == path).map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 200, 502, 502, 200]);
    let contents: Vec<String> = fake
        .messages(100)
        .iter()
        .map(|p| p.payload["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(contents, vec!["two", "four"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_rate_limit_reply_looks_like_discords() {
    let fake = FakeDiscord::start();
    fake.fail_next(
        "POST",
        "/api/v10/channels/100/messages",
        Failure::RateLimited { retry_after_secs: 1.5 },
        1,
    );
    let (head, body) =
        raw_http(&fake, "POST", "/api/v10/channels/100/messages", "Bot fake-token", "{}").await;
    assert!(head.starts_with("HTTP/1.1 429"), "{head}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("retry-after: 2"), "{head}");
    assert!(head.contains("x-ratelimit-remaining: 0"), "{head}");
    assert!(head.contains("x-ratelimit-reset-after: 1.500"), "{head}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json body");
    assert_eq!(
        json,
        serde_json::json!({"message": "You are being rate limited.", "retry_after": 1.5, "global": false})
    );

    // dropping the last handle stops the server
    let addr = fake.base_url().trim_start_matches("http://").to_owned();
    let clone = fake.clone();
    drop(fake);
    assert!(tokio::net::TcpStream::connect(&addr).await.is_ok(), "a clone keeps it running");
    drop(clone);
    within("server to stop", async {
        while tokio::net::TcpStream::connect(&addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_client_reconnects_after_a_dropped_gateway() {
    let fake = FakeDiscord::start();
    let mut bot = start_bot(&fake).await;
    within("ready", fake.wait_ready()).await;
    bot.ready().await;

    fake.drop_gateway();
    within("re-identify", fake.wait_until(|f| f.identify_count() == 2 && f.is_ready())).await;
    assert_eq!(fake.resume_count(), 1, "serenity tried RESUME first and was refused");
    bot.ready().await;
    fake.user_message(100, 42, "alice", "after reconnect");
    bot.message_with("after reconnect").await;

    // with resume allowed there is no new IDENTIFY, and dispatches still arrive
    fake.allow_resume(true);
    fake.drop_gateway();
    fake.user_message(100, 42, "alice", "queued while down");
    within("resume", fake.wait_until(|f| f.resume_count() == 2 && f.is_ready())).await;
    bot.message_with("queued while down").await;
    assert_eq!(fake.identify_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_rejected_token_gives_401_and_stops_the_client() {
    let fake = FakeDiscord::start();
    fake.reject_token(true);
    let http = http_for(&fake);
    let err = http.get_current_user().await.expect_err("401");
    assert_eq!(status_of(&err), Some(401), "{err:?}");

    let mut bot = start_bot(&fake).await;
    let result = within("client to stop", &mut bot.task).await.expect("client task");
    assert!(result.is_err(), "start() must fail with a rejected token");
    assert_eq!(fake.identify_count(), 1);

    fake.reject_token(false);
    let me = http.get_current_user().await.expect("accepted again");
    assert_eq!(me.id.get(), fake.config().bot_user_id);

    // a wrong token is refused even when not "rejected"
    let wrong = HttpBuilder::new("wrong").proxy(fake.base_url()).ratelimiter_disabled(true).build();
    assert_eq!(status_of(&wrong.get_current_user().await.expect_err("wrong token")), Some(401));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_webhook_execute_posts_and_dispatches() {
    let fake = FakeDiscord::start();
    let mut bot = start_bot(&fake).await;
    within("ready", fake.wait_ready()).await;
    let (hook_id, url) = fake.add_webhook(101);
    assert!(url.starts_with(&format!("{}/api/v10/webhooks/{hook_id}/", fake.base_url())), "{url}");

    let discord_url = fake.discord_webhook_url(hook_id).expect("known webhook");
    let webhook = Webhook::from_url(&bot.http, &discord_url).await.expect("webhook from url");
    assert_eq!(webhook.id.get(), hook_id);
    let sent = webhook
        .execute(&bot.http, true, ExecuteWebhook::new().content("📊 `x.txt`"))
        .await
        .expect("execute")
        .expect("wait=true returns the message");
    assert_eq!(sent.webhook_id.map(|w| w.get()), Some(hook_id));

    let posted = fake.messages(101);
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].webhook_id, Some(hook_id));
    assert_eq!(posted[0].payload["content"], "📊 `x.txt`");
    let msg = bot.message_with("📊 `x.txt`").await;
    assert_eq!(msg.webhook_id.map(|w| w.get()), Some(hook_id));
    assert_eq!(msg.channel_id.get(), 101);

    // a plain POST (what a game-server notifier does), without wait and without a bot token
    let path = url.strip_prefix(&fake.base_url()).expect("url on the fake");
    let (head, _) = raw_http(&fake, "POST", path, "", r#"{"content":"plain"}"#).await;
    assert!(head.starts_with("HTTP/1.1 204"), "{head}");
    bot.message_with("plain").await;
    assert_eq!(fake.messages(101).len(), 2);

    let (head, body) =
        raw_http(&fake, "POST", "/api/v10/webhooks/123456789012345678/nope", "", "{}").await;
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    assert!(body.contains("10015"), "{body}");
}

/// A minimal HTTP/1.1 request; returns (status line + headers, body).
async fn raw_http(
    fake: &FakeDiscord,
    method: &str,
    path: &str,
    auth: &str,
    body: &str,
) -> (String, String) {
    let addr = fake.base_url().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect to fake");
    let auth = if auth.is_empty() { String::new() } else { format!("Authorization: {auth}\r\n") };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write request");
    let mut response = Vec::new();
    within("http response", stream.read_to_end(&mut response)).await.expect("read response");
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head.to_owned(), body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_slash_commands_register_and_answer() {
    let fake = FakeDiscord::start();
    let mut bot = start_bot(&fake).await;
    bot.ready().await; // sets the application id on the client's Http

    let stats = CreateCommand::new("stats").description("round stats").add_option(
        CreateCommandOption::new(CommandOptionType::String, "player", "who").required(false),
    );
    let global =
        Command::set_global_commands(&bot.http, vec![stats.clone()]).await.expect("global");
    assert_eq!(global.len(), 1);
    assert_eq!(global[0].options.len(), 1);
    let guild = GuildId::new(fake.config().guild_id);
    let set = guild.set_commands(&bot.http, vec![stats]).await.expect("guild commands");
    assert_eq!(fake.commands(Some(fake.config().guild_id))[0]["name"], "stats");
    assert_eq!(guild.get_commands(&bot.http).await.expect("get").len(), 1);
    guild.delete_command(&bot.http, set[0].id).await.expect("delete command");
    assert!(fake.commands(Some(fake.config().guild_id)).is_empty());
    Command::set_global_commands(&bot.http, vec![]).await.expect("clear");
    assert!(fake.commands(None).is_empty());

    let options = serde_json::json!([{"name": "player", "type": 3, "value": "bob"}]);
    fake.slash_command(104, 42, "alice", "stats", options);
    let (name, options, answered) = bot
        .next("slash command", |ev| match ev {
            Ev::Command { name, options, answered } => Ok((name, options, answered)),
            ev => Err(ev),
        })
        .await;
    assert_eq!(name, "stats");
    assert_eq!(options[0]["value"], "bob");
    assert_eq!(answered, Ok(()));
    let posted = fake.messages(104);
    let app = Some(fake.config().application_id);
    assert_eq!(posted.len(), 2);
    assert_eq!(
        (posted[0].payload["content"].as_str(), posted[0].webhook_id),
        (Some("/stats ok"), app)
    );
    assert_eq!(
        (posted[1].payload["content"].as_str(), posted[1].webhook_id),
        (Some("follow-up"), app)
    );
    let original = fake.message_json(posted[0].id).expect("original stored");
    assert_eq!(original["content"], "edited reply");
}

#[tokio::test(start_paused = true)]
async fn fake_discord_waits_work_under_paused_time() {
    let fake = FakeDiscord::start();
    let addr = fake.base_url().trim_start_matches("http://").to_owned();
    // A REST call from another thread, in real time, while this runtime's clock is paused.
    let caller = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        let request = format!(
            "GET /api/v10/users/@me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bot fake-token\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        response
    });
    fake.wait_until(|f| f.requests().iter().any(|r| r.path == "/api/v10/users/@me")).await;
    assert_eq!(fake.requests()[0].status, 200);
    let response = caller.join().expect("caller thread");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

fn with_nonce(content: &str, nonce: &str) -> CreateMessage {
    CreateMessage::new().content(content).nonce(Nonce::String(nonce.to_owned())).enforce_nonce(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_enforced_nonce_returns_the_first_message() {
    let fake = FakeDiscord::start();
    let http = http_for(&fake);
    let channel = ChannelId::new(100);
    let first = channel.send_message(&http, with_nonce("one", "round-42")).await.expect("first");
    let again = channel.send_message(&http, with_nonce("two", "round-42")).await.expect("again");
    assert_eq!(again.id, first.id, "the same message comes back");
    assert_eq!(again.content, "one", "and it is the first one, unchanged");
    assert!(matches!(&again.nonce, Some(Nonce::String(n)) if n == "round-42"), "{:?}", again.nonce);
    assert_eq!(fake.messages(100).len(), 1);
    assert_eq!(fake.nonce_hits(), 1);
    let last = fake.requests().pop().expect("recorded");
    assert_eq!((last.method.as_str(), last.status), ("POST", 200));

    // Not enforced, another nonce, another channel: new messages each time.
    let loose = CreateMessage::new().content("three").nonce(Nonce::String("round-42".to_owned()));
    let third = channel.send_message(&http, loose).await.expect("not enforced");
    let fourth = channel.send_message(&http, with_nonce("four", "round-43")).await.expect("other");
    let elsewhere =
        ChannelId::new(102).send_message(&http, with_nonce("five", "round-42")).await.expect("102");
    let ids = [first.id, third.id, fourth.id];
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "{ids:?}");
    assert_ne!(elsewhere.id, first.id);
    assert_eq!((fake.messages(100).len(), fake.messages(102).len()), (3, 1));
    assert_eq!(fake.nonce_hits(), 1);

    // A deleted first message is gone: the nonce creates a new one.
    channel.delete_message(&http, fourth.id).await.expect("delete");
    let fresh = channel.send_message(&http, with_nonce("six", "round-43")).await.expect("fresh");
    assert_ne!(fresh.id, fourth.id);
    assert_eq!(fresh.content, "six");
    assert_eq!(fake.messages(100).len(), 4);
    assert_eq!(fake.nonce_hits(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_nonce_is_forgotten_after_the_window() {
    let fake = FakeDiscord::start_with(FakeConfig {
        nonce_window: Duration::from_millis(300),
        ..FakeConfig::default()
    });
    let http = http_for(&fake);
    let channel = ChannelId::new(100);
    let first = channel.send_message(&http, with_nonce("one", "n")).await.expect("first");
    let within_window = channel.send_message(&http, with_nonce("two", "n")).await.expect("same");
    assert_eq!(within_window.id, first.id);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let later = channel.send_message(&http, with_nonce("three", "n")).await.expect("later");
    assert_ne!(later.id, first.id);
    assert_eq!(later.content, "three");
    let contents: Vec<String> = fake
        .messages(100)
        .iter()
        .map(|p| p.payload["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(contents, ["one", "three"]);
    assert_eq!(fake.nonce_hits(), 1);
}
