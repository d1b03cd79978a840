//! Ratios and number formats shared by the commands, with one definition each (the original
//! used two denominators for DPM and two for headshot %; see `docs/commands.md`).
pub use crate::render::{kd, thousands};

/// `part` as a percentage of `whole` (0 when `whole` is 0).
pub fn percent(part: i64, whole: i64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

/// Damage per minute over the player's own time on a team (not the round's length).
pub fn dpm(damage: i64, seconds: i64) -> f64 {
    if seconds <= 0 { 0.0 } else { damage as f64 * 60.0 / seconds as f64 }
}

/// Efficiency: kills as a share of kills and deaths, in %.
pub fn efficiency(kills: i64, deaths: i64) -> f64 {
    percent(kills, kills + deaths)
}

/// Seconds as `Hh MMm` (or `Mm` under an hour).
pub fn duration(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    if minutes >= 60 {
        format!("{}h {:02}m", minutes / 60, minutes % 60)
    } else {
        format!("{minutes}m")
    }
}

/// Text cut to `max` characters, with `…` when cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A weapon's display name: `WS_MP40` → `MP40`.
pub fn weapon(name: &str) -> String {
    name.strip_prefix("WS_").unwrap_or(name).replace('_', " ")
}

/// Edit distance between two strings (for "did you mean").
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let value = if ca == *cb { previous } else { 1 + previous.min(above).min(left) };
            previous = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_have_zero_rules() {
        assert_eq!(kd(10, 0), 10.0);
        assert_eq!(kd(10, 4), 2.5);
        assert_eq!(percent(1, 0), 0.0);
        assert_eq!(percent(1, 4), 25.0);
        assert_eq!(dpm(600, 0), 0.0);
        assert_eq!(dpm(600, 120), 300.0);
        assert_eq!(efficiency(3, 1), 75.0);
    }

    #[test]
    fn formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(duration(59 * 60), "59m");
        assert_eq!(duration(3 * 3600 + 5 * 60), "3h 05m");
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
        assert_eq!(weapon("WS_PANZERFAUST"), "PANZERFAUST");
        assert_eq!(weapon("WS_KNIFE_KBAR"), "KNIFE KBAR");
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
