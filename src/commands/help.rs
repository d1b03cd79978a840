//! `!help`: what each command does.
use serde_json::json;

use super::{Reply, leaderboard::Category};
use crate::render::{Field, Post};

/// Player commands: (usage, what it does).
pub const PLAYER_COMMANDS: &[(&str, &str)] = &[
    ("!stats [name|@user]", "lifetime numbers, top weapons, last rounds"),
    ("!leaderboard [category] [page]", "rankings (aliases !lb, !top)"),
    ("!compare <p1> <p2>", "two players side by side"),
    ("!last_session", "the latest gaming session with graphs (alias !last)"),
    ("!session [id|date]", "one session: today, yesterday, YYYY-MM-DD or its id"),
    ("!sessions [month]", "recent sessions, or a month's (10, 2025-10, oct)"),
    ("!teams [id|date]", "the line-ups of a session and maps won"),
    ("!find_player <name>", "players whose names contain it"),
    ("!link [name|GUID]", "link your Discord account to your player"),
    ("!unlink", "remove your link"),
    ("!achievements [name]", "badges and progress"),
    ("!season", "this quarter's season and its leaders"),
    ("!help", "this list"),
];

/// Admin commands (admin channel, admin role or whitelist; every use is audited).
pub const ADMIN_COMMANDS: &[(&str, &str)] = &[
    ("!automation_status", "each actor's health, last file, next poll, voice session"),
    ("!ssh_check", "reach every game server: latency and stats files there"),
    ("!sync [days]", "fetch and import what is missing (default 1 day)"),
    ("!import <file>", "fetch and import one stats file now"),
    ("!reload", "re-read the settings files"),
    ("!cache_clear", "drop cached command results"),
];

/// The command.
pub fn help(admin: bool) -> Reply {
    let list = |commands: &[(&str, &str)]| -> String {
        commands
            .iter()
            .map(|(usage, what)| format!("`{usage}` — {what}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
    let mut fields = vec![
        Field { name: "Players".to_owned(), value: list(PLAYER_COMMANDS) },
        Field { name: "Leaderboards".to_owned(), value: categories.join(", ") },
    ];
    if admin {
        fields.push(Field { name: "Admins".to_owned(), value: list(ADMIN_COMMANDS) });
    }
    let post = Post {
        title: "📖 slomix commands".to_owned(),
        colour: 0x0058_65F2,
        description: "Every command also works as a slash command (`/stats`, ...).".to_owned(),
        fields,
        footer: "Names are matched without case: exact first, then part of a name".to_owned(),
    };
    let data = json!({
        "commands": PLAYER_COMMANDS.iter().map(|(u, _)| u).collect::<Vec<_>>(),
        "admin_commands": if admin { ADMIN_COMMANDS.iter().map(|(u, _)| *u).collect::<Vec<_>>() } else { Vec::new() },
    });
    Reply::single(post, data)
}
