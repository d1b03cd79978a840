//! The player commands on the terminal (`slomix stats NAME`, `slomix leaderboard`, ...): the
//! same command layer as Discord, printed as text, or as the reply model in JSON with
//! `--json`. Exit status: 0 answered, 1 the user's to fix (not found, ambiguous — the
//! candidates are listed — or a bad argument), 2 ours (database, settings).
use std::{path::PathBuf, process::ExitCode, sync::Arc};

use clap::{Arg, ArgAction, ArgMatches, value_parser};

use crate::{
    commands::{
        Caller, CommandError, CommandResult, Ctx,
        call::{Call, Terminal},
        registry::{COMMANDS, Kind, OnTerminal, Spec},
    },
    render::Names,
};

/// One query: a command of the table that has a terminal form, with its arguments.
#[derive(Debug, Clone)]
pub struct Query {
    /// The command.
    pub spec: &'static Spec,
    /// Its arguments, one per parameter.
    pub args: Vec<Option<String>>,
    /// Print the reply model as JSON instead of text.
    pub json: bool,
    /// Write the reply's PNG images into this folder (commands whose replies have images).
    pub graphs: Option<PathBuf>,
}

/// The subcommand of `spec`, called `name`: its parameters, then `--json` (and `--graphs DIR`
/// when its reply has images).
fn subcommand(spec: &'static Spec, name: &'static str) -> clap::Command {
    let mut command = clap::Command::new(name).about(spec.help);
    for param in spec.params {
        let mut arg = Arg::new(param.name).help(param.help);
        arg = match param.terminal {
            OnTerminal::Positional => arg.required(param.required),
            OnTerminal::Required => arg.required(true),
            OnTerminal::Flag => arg.long(param.name).required(param.required),
            OnTerminal::Switch => arg.long(param.name).action(ArgAction::SetTrue),
        };
        if param.kind == Kind::Rest && param.terminal != OnTerminal::Flag {
            // Several words on the terminal are one text, as on Discord (quoted when a word
            // holds a space, so `"two words"` stays one name).
            arg = arg.num_args(1..);
        }
        if param.kind == Kind::Number {
            arg = arg.value_parser(value_parser!(u32));
        }
        command = command.arg(arg);
    }
    command = command.arg(
        Arg::new("json")
            .long("json")
            .action(ArgAction::SetTrue)
            .help("Print the reply model as JSON instead of text"),
    );
    if spec.images {
        command = command.arg(
            Arg::new("graphs")
                .long("graphs")
                .value_name("DIR")
                .value_parser(value_parser!(PathBuf))
                .help("Write the PNG graphs into this folder"),
        );
    }
    command
}

impl clap::FromArgMatches for Query {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let Some((name, sub)) = matches.subcommand() else {
            return Err(clap::Error::new(clap::error::ErrorKind::MissingSubcommand));
        };
        let Some(spec) = COMMANDS.iter().find(|s| s.terminal == Some(name)) else {
            return Err(clap::Error::new(clap::error::ErrorKind::InvalidSubcommand));
        };
        let args = spec
            .params
            .iter()
            .map(|param| match (param.terminal, param.kind) {
                (OnTerminal::Switch, _) => sub.get_flag(param.name).then(|| "true".to_owned()),
                (_, Kind::Number) => sub.get_one::<u32>(param.name).map(u32::to_string),
                (OnTerminal::Flag, _) | (_, Kind::Word) => {
                    sub.get_one::<String>(param.name).cloned()
                }
                (_, Kind::Rest) => sub.get_many::<String>(param.name).map(|words| {
                    let words: Vec<&String> = words.collect();
                    if let [one] = words[..] {
                        return one.clone();
                    }
                    let quoted: Vec<String> = words
                        .into_iter()
                        .map(|w| {
                            if w.chars().any(char::is_whitespace) {
                                format!("\"{w}\"")
                            } else {
                                w.clone()
                            }
                        })
                        .collect();
                    quoted.join(" ")
                }),
            })
            .collect();
        let graphs = if spec.images { sub.get_one::<PathBuf>("graphs").cloned() } else { None };
        Ok(Query { spec, args, json: sub.get_flag("json"), graphs })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Subcommand for Query {
    fn augment_subcommands(command: clap::Command) -> clap::Command {
        COMMANDS.iter().fold(command, |command, spec| match spec.terminal {
            Some(name) => command.subcommand(subcommand(spec, name)),
            None => command,
        })
    }

    fn augment_subcommands_for_update(command: clap::Command) -> clap::Command {
        Self::augment_subcommands(command)
    }

    fn has_subcommand(name: &str) -> bool {
        COMMANDS.iter().any(|s| s.terminal == Some(name))
    }
}

/// Answers one query against `ctx`, as the terminal operator (admin rights, no Discord).
pub async fn answer(ctx: &Ctx, query: &Query) -> CommandResult {
    let call = Call {
        spec: query.spec,
        invoked: query.spec.name.to_owned(),
        ctx: ctx.clone(),
        caller: Caller::terminal(),
        args: query.args.clone(),
        page: None,
        front: Arc::new(Terminal),
    };
    (query.spec.run)(&call).await
}

/// Runs one query from the terminal.
pub fn run(query: &Query) -> ExitCode {
    let (settings, runtime) = match super::one_shot(0, ExitCode::from(2)) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    let now = settings.local_now();
    let result = runtime.block_on(async {
        let connection = crate::app::open_database(&settings).await.map_err(|e| e.to_string())?;
        let ctx = Ctx::new(connection, Names::Plain, now);
        Ok::<_, String>(answer(&ctx, query).await)
    });
    let reply = match result {
        Ok(Ok(reply)) => reply,
        Ok(Err(error)) => return report(&error, query.json),
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(folder) = &query.graphs {
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
    if query.json {
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

    fn parse(line: &[&str]) -> Result<Query, clap::Error> {
        let cli = <Query as clap::Subcommand>::augment_subcommands(clap::Command::new("slomix"));
        let matches =
            cli.try_get_matches_from(std::iter::once("slomix").chain(line.iter().copied()))?;
        <Query as clap::FromArgMatches>::from_arg_matches(&matches)
    }

    #[test]
    fn terminal_lines_become_the_tables_arguments() {
        let q = parse(&["leaderboard", "kd", "--page", "2", "--json"]).unwrap();
        assert_eq!(
            (q.spec.name, q.args.clone(), q.json),
            ("leaderboard", vec![Some("kd".into()), Some("2".into())], true)
        );
        let q = parse(&["last-session", "--graphs", "/tmp/g"]).unwrap();
        assert_eq!(
            (q.spec.name, q.graphs, q.json),
            ("last_session", Some(PathBuf::from("/tmp/g")), false)
        );
        assert_eq!(parse(&["stats", "seb"]).unwrap().args, vec![Some("seb".to_owned())]);
        assert!(parse(&["stats"]).is_err(), "the terminal has no linked player: NAME is required");
        assert!(parse(&["leaderboard", "--page", "two"]).is_err());
        assert!(parse(&["session", "--graphs", "x"]).is_err(), "only replies with images");
        assert!(parse(&["link", "seb"]).is_err(), "no terminal form");
        assert_eq!(parse(&["compare", "a", "b"]).unwrap().args.len(), 2);
    }

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
