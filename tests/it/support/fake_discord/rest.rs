//! The fake REST API under `/api/v10`: routing, auth, fault injection, recording, and a small
//! multipart/form-data parser for `payload_json` + `files[N]`.
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::{
    Attachment, Failure, Posted, Recorded, Shared, State as St, commands, fixtures, gateway, id_of,
};

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/gw", get(gateway::upgrade))
        .fallback(handle)
        .layer(DefaultBodyLimit::max(64 << 20))
        .with_state(shared)
}

/// A parsed request body.
#[derive(Default)]
struct Body {
    json: Option<Value>,
    files: Vec<Attachment>,
    /// Why the body could not be parsed (answered with 400).
    error: Option<String>,
}

struct Req<'a> {
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    auth: Option<&'a str>,
    body: &'a Body,
}

impl Req<'_> {
    fn body_json(&self) -> Value {
        self.body.json.clone().unwrap_or_default()
    }
}

pub(super) struct Reply {
    status: u16,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(super) fn json(status: u16, body: Value) -> Reply {
        Reply { status, body: Some(body), headers: vec![] }
    }
    pub(super) fn ok(body: Value) -> Reply {
        Reply::json(200, body)
    }
    pub(super) fn no_content() -> Reply {
        Reply { status: 204, body: None, headers: vec![] }
    }
    pub(super) fn error(status: u16, message: &str, code: u32) -> Reply {
        Reply::json(status, json!({"message": message, "code": code}))
    }
    pub(super) fn not_found() -> Reply {
        Reply::error(404, "404: Not Found", 0)
    }
    fn unknown_message() -> Reply {
        Reply::error(404, "Unknown Message", 10008)
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = match self.body {
            Some(body) => (status, axum::Json(body)).into_response(),
            None => status.into_response(),
        };
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(HeaderName::from_static(name), value);
            }
        }
        response
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let auth = text(AUTHORIZATION).map(str::to_owned);
    let body = parse_body(text(CONTENT_TYPE).unwrap_or_default(), &bytes);
    let req = Req {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query(),
        auth: auth.as_deref(),
        body: &body,
    };
    let reply = {
        let mut st = shared.lock();
        let reply = route(&shared, &mut st, &req);
        st.requests.push(Recorded {
            method: req.method.to_owned(),
            path: req.path.to_owned(),
            query: req.query.map(str::to_owned),
            authorization: auth.clone(),
            status: reply.status,
            json: body.json.clone(),
            files: body.files.clone(),
        });
        reply
    };
    shared.bump();
    reply.into_response()
}

fn route(shared: &Shared, st: &mut St, req: &Req<'_>) -> Reply {
    let config = &shared.config;
    let Some(rest) = req.path.strip_prefix("/api/v10/") else { return Reply::not_found() };
    let seg: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    // Routes Discord does not authenticate with the bot token.
    let public = matches!(seg.as_slice(), ["gateway"] | ["webhooks", ..] | ["interactions", ..]);
    let bot_auth = format!("Bot {}", config.token);
    if !public && (st.reject_token || req.auth != Some(bot_auth.as_str())) {
        return Reply::error(401, "401: Unauthorized", 0);
    }
    if let Some(failure) = take_failure(st, req) {
        return failure_reply(&failure);
    }
    if req.body.error.is_some() {
        return Reply::error(400, "400: Bad Request", 50109);
    }
    let id = |s: &str| s.parse::<u64>().ok();
    match (req.method, seg.as_slice()) {
        ("GET", ["gateway"]) => Reply::ok(json!({"url": shared.ws_url()})),
        ("GET", ["gateway", "bot"]) => Reply::ok(json!({
            "url": shared.ws_url(),
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        })),
        ("GET", ["users", "@me"]) => Reply::ok(fixtures::bot_user(config)),
        ("GET", ["users", user]) => match id(user) {
            Some(u) if u == config.bot_user_id => Reply::ok(fixtures::bot_user(config)),
            Some(u) => Reply::ok(fixtures::human_user(u, &st.name_of(u))),
            None => Reply::error(404, "Unknown User", 10013),
        },
        ("GET", ["oauth2", "applications", "@me"]) => Reply::ok(fixtures::application(config)),
        ("GET", ["channels", c]) => match id(c).and_then(|c| fixtures::channel(config, c)) {
            Some(channel) => Reply::ok(channel),
            None => Reply::error(404, "Unknown Channel", 10003),
        },
        (_, ["channels", c, "messages", rest @ ..]) => {
            let Some(channel_id) = id(c).filter(|&c| fixtures::channel(config, c).is_some()) else {
                return Reply::error(404, "Unknown Channel", 10003);
            };
            channel_messages(shared, st, req, channel_id, rest)
        }
        (_, ["applications", app, "commands", rest @ ..])
            if id(app) == Some(config.application_id) =>
        {
            commands::commands(st, config, &req.body_json(), req.method, None, rest)
        }
        (_, ["applications", app, "guilds", g, "commands", rest @ ..])
            if id(app) == Some(config.application_id) =>
        {
            match id(g) {
                Some(g) => {
                    commands::commands(st, config, &req.body_json(), req.method, Some(g), rest)
                }
                None => Reply::error(404, "Unknown Guild", 10004),
            }
        }
        ("POST", ["interactions", _, token, "callback"]) => {
            interaction_callback(shared, st, req, token)
        }
        (_, ["webhooks", hook, token, rest @ ..]) => match id(hook) {
            Some(app) if app == config.application_id => {
                interaction_webhook(shared, st, req, token, rest)
            }
            Some(hook) => webhook(shared, st, req, hook, token, rest),
            None => Reply::error(404, "Unknown Webhook", 10015),
        },
        _ => Reply::not_found(),
    }
}

