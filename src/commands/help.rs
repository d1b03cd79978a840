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
    // One field per group, continued in further fields under Discord's 1,024 characters.
    let mut fields = Vec::new();
    let groups: &[(Group, &str)] = if admin {
        &[(Group::Players, "Players"), (Group::Sessions, "Sessions"), (Group::Admin, "Admins")]
    } else {
        &[(Group::Players, "Players"), (Group::Sessions, "Sessions")]
    };
    for (group, label) in groups {
        let mut value = String::new();
        let mut name = (*label).to_owned();
        for spec in COMMANDS.iter().filter(|s| s.group == *group) {
            let line = line(spec);
            if !value.is_empty() && value.chars().count() + 1 + line.chars().count() > 1024 {
                fields.push(Field { name, value: std::mem::take(&mut value) });
                name = format!("{label} (more)");
            }
            if !value.is_empty() {
                value.push('\n');
            }
            value.push_str(&line);
        }
        if !value.is_empty() {
            fields.push(Field { name, value });
        }
    }
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
    fields.push(Field { name: "Leaderboards".to_owned(), value: categories.join(", ") });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_command_within_discords_limits() {
        for admin in [false, true] {
            let reply = help(admin);
            assert!(reply.posts.iter().all(Post::fits_discord), "admin {admin}");
            let text: String =
                reply.posts[0].fields.iter().map(|f| f.value.clone() + "\n").collect();
            for spec in COMMANDS.iter().filter(|s| admin || !s.admin()) {
                assert!(text.contains(&format!("`{}`", spec.usage())), "{}", spec.name);
            }
            assert_eq!(text.contains("`!sync"), admin);
        }
    }
}
