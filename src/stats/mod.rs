//! The pure stats-file parser: bytes and a file name in, values out.
//!
//! No I/O, no async runtime, no database or Discord types: every caller (the CLI, the
//! importer, the daemon's StatsParser actor, the fuzz target) hands it bytes it read itself.
//! The format is the c0rnp0rn Lua writer's (slomix-facts §1): a `\`-separated header line,
//! then one line per player with a weapon block and a TAB block. Where the original Python
//! parser was wrong (docs/parser.md lists where), this one follows the writer.
//!
//! * [`parse_file`] reads one file as written ([`ParsedFile`]).
//! * [`PairingRules::find_round1`] picks a round 2's companion from a list of names.
//! * [`pair`] turns a round-2 file and its round 1 into round-2-only numbers;
//!   [`ParsedFile::into_round1`] and [`ParsedFile::into_orphan`] cover the other cases.
//! * [`match_summary`] adds round 1 and round 2 into the stored round 0.
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)
)]

mod colour;
mod error;
mod file_name;
mod header;
mod pairing;
mod player;
mod round;
mod tab;

pub use colour::strip_colours;
pub use error::{ParseError, ParseErrorKind, ParseWarning};
pub use file_name::{FileNameError, MAX_FILE_NAME_LEN, StatsFileName};
pub use header::{Header, format_time, parse_time};
pub use pairing::{DEFAULT_WINDOW_MINUTES, PairingRules, match_summary, pair, pair_with};
pub use player::{NON_AIMED_WEAPONS, Player, RawName, WEAPON_NAMES, Weapon, WeaponStats};
pub use round::{MapOutcome, Outcome, ParsedFile, Round, RoundKind, map_outcome, parse_file};
pub use tab::{Accumulation, KNOWN_TAB_WIDTHS, TAB_FIELDS, TAB_WIDTH, TabField, TabStats};
