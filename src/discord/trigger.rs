//! The webhook trigger gate (pure): which control-channel messages may make the daemon fetch a
//! stats file now. Only a message from a whitelisted webhook, in the control channel, naming one
//! valid stats file between backticks, within the per-webhook rate limit, gets through.
use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};

use crate::stats::StatsFileName;

/// A message as the gate sees it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// Channel it was posted in.
    pub channel_id: u64,
    /// The webhook that posted it, if any.
    pub webhook_id: Option<u64>,
    /// The author's display name.
    pub author_name: &'a str,
    /// The text.
    pub content: &'a str,
}

/// Why a message is not a trigger. Each is logged; none is answered in Discord.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Another channel: not ours to look at.
    #[error("not the control channel")]
    OtherChannel,
    /// Posted by a user or bot, not a webhook.
    #[error("not posted by a webhook")]
    NotWebhook,
    /// A webhook that is not on the whitelist.
    #[error("webhook {0} is not on the whitelist")]
    NotWhitelisted(u64),
    /// The webhook's name is not the expected one.
    #[error("unexpected webhook name")]
    WrongName,
    /// No file name between backticks.
    #[error("no file name in backticks")]
    NoFileName,
    /// The name fails the stats file-name validator.
    #[error("invalid file name {name:?}: {reason}")]
    BadFileName {
        /// The name, escaped and cut to 80 characters.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// More than the allowed triggers in the window.
    #[error("rate limited: more than {limit} triggers in {window_secs} s from webhook {webhook}")]
    RateLimited {
        /// The file it names (valid; polling will find it).
        file: String,
        /// The webhook.
        webhook: u64,
        /// Triggers allowed per window.
        limit: usize,
        /// The window.
        window_secs: i64,
    },
}

/// The gate's rules and its rate-limit memory.
#[derive(Debug, Clone)]
pub struct TriggerGate {
    control_channel: u64,
    whitelist: Vec<u64>,
    expected_name: String,
    limit: usize,
    window: TimeDelta,
    recent: HashMap<u64, VecDeque<DateTime<Utc>>>,
}

impl TriggerGate {
    /// Five triggers per 60 s per webhook, as the original.
    pub fn new(control_channel: u64, whitelist: Vec<u64>, expected_name: &str) -> Self {
        TriggerGate::with_limit(
            control_channel,
            whitelist,
            expected_name,
            5,
            TimeDelta::seconds(60),
        )
    }

    /// At most `limit` triggers per `window` per webhook (`discord.trigger_limit`,
    /// `discord.trigger_window_secs`).
    pub fn with_limit(
        control_channel: u64,
        whitelist: Vec<u64>,
        expected_name: &str,
        limit: usize,
        window: TimeDelta,
    ) -> Self {
        TriggerGate {
            control_channel,
            whitelist,
            expected_name: expected_name.to_owned(),
            limit,
            window,
            recent: HashMap::new(),
        }
    }

    /// New whitelist, expected name and limit (a settings reload); the rate-limit memory
    /// stays.
    pub fn set_rules(
        &mut self,
        whitelist: Vec<u64>,
        expected_name: &str,
        limit: usize,
        window: TimeDelta,
    ) {
        self.whitelist = whitelist;
        self.expected_name = expected_name.to_owned();
        self.limit = limit;
        self.window = window;
    }

    /// The control channel (0: none).
    pub fn control_channel(&self) -> u64 {
        self.control_channel
    }

    /// Whether a message in `channel_id` is for the gate at all.
    pub fn is_control_channel(&self, channel_id: u64) -> bool {
        self.control_channel != 0 && channel_id == self.control_channel
    }