// ---- messages ----------------------------------------------------------------------------

/// A Create Message nonce as a key: Discord takes a string or an integer.
fn nonce_of(payload: &Value) -> Option<String> {
    match payload.get("nonce")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Creates a message: stores it, records it as Posted, echoes MESSAGE_CREATE like Discord does.
/// With a `nonce` and `enforce_nonce: true`, a message the same author created with the same
/// nonce in the same channel within `nonce_window` (and not deleted since) is returned instead,
/// and nothing new is created.
fn create_message(
    shared: &Shared,
    st: &mut St,
    channel_id: u64,
    author: Value,
    webhook_id: Option<u64>,
    body: &Body,
) -> Value {
    let payload = body.json.clone().unwrap_or_else(|| json!({}));
    let nonce = nonce_of(&payload)
        .map(|nonce| (channel_id, author.get("id").and_then(id_of).unwrap_or(0), nonce));
    let enforce = payload.get("enforce_nonce").and_then(Value::as_bool) == Some(true);
    if let Some(key) = nonce.as_ref().filter(|_| enforce) {
        let window = shared.config.nonce_window;
        let earlier = st
            .nonces
            .get(key)
            .filter(|(_, at)| at.elapsed() < window)
            .and_then(|(first, _)| st.messages.get(first).cloned());
        if let Some(first) = earlier {
            st.nonce_hits += 1;
            return first;
        }
    }
    let id = st.next_id();
    let attachments = attachments_json(shared, st, channel_id, &body.files);
    let parts = fixtures::MessageParts {
        id,
        channel_id,
        author,
        payload: &payload,
        attachments,
        webhook_id,
        member: None,
    };
    let mut msg = fixtures::message(&shared.config, parts);
    if let Some(nonce) = payload.get("nonce") {
        msg["nonce"] = nonce.clone();
    }
    if let Some(key) = nonce {
        st.nonces.insert(key, (id, std::time::Instant::now()));
    }
    st.posted.push(Posted { id, channel_id, payload, files: body.files.clone(), webhook_id });
    st.dispatch("MESSAGE_CREATE", msg.clone());
    msg
}

fn attachments_json(
    shared: &Shared,
    st: &mut St,
    channel_id: u64,
    files: &[Attachment],
) -> Vec<Value> {
    files
        .iter()
        .map(|f| {
            let id = st.next_id();
            let url = format!("{}/attachments/{channel_id}/{id}/{}", shared.base_url, f.filename);
            json!({"id": id.to_string(), "filename": f.filename, "size": f.bytes.len(), "url": url, "proxy_url": url})
        })
        .collect()
}

/// Applies an edit payload to a stored message.
fn edit_message(shared: &Shared, st: &mut St, message_id: u64, body: &Body) -> Option<Value> {
    let channel_id = st.messages.get(&message_id)?.get("channel_id").and_then(id_of)?;
    let new_files = attachments_json(shared, st, channel_id, &body.files);
    let msg = st.messages.get_mut(&message_id)?;
    let payload = body.json.clone().unwrap_or_else(|| json!({}));
    for key in ["content", "embeds", "components", "flags"] {
        if let Some(v) = payload.get(key) {
            msg[key] = v.clone();
        }
    }
    if payload.get("attachments").is_some() || !new_files.is_empty() {
        let keep: Vec<u64> = payload
            .get("attachments")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|a| a.get("id").and_then(id_of)).collect())
            .unwrap_or_default();
        let mut attachments: Vec<Value> = msg["attachments"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|a| a.get("id").and_then(id_of).is_some_and(|i| keep.contains(&i)))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        attachments.extend(new_files);
        msg["attachments"] = Value::Array(attachments);
    }
    msg["edited_timestamp"] = json!(fixtures::now());
    Some(msg.clone())
}

