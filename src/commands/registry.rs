//! The command table: every command's name, aliases, parameters, group, admin flag,
//! cooldown, help line, terminal form and handler, written once. The Discord front end builds
//! one prefix-and-slash command per entry (`discord::commands::all`), the terminal one
//! subcommand per entry with a terminal form (`cli::commands::Query`), `!help` lists them, and
//! a test holds `docs/commands.md` to the table. Adding a command is its module (the command
//! and its handler) plus one entry here.
use std::time::Duration;

use super::{
    CommandResult,
    call::{BoxFuture, Call},
};
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

/// A command's handler: from one use (arguments by parameter name, caller, front end) to its
/// reply.
pub type Handler = for<'a> fn(&'a Call) -> BoxFuture<'a, CommandResult>;

/// What a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One word, or several in double quotes (`"a b"`).
    Word,
    /// A whole number (a page).
    Number,
    /// The rest of the line.
    Rest,
}

/// How a parameter appears on the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTerminal {
    /// A positional argument, required as on Discord.
    Positional,
    /// A positional argument the terminal requires (it has no "you").
    Required,
    /// An option `--name VALUE`.
    Flag,
    /// A switch `--name` of the terminal only (Discord has no such parameter); given, its
    /// argument is `"true"`.
    Switch,
}

/// One parameter of a command: a slash option, a prefix argument, a terminal argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Its name (the slash option's and the terminal's; lowercase).
    pub name: &'static str,
    /// What to give (the slash option's description: at most 100 chars).
    pub help: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether it must be given.
    pub required: bool,
    /// How the terminal takes it.
    pub terminal: OnTerminal,
    /// The values it takes, when it is one of a few words: Discord then shows a menu under the
    /// reply that switches the same message between them (at most 25).
    pub choices: &'static [&'static str],
}

impl Param {
    /// An optional parameter.
    pub const fn optional(name: &'static str, kind: Kind, help: &'static str) -> Param {
        Param { name, help, kind, required: false, terminal: OnTerminal::Positional, choices: &[] }
    }

    /// A required parameter.
    pub const fn required(name: &'static str, kind: Kind, help: &'static str) -> Param {
        Param { name, help, kind, required: true, terminal: OnTerminal::Positional, choices: &[] }
    }

    /// A terminal-only switch `--name` (see [`OnTerminal::Switch`]).
    pub const fn switch(name: &'static str, help: &'static str) -> Param {
        Param {
            name,
            help,
            kind: Kind::Word,
            required: false,
            terminal: OnTerminal::Switch,
            choices: &[],
        }
    }

    /// Whether Discord has this parameter (every one but a terminal switch).
    pub fn on_discord(&self) -> bool {
        self.terminal != OnTerminal::Switch
    }

    /// The same, one of `choices` (the first is what no value means).
    pub const fn one_of(mut self, choices: &'static [&'static str]) -> Param {
        self.choices = choices;
        self
    }

    /// The same, taken on the terminal as `on`.
    pub const fn on_terminal(mut self, on: OnTerminal) -> Param {
        self.terminal = on;
        self
    }
}

