//! The announcement on the wire: the JSON the original notifier posted, the POST to the
//! webhook with `?wait=true`, and what each answer means. Error text is scrubbed of the URL.
use std::time::Duration;

use serde_json::{Value, json};

use crate::stats::StatsFileName;

use super::queue::Outcome;
use super::settings::WebhookUrl;

/// The embed colour of the original notifier.
pub const EMBED_COLOUR: u32 = 0x3498db;

/// Longest error text kept for a log line.
const MAX_ERROR_LEN: usize = 300;

/// The message announcing `file`: the content is `📊` and the name between backticks (what the
/// daemon's trigger gate reads), plus an embed with map and round, posted under `username`.
pub fn payload(file: &StatsFileName, size: u64, username: &str) -> Value {
    json!({
        "username": username,
        "content": format!("📊 `{}`", file.as_str()),
        "embeds": [{
            "title": "⚡ Round Complete",
            "description": format!("**{}** - Round {}", file.map(), file.round()),
            "color": EMBED_COLOUR,
            "footer": {"text": format!("{size} bytes | Triggering bot...")},
        }],
        "allowed_mentions": {"parse": []},
    })
}

/// How one POST ended, with what is worth logging.
#[derive(Debug, Clone, PartialEq)]
pub enum PostResult {
    /// 2xx. `message_id` when Discord answered with the message (`wait=true`).
    Posted {
        /// HTTP status.
        status: u16,
        /// The created message's id.
        message_id: Option<String>,
    },
    /// 429.
    RateLimited {
        /// From the body's `retry_after` (seconds, fractional) or the `Retry-After` header.
        retry_after: Option<Duration>,
        /// Discord's `global` flag.
        global: bool,
    },
    /// An answer that is neither 2xx nor 429.
    Refused {
        /// HTTP status.
        status: u16,
        /// Discord's `message`, or the start of the body.
        message: String,
    },
    /// No answer: connection, TLS or timeout error.
    Unreachable {
        /// The error chain, without the URL.
        error: String,
    },
}

impl PostResult {
    /// What it means for the queue.
    pub fn outcome(&self) -> Outcome {
        match self {
            PostResult::Posted { .. } => Outcome::Posted,
            PostResult::RateLimited { retry_after, .. } => {
                Outcome::RateLimited { retry_after: *retry_after }
            }
            PostResult::Refused { .. } | PostResult::Unreachable { .. } => Outcome::Failed,
        }
    }
}

/// Reads an HTTP answer: status, the `Retry-After` header and the body.
pub fn classify(status: u16, retry_after_header: Option<&str>, body: &[u8]) -> PostResult {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    match status {
        200..=299 => PostResult::Posted {
            status,
            message_id: json.as_ref().and_then(|j| j.get("id")).and_then(|id| {
                id.as_str().map(str::to_owned).or_else(|| id.as_u64().map(|n| n.to_string()))
            }),
        },
        429 => {
            let from_body =
                json.as_ref().and_then(|j| j.get("retry_after")).and_then(Value::as_f64);
            let from_header = retry_after_header.and_then(|h| h.trim().parse::<f64>().ok());
            let retry_after = from_body
                .or(from_header)
                .filter(|s| s.is_finite() && *s >= 0.0)
                .and_then(|s| Duration::try_from_secs_f64(s).ok());
            let global = json
                .as_ref()
                .and_then(|j| j.get("global"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            PostResult::RateLimited { retry_after, global }
        }
        _ => {
            let message = json
                .as_ref()
                .and_then(|j| j.get("message"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
            PostResult::Refused { status, message: shorten(&message) }
        }
    }
}

/// Posts `payload` to the webhook and reads the answer. Never fails: every problem is a
/// [`PostResult`], its text scrubbed of the URL.
pub async fn post(client: &reqwest::Client, url: &WebhookUrl, payload: &Value) -> PostResult {
    let body = match serde_json::to_vec(payload) {
        Ok(body) => body,
        Err(e) => return PostResult::Unreachable { error: e.to_string() },
    };
    let sent = client
        .post(url.execute_url())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(error) => return PostResult::Unreachable { error: describe(url, error) },
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match response.bytes().await {
        Ok(bytes) => classify(status, retry_after.as_deref(), &bytes),
        // The status is what counts; a 2xx whose body was cut is still posted.
        Err(error) if (200..300).contains(&status) => {
            tracing::debug!(error = %describe(url, error), "body of a successful post unreadable");
            PostResult::Posted { status, message_id: None }
        }
        Err(error) => PostResult::Unreachable { error: describe(url, error) },
    }
}

/// A reqwest error and its sources as one line, without the URL.
fn describe(url: &WebhookUrl, error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    shorten(&url.redact(&text))
}

fn shorten(text: &str) -> String {
    if text.len() <= MAX_ERROR_LEN {
        return text.to_owned();
    }
    let mut end = MAX_ERROR_LEN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", text.get(..end).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_is_the_original_notifiers() {
        let file = StatsFileName::parse("2025-10-12-225242-sw_goldrush_te-round-2.txt").unwrap();
        let p = payload(&file, 4321, "ET:Legacy Stats");
        assert_eq!(p["username"], "ET:Legacy Stats");
        assert_eq!(p["content"], "📊 `2025-10-12-225242-sw_goldrush_te-round-2.txt`");
        let embed = &p["embeds"][0];
        assert_eq!(embed["title"], "⚡ Round Complete");
        assert_eq!(embed["description"], "**sw_goldrush_te** - Round 2");
        assert_eq!(embed["color"], 0x3498db);
        assert_eq!(embed["footer"]["text"], "4321 bytes | Triggering bot...");
        assert_eq!(p["allowed_mentions"]["parse"], json!([]));
    }

    #[test]
    fn answers_are_classified() {
        assert_eq!(
            classify(200, None, br#"{"id":"5001","content":"x"}"#),
            PostResult::Posted { status: 200, message_id: Some("5001".into()) }
        );
        assert_eq!(classify(204, None, b""), PostResult::Posted { status: 204, message_id: None });
        assert_eq!(
            classify(
                429,
                Some("2"),
                br#"{"message":"You are being rate limited.","retry_after":0.25,"global":false}"#
            ),
            PostResult::RateLimited {
                retry_after: Some(Duration::from_millis(250)),
                global: false
            }
        );
        assert_eq!(
            classify(429, Some("3"), b"slow down"),
            PostResult::RateLimited { retry_after: Some(Duration::from_secs(3)), global: false }
        );
        assert_eq!(
            classify(429, Some("Wed, 21 Oct 2015 07:28:00 GMT"), b""),
            PostResult::RateLimited { retry_after: None, global: false }
        );
        assert_eq!(
            classify(429, None, br#"{"retry_after":-1,"global":true}"#),
            PostResult::RateLimited { retry_after: None, global: true }
        );
        assert_eq!(
            classify(404, None, br#"{"message":"Unknown Webhook","code":10015}"#),
            PostResult::Refused { status: 404, message: "Unknown Webhook".into() }
        );
        let long = "x".repeat(1000);
        let PostResult::Refused { status: 503, message } = classify(503, None, long.as_bytes())
        else {
            panic!("a 503 is refused");
        };
        assert_eq!(message.chars().count(), MAX_ERROR_LEN + 1);
        assert_eq!(classify(503, None, b"").outcome(), Outcome::Failed);
        assert_eq!(
            classify(429, None, br#"{"retry_after":1.5}"#).outcome(),
            Outcome::RateLimited { retry_after: Some(Duration::from_millis(1500)) }
        );
    }
}
