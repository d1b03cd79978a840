//! The player commands on the terminal (`slomix stats NAME`, `slomix leaderboard`, ...): the
//! same command layer as Discord, printed as text, or as the reply model in JSON with
//! `--json`. Exit status: 0 answered, 1 the user's to fix (not found, ambiguous — the
//! candidates are listed — or a bad argument), 2 ours (database, settings).
use std::{path::PathBuf, process::ExitCode};

use crate::{
    commands::{
        Caller, CommandError, CommandResult, Ctx, achievements, compare, leaderboard, links,
        players::Who,
        sessions::{self, Pick},
        stats, teams,
    },
    render::Names,
};

/// Output options shared by every query.
#[derive(Debug, Clone, clap::Args)]
pub struct Output {
    /// Print the reply model as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The query commands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Query {
    /// A player's lifetime stats (name, part of a name, or GUID).
    Stats {
        /// The player.
        name: String,
        #[command(flatten)]
        out: Output,
    },
    /// A leaderboard: kills, kd, dpm, accuracy, headshots, games, revives, gibs, objectives,
    /// efficiency, teamwork, multikills, grenades.
    Leaderboard {
        /// The category (default kills).
        category: Option<String>,
        /// The page, from 1.
        #[arg(long, default_value_t = 1)]
        page: u32,
        #[command(flatten)]
        out: Output,
    },
    /// Two players side by side.
    Compare {
        /// The first player.
        first: String,
        /// The second player.
        second: String,
        #[command(flatten)]
        out: Output,
    },
    /// One gaming session: its id, a date YYYY-MM-DD, today or yesterday (default: latest).
    Session {
        /// Which session.
        which: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    /// The last 20 sessions, or a month's (10, 2025-10, oct).
    Sessions {
        /// The month.
        month: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    /// The latest session with its graphs.
    LastSession {
        /// Write the PNG graphs into this folder.
        #[arg(long)]
        graphs: Option<PathBuf>,
        #[command(flatten)]
        out: Output,
    },
    /// The two line-ups of a session.
    Teams {
        /// Which session (as for `session`).
        which: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    /// Players whose names contain the text.
    FindPlayer {
        /// Part of a name.
        text: String,
        #[command(flatten)]
        out: Output,
    },
    /// A player's badges, or the legend.
    Achievements {
        /// The player.
        name: Option<String>,
        #[command(flatten)]
        out: Output,
    },
    /// This quarter's season.
    Season {
        #[command(flatten)]
        out: Output,
    },
}

impl Query {
    fn output(&self) -> &Output {
        match self {
            Query::Stats { out, .. }
            | Query::Leaderboard { out, .. }
            | Query::Compare { out, .. }
            | Query::Session { out, .. }
            | Query::Sessions { out, .. }
            | Query::LastSession { out, .. }
            | Query::Teams { out, .. }
            | Query::FindPlayer { out, .. }
            | Query::Achievements { out, .. }
            | Query::Season { out } => out,
        }
    }
}

/// Answers one query against `ctx`.
pub async fn answer(ctx: &Ctx, query: &Query) -> CommandResult {
    let caller = Caller::terminal();
    let today = ctx.now.date();
    match query {
        Query::Stats { name, .. } => stats::stats(ctx, &Who::Text(name.clone()), &caller).await,
        Query::Leaderboard { category, page, .. } => {
            let (category, page) = leaderboard::parse_args(category.as_deref(), Some(*page))?;
            leaderboard::leaderboard(ctx, category, page).await
        }
        Query::Compare { first, second, .. } => {
            compare::compare(ctx, &Who::Text(first.clone()), &Who::Text(second.clone()), &caller)
                .await
        }
        Query::Session { which, .. } => {
            sessions::session(ctx, Pick::parse(which.as_deref(), today)?).await
        }
        Query::Sessions { month, .. } => sessions::sessions(ctx, month.as_deref()).await,
        Query::LastSession { .. } => sessions::last_session(ctx).await,
        Query::Teams { which, .. } => {
            teams::teams(ctx, Pick::parse(which.as_deref(), today)?).await
        }
        Query::FindPlayer { text, .. } => links::find_player(ctx, text).await,
        Query::Achievements { name, .. } => {
            let who = name.as_deref().map_or(Who::Me, |n| Who::Text(n.to_owned()));
            achievements::achievements(ctx, &who, &caller).await
        }
        Query::Season { .. } => achievements::season(ctx).await,
    }
}

/// Runs one query from the terminal.
pub fn run(query: &Query) -> ExitCode {
    let settings = match super::settings(Some("warn"), ExitCode::from(2)) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let runtime = match super::runtime(0, ExitCode::from(2)) {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let now = settings.local_now();
    let result = runtime.block_on(async {
        let connection = crate::app::open_database(&settings).await.map_err(|e| e.to_string())?;
        let ctx = Ctx { db: connection, names: Names::Plain, now };
        Ok::<_, String>(answer(&ctx, query).await)
    });
    let reply = match result {
        Ok(Ok(reply)) => reply,
        Ok(Err(error)) => return report(&error, query.output().json),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Query::LastSession { graphs: Some(folder), .. } = query {
        if let Err(error) = std::fs::create_dir_all(folder) {
            eprintln!("error: cannot create {}: {error}", folder.display());
            return ExitCode::from(2);
        }
        for image in &reply.attachments {
            let path = folder.join(&image.filename);
            if let Err(error) = std::fs::write(&path, &image.png) {
                eprintln!("error: cannot write {}: {error}", path.display());
                return ExitCode::from(2);
            }
            eprintln!("wrote {}", path.display());
        }
    }
    if query.output().json {
        println!("{}", serde_json::to_string_pretty(&reply.to_json()).unwrap_or_default());
    } else {
        print!("{}", reply.to_text());
    }
    ExitCode::SUCCESS
}

fn report(error: &CommandError, json: bool) -> ExitCode {
    if !error.is_users() {
        tracing::error!(error = %error, "command failed");
    }
    if json {
        let candidates = match error {
            CommandError::Ambiguous { candidates, .. } => {
                serde_json::to_value(candidates).unwrap_or_default()
            }
            _ => serde_json::Value::Null,
        };
        let body = serde_json::json!({ "error": error.user_message(Names::Plain), "candidates": candidates });
        println!("{}", serde_json::to_string_pretty(&body).unwrap_or_default());
    } else {
        eprintln!("{}", error.user_message(Names::Plain));
    }
    if error.is_users() { ExitCode::from(1) } else { ExitCode::from(2) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_terminal_has_a_subcommand_for_every_command_the_table_gives_one() {
        let cli = <Query as clap::Subcommand>::augment_subcommands(clap::Command::new("slomix"));
        let mut subcommands: Vec<&str> =
            cli.get_subcommands().map(clap::Command::get_name).collect();
        subcommands.sort_unstable();
        let mut table: Vec<&str> =
            crate::commands::registry::COMMANDS.iter().filter_map(|s| s.terminal).collect();
        table.sort_unstable();
        assert_eq!(subcommands, table);
    }
}
