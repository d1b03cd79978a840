//! `!help`: what each command does, from the command table (`registry.rs`).
use super::call::{BoxFuture, Call};
use serde_json::json;

use super::{
    CommandResult, Reply,
    leaderboard::Category,
    registry::{COMMANDS, Group, Spec},
};
use crate::render::{Field, Post};

/// The command.
pub fn help(admin: bool) -> Reply {
    let line = |spec: &Spec| {
        let aliases: Vec<String> = spec.aliases.iter().map(|a| format!("!{a}")).collect();
        match aliases.as_slice() {
            [] => format!("`{}` — {}", spec.usage(), spec.help),
            [one] => format!("`{}` — {} (alias {one})", spec.usage(), spec.help),
            many => format!("`{}` — {} (aliases {})", spec.usage(), spec.help, many.join(", ")),
        }
    };
    let list = |group: &dyn Fn(Group) -> bool| -> String {
        COMMANDS.iter().filter(|s| group(s.group)).map(line).collect::<Vec<_>>().join("\n")
    };
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
    let mut fields = vec![
        Field { name: "Players".to_owned(), value: list(&|g| g != Group::Admin) },
        Field { name: "Leaderboards".to_owned(), value: categories.join(", ") },
    ];
    if admin {
        fields.push(Field { name: "Admins".to_owned(), value: list(&|g| g == Group::Admin) });
    }
    let post = Post {
        title: "📖 slomix commands".to_owned(),
        colour: 0x0058_65F2,
        description: "Every command also works as a slash command (`/stats`, ...).".to_owned(),
        fields,
        footer: "Names are matched without case: exact first, then part of a name".to_owned(),
    };
    let data = json!({
        "commands": COMMANDS.iter().filter(|s| !s.admin()).map(Spec::usage).collect::<Vec<_>>(),
        "admin_commands": if admin { COMMANDS.iter().filter(|s| s.admin()).map(Spec::usage).collect::<Vec<_>>() } else { Vec::new() },
    });
    Reply::single(post, data)
}

/// The table's handler: `!help` (admins also see the admin commands).
pub fn run_help(call: &Call) -> BoxFuture<'_, CommandResult> {
    Box::pin(async move { Ok(help(call.caller.admin)) })
}
