//! Errors and warnings of the stats parser: where (file, line, field) and what.
use std::fmt;

use super::file_name::FileNameError;

/// A stats file that cannot be used: which file, where in it, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// The file's base name as given to the parser.
    pub file: String,
    /// 1-based line number, when the problem is on one line.
    pub line: Option<usize>,
    /// The field that could not be read (a header field, `weapon_mask`, a TAB field name, ...).
    pub field: Option<&'static str>,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// What makes a stats file unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The file name is not `YYYY-MM-DD-HHMMSS-<map>-round-<N>.txt`.
    #[error("invalid file name: {0}")]
    FileName(#[from] FileNameError),
    /// The file has no bytes (or only white space).
    #[error("file is empty")]
    Empty,
    /// Line 1 does not have the 8 (or 9) `\`-separated header fields.
    #[error("header has {found} `\\`-separated fields, expected 8 or 9")]
    HeaderFields {
        /// How many fields the line has.
        found: usize,
    },
    /// The file has a header but no player line (the writer saved a round nobody played).
    #[error("no player lines after the header")]
    NoPlayers,
    /// A player line lacks its `guid\name\rounds\team\stats` parts.
    #[error("player line has {found} `\\`-separated parts, expected 5")]
    PlayerFields {
        /// How many parts the line has.
        found: usize,
    },
    /// A value that must be a number is not one.
    #[error("expected {expected}, found `{value}`")]
    BadNumber {
        /// What kind of number the field holds.
        expected: &'static str,
        /// The offending text (shortened and escaped).
        value: String,
    },
    /// A required text value is empty.
    #[error("empty value")]
    EmptyValue,
    /// The weapon block is shorter than its bitmask announces.
    #[error("weapon block has {found} numbers after the mask {mask:#x}, which needs {expected}")]
    WeaponCount {
        /// The weapon bitmask.
        mask: u32,
        /// Numbers present after the mask.
        found: usize,
        /// Numbers the mask requires (5 per set bit).
        expected: usize,
    },
    /// The weapon block has more numbers than its mask and an extended block can account for.
    #[error("weapon block has {found} numbers; its mask needs {expected} and no TAB block follows")]
    TooManyNumbers {
        /// Numbers present after the mask.
        found: usize,
        /// Numbers the mask requires (5 per set bit).
        expected: usize,
    },
    /// The last line has no line end: the file was cut short or is still being written.
    #[error("the last line has no line end: the file is cut short or still being written")]
    Truncated,
    /// A line holds something that is not a player line.
    #[error("not a player line: `{value}`")]
    NotAPlayerLine {
        /// The start of the line (shortened and escaped).
        value: String,
    },
    /// The round-1 file given for a round-2 file cannot be its companion.
    #[error("`{round1}` cannot be the round 1 of this file: {reason}")]
    NotCompanion {
        /// The offered round-1 file.
        round1: String,
        /// Why it does not fit.
        reason: &'static str,
    },
}

impl ParseError {
    pub(crate) fn new(file: &str, kind: ParseErrorKind) -> Self {
        ParseError { file: file.to_owned(), line: None, field: None, kind }
    }

    pub(crate) fn at(file: &str, line: usize, field: &'static str, kind: ParseErrorKind) -> Self {
        ParseError { file: file.to_owned(), line: Some(line), field: Some(field), kind }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ParseErrorKind::FileName(inner) => Some(inner),
            _ => None,
        }
    }
}

/// Something odd in a usable file: reported, never fatal.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParseWarning {
    /// 1-based line number, when the oddity is on one line.
    pub line: Option<usize>,
    /// The field concerned, if one.
    pub field: Option<&'static str>,
    /// What was odd and what the parser did about it.
    pub message: String,
}

impl ParseWarning {
    pub(crate) fn new(line: Option<usize>, field: Option<&'static str>, message: String) -> Self {
        ParseWarning { line, field, message }
    }
}

impl fmt::Display for ParseWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(field) = self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Shortens and escapes raw bytes for an error message: at most 40 characters, control
/// characters and invalid UTF-8 shown as escapes, so a hostile file cannot forge log lines.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    const MAX: usize = 40;
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for (count, ch) in text.chars().enumerate() {
        if count == MAX {
            out.push('…');
            break;
        }
        out.extend(ch.escape_debug());
    }
    out
}
