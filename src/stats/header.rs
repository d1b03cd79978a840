//! Line 1 of a stats file: `server\map\config\round\defender\winner\timelimit\nextTimeLimit[\playtime]`.
use serde::Serialize;

use super::{
    colour::strip_colours,
    error::{ParseError, ParseErrorKind, ParseWarning, excerpt},
    player::trim,
};

/// The header fields, read and typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header {
    /// `sv_hostname`, colour codes stripped.
    pub server: String,
    /// The map name.
    pub map: String,
    /// `g_customConfig` (`legacy3`, `legacy6`, ...).
    pub config: String,
    /// The round field (1 or 2).
    pub round: u8,
    /// The map's defending side: 1 Axis, 2 Allies (0 when unknown).
    pub defender_team: u8,
    /// The side that won this round: 1 Axis, 2 Allies, 0 none.
    pub winner_team: u8,
    /// Round 1: the map's time limit. Round 2: the time round 1's attackers set.
    pub time_limit_seconds: u32,
    /// Round 1: the time the attackers needed. Round 2: the round's duration.
    pub actual_time_seconds: u32,
    /// The 9th field of newer writers: measured play time without pauses, in seconds.
    pub measured_playtime_seconds: Option<f64>,
}

/// Parses line 1. `line` is already stripped of its line end.
pub(crate) fn parse_header(
    file: &str,
    line: &[u8],
    warnings: &mut Vec<ParseWarning>,
) -> Result<Header, ParseError> {
    let fields: Vec<&[u8]> = trim(line).split(|b| *b == b'\\').collect();
    let field = |i: usize| -> &[u8] { fields.get(i).map(|f| trim(f)).unwrap_or_default() };
    if fields.len() < 8 {
        return Err(ParseError {
            file: file.to_owned(),
            line: Some(1),
            field: Some("header"),
            kind: ParseErrorKind::HeaderFields { found: fields.len() },
        });
    }
    if fields.len() > 9 {
        warnings.push(ParseWarning::new(
            Some(1),
            Some("header"),
            format!("{} header fields; fields past the 9th ignored", fields.len()),
        ));
    }
    let text = |i: usize| String::from_utf8_lossy(field(i)).into_owned();
    let map = text(1);
    if map.is_empty() {
        return Err(ParseError::at(file, 1, "map", ParseErrorKind::EmptyValue));
    }
    let small = |i: usize, name: &'static str, warnings: &mut Vec<ParseWarning>| -> u8 {
        match std::str::from_utf8(field(i)).ok().and_then(|t| t.parse::<u8>().ok()) {
            Some(value) => value,
            None => {
                warnings.push(ParseWarning::new(
                    Some(1),
                    Some(name),
                    format!("`{}` is not a number; taken as 0", excerpt(field(i))),
                ));
                0
            }
        }
    };
    let round = small(3, "round", warnings);
    let defender_team = small(4, "defender_team", warnings);
    let winner_team = small(5, "winner_team", warnings);
    for (name, value) in [("defender_team", defender_team), ("winner_team", winner_team)] {
        if value > 2 {
            warnings.push(ParseWarning::new(
                Some(1),
                Some(name),
                format!("team {value} is not 1 (Axis) or 2 (Allies)"),
            ));
        }
    }
    let time_limit_seconds = parse_time(field(6)).ok_or_else(|| {
        ParseError::at(
            file,
            1,
            "time_limit",
            ParseErrorKind::BadNumber { expected: "M:SS time", value: excerpt(field(6)) },
        )
    })?;
    let actual_time_seconds = parse_time(field(7)).ok_or_else(|| {
        ParseError::at(
            file,
            1,
            "actual_time",
            ParseErrorKind::BadNumber { expected: "M:SS time", value: excerpt(field(7)) },
        )
    })?;
    let measured_playtime_seconds = if fields.len() >= 9 {
        match std::str::from_utf8(field(8)).ok().and_then(|t| t.parse::<f64>().ok()) {
            // The writer gives milliseconds; a negative or absurd value means unknown.
            Some(ms) if ms.is_finite() && ms > 0.0 => Some(ms / 1000.0),
            _ => {
                warnings.push(ParseWarning::new(
                    Some(1),
                    Some("measured_playtime"),
                    format!("`{}` is not a positive number of milliseconds", excerpt(field(8))),
                ));
                None
            }
        }
    } else {
        None
    };
    Ok(Header {
        server: strip_colours(field(0)),
        map,
        config: text(2),
        round,
        defender_team,
        winner_team,
        time_limit_seconds,
        actual_time_seconds,
        measured_playtime_seconds,
    })
}

/// `M:SS` (minutes not padded) to seconds; plain or decimal minutes (`20.00`) are accepted too.
pub fn parse_time(text: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(text).ok()?;
    if let Some((minutes, seconds)) = text.split_once(':') {
        let minutes: u32 = minutes.parse().ok()?;
        let seconds: u32 = seconds.parse().ok()?;
        if seconds >= 60 || seconds_len(text) != 2 {
            return None;
        }
        return minutes.checked_mul(60)?.checked_add(seconds);
    }
    let minutes: f64 = text.parse().ok()?;
    if !(0.0..=100_000.0).contains(&minutes) {
        return None;
    }
    // Bounded above, so the cast cannot saturate.
    Some((minutes * 60.0).round() as u32)
}

fn seconds_len(text: &str) -> usize {
    text.rsplit(':').next().map_or(0, str::len)
}

/// Formats seconds as `M:SS`.
pub fn format_time(seconds: u32) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time(b"1:30"), Some(90));
        assert_eq!(parse_time(b"10:45"), Some(645));
        assert_eq!(parse_time(b"0:00"), Some(0));
        assert_eq!(parse_time(b"20.00"), Some(1200));
        assert_eq!(parse_time(b"12"), Some(720));
        assert_eq!(parse_time(b"1:5"), None);
        assert_eq!(parse_time(b"1:75"), None);
        assert_eq!(parse_time(b"abc"), None);
        assert_eq!(parse_time(b"-1"), None);
        assert_eq!(format_time(138), "2:18");
    }

    #[test]
    fn reads_a_real_header() {
        let mut warnings = Vec::new();
        let header = parse_header(
            "f",
            b"^a#^7p^au^7rans^a.^7only\\etl_adlernest\\legacy3\\2\\1\\1\\2:18\\2:18",
            &mut warnings,
        )
        .unwrap();
        assert_eq!(header.server, "#purans.only");
        assert_eq!(header.map, "etl_adlernest");
        assert_eq!((header.round, header.defender_team, header.winner_team), (2, 1, 1));
        assert_eq!((header.time_limit_seconds, header.actual_time_seconds), (138, 138));
        assert!(warnings.is_empty());
    }

    #[test]
    fn nine_fields_and_short_headers() {
        let mut warnings = Vec::new();
        let header =
            parse_header("f", b"s\\m\\c\\1\\1\\2\\10:00\\8:00\\470500", &mut warnings).unwrap();
        assert_eq!(header.measured_playtime_seconds, Some(470.5));
        let error = parse_header("f", b"s\\m\\c\\1", &mut warnings).unwrap_err();
        assert_eq!(error.kind, ParseErrorKind::HeaderFields { found: 4 });
        assert_eq!(
            error.to_string(),
            "f:1: field `header`: header has 4 `\\`-separated fields, expected 8 or 9"
        );
    }
}