/// One command.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// The name (Discord, prefix and slash).
    pub name: &'static str,
    /// Other prefix names.
    pub aliases: &'static [&'static str],
    /// Its arguments as `!help` shows them (empty: none).
    pub args: &'static str,
    /// Its parameters, in order (optional ones after required ones; a `Rest` one last).
    pub params: &'static [Param],
    /// Where it is listed.
    pub group: Group,
    /// Seconds between two uses by one user (0: none).
    pub cooldown_secs: u64,
    /// What it does, in a line (also the slash command's description: at most 100 chars).
    pub help: &'static str,
    /// Its subcommand on the terminal (`slomix <terminal>`), if it has one.
    pub terminal: Option<&'static str>,
    /// It may take a while (graphs, SSH): a slash command is deferred first.
    pub slow: bool,
    /// Its reply carries images: the terminal's `--graphs DIR` writes them.
    pub images: bool,
    /// What it does.
    pub run: Handler,
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

    /// Its parameter called `name`, with its position.
    pub fn param(&self, name: &str) -> Option<(usize, &'static Param)> {
        self.params.iter().enumerate().find(|(_, p)| p.name == name)
    }

    /// Its parameter with choices, which a menu under the reply switches.
    pub fn switch(&self) -> Option<(usize, &'static Param)> {
        self.params.iter().enumerate().find(|(_, p)| !p.choices.is_empty())
    }

    /// Its page parameter (a `Number` called `page`), which page buttons turn.
    pub fn pages(&self) -> bool {
        self.param("page").is_some_and(|(_, p)| p.kind == Kind::Number)
    }

    const fn new(name: &'static str, group: Group, help: &'static str, run: Handler) -> Spec {
        Spec {
            name,
            aliases: &[],
            args: "",
            params: &[],
            group,
            cooldown_secs: 0,
            help,
            terminal: None,
            slow: false,
            images: false,
            run,
        }
    }

    const fn aliases(mut self, aliases: &'static [&'static str]) -> Spec {
        self.aliases = aliases;
        self
    }

    const fn takes(mut self, args: &'static str, params: &'static [Param]) -> Spec {
        self.args = args;
        self.params = params;
        self
    }

    const fn every(mut self, cooldown_secs: u64) -> Spec {
        self.cooldown_secs = cooldown_secs;
        self
    }

    const fn terminal(mut self, subcommand: &'static str) -> Spec {
        self.terminal = Some(subcommand);
        self
    }

    const fn slow(mut self) -> Spec {
        self.slow = true;
        self
    }

    const fn images(mut self) -> Spec {
        self.images = true;
        self
    }
}

use super::{achievements, admin, help, leaderboard, links, sessions, stats, teams};
use Group::{Admin, Players, Sessions};
use Kind::{Number, Rest, Word};

const WHICH_SESSION: Param =
    Param::optional("which", Word, "Session id, YYYY-MM-DD, today or yesterday");
const SESSION_VIEW: Param = Param::optional(
    "view",
    Rest,
    "top, combat, obj, weapons, support, sprees, maps, maps full or graphs",
)
.on_terminal(OnTerminal::Flag)
.one_of(&[
    "summary",
    "top",
    "combat",
    "obj",
    "weapons",
    "support",
    "sprees",
    "maps",
    "maps full",
    "graphs",
]);