fn delete_message(st: &mut St, channel_id: u64, message_id: u64) -> Reply {
    let in_channel = st.messages.get(&message_id).and_then(|m| m.get("channel_id")).and_then(id_of);
    if in_channel != Some(channel_id) {
        return Reply::unknown_message();
    }
    st.messages.remove(&message_id);
    st.deleted.push((channel_id, message_id));
    Reply::no_content()
}

fn author_id(st: &St, message_id: u64) -> Option<u64> {
    st.messages.get(&message_id)?.get("author")?.get("id").and_then(id_of)
}

fn channel_messages(
    shared: &Shared,
    st: &mut St,
    req: &Req<'_>,
    channel_id: u64,
    rest: &[&str],
) -> Reply {
    let config = &shared.config;
    let in_channel = |st: &St, mid: u64| {
        st.messages.get(&mid).and_then(|m| m.get("channel_id")).and_then(id_of) == Some(channel_id)
    };
    match (req.method, rest) {
        ("POST", []) => Reply::ok(create_message(
            shared,
            st,
            channel_id,
            fixtures::bot_user(config),
            None,
            req.body,
        )),
        ("GET", []) => {
            let mut list: Vec<(u64, Value)> = st
                .messages
                .iter()
                .filter(|(id, _)| in_channel(st, **id))
                .map(|(id, m)| (*id, m.clone()))
                .collect();
            // Discord: `limit` 1-100 (default 50), at most one of `before`/`after`/`around`,
            // newest first.
            let query = |key: &str| {
                req.query?.split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            };
            let limit = query("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(50);
            if !(1..=100).contains(&limit) {
                return Reply::error(400, "Invalid Form Body", 50035);
            }
            if let Some(before) = query("before").and_then(|b| b.parse::<u64>().ok()) {
                list.retain(|m| m.0 < before);
            }
            list.sort_by_key(|m| std::cmp::Reverse(m.0)); // newest first, like Discord
            if let Some(after) = query("after").and_then(|a| a.parse::<u64>().ok()) {
                list.retain(|m| m.0 > after);
                // The `limit` messages right after it, still newest first.
                let skip = list.len().saturating_sub(limit);
                list.drain(..skip);
            }
            Reply::ok(Value::Array(list.into_iter().take(limit).map(|(_, m)| m).collect()))
        }
        (method, [mid]) => {
            let Some(mid) = mid.parse::<u64>().ok().filter(|&m| in_channel(st, m)) else {
                return Reply::unknown_message();
            };
            match method {
                "GET" => {
                    st.messages.get(&mid).cloned().map_or_else(Reply::unknown_message, Reply::ok)
                }
                "PATCH" if author_id(st, mid) != Some(config.bot_user_id) => {
                    Reply::error(403, "Cannot edit a message authored by another user", 50005)
                }
                "PATCH" => edit_message(shared, st, mid, req.body)
                    .map_or_else(Reply::unknown_message, Reply::ok),
                "DELETE" => delete_message(st, channel_id, mid),
                _ => Reply::error(405, "405: Method Not Allowed", 0),
            }
        }
        _ => Reply::not_found(),
    }
}

// ---- webhooks and interactions -----------------------------------------------------------

fn webhook(
    shared: &Shared,
    st: &mut St,
    req: &Req<'_>,
    hook: u64,
    token: &str,
    rest: &[&str],
) -> Reply {
    let unknown = Reply::error(404, "Unknown Webhook", 10015);
    let Some(channel_id) =
        st.webhooks.get(&hook).filter(|h| h.token == token).map(|h| h.channel_id)
    else {
        return unknown;
    };
    match (req.method, rest) {
        ("GET", []) => {
            let url = format!("https://discord.com/api/webhooks/{hook}/{token}");
            Reply::ok(fixtures::webhook(&shared.config, hook, channel_id, token, &url))
        }
        ("POST", []) => {
            let username =
                req.body.json.as_ref().and_then(|j| j.get("username")).and_then(Value::as_str);
            let author = fixtures::webhook_user(hook, username.unwrap_or("fake-webhook"));
            let msg = create_message(shared, st, channel_id, author, Some(hook), req.body);
            if wait(req.query) { Reply::ok(msg) } else { Reply::no_content() }
        }
        (method, ["messages", mid]) => {
            webhook_message(shared, st, req, method, mid.parse().ok(), channel_id)
        }
        _ => Reply::not_found(),
    }
}

fn wait(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|kv| kv == "wait=true"))
}

