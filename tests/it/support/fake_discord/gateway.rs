//! The fake gateway: HELLO, IDENTIFY → READY + GUILD_CREATE + queued dispatches, heartbeat ACKs,
//! RESUME (refused by default), and the connection task that writes frames in order.
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{Conn, Out, Shared, fixtures};

/// `GET /gw?v=10`: upgrade to the gateway.
pub(super) async fn upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| run(shared, socket))
}

async fn run(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn_id = {
        let mut st = shared.lock();
        st.next_conn_id += 1;
        let id = st.next_conn_id;
        // One client at a time: a new connection replaces (and drops) the previous one.
        if let Some(old) = st.conn.replace(Conn { id, tx: tx.clone(), ready: false }) {
            let _ = old.tx.send(Out::Abort);
        }
        id
    };
    shared.bump();

    let hello = json!({"op": 10, "d": {"heartbeat_interval": shared.config.heartbeat_interval_ms}});
    let mut open = socket.send(Message::text(hello.to_string())).await.is_ok();
    while open {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => on_frame(&shared, conn_id, &tx, text.as_str()),
                Some(Ok(Message::Binary(_) | Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => open = false,
            },
            out = rx.recv() => match out {
                Some(Out::Text(text)) => open = socket.send(Message::text(text)).await.is_ok(),
                Some(Out::Close(code, reason)) => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    open = false;
                }
                Some(Out::Abort) | None => open = false,
            },
        }
    }
    // Dropping the socket closes the TCP connection (no close frame unless sent above).
    drop(socket);
    {
        let mut st = shared.lock();
        if st.conn.as_ref().is_some_and(|c| c.id == conn_id) {
            st.conn = None;
        }
    }
    shared.bump();
}

/// One text frame from the client.
fn on_frame(shared: &Shared, conn_id: u64, tx: &mpsc::UnboundedSender<Out>, text: &str) {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        eprintln!("fake discord: gateway frame is not JSON: {text}");
        return;
    };
    let d = frame.get("d").cloned().unwrap_or(Value::Null);
    match frame.get("op").and_then(Value::as_u64) {
        Some(1) => {
            let _ = tx.send(Out::Text(json!({"op": 11}).to_string()));
        }
        Some(2) => identify(shared, conn_id, tx, d),
        Some(6) => resume(shared, conn_id, tx, &d),
        // 3 presence update, 4 voice, 8 request members, ...: nothing to do.
        _ => {}
    }
}

fn identify(shared: &Shared, conn_id: u64, tx: &mpsc::UnboundedSender<Out>, d: Value) {
    let config = &shared.config;
    let mut st = shared.lock();
    st.identify_count += 1;
    let token = d.get("token").and_then(Value::as_str).unwrap_or_default().to_owned();
    st.last_identify = Some(d);
    let valid = token == format!("Bot {}", config.token) || token == config.token;
    if !valid || st.reject_token {
        let _ = tx.send(Out::Close(4004, "Authentication failed."));
        drop(st);
        shared.bump();
        return;
    }
    st.session_id = format!("fake-session-{}", st.identify_count);
    st.seq = 0;
    let ready = fixtures::ready(config, &st.session_id, &shared.ws_url());
    let voice: Vec<(u64, u64)> = st.voice.iter().map(|(&u, &c)| (u, c)).collect();
    let humans = st.humans();
    let view =
        fixtures::GuildView { voice: &voice, humans: &humans, bot_permissions: st.bot_permissions };
    let guild = fixtures::guild(config, &view);
    let mut frames = vec![("READY".to_owned(), ready), ("GUILD_CREATE".to_owned(), guild)];
    // A new session starts empty: what happened while no session was connected is only
    // delivered to a RESUME (and is in the channels' history, for the bot to read).
    st.pending.clear();
    for (event, data) in std::mem::take(&mut st.behind_guild_create) {
        if event == "VOICE_STATE_UPDATE"
            && let (Some(user), Some(channel)) =
                (data["user_id"].as_str(), data["channel_id"].as_str())
            && let (Ok(user), Ok(channel)) = (user.parse(), channel.parse())
        {
            st.voice.insert(user, channel);
        }
        frames.push((event, data));
    }
    send_all(&mut st, conn_id, tx, frames);
    drop(st);
    shared.bump();
}

fn resume(shared: &Shared, conn_id: u64, tx: &mpsc::UnboundedSender<Out>, d: &Value) {
    let mut st = shared.lock();
    st.resume_count += 1;
    let same_session = d.get("session_id").and_then(Value::as_str) == Some(st.session_id.as_str());
    if st.allow_resume && same_session && !st.reject_token {
        let mut frames = std::mem::take(&mut st.pending);
        frames.push(("RESUMED".to_owned(), json!({})));
        send_all(&mut st, conn_id, tx, frames);
    } else {
        let _ = tx.send(Out::Text(json!({"op": 9, "d": false}).to_string()));
    }
    drop(st);
    shared.bump();
}

/// Sends dispatches with consecutive sequence numbers and marks the connection ready.
fn send_all(
    st: &mut super::State,
    conn_id: u64,
    tx: &mpsc::UnboundedSender<Out>,
    frames: Vec<(String, Value)>,
) {
    for (event, data) in frames {
        st.seq += 1;
        let frame = json!({"op": 0, "s": st.seq, "t": event, "d": data});
        let _ = tx.send(Out::Text(frame.to_string()));
    }
    if let Some(conn) = st.conn.as_mut().filter(|c| c.id == conn_id) {
        conn.ready = true;
    }
}
