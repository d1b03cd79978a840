//! The command layer: one plain async function per command, from (database, arguments,
//! caller) to a [`Reply`] model that both front ends render: Discord as embeds, attachments
//! and page buttons (`discord::commands`), the terminal as text or JSON (`cli::commands`).
//!
//! Commands only read, except the linking commands (`player_links`) and the audit log of
//! admin commands (`command_audit`); the stats tables stay DbWriter's. User text never
//! becomes SQL: names are bound parameters, everything inlined into SQL is an integer or a
//! constant of ours.
pub mod achievements;
pub mod admin;
pub mod aliases;
pub mod args;
pub mod cache;
pub mod call;
pub mod charts;
pub mod compare;
pub mod format;
pub mod gaming_session;
pub mod help;
pub mod leaderboard;
pub mod links;
pub mod list_players;
pub mod ping;
pub mod players;
pub mod rating;
pub mod recap;
pub mod records;
pub mod registry;
pub mod session_score;
pub mod session_views;
pub mod sessions;
pub mod setname;
pub mod stats;
pub mod stopwatch;
pub mod suggest_teams;
pub mod team_records;
pub mod teams;
pub mod weapons;

use chrono::NaiveDateTime;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::render::{Names, Post};

/// What every command runs against.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The database (read; links and the audit log are written).
    pub db: DatabaseConnection,
    /// How player names are written: Discord escapes markdown and mentions.
    pub names: Names,
    /// Now, in the game servers' local time (file names and round times use that clock).
    pub now: NaiveDateTime,
    /// Results kept between calls of one front end (each session's stopwatch score).
    pub memo: std::sync::Arc<team_records::Memo>,
    /// The web site's public address (`web.public_url`): answers link to its pages.
    pub site: Option<std::sync::Arc<url::Url>>,
}

impl Ctx {
    /// A context on `db` with nothing kept yet and no site to link to.
    pub fn new(db: DatabaseConnection, names: Names, now: NaiveDateTime) -> Self {
        Ctx { db, names, now, memo: Default::default(), site: None }
    }

    /// `🌐 [label](<site>/<path>)` for a page of the site, when `web.public_url` is set.
    /// `path` is ours (validated ids), written from the site's root.
    pub fn site_link(&self, path: &str, label: &str) -> Option<String> {
        self.site.as_ref().map(|site| format!("🌐 [{label}]({})", site_url(site, path)))
    }
}

/// `path` (from the root, `/players/…`) on the site at `site`, whatever `site`'s own path.
pub fn site_url(site: &url::Url, path: &str) -> String {
    format!("{}/{}", site.as_str().trim_end_matches('/'), path.trim_start_matches('/'))
}

/// Who asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// Their Discord user id (none on the terminal).
    pub discord_id: Option<u64>,
    /// Their Discord user name, as stored with a link.
    pub name: String,
    /// Whether they may use admin commands and act for others.
    pub admin: bool,
}

impl Caller {
    /// The terminal operator: no Discord account, admin rights.
    pub fn terminal() -> Caller {
        Caller { discord_id: None, name: "terminal".to_owned(), admin: true }
    }
}

/// A PNG image attached to a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// File name (Discord shows it; embeds refer to it as `attachment://<name>`).
    pub filename: String,
    /// The PNG bytes.
    #[serde(skip)]
    pub png: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Where a paginated reply is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pages {
    /// This page, from 1.
    pub page: u32,
    /// How many pages there are (at least 1).
    pub total: u32,
}

/// What a command answers: the messages (one embed each, every one within Discord's limits),
/// images, the page position, and the same content as data for `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reply {
    /// The messages, in order.
    pub posts: Vec<Post>,
    /// PNG images (sent with the first message).
    pub attachments: Vec<Attachment>,
    /// Set when the reply is one page of several.
    pub pages: Option<Pages>,
    /// The reply's numbers as a JSON object (the `--json` form).
    pub data: serde_json::Value,
}

impl Reply {
    /// A reply of one post.
    pub fn single(post: Post, data: serde_json::Value) -> Reply {
        Reply { posts: vec![post], attachments: Vec::new(), pages: None, data }
    }