/// GET/PATCH/DELETE of a message a webhook (or an interaction) posted.
fn webhook_message(
    shared: &Shared,
    st: &mut St,
    req: &Req<'_>,
    method: &str,
    mid: Option<u64>,
    channel_id: u64,
) -> Reply {
    let Some(mid) = mid.filter(|m| st.messages.contains_key(m)) else {
        return Reply::unknown_message();
    };
    match method {
        "GET" => st.messages.get(&mid).cloned().map_or_else(Reply::unknown_message, Reply::ok),
        "PATCH" => {
            edit_message(shared, st, mid, req.body).map_or_else(Reply::unknown_message, Reply::ok)
        }
        "DELETE" => delete_message(st, channel_id, mid),
        _ => Reply::error(405, "405: Method Not Allowed", 0),
    }
}

/// `POST /interactions/{id}/{token}/callback`: type 4 posts the reply, 5 defers it; for a
/// button press, 7 edits the message the button is on and 6 acknowledges without a change.
fn interaction_callback(shared: &Shared, st: &mut St, req: &Req<'_>, token: &str) -> Reply {
    let Some(&(channel_id, original)) = st.interactions.get(token) else {
        return Reply::error(404, "Unknown interaction", 10062);
    };
    let json = req.body.json.clone().unwrap_or_default();
    match json.get("type").and_then(Value::as_u64) {
        Some(7) => {
            let Some(message) = original else {
                return Reply::error(400, "400: Bad Request", 50035);
            };
            let data = Body {
                json: json.get("data").cloned(),
                files: req.body.files.clone(),
                error: None,
            };
            if edit_message(shared, st, message, &data).is_none() {
                return Reply::unknown_message();
            }
            st.component_updates.push((message, json.get("data").cloned().unwrap_or_default()));
        }
        Some(6) => {}
        Some(4) => {
            let data = Body {
                json: json.get("data").cloned(),
                files: req.body.files.clone(),
                error: None,
            };
            let msg = interaction_message(shared, st, channel_id, &data);
            let id = msg.get("id").and_then(id_of);
            st.interactions.insert(token.to_owned(), (channel_id, id));
        }
        Some(5) => {
            // "thinking ...": a placeholder the original-response edit fills in (not Posted yet).
            let id = st.next_id();
            let app = shared.config.application_id;
            let parts = fixtures::MessageParts {
                id,
                channel_id,
                author: fixtures::bot_user(&shared.config),
                payload: &json!({}),
                attachments: vec![],
                webhook_id: Some(app),
                member: None,
            };
            st.messages.insert(id, fixtures::message(&shared.config, parts));
            st.interactions.insert(token.to_owned(), (channel_id, Some(id)));
        }
        _ => {}
    }
    Reply::no_content()
}

fn interaction_message(shared: &Shared, st: &mut St, channel_id: u64, body: &Body) -> Value {
    let config = &shared.config;
    create_message(
        shared,
        st,
        channel_id,
        fixtures::bot_user(config),
        Some(config.application_id),
        body,
    )
}

/// `/webhooks/{application}/{token}...`: follow-ups and the original interaction response.
fn interaction_webhook(
    shared: &Shared,
    st: &mut St,
    req: &Req<'_>,
    token: &str,
    rest: &[&str],
) -> Reply {
    let Some(&(channel_id, original)) = st.interactions.get(token) else {
        return Reply::error(404, "Unknown Webhook", 10015);
    };
    match (req.method, rest) {
        ("POST", []) => Reply::ok(interaction_message(shared, st, channel_id, req.body)),
        ("PATCH", ["messages", "@original"]) => {
            let posted = original.is_some_and(|o| st.posted.iter().any(|p| p.id == o));
            match original {
                Some(o) if posted => edit_message(shared, st, o, req.body)
                    .map_or_else(Reply::unknown_message, Reply::ok),
                _ => {
                    // A deferred response becomes visible with its first edit.
                    if let Some(o) = original {
                        st.messages.remove(&o);
                    }
                    let msg = interaction_message(shared, st, channel_id, req.body);
                    st.interactions
                        .insert(token.to_owned(), (channel_id, msg.get("id").and_then(id_of)));
                    Reply::ok(msg)
                }
            }
        }
        (method, ["messages", "@original"]) => {
            webhook_message(shared, st, req, method, original, channel_id)
        }
        (method, ["messages", mid]) => {
            webhook_message(shared, st, req, method, mid.parse().ok(), channel_id)
        }
        _ => Reply::not_found(),
    }
}