    /// Decides on one message at `now`: the file to fetch, or why not. An accepted trigger
    /// counts towards its webhook's rate limit; a refused one does not. If the clock steps back
    /// (NTP), a trigger accepted then counts as long as the one accepted before it, so a step
    /// back opens no slots.
    pub fn check(&mut self, message: Incoming<'_>, now: DateTime<Utc>) -> Result<String, Refusal> {
        let (webhook, file) = self.validate(message)?;
        let recent = self.recent.entry(webhook).or_default();
        while recent.front().is_some_and(|at| now - *at >= self.window) {
            recent.pop_front();
        }
        if recent.len() >= self.limit {
            return Err(Refusal::RateLimited {
                file,
                webhook,
                limit: self.limit,
                window_secs: self.window.num_seconds(),
            });
        }
        recent.push_back(now);
        Ok(file)
    }

    /// Every rule but the rate limit: the webhook and the file a message names. For triggers
    /// read back from the channel's history at start-up (posted while the bot was away; at
    /// most a bounded page of them), which count towards no limit.
    pub fn validate(&self, message: Incoming<'_>) -> Result<(u64, String), Refusal> {
        if !self.is_control_channel(message.channel_id) {
            return Err(Refusal::OtherChannel);
        }
        let webhook = message.webhook_id.ok_or(Refusal::NotWebhook)?;
        if !self.whitelist.contains(&webhook) {
            return Err(Refusal::NotWhitelisted(webhook));
        }
        if !self.expected_name.is_empty() && message.author_name != self.expected_name {
            return Err(Refusal::WrongName);
        }
        let name = file_name_in(message.content).ok_or(Refusal::NoFileName)?;
        let valid = StatsFileName::parse(name).map_err(|error| Refusal::BadFileName {
            name: name.chars().take(80).collect::<String>().escape_debug().to_string(),
            reason: error.to_string(),
        })?;
        Ok((webhook, valid.as_str().to_owned()))
    }
}

