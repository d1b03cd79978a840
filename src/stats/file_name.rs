//! The one stats-file name validator: `YYYY-MM-DD-HHMMSS-<map>-round-<N>.txt`, used by every caller.
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Longest accepted file name, in bytes.
pub const MAX_FILE_NAME_LEN: usize = 255;
/// Longest accepted map name, in bytes (the engine's `MAX_QPATH` is 64).
pub const MAX_MAP_NAME_LEN: usize = 64;

/// A validated stats file name.
///
/// The timestamp is the game server's local wall time when the file was written (about 3 s
/// after the round ended), so it must never be compared with the daemon's clock to reject it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatsFileName {
    // Field order gives the derived `Ord`: time first, then map, round and name.
    timestamp: NaiveDateTime,
    map: String,
    round: u8,
    name: String,
}

/// Why a file name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileNameError {
    /// Longer than [`MAX_FILE_NAME_LEN`] bytes.
    #[error("longer than {MAX_FILE_NAME_LEN} bytes ({0})")]
    TooLong(usize),
    /// Contains `/`, `\`, `..` or a NUL byte.
    #[error("contains a path separator, `..` or NUL")]
    Path,
    /// Does not have the shape `YYYY-MM-DD-HHMMSS-<map>-round-<N>.txt`.
    #[error("not of the form YYYY-MM-DD-HHMMSS-<map>-round-<N>.txt")]
    Shape,
    /// The date is not a calendar date between 2000 and 2099.
    #[error("date out of range")]
    Date,
    /// The time of day is out of range.
    #[error("time of day out of range")]
    Time,
    /// The map name is empty, too long or has characters outside `[A-Za-z0-9_-]`.
    #[error("map name must be 1 to {MAX_MAP_NAME_LEN} characters of [A-Za-z0-9_-]")]
    Map,
    /// The round number is not 1 or 2.
    #[error("round number must be 1 or 2")]
    Round,
}

impl StatsFileName {
    /// Validates a base name. Rejects anything that could name another place on disk.
    pub fn parse(name: &str) -> Result<Self, FileNameError> {
        if name.len() > MAX_FILE_NAME_LEN {
            return Err(FileNameError::TooLong(name.len()));
        }
        if name.contains(['/', '\\', '\0']) || name.contains("..") {
            return Err(FileNameError::Path);
        }
        let stem = name.strip_suffix(".txt").ok_or(FileNameError::Shape)?;
        let (head, round) = stem.rsplit_once("-round-").ok_or(FileNameError::Shape)?;
        let round = match round {
            "1" => 1,
            "2" => 2,
            digits if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(FileNameError::Round);
            }
            _ => return Err(FileNameError::Shape),
        };
        // head = YYYY-MM-DD-HHMMSS-<map>: 18 bytes of timestamp and dash, then the map.
        let (stamp, map) = match (head.get(..17), head.get(17..18), head.get(18..)) {
            (Some(stamp), Some("-"), Some(map)) => (stamp, map),
            _ => return Err(FileNameError::Shape),
        };
        let timestamp = parse_stamp(stamp)?;
        if map.is_empty()
            || map.len() > MAX_MAP_NAME_LEN
            || !map.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(FileNameError::Map);
        }
        Ok(StatsFileName { timestamp, map: map.to_owned(), round, name: name.to_owned() })
    }

    /// The base name.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The server-local time the file was written.
    pub fn timestamp(&self) -> NaiveDateTime {
        self.timestamp
    }

    /// The map name as written in the file name.
    pub fn map(&self) -> &str {
        &self.map
    }

    /// 1 or 2.
    pub fn round(&self) -> u8 {
        self.round
    }

    /// `YYYY-MM-DD`, the date part.
    pub fn date_str(&self) -> &str {
        self.name.get(..10).unwrap_or_default()
    }

    /// `HHMMSS`, the time part.
    pub fn time_str(&self) -> &str {
        self.name.get(11..17).unwrap_or_default()
    }
}

impl std::fmt::Display for StatsFileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