// ---- faults ------------------------------------------------------------------------------

fn take_failure(st: &mut St, req: &Req<'_>) -> Option<Failure> {
    let rule = st.failures.iter_mut().find(|(method, prefix, _, left)| {
        *left > 0 && method == req.method && req.path.starts_with(prefix.as_str())
    })?;
    rule.3 -= 1;
    let failure = rule.2.clone();
    st.failures.retain(|r| r.3 > 0);
    Some(failure)
}

fn failure_reply(failure: &Failure) -> Reply {
    match *failure {
        Failure::RateLimited { retry_after_secs } => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
            let mut reply = Reply::json(
                429,
                json!({"message": "You are being rate limited.", "retry_after": retry_after_secs, "global": false}),
            );
            reply.headers = vec![
                ("retry-after", format!("{}", retry_after_secs.ceil().max(0.0))),
                ("x-ratelimit-limit", "5".to_owned()),
                ("x-ratelimit-remaining", "0".to_owned()),
                ("x-ratelimit-reset", format!("{:.3}", now + retry_after_secs)),
                ("x-ratelimit-reset-after", format!("{retry_after_secs:.3}")),
                ("x-ratelimit-bucket", "fakebucket0000000000000000000000".to_owned()),
                ("x-ratelimit-scope", "user".to_owned()),
            ];
            reply
        }
        Failure::Status(code) => {
            let reason = StatusCode::from_u16(code)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error");
            Reply::error(code, &format!("{code}: {reason}"), 0)
        }
    }
}

// ---- bodies ------------------------------------------------------------------------------

fn parse_body(content_type: &str, bytes: &[u8]) -> Body {
    if let Some(boundary) = boundary_of(content_type) {
        return match multipart(bytes, &boundary) {
            Some(parts) => {
                let mut body = Body::default();
                for part in parts {
                    match (part.name.as_str(), part.filename) {
                        ("payload_json", None) => match serde_json::from_slice(&part.data) {
                            Ok(json) => body.json = Some(json),
                            Err(e) => body.error = Some(format!("payload_json: {e}")),
                        },
                        (_, Some(filename)) => {
                            body.files.push(Attachment { filename, bytes: part.data })
                        }
                        _ => {}
                    }
                }
                body
            }
            None => Body { error: Some("malformed multipart body".to_owned()), ..Body::default() },
        };
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Body::default();
    }
    match serde_json::from_slice(bytes) {
        Ok(json) => Body { json: Some(json), ..Body::default() },
        Err(e) => Body { error: Some(format!("json body: {e}")), ..Body::default() },
    }
}

fn boundary_of(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary").then(|| v.trim_matches('"').to_owned())
    })
}

struct Part {
    name: String,
    filename: Option<String>,
    data: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Splits a multipart/form-data body. `None` when it is malformed.
fn multipart(body: &[u8], boundary: &str) -> Option<Vec<Part>> {
    let delimiter = format!("--{boundary}").into_bytes();
    let next_delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut pos = find(body, &delimiter, 0)? + delimiter.len();
    loop {
        let after = body.get(pos..)?;
        if after.starts_with(b"--") {
            return Some(parts);
        }
        let start = pos + if after.starts_with(b"\r\n") { 2 } else { 0 };
        let end = find(body, &next_delimiter, start)?;
        let part = body.get(start..end)?;
        let header_end = find(part, b"\r\n\r\n", 0)?;
        let headers = std::str::from_utf8(part.get(..header_end)?).ok()?;
        let data = part.get(header_end + 4..)?.to_vec();
        let disposition = headers.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim().eq_ignore_ascii_case("content-disposition").then_some(value)
        })?;
        let param = |key: &str| {
            disposition.split(';').find_map(|p| {
                let (k, v) = p.trim().split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
            })
        };
        parts.push(Part { name: param("name")?, filename: param("filename"), data });
        pos = end + next_delimiter.len();
    }
}