/// The text between the first pair of backticks.
fn file_name_in(content: &str) -> Option<&str> {
    let start = content.find('`')? + 1;
    let len = content.get(start..)?.find('`')?;
    content.get(start..start + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "2025-10-12-224530-sw_goldrush_te-round-1.txt";

    fn gate() -> TriggerGate {
        TriggerGate::new(100, vec![7], "ET:Legacy Stats")
    }

    fn msg(content: &str) -> Incoming<'_> {
        Incoming { channel_id: 100, webhook_id: Some(7), author_name: "ET:Legacy Stats", content }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(1_760_000_000 + seconds)
    }

    #[test]
    fn a_whitelisted_webhook_naming_a_valid_file_passes() {
        let mut g = gate();
        assert_eq!(g.check(msg(&format!("📊 `{FILE}`")), at(0)), Ok(FILE.to_owned()));
    }

    #[test]
    fn everything_else_is_refused() {
        let mut g = gate();
        let content = format!("📊 `{FILE}`");
        let base = msg(&content);
        assert_eq!(
            g.check(Incoming { channel_id: 101, ..base }, at(0)),
            Err(Refusal::OtherChannel)
        );
        assert_eq!(g.check(Incoming { webhook_id: None, ..base }, at(0)), Err(Refusal::NotWebhook));
        assert_eq!(
            g.check(Incoming { webhook_id: Some(8), ..base }, at(0)),
            Err(Refusal::NotWhitelisted(8))
        );
        assert_eq!(g.check(Incoming { author_name: "x", ..base }, at(0)), Err(Refusal::WrongName));
        assert_eq!(g.check(msg("📊 no backticks"), at(0)), Err(Refusal::NoFileName));
        let long = format!("`{}`", "a".repeat(300));
        for hostile in [
            "`../../etc/passwd`",
            "`2025-10-12-224530-sw_goldrush_te-round-1.txt\0`",
            "`2025-02-30-224530-sw_goldrush_te-round-1.txt`",
            "`/tmp/2025-10-12-224530-sw_goldrush_te-round-1.txt`",
            long.as_str(),
        ] {
            let refused = g.check(msg(hostile), at(0));
            assert!(
                matches!(refused, Err(Refusal::BadFileName { .. })),
                "{hostile:?}: {refused:?}"
            );
        }
        if let Err(Refusal::BadFileName { name, .. }) = g.check(msg(&long), at(0)) {
            assert_eq!(name.len(), 80, "the name is cut in the log");
        }
        let mut open = TriggerGate::new(100, vec![7], "");
        assert!(open.check(Incoming { author_name: "any", ..base }, at(0)).is_ok());
        let mut unset = TriggerGate::new(0, vec![7], "");
        assert_eq!(
            unset.check(Incoming { channel_id: 0, ..base }, at(0)),
            Err(Refusal::OtherChannel)
        );
    }

    #[test]
    fn the_limit_and_window_follow_the_settings_and_a_reload() {
        let content = format!("`{FILE}`");
        let mut g = TriggerGate::with_limit(100, vec![7], "", 2, TimeDelta::seconds(10));
        assert!(g.check(msg(&content), at(0)).is_ok() && g.check(msg(&content), at(1)).is_ok());
        let third = g.check(msg(&content), at(2));
        assert!(
            matches!(third, Err(Refusal::RateLimited { limit: 2, window_secs: 10, .. })),
            "{third:?}"
        );
        assert!(g.check(msg(&content), at(10)).is_ok(), "the first left the window");
        g.set_rules(vec![7], "", 5, TimeDelta::seconds(10));
        assert!(g.check(msg(&content), at(11)).is_ok(), "the raised limit applies at once");
    }

    #[test]
    fn five_triggers_per_minute_per_webhook() {
        let mut g = TriggerGate::new(100, vec![7, 9], "");
        let content = format!("`{FILE}`");
        for i in 0..5 {
            assert!(g.check(msg(&content), at(i)).is_ok(), "trigger {i}");
        }
        let sixth = g.check(msg(&content), at(30));
        assert!(
            matches!(sixth, Err(Refusal::RateLimited { webhook: 7, limit: 5, .. })),
            "{sixth:?}"
        );
        // Another webhook has its own budget; refused triggers do not count.
        assert!(g.check(Incoming { webhook_id: Some(9), ..msg(&content) }, at(30)).is_ok());
        assert!(g.check(msg(&content), at(59)).is_err());
        // 60 s after the first, one slot is free again.
        assert!(g.check(msg(&content), at(60)).is_ok());
        assert!(g.check(msg(&content), at(60)).is_err());
    }

    #[test]
    fn a_rate_limited_trigger_still_names_its_file_and_validation_counts_nothing() {
        let mut g = gate();
        let content = format!("📊 `{FILE}`");
        for i in 0..5 {
            assert!(g.check(msg(&content), at(i)).is_ok());
        }
        match g.check(msg(&content), at(6)) {
            Err(Refusal::RateLimited { file, .. }) => assert_eq!(file, FILE),
            other => panic!("{other:?}"),
        }
        for _ in 0..20 {
            assert_eq!(g.validate(msg(&content)), Ok((7, FILE.to_owned())));
        }
        assert!(g.validate(msg("`../x.txt`")).is_err());
        assert!(g.check(msg(&content), at(60)).is_ok(), "validation took no slot");
        assert!(g.check(msg(&content), at(60)).is_err());
    }

    #[test]
    fn a_clock_stepping_back_opens_no_slots() {
        let mut g = TriggerGate::new(100, vec![7], "");
        let content = format!("`{FILE}`");
        for i in 0..5 {
            assert!(g.check(msg(&content), at(i)).is_ok(), "trigger {i}");
        }
        assert!(g.check(msg(&content), at(200)).is_ok(), "a minute later: free again");
        // Back to t = 10: counts as t = 200, so four more fit and the fifth does not.
        for i in 0..4 {
            assert!(g.check(msg(&content), at(10 + i)).is_ok(), "stepped back {i}");
        }
        assert!(matches!(g.check(msg(&content), at(15)), Err(Refusal::RateLimited { .. })));
        assert!(g.check(msg(&content), at(259)).is_err());
        assert!(g.check(msg(&content), at(260)).is_ok());
    }
}
