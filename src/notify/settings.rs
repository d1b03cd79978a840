//! The notifier's settings: `settings/notify.toml` (compiled in) → `--config FILE` →
//! `SLOMIX_NOTIFY__*` variables → the original notifier's variables → the three flags. The
//! webhook URL is validated and wrapped so it never reaches a log or an error message.
use std::{collections::HashMap, fmt, path::Path, path::PathBuf, time::Duration};

use serde::Deserialize;

/// `settings/notify.toml` as compiled in.
const EMBEDDED_DEFAULTS: &str = include_str!("../../settings/notify.toml");

/// The original notifier's variable names and the keys they set.
const ALIASES: &[(&str, &str)] = &[("DISCORD_WEBHOOK_URL", "webhook_url"), ("STATS_PATH", "dir")];

/// A validated Discord webhook URL. `Debug` and `Display` show only
/// `scheme://host/.../webhooks/<id>/***`; the token is reachable through [`WebhookUrl::expose`]
/// alone.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    url: reqwest::Url,
    token: String,
    redacted: String,
}

/// Why a webhook URL was refused. Never carries the URL itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookUrlError {
    /// Not set.
    #[error("webhook url is not set")]
    Missing,
    /// Not parseable as an absolute URL.
    #[error("webhook url is not an absolute URL ({0})")]
    NotUrl(String),
    /// A scheme other than https (or http to a loopback host).
    #[error("webhook url must use https (http only to 127.0.0.1, ::1 or localhost)")]
    Scheme,
    /// A user or password in the URL.
    #[error("webhook url must not contain a user or password")]
    UserInfo,
    /// The path does not end in `/webhooks/<id>/<token>`.
    #[error("webhook url path must end in /webhooks/<numeric id>/<token>")]
    Path,
}

impl WebhookUrl {
    /// Validates a URL of the form `https://discord.com/api/webhooks/<id>/<token>`.
    pub fn parse(text: &str) -> Result<WebhookUrl, WebhookUrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(WebhookUrlError::Missing);
        }
        let url = reqwest::Url::parse(text).map_err(|e| WebhookUrlError::NotUrl(e.to_string()))?;
        let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(WebhookUrlError::Scheme),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(WebhookUrlError::UserInfo);
        }
        let segments: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
        let segments = match segments.as_slice() {
            [rest @ .., ""] => rest,
            all => all,
        };
        let (prefix, id, token) = match segments {
            [prefix @ .., "webhooks", id, token]
                if !id.is_empty()
                    && id.bytes().all(|b| b.is_ascii_digit())
                    && !token.is_empty() =>
            {
                (prefix, *id, *token)
            }
            _ => return Err(WebhookUrlError::Path),
        };
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let host = url.host_str().unwrap_or_default();
        let mut path = String::new();
        for segment in prefix {
            path.push('/');
            path.push_str(segment);
        }
        let redacted = format!("{}://{host}{port}{path}/webhooks/{id}/***", url.scheme());
        Ok(WebhookUrl { token: token.to_owned(), redacted, url })
    }

    /// The URL to post to, with `wait=true` added (Discord then answers with the message).
    pub fn execute_url(&self) -> reqwest::Url {
        let mut url = self.url.clone();
        if !url.query_pairs().any(|(k, _)| k == "wait") {
            url.query_pairs_mut().append_pair("wait", "true");
        }
        url
    }

    /// The URL itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        self.url.as_str()
    }

    /// `text` with the token (and so the whole URL) replaced by `***`: for error text from
    /// the HTTP stack before it is logged.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.replace(self.url.as_str(), &self.redacted);
        if !self.token.is_empty() {
            out = out.replace(&self.token, "***");
        }
        out
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// The notifier's settings, validated. Keys are documented in `settings/notify.toml`.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// The stats folder.
    pub dir: PathBuf,
    /// The control channel's webhook.
    pub webhook_url: WebhookUrl,
    /// The state file.
    pub state: PathBuf,
    /// Author name of the posts (the daemon's trigger gate checks it).
    pub username: String,
    /// inotify on (true) or listing only (false).
    pub watch: bool,
    /// Quiet time after which a listed file without a close-after-write is complete.
    pub settle: Duration,
    /// The same for a file seen being written and never closed.
    pub open_settle: Duration,
    /// Time between listings of the folder.
    pub rescan: Duration,
    /// Least time between two announcements.
    pub post_interval: Duration,
    /// First retry delay.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_max: Duration,
    /// Longest wait a 429 can ask for.
    pub retry_after_max: Duration,
    /// Time limit of one POST.
    pub request_timeout: Duration,
    /// tracing filter.
    pub log_filter: String,
}

/// The flags; each given one overrides every other source.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--dir`.
    pub dir: Option<PathBuf>,
    /// `--webhook-url` (plain text only until it is validated; never printed).
    pub webhook_url: Option<crate::settings::Secret>,
    /// `--state`.
    pub state: Option<PathBuf>,
}