/// Every command, in `!help` order.
pub const COMMANDS: &[Spec] = &[
    Spec::new("stats", Players, "lifetime numbers, top weapons, last rounds", stats::run_stats)
        .takes(
            "[name|@user]",
            &[Param::optional("player", Rest, "Player name, GUID or @mention (default: you)")
                .on_terminal(OnTerminal::Required)],
        )
        .every(5)
        .terminal("stats"),
    Spec::new(
        "leaderboard",
        Players,
        "rankings by kills, K/D, DPM, accuracy and more",
        leaderboard::run_leaderboard,
    )
    .aliases(&["lb", "top"])
    .takes(
        "[category] [page]",
        &[
            Param::optional(
                "category",
                Word,
                "kills, kd, dpm, accuracy, headshots, games, revives, gibs, objectives, ...",
            ),
            Param::optional("page", Number, "Page (from 1)").on_terminal(OnTerminal::Flag),
        ],
    )
    .every(10)
    .terminal("leaderboard"),
    Spec::new(
        "rating",
        Players,
        "a player's team rating, rank and its history over time, with a chart",
        super::rating::run_rating,
    )
    .aliases(&["skill", "elo"])
    .takes(
        "[name|@user]",
        &[
            Param::optional("player", Rest, "Player name, GUID or @mention (default: you)"),
            Param::switch("rebuild", "Rate every stored map again, in time order"),
            Param::switch("evaluate", "Predict each stored map from the ratings before it; scores"),
        ],
    )
    .every(5)
    .terminal("rating")
    .images(),
    Spec::new(
        "suggest_teams",
        Sessions,
        "two fair teams from the linked players in voice (or the names given)",
        super::suggest_teams::run_suggest_teams,
    )
    .aliases(&["balance", "st"])
    .takes(
        "[names...]",
        &[Param::optional(
            "players",
            Rest,
            "Player names, GUIDs or @mentions (default: who is in voice)",
        )],
    )
    .every(5)
    .terminal("suggest-teams"),
    Spec::new("compare", Players, "two players side by side", super::compare::run_compare)
        .takes(
            "<p1> <p2>",
            &[
                Param::required("first", Word, "First player"),
                Param::required("second", Word, "Second player"),
            ],
        )
        .every(5)
        .terminal("compare"),
    Spec::new(
        "last_session",
        Sessions,
        "the latest gaming session with graphs",
        sessions::run_last_session,
    )
    .aliases(&["last", "latest", "recent", "last_round"])
    .takes("[view]", &[SESSION_VIEW])
    .every(5)
    .terminal("last-session")
    .slow()
    .images(),
    Spec::new(
        "session",
        Sessions,
        "one session: today, yesterday, YYYY-MM-DD or its id",
        sessions::run_session,
    )
    .aliases(&["match", "game"])
    .takes("[id|date] [view]", &[WHICH_SESSION, SESSION_VIEW])
    .every(5)
    .terminal("session"),
    Spec::new(
        "sessions",
        Sessions,
        "recent sessions, or a month's (10, 2025-10, oct)",
        sessions::run_sessions,
    )
    .aliases(&["rounds", "list_sessions", "ls"])
    .takes("[month]", &[Param::optional("month", Word, "Month: 10, 2025-10 or oct")])
    .every(5)
    .terminal("sessions"),
    Spec::new(
        "session_score",
        Sessions,
        "a session's stopwatch score, map by map",
        super::session_score::run_session_score,
    )
    .takes("[id|date]", &[WHICH_SESSION])
    .every(5)
    .terminal("session-score"),
    Spec::new(
        "recap",
        Sessions,
        "the evening in one post: score, maps, MVP, top DPM, personal bests, badges",
        super::recap::run_recap,
    )
    .takes("[id|date]", &[WHICH_SESSION])
    .every(5)
    .terminal("recap"),
    Spec::new("teams", Sessions, "the line-ups of a session and maps won", teams::run_teams)
        .takes("[id|date]", &[WHICH_SESSION])
        .every(5)
        .terminal("teams"),
    Spec::new(
        "team_record",
        Sessions,
        "each line-up's sessions and maps won, lost and drawn",
        super::team_records::run_team_record,
    )
    .aliases(&["team_records"])
    .every(10)
    .terminal("team-record"),
    Spec::new(
        "h2h",
        Sessions,
        "two players' teams against each other, and together",
        super::team_records::run_h2h,
    )
    .aliases(&["head_to_head"])
    .takes(
        "<p1> <p2>",
        &[
            Param::required("first", Word, "First player"),
            Param::required("second", Word, "Second player"),
        ],
    )
    .every(10)
    .terminal("h2h"),
    Spec::new("find_player", Players, "players whose names contain it", links::run_find_player)
        .aliases(&["findplayer", "fp", "search_player"])
        .takes("<name>", &[Param::required("text", Rest, "Part of a name")])
        .terminal("find-player"),
    Spec::new(
        "list_players",
        Players,
        "every player: linked, unlinked or active, ten a page",
        super::list_players::run_list_players,
    )
    .aliases(&["players", "lp"])
    .takes(
        "[linked|unlinked|active] [page]",
        &[
            Param::optional("filter", Word, "linked, unlinked or active (default: all)"),
            Param::optional("page", Number, "Page (from 1)").on_terminal(OnTerminal::Flag),
        ],
    )
    .every(5)
    .terminal("list-players"),
    Spec::new("link", Players, "link your Discord account to your player", links::run_link)
        .takes("[name|GUID]", &[Param::optional("player", Rest, "Your player name or GUID")])
        .every(10),
    Spec::new(
        "setname",
        Players,
        "the name posts and boards show for you (a name, one of your names, or reset)",
        super::setname::run_setname,
    )
    .takes(
        "<name>|alias <name>|reset",
        &[Param::required("name", Rest, "A name (2 to 32 characters), alias <name>, or reset")],
    )
    .every(10),
    Spec::new("unlink", Players, "remove your link", links::run_unlink)
        .takes("", &[Param::optional("user", Word, "Admins: the account to unlink")]),
    Spec::new(
        "weapons",
        Players,
        "a player's lifetime numbers per weapon",
        super::weapons::run_weapons,
    )
    .takes(
        "[name|@user]",
        &[Param::optional("player", Rest, "Player name, GUID or @mention (default: you)")
            .on_terminal(OnTerminal::Required)],
    )
    .every(5)
    .terminal("weapons"),
    Spec::new(
        "records",
        Players,
        "map records: fastest time, most kills and damage in a round",
        super::records::run_records,
    )
    .takes("[map]", &[Param::optional("map", Word, "Map name (default: the most played)")])
    .every(5)
    .terminal("records"),
    Spec::new(
        "myaliases",
        Players,
        "the names a player played under",
        super::aliases::run_my_aliases,
    )
    .aliases(&["aliases", "mynames"])
    .takes(
        "[name]",
        &[Param::optional("player", Rest, "Player (default: you)")
            .on_terminal(OnTerminal::Required)],
    )
    .terminal("aliases"),
    Spec::new("achievements", Players, "badges and progress", achievements::run_achievements)
        .aliases(&["medals", "achievement"])
        .takes("[name]", &[Param::optional("player", Rest, "Player")])
        .terminal("achievements"),
    Spec::new("badges", Players, "what each badge means", achievements::run_badges)
        .aliases(&["badge_legend"]),
    Spec::new("season", Players, "this quarter's season and its leaders", achievements::run_season)
        .aliases(&["season_info", "seasons"])
        .terminal("season"),
    Spec::new("help", Players, "this list", help::run_help).aliases(&[
        "commands",
        "cmds",
        "help_command",
        "bothelp",
    ]),
    Spec::new("ping", Players, "is the bot up: database round trip", super::ping::run_ping),
    Spec::new(
        "automation_status",
        Admin,
        "each actor's health, last file, next poll, voice session",
        admin::run_automation_status,
    ),
    Spec::new(
        "ssh_check",
        Admin,
        "reach every game server: latency and stats files there",
        admin::run_ssh_check,
    )
    .slow(),
    Spec::new("sync", Admin, "fetch and import what is missing (default 1 day)", admin::run_sync)
        .aliases(&["sync_stats", "syncstats", "sync_today", "sync_week", "sync_month", "sync_all"])
        .takes("[days]", &[Param::optional("days", Word, "Days back: 3, 2w, 1m or all")]),
    Spec::new("import", Admin, "fetch and import one stats file now", admin::run_import)
        .takes("<file>", &[Param::required("file", Word, "Stats file name")]),
    Spec::new("reload", Admin, "re-read the settings files", admin::run_reload),
    Spec::new("cache_clear", Admin, "drop cached command results", admin::run_cache_clear),
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
                // Discord's rule for slash names, lowercase: letters, digits, `_` and `-`.
                assert!(
                    (1..=32).contains(&name.len())
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{name}"
                );
            }
            assert!((1..=100).contains(&spec.help.chars().count()), "{}", spec.name);
        }
        assert!(find("lb").is_none(), "aliases are not names");
        assert_eq!(
            find("leaderboard").map(Spec::usage).as_deref(),
            Some("!leaderboard [category] [page]")
        );
        assert_eq!(find("reload").map(|s| (s.admin(), s.cooldown())), Some((true, None)));
    }

    #[test]
    fn parameters_fit_slash_options_and_read_left_to_right() {
        for spec in COMMANDS {
            let mut names = std::collections::HashSet::new();
            let mut optional = false;
            for (i, param) in spec.params.iter().enumerate() {
                let what = format!("{} {}", spec.name, param.name);
                assert!(names.insert(param.name), "{what} twice");
                assert!((1..=32).contains(&param.name.len()), "{what}");
                assert!(param.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{what}");
                assert!((1..=100).contains(&param.help.chars().count()), "{what}");
                assert!(!(optional && param.required), "{what}: required after optional");
                optional |= !param.required;
                if param.kind == Kind::Rest {
                    let on_discord = spec.params.iter().filter(|p| p.on_discord()).count();
                    assert_eq!(i + 1, on_discord, "{what}: the rest of the line comes last");
                }
                if !param.on_discord() {
                    assert!(!param.required && spec.terminal.is_some(), "{what}: a switch");
                }
                assert!(param.name != "json" && param.name != "graphs", "{what}: a terminal flag");
            }
            assert!(!spec.images || spec.terminal.is_some(), "{}", spec.name);
        }
        for spec in COMMANDS {
            let Some((_, param)) = spec.switch() else { continue };
            assert!(param.choices.len() <= 25 && !spec.pages(), "{}", spec.name);
            assert!(param.choices.iter().all(|c| (1..=100).contains(&c.len())), "{}", spec.name);
        }
        assert!(find("leaderboard").is_some_and(Spec::pages));
        assert!(!find("stats").is_some_and(Spec::pages));
    }
}
