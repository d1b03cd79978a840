//! The command table: every command's name, aliases, arguments, group, admin flag, cooldown,
//! help line and terminal form, written once. `!help` is built from it; the Discord front end
//! takes each command's aliases, category, description and cooldown from it
//! (`discord::commands::all`); tests hold the terminal's subcommands and `docs/commands.md` to
//! it.
use std::time::Duration;

/// Where a command is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// Players' stats and links.
    Players,
    /// Gaming sessions.
    Sessions,
    /// Admin commands (admin channel and rights; audited).
    Admin,
}

impl Group {
    /// Its label (the Discord category).
    pub fn label(self) -> &'static str {
        match self {
            Group::Players => "Players",
            Group::Sessions => "Sessions",
            Group::Admin => "Admin",
        }
    }
}

/// One command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The name (Discord, prefix and slash).
    pub name: &'static str,
    /// Other prefix names.
    pub aliases: &'static [&'static str],
    /// Its arguments as `!help` shows them (empty: none).
    pub args: &'static str,
    /// Where it is listed.
    pub group: Group,
    /// Seconds between two uses by one user (0: none).
    pub cooldown_secs: u64,
    /// What it does, in a line (also the slash command's description: at most 100 chars).
    pub help: &'static str,
    /// Its subcommand on the terminal (`slomix <terminal>`), if it has one.
    pub terminal: Option<&'static str>,
}

impl Spec {
    /// Whether it is an admin command.
    pub fn admin(&self) -> bool {
        self.group == Group::Admin
    }

    /// The per-user cooldown, if any.
    pub fn cooldown(&self) -> Option<Duration> {
        (self.cooldown_secs > 0).then(|| Duration::from_secs(self.cooldown_secs))
    }

    /// `!name args`, as `!help` shows it.
    pub fn usage(&self) -> String {
        if self.args.is_empty() {
            format!("!{}", self.name)
        } else {
            format!("!{} {}", self.name, self.args)
        }
    }
}

const fn spec(
    name: &'static str,
    aliases: &'static [&'static str],
    args: &'static str,
    group: Group,
    cooldown_secs: u64,
    help: &'static str,
    terminal: Option<&'static str>,
) -> Spec {
    Spec { name, aliases, args, group, cooldown_secs, help, terminal }
}

use Group::{Admin, Players, Sessions};

/// Every command, in `!help` order.
pub const COMMANDS: &[Spec] = &[
    spec(
        "stats",
        &[],
        "[name|@user]",
        Players,
        5,
        "lifetime numbers, top weapons, last rounds",
        Some("stats"),
    ),
    spec(
        "leaderboard",
        &["lb", "top"],
        "[category] [page]",
        Players,
        10,
        "rankings by kills, K/D, DPM, accuracy and more",
        Some("leaderboard"),
    ),
    spec("compare", &[], "<p1> <p2>", Players, 5, "two players side by side", Some("compare")),
    spec(
        "last_session",
        &["last", "latest", "recent"],
        "",
        Sessions,
        5,
        "the latest gaming session with graphs",
        Some("last-session"),
    ),
    spec(
        "session",
        &["match", "game"],
        "[id|date]",
        Sessions,
        5,
        "one session: today, yesterday, YYYY-MM-DD or its id",
        Some("session"),
    ),
    spec(
        "sessions",
        &["rounds", "list_sessions", "ls"],
        "[month]",
        Sessions,
        5,
        "recent sessions, or a month's (10, 2025-10, oct)",
        Some("sessions"),
    ),
    spec(
        "teams",
        &[],
        "[id|date]",
        Sessions,
        5,
        "the line-ups of a session and maps won",
        Some("teams"),
    ),
    spec(
        "find_player",
        &["findplayer", "fp", "search_player"],
        "<name>",
        Players,
        0,
        "players whose names contain it",
        Some("find-player"),
    ),
    spec("link", &[], "[name|GUID]", Players, 10, "link your Discord account to your player", None),
    spec("unlink", &[], "", Players, 0, "remove your link", None),
    spec(
        "achievements",
        &["medals", "badges"],
        "[name]",
        Players,
        0,
        "badges and progress",
        Some("achievements"),
    ),
    spec(
        "season",
        &["season_info"],
        "",
        Players,
        0,
        "this quarter's season and its leaders",
        Some("season"),
    ),
    spec("help", &["commands", "cmds", "help_command"], "", Players, 0, "this list", None),
    spec(
        "automation_status",
        &[],
        "",
        Admin,
        0,
        "each actor's health, last file, next poll, voice session",
        None,
    ),
    spec(
        "ssh_check",
        &[],
        "",
        Admin,
        0,
        "reach every game server: latency and stats files there",
        None,
    ),
    spec(
        "sync",
        &["sync_stats", "syncstats"],
        "[days]",
        Admin,
        0,
        "fetch and import what is missing (default 1 day)",
        None,
    ),
    spec("import", &[], "<file>", Admin, 0, "fetch and import one stats file now", None),
    spec("reload", &[], "", Admin, 0, "re-read the settings files", None),
    spec("cache_clear", &[], "", Admin, 0, "drop cached command results", None),
];

/// The command called `name` (not an alias).
pub fn find(name: &str) -> Option<&'static Spec> {
    COMMANDS.iter().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_are_unique_and_help_lines_fit_a_slash_description() {
        let mut seen = std::collections::HashSet::new();
        for spec in COMMANDS {
            for name in std::iter::once(&spec.name).chain(spec.aliases) {
                assert!(seen.insert(*name), "{name} twice");
                assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{name}");
            }
            assert!((1..=100).contains(&spec.help.chars().count()), "{}", spec.name);
        }
        assert_eq!(find("lb"), None, "aliases are not names");
        assert_eq!(
            find("leaderboard").map(Spec::usage).as_deref(),
            Some("!leaderboard [category] [page]")
        );
        assert_eq!(find("reload").map(|s| (s.admin(), s.cooldown())), Some((true, None)));
    }
}