fn parse_stamp(stamp: &str) -> Result<NaiveDateTime, FileNameError> {
    let bytes = stamp.as_bytes();
    let shape_ok = bytes.len() == 17
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 | 10 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(FileNameError::Shape);
    }
    let number = |range: std::ops::Range<usize>| -> u32 {
        stamp.get(range).and_then(|s| s.parse().ok()).unwrap_or(u32::MAX)
    };
    let year = i32::try_from(number(0..4)).map_err(|_| FileNameError::Date)?;
    if !(2000..=2099).contains(&year) {
        return Err(FileNameError::Date);
    }
    let date =
        NaiveDate::from_ymd_opt(year, number(5..7), number(8..10)).ok_or(FileNameError::Date)?;
    let time = NaiveTime::from_hms_opt(number(11..13), number(13..15), number(15..17))
        .ok_or(FileNameError::Time)?;
    Ok(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_names() {
        let name = StatsFileName::parse("2025-10-12-225242-sw_goldrush_te-round-2.txt").unwrap();
        assert_eq!(name.map(), "sw_goldrush_te");
        assert_eq!(name.round(), 2);
        assert_eq!(name.date_str(), "2025-10-12");
        assert_eq!(name.time_str(), "225242");
        assert_eq!(name.timestamp().to_string(), "2025-10-12 22:52:42");
        let dashed = StatsFileName::parse("2025-01-01-000000-my-map-round-1.txt").unwrap();
        assert_eq!(dashed.map(), "my-map");
        assert_eq!(dashed.round(), 1);
    }

    #[test]
    fn refuses_hostile_and_malformed_names() {
        let cases: &[(&str, FileNameError)] = &[
            ("../2025-10-12-225242-supply-round-1.txt", FileNameError::Path),
            ("/etc/2025-10-12-225242-supply-round-1.txt", FileNameError::Path),
            ("sub/2025-10-12-225242-supply-round-1.txt", FileNameError::Path),
            ("sub\\2025-10-12-225242-supply-round-1.txt", FileNameError::Path),
            ("2025-10-12-225242-supply-round-1.txt\0", FileNameError::Path),
            ("2025-10-12-225242-sup..ply-round-1.txt", FileNameError::Path),
            ("2025-10-12-225242-supply-round-1.txt.bak", FileNameError::Shape),
            ("2025-10-12-225242-supply-round-1-endstats.txt", FileNameError::Shape),
            ("2025-10-12-225242-supply_ws.txt", FileNameError::Shape),
            ("2025-10-12-225242-supply.txt", FileNameError::Shape),
            ("2025-10-02-211808-etl_adlernest.txt", FileNameError::Shape),
            ("test-file.txt", FileNameError::Shape),
            ("2025-10-12-2252-supply-round-1.txt", FileNameError::Shape),
            ("2025-13-12-225242-supply-round-1.txt", FileNameError::Date),
            ("2025-02-30-225242-supply-round-1.txt", FileNameError::Date),
            ("1999-10-12-225242-supply-round-1.txt", FileNameError::Date),
            ("2025-10-12-245242-supply-round-1.txt", FileNameError::Time),
            ("2025-10-12-226042-supply-round-1.txt", FileNameError::Time),
            ("2025-10-12-225260-supply-round-1.txt", FileNameError::Time),
            ("2025-10-12-225242-supply-round-0.txt", FileNameError::Round),
            ("2025-10-12-225242-supply-round-3.txt", FileNameError::Round),
            ("2025-10-12-225242--round-1.txt", FileNameError::Map),
            ("2025-10-12-225242-sup`ply-round-1.txt", FileNameError::Map),
            ("2025-10-12-225242-sup ply-round-1.txt", FileNameError::Map),
            ("2025-10-12-225242-supply;rm -rf-round-1.txt", FileNameError::Map),
            ("2025-10-12-225242-süpply-round-1.txt", FileNameError::Map),
        ];
        for (name, expected) in cases {
            assert_eq!(StatsFileName::parse(name).as_ref(), Err(expected), "{name}");
        }
        let long_map = format!("2025-10-12-225242-{}-round-1.txt", "a".repeat(65));
        assert_eq!(StatsFileName::parse(&long_map), Err(FileNameError::Map));
        let ok_map = format!("2025-10-12-225242-{}-round-1.txt", "a".repeat(64));
        assert!(StatsFileName::parse(&ok_map).is_ok());
        let too_long = "a".repeat(256);
        assert_eq!(StatsFileName::parse(&too_long), Err(FileNameError::TooLong(256)));
    }

    #[test]
    fn accepts_leap_day_and_orders_by_time() {
        let a = StatsFileName::parse("2024-02-29-235959-supply-round-1.txt").unwrap();
        let b = StatsFileName::parse("2024-03-01-000001-adlernest-round-2.txt").unwrap();
        assert!(a < b);
    }
}