    /// The terminal form (Discord's bold markers dropped).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for post in &self.posts {
            out.push_str(&post.to_text().replace("**", ""));
        }
        for image in &self.attachments {
            out.push_str(&format!("[image {} {}x{}]\n", image.filename, image.width, image.height));
        }
        if let Some(pages) = self.pages {
            out.push_str(&format!("page {} of {}\n", pages.page, pages.total));
        }
        out
    }

    /// The `--json` form: the data object, with the rendered reply under `"reply"`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = match &self.data {
            serde_json::Value::Object(map) => serde_json::Value::Object(map.clone()),
            other => serde_json::json!({ "data": other }),
        };
        value["reply"] = serde_json::json!({
            "posts": self.posts,
            "attachments": self.attachments,
            "pages": self.pages,
        });
        value
    }
}

/// A player a name could mean.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// GUID.
    pub guid: String,
    /// Display name.
    pub name: String,
    /// Rounds played.
    pub rounds: i64,
}

/// Why a command has no normal answer. The first variants are the user's to fix and are
/// shown as they are; `Db` and `Internal` are ours, and users see only a generic line (the
/// detail goes to the log).
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// No player matches.
    #[error("no player matches {query:?}")]
    NotFound {
        /// What was asked.
        query: String,
        /// Close names.
        suggestions: Vec<String>,
    },
    /// Several players match.
    #[error("{query:?} matches {count} players")]
    Ambiguous {
        /// What was asked.
        query: String,
        /// How many players match.
        count: usize,
        /// Who it could be (the ten with most rounds).
        candidates: Vec<Candidate>,
    },
    /// The Discord account has no linked player.
    #[error("{who} has no linked player")]
    NotLinked {
        /// Whose account ("You" or a mention).
        who: String,
    },
    /// A bad argument; the text says what is expected.
    #[error("{0}")]
    Invalid(String),
    /// Not allowed, or not possible in this state; the text says why.
    #[error("{0}")]
    Refused(String),
    /// Nothing to show (no rounds yet, no session).
    #[error("{0}")]
    Empty(String),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// Something else of ours failed.
    #[error("{0}")]
    Internal(String),
}

/// The line users see for an error of ours.
pub const GENERIC_ERROR: &str =
    "❌ Something went wrong on our side. The admins can find the details in the log.";

impl CommandError {
    /// Whether the user can fix it (else it is ours, and logged).
    pub fn is_users(&self) -> bool {
        !matches!(self, CommandError::Db(_) | CommandError::Internal(_))
    }

    /// What the user is told: the reason for their errors, a generic line for ours. Names
    /// are written for `names`.
    pub fn user_message(&self, names: Names) -> String {
        let name = |n: &str| crate::render::safe_name(n, names, 32);
        match self {
            CommandError::NotFound { query, suggestions } => {
                let mut out = format!("❌ No player matches **{}**.", name(query));
                if !suggestions.is_empty() {
                    let list: Vec<String> = suggestions.iter().map(|s| name(s)).collect();
                    out.push_str(&format!(" Did you mean: {}?", list.join(", ")));
                }
                out
            }
            CommandError::Ambiguous { query, count, candidates } => {
                let mut out = format!(
                    "❓ **{}** matches {count} players; use a longer name or the GUID:",
                    name(query)
                );
                for c in candidates.iter().take(10) {
                    out.push_str(&format!(
                        "\n• {} `{}` ({} rounds)",
                        name(&c.name),
                        c.guid,
                        c.rounds
                    ));
                }
                out
            }
            CommandError::NotLinked { who } => format!(
                "❌ {who} has no linked player. Link one with `!link <name or GUID>`, or give a name."
            ),
            CommandError::Invalid(text)
            | CommandError::Refused(text)
            | CommandError::Empty(text) => format!("❌ {text}"),
            CommandError::Db(_) | CommandError::Internal(_) => GENERIC_ERROR.to_owned(),
        }
    }
}

/// A command's result.
pub type CommandResult = Result<Reply, CommandError>;

/// A statement with no parameters (everything in it is ours).
pub(crate) fn raw(db: &DatabaseConnection, sql: String) -> sea_orm::Statement {
    sea_orm::Statement::from_string(sea_orm::ConnectionTrait::get_database_backend(db), sql)
}