/// Why the settings could not be loaded. Never contains the webhook URL.
#[derive(Debug, thiserror::Error)]
pub enum NotifySettingsError {
    /// A file, variable or value was wrong.
    #[error("settings: {0}")]
    Config(#[from] config::ConfigError),
    /// A key is empty or out of range.
    #[error("settings: `{key}`: {reason}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The webhook URL was refused.
    #[error("settings: `webhook_url`: {0}")]
    WebhookUrl(#[from] WebhookUrlError),
}

/// The keys as read, before validation.
#[derive(Deserialize)]
struct Raw {
    dir: String,
    webhook_url: crate::settings::Secret,
    state: String,
    username: String,
    watch: bool,
    settle_ms: u64,
    open_settle_ms: u64,
    rescan_ms: u64,
    post_interval_ms: u64,
    retry_base_ms: u64,
    retry_max_ms: u64,
    retry_after_max_ms: u64,
    request_timeout_ms: u64,
    log_filter: String,
}

impl NotifySettings {
    /// Loads the layers: defaults, the optional file `config_file` (which must exist when
    /// given), the environment `env` (explicit so tests never touch the process environment)
    /// and the flags.
    pub fn load(
        config_file: Option<&Path>,
        env: &HashMap<String, String>,
        flags: &Overrides,
    ) -> Result<NotifySettings, NotifySettingsError> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(EMBEDDED_DEFAULTS, config::FileFormat::Toml));
        if let Some(file) = config_file {
            builder = builder.add_source(
                config::File::from(file).format(config::FileFormat::Toml).required(true),
            );
        }
        builder = builder.add_source(
            config::Environment::with_prefix("SLOMIX_NOTIFY")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env.clone().into_iter().collect())),
        );
        for (variable, key) in ALIASES {
            if let Some(value) = env.get(*variable) {
                builder = builder.set_override(*key, value.as_str())?;
            }
        }
        if let Some(dir) = &flags.dir {
            builder = builder.set_override("dir", dir.to_string_lossy().into_owned())?;
        }
        if let Some(url) = &flags.webhook_url {
            builder = builder.set_override("webhook_url", url.expose())?;
        }
        if let Some(state) = &flags.state {
            builder = builder.set_override("state", state.to_string_lossy().into_owned())?;
        }
        let raw: Raw = builder.build()?.try_deserialize()?;
        let webhook_url = WebhookUrl::parse(raw.webhook_url.expose())?;
        let non_empty = |key: &'static str, value: String| {
            if value.trim().is_empty() {
                Err(NotifySettingsError::Invalid { key, reason: "must not be empty".into() })
            } else {
                Ok(value)
            }
        };
        let positive = |key: &'static str, ms: u64| {
            if ms == 0 {
                Err(NotifySettingsError::Invalid { key, reason: "must be above 0".into() })
            } else {
                Ok(Duration::from_millis(ms))
            }
        };
        let retry_base = positive("retry_base_ms", raw.retry_base_ms)?;
        let retry_max = positive("retry_max_ms", raw.retry_max_ms)?;
        if retry_max < retry_base {
            return Err(NotifySettingsError::Invalid {
                key: "retry_max_ms",
                reason: "must not be below retry_base_ms".into(),
            });
        }
        Ok(NotifySettings {
            dir: PathBuf::from(non_empty("dir", raw.dir)?),
            webhook_url,
            state: PathBuf::from(non_empty("state", raw.state)?),
            username: raw.username,
            watch: raw.watch,
            settle: positive("settle_ms", raw.settle_ms)?,
            open_settle: positive("open_settle_ms", raw.open_settle_ms)?,
            rescan: positive("rescan_ms", raw.rescan_ms)?,
            post_interval: Duration::from_millis(raw.post_interval_ms),
            retry_base,
            retry_max,
            retry_after_max: Duration::from_millis(raw.retry_after_max_ms),
            request_timeout: positive("request_timeout_ms", raw.request_timeout_ms)?,
            log_filter: raw.log_filter,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "aBcD-very_secret_token_0123456789";

    fn url() -> String {
        format!("https://discord.com/api/webhooks/1234567890123456789/{TOKEN}")
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn webhook_url_prints_only_its_id() {
        let hook = WebhookUrl::parse(&url()).unwrap();
        let shown = "https://discord.com/api/webhooks/1234567890123456789/***";
        assert_eq!(hook.to_string(), shown);
        assert_eq!(format!("{hook:?}"), shown);
        assert_eq!(hook.expose(), url());
        assert_eq!(
            hook.execute_url().as_str(),
            format!("https://discord.com/api/webhooks/1234567890123456789/{TOKEN}?wait=true")
        );
        assert_eq!(
            hook.redact(&format!("error sending request for url ({}?wait=true)", url())),
            format!("error sending request for url ({shown}?wait=true)")
        );
        assert_eq!(hook.redact(&format!("token {TOKEN} here")), "token *** here");
        let local = WebhookUrl::parse("http://127.0.0.1:8089/api/v10/webhooks/42/tok/").unwrap();
        assert_eq!(local.to_string(), "http://127.0.0.1:8089/api/v10/webhooks/42/***");
        let thread = WebhookUrl::parse(&format!("{}?thread_id=7", url())).unwrap().execute_url();
        assert_eq!(thread.query(), Some("thread_id=7&wait=true"));
    }

    #[test]
    fn bad_webhook_urls_are_refused_without_echoing_them() {
        let cases: &[(String, WebhookUrlError)] = &[
            (String::new(), WebhookUrlError::Missing),
            (format!("http://discord.com/api/webhooks/1/{TOKEN}"), WebhookUrlError::Scheme),
            (format!("ftp://127.0.0.1/api/webhooks/1/{TOKEN}"), WebhookUrlError::Scheme),
            (format!("https://u:p@discord.com/api/webhooks/1/{TOKEN}"), WebhookUrlError::UserInfo),
            (format!("https://discord.com/api/webhooks/x1/{TOKEN}"), WebhookUrlError::Path),
            ("https://discord.com/api/webhooks/1".to_owned(), WebhookUrlError::Path),
            (format!("https://discord.com/api/hooks/1/{TOKEN}"), WebhookUrlError::Path),
        ];
        for (text, expected) in cases {
            assert_eq!(WebhookUrl::parse(text).as_ref(), Err(expected), "{text}");
        }
        let not_url = WebhookUrl::parse(&format!("discord.com/{TOKEN}")).unwrap_err();
        assert!(matches!(not_url, WebhookUrlError::NotUrl(_)));
        assert!(!not_url.to_string().contains(TOKEN), "{not_url}");
        let error = NotifySettings::load(
            None,
            &env(&[(
                "SLOMIX_NOTIFY__WEBHOOK_URL",
                &format!("http://example.com/webhooks/1/{TOKEN}"),
            )]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(!error.to_string().contains(TOKEN), "{error}");
        assert!(error.to_string().contains("https"), "{error}");
    }

    #[test]
    fn defaults_then_file_then_environment_then_aliases_then_flags() {
        let s = NotifySettings::load(
            None,
            &env(&[("DISCORD_WEBHOOK_URL", &url())]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(s.dir, PathBuf::from("/home/et/.etlegacy/legacy/gamestats"));
        assert_eq!(s.state, PathBuf::from("/var/lib/slomix-notify/state.json"));
        assert_eq!(s.username, "ET:Legacy Stats");
        assert!(s.watch);
        assert_eq!(s.settle, Duration::from_secs(2));
        assert_eq!(s.open_settle, Duration::from_secs(60));
        assert_eq!(s.post_interval, Duration::from_secs(13));
        assert_eq!((s.retry_base, s.retry_max), (Duration::from_secs(1), Duration::from_secs(60)));
        assert!(!format!("{s:?}").contains(TOKEN), "Debug hides the token");

        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            file.path(),
            "dir = \"/from/file\"\nsettle_ms = 500\nstate = \"/f/s.json\"\n",
        )
        .unwrap();
        let layered = NotifySettings::load(
            Some(file.path()),
            &env(&[
                ("SLOMIX_NOTIFY__WEBHOOK_URL", &url()),
                ("SLOMIX_NOTIFY__STATE", "/env/state.json"),
                ("SLOMIX_NOTIFY__POST_INTERVAL_MS", "0"),
                ("STATS_PATH", "/alias/stats"),
            ]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(layered.dir, PathBuf::from("/alias/stats"));
        assert_eq!(layered.settle, Duration::from_millis(500));
        assert_eq!(layered.state, PathBuf::from("/env/state.json"));
        assert_eq!(layered.post_interval, Duration::ZERO);

        let flagged = NotifySettings::load(
            Some(file.path()),
            &env(&[("SLOMIX_NOTIFY__WEBHOOK_URL", "not a url"), ("STATS_PATH", "/alias")]),
            &Overrides {
                dir: Some("/flag/dir".into()),
                webhook_url: Some(crate::settings::Secret::new(url())),
                state: Some("/flag/state.json".into()),
            },
        )
        .unwrap();
        assert_eq!(flagged.dir, PathBuf::from("/flag/dir"));
        assert_eq!(flagged.state, PathBuf::from("/flag/state.json"));
        assert_eq!(flagged.webhook_url.expose(), url());
    }

    #[test]
    fn missing_or_zero_values_name_their_key() {
        let missing = NotifySettings::load(None, &env(&[]), &Overrides::default()).unwrap_err();
        assert_eq!(missing.to_string(), "settings: `webhook_url`: webhook url is not set");
        let zero = NotifySettings::load(
            None,
            &env(&[("DISCORD_WEBHOOK_URL", &url()), ("SLOMIX_NOTIFY__SETTLE_MS", "0")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(zero.to_string(), "settings: `settle_ms`: must be above 0");
        let missing_file = NotifySettings::load(
            Some(Path::new("/nonexistent/notify.toml")),
            &env(&[("DISCORD_WEBHOOK_URL", &url())]),
            &Overrides::default(),
        );
        assert!(missing_file.is_err());
    }
}
