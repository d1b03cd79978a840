//! One player line: `GUID\name\rounds\team\<mask> <5 numbers per weapon> \t<TAB block>`.
use serde::Serialize;

use super::{
    colour::strip_colours,
    error::{ParseError, ParseErrorKind, ParseWarning, excerpt},
    tab::{KNOWN_TAB_WIDTHS, TAB_FIELDS, TAB_WIDTH, TabStats},
};

/// Weapon names by bit position in the weapon mask (the writer's `WeaponStats_t` order).
pub const WEAPON_NAMES: [&str; 28] = [
    "WS_KNIFE",
    "WS_KNIFE_KBAR",
    "WS_LUGER",
    "WS_COLT",
    "WS_MP40",
    "WS_THOMPSON",
    "WS_STEN",
    "WS_FG42",
    "WS_PANZERFAUST",
    "WS_BAZOOKA",
    "WS_FLAMETHROWER",
    "WS_GRENADE",
    "WS_MORTAR",
    "WS_MORTAR2",
    "WS_DYNAMITE",
    "WS_AIRSTRIKE",
    "WS_ARTILLERY",
    "WS_SATCHEL",
    "WS_GRENADELAUNCHER",
    "WS_LANDMINE",
    "WS_MG42",
    "WS_BROWNING",
    "WS_CARBINE",
    "WS_KAR98",
    "WS_GARAND",
    "WS_K43",
    "WS_MP34",
    "WS_SYRINGE",
];

/// A weapon slot (bit position in the weapon mask).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Weapon(pub u8);

impl Weapon {
    /// The writer's `WS_*` name, or `WS_UNKNOWN_<n>` for slots past the known 28.
    pub fn name(self) -> String {
        match WEAPON_NAMES.get(usize::from(self.0)) {
            Some(name) => (*name).to_owned(),
            None => format!("WS_UNKNOWN_{}", self.0),
        }
    }

    /// Looks a `WS_*` name up.
    pub fn from_name(name: &str) -> Option<Weapon> {
        WEAPON_NAMES.iter().position(|n| *n == name).and_then(|i| u8::try_from(i).ok()).map(Weapon)
    }
}

impl Serialize for Weapon {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name())
    }
}

/// One weapon's numbers for one player.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WeaponStats {
    /// The weapon.
    pub weapon: Weapon,
    /// Hits on enemies.
    pub hits: u32,
    /// Shots fired (attempts).
    pub shots: u32,
    /// Enemies killed with it.
    pub kills: u32,
    /// Times this player was killed by it.
    pub deaths: u32,
    /// Hits to the head (not headshot kills).
    pub headshots: u32,
}

impl WeaponStats {
    /// Whether the writer would list it: any of shots, hits, kills, deaths non-zero.
    pub fn is_used(&self) -> bool {
        self.shots != 0 || self.hits != 0 || self.kills != 0 || self.deaths != 0
    }

    pub(crate) fn minus_clamped(&self, other: &WeaponStats) -> WeaponStats {
        WeaponStats {
            weapon: self.weapon,
            hits: self.hits.saturating_sub(other.hits),
            shots: self.shots.saturating_sub(other.shots),
            kills: self.kills.saturating_sub(other.kills),
            deaths: self.deaths.saturating_sub(other.deaths),
            headshots: self.headshots.saturating_sub(other.headshots),
        }
    }

    pub(crate) fn plus(&self, other: &WeaponStats) -> WeaponStats {
        WeaponStats {
            weapon: self.weapon,
            hits: self.hits.saturating_add(other.hits),
            shots: self.shots.saturating_add(other.shots),
            kills: self.kills.saturating_add(other.kills),
            deaths: self.deaths.saturating_add(other.deaths),
            headshots: self.headshots.saturating_add(other.headshots),
        }
    }
}

/// A player's name exactly as the server wrote it: bytes, colour codes and all.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawName(pub Vec<u8>);

impl RawName {
    /// The name as text; invalid UTF-8 shows as U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }

    /// Whether the bytes are valid UTF-8 (so the text form is exact).
    pub fn is_utf8(&self) -> bool {
        std::str::from_utf8(&self.0).is_ok()
    }
}

impl Serialize for RawName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string_lossy())
    }
}

/// One player's numbers for one round (or, in a round-2 file before pairing, both rounds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Player {
    /// First 8 characters of the player's GUID, upper case.
    pub guid: String,
    /// The name as written, colour codes included.
    pub raw_name: RawName,
    /// The name with colour codes stripped (for display and look-ups).
    pub name: String,
    /// The engine's `sess.rounds`.
    pub rounds: u32,
    /// 1 Axis, 2 Allies, 3 spectator, 0 free.
    pub team: u8,
    /// Weapons used, in slot order.
    pub weapons: Vec<WeaponStats>,
    /// The TAB block.
    pub tab: TabStats,
    /// The line of the file this player came from (1-based).
    pub line: usize,
}

/// Sums a weapon column.
fn weapon_sum(weapons: &[WeaponStats], column: impl Fn(&WeaponStats) -> u32) -> u32 {
    weapons.iter().map(column).fold(0u32, u32::saturating_add)
}

fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 { numerator / denominator } else { 0.0 }
}

/// Weapons excluded from "aimed" accuracy (explosives, support tools).
pub const NON_AIMED_WEAPONS: [&str; 7] = [
    "WS_GRENADE",
    "WS_SYRINGE",
    "WS_DYNAMITE",
    "WS_AIRSTRIKE",
    "WS_ARTILLERY",
    "WS_SATCHEL",
    "WS_LANDMINE",
];

impl Player {
    /// Enemy kills: the sum of weapon kills.
    pub fn kills(&self) -> u32 {
        weapon_sum(&self.weapons, |w| w.kills)
    }
    /// Deaths to enemy weapons: the sum of weapon deaths.
    pub fn deaths(&self) -> u32 {
        weapon_sum(&self.weapons, |w| w.deaths)
    }
    /// Head hits: the sum of weapon headshots.
    pub fn headshots(&self) -> u32 {
        weapon_sum(&self.weapons, |w| w.headshots)
    }
    /// Hits over all weapons.
    pub fn hits(&self) -> u32 {
        weapon_sum(&self.weapons, |w| w.hits)
    }
    /// Shots over all weapons.
    pub fn shots(&self) -> u32 {
        weapon_sum(&self.weapons, |w| w.shots)
    }
    /// Seconds on a team, from the player's own time field (TAB 22), to 6 s.
    pub fn time_played_seconds(&self) -> u32 {
        minutes_to_seconds(self.tab.time_played_minutes)
    }
    /// Seconds spent dead (TAB 25).
    pub fn time_dead_seconds(&self) -> u32 {
        minutes_to_seconds(self.tab.time_dead_minutes)
    }
    /// Damage per minute: `damage_given * 60 / time_played_seconds`, 0 without time.
    pub fn dpm(&self) -> f64 {
        ratio(f64::from(self.tab.damage_given) * 60.0, f64::from(self.time_played_seconds()))
    }
    /// `kills / deaths`, or kills when there are no deaths.
    pub fn kd_ratio(&self) -> f64 {
        let deaths = self.deaths();
        if deaths == 0 {
            f64::from(self.kills())
        } else {
            f64::from(self.kills()) / f64::from(deaths)
        }
    }
    /// `hits / shots * 100` over all weapons, 0 without shots.
    pub fn accuracy(&self) -> f64 {
        ratio(f64::from(self.hits()) * 100.0, f64::from(self.shots()))
    }
    /// `kills / (kills + deaths) * 100`, 0 when both are 0.
    pub fn efficiency(&self) -> f64 {
        let kills = f64::from(self.kills());
        ratio(kills * 100.0, kills + f64::from(self.deaths()))
    }
    /// Headshot kills as a percent of kills.
    pub fn headshot_kill_percent(&self) -> f64 {
        ratio(f64::from(self.tab.headshot_kills.max(0)) * 100.0, f64::from(self.kills()))
    }
    /// Head hits as a percent of hits.
    pub fn headshot_hit_percent(&self) -> f64 {
        ratio(f64::from(self.headshots()) * 100.0, f64::from(self.hits()))
    }
    /// Time dead as a percent of time played, from this round's own numbers, at most 100.
    pub fn time_dead_percent(&self) -> f64 {
        ratio(f64::from(self.time_dead_seconds()) * 100.0, f64::from(self.time_played_seconds()))
            .min(100.0)
    }
    /// `damage_given / max(1, damage_received)`.
    pub fn damage_efficiency(&self) -> f64 {
        f64::from(self.tab.damage_given) / f64::from(self.tab.damage_received.max(1))
    }
    /// Damage per minute alive (slomix-facts §2.5 "FragPotential").
    pub fn frag_potential(&self) -> f64 {
        let played = f64::from(self.time_played_seconds());
        let dead_percent = self.time_dead_percent();
        if played <= 0.0 || dead_percent > 95.0 {
            return 0.0;
        }
        let alive = (played - dead_percent / 100.0 * played).max(1.0);
        f64::from(self.tab.damage_given) / alive * 60.0
    }
    /// Accuracy over aimed weapons only (no explosives, syringe or air support).
    pub fn aimed_accuracy(&self) -> f64 {
        let aimed: Vec<WeaponStats> = self
            .weapons
            .iter()
            .filter(|w| !NON_AIMED_WEAPONS.contains(&w.weapon.name().as_str()))
            .copied()
            .collect();
        ratio(
            f64::from(weapon_sum(&aimed, |w| w.hits)) * 100.0,
            f64::from(weapon_sum(&aimed, |w| w.shots)),
        )
    }
    /// The parser's MVP score: `kd * 10 + efficiency + damage_given / 100`.
    pub fn mvp_score(&self) -> f64 {
        self.kd_ratio() * 10.0 + self.efficiency() + f64::from(self.tab.damage_given) / 100.0
    }
}

fn minutes_to_seconds(minutes: f64) -> u32 {
    let seconds = (minutes * 60.0).round();
    if seconds.is_finite() && seconds > 0.0 {
        // Saturating float-to-int conversion; values beyond u32 cannot come from a real file.
        seconds.min(f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

/// Parses one player line. `line_no` is 1-based.
pub(crate) fn parse_player_line(
    file: &str,
    line_no: usize,
    line: &[u8],
    warnings: &mut Vec<ParseWarning>,
) -> Result<Player, ParseError> {
    let fail =
        |field: &'static str, kind: ParseErrorKind| ParseError::at(file, line_no, field, kind);
    // Split from the right: the stats section, team and rounds never hold `\`, the name might.
    let mut tail = line.rsplitn(4, |b| *b == b'\\');
    let (Some(stats), Some(team), Some(rounds), Some(head)) =
        (tail.next(), tail.next(), tail.next(), tail.next())
    else {
        let found = line.iter().filter(|b| **b == b'\\').count() + 1;
        return Err(fail("line", ParseErrorKind::PlayerFields { found }));
    };
    let Some(split) = head.iter().position(|b| *b == b'\\') else {
        return Err(fail("line", ParseErrorKind::PlayerFields { found: 4 }));
    };
    let (guid_bytes, raw_name) =
        (head.get(..split).unwrap_or_default(), head.get(split + 1..).unwrap_or_default());
    if raw_name.contains(&b'\\') {
        warnings.push(ParseWarning::new(
            Some(line_no),
            Some("name"),
            "name contains `\\`; read the fields from the right".to_owned(),
        ));
    }

    let guid_text = String::from_utf8_lossy(guid_bytes);
    let guid_text = guid_text.trim();
    if guid_text.is_empty() {
        return Err(fail("guid", ParseErrorKind::EmptyValue));
    }
    if !guid_text.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(fail(
            "guid",
            ParseErrorKind::BadNumber { expected: "hex digits", value: excerpt(guid_bytes) },
        ));
    }
    let guid: String = guid_text.chars().take(8).collect::<String>().to_ascii_uppercase();
    if guid.len() != 8 || !guid.bytes().all(|b| b.is_ascii_hexdigit()) {
        warnings.push(ParseWarning::new(
            Some(line_no),
            Some("guid"),
            format!("GUID `{guid}` is not 8 hex digits"),
        ));
    }

    let rounds = match parse_number::<u32>(rounds) {
        Some(rounds) => rounds,
        None => {
            warnings.push(ParseWarning::new(
                Some(line_no),
                Some("rounds"),
                format!("`{}` is not a number; taken as 0", excerpt(rounds)),
            ));
            0
        }
    };
    let team = parse_number::<u8>(team).ok_or_else(|| {
        fail("team", ParseErrorKind::BadNumber { expected: "team number", value: excerpt(team) })
    })?;
    if team > 3 {
        warnings.push(ParseWarning::new(
            Some(line_no),
            Some("team"),
            format!("team {team} is not 0 to 3"),
        ));
    }

    let (weapon_part, tab_part) = match stats.iter().position(|b| *b == b'\t') {
        Some(tab) => (stats.get(..tab).unwrap_or_default(), stats.get(tab + 1..)),
        None => (stats, None),
    };
    let tokens: Vec<&[u8]> =
        weapon_part.split(|b| b.is_ascii_whitespace()).filter(|t| !t.is_empty()).collect();
    let Some((mask_token, numbers)) = tokens.split_first() else {
        return Err(fail("weapon_mask", ParseErrorKind::EmptyValue));
    };
    let mask = parse_number::<u32>(mask_token).ok_or_else(|| {
        fail(
            "weapon_mask",
            ParseErrorKind::BadNumber { expected: "unsigned integer", value: excerpt(mask_token) },
        )
    })?;
    let expected = 5 * mask.count_ones() as usize;
    if numbers.len() < expected {
        return Err(fail(
            "weapons",
            ParseErrorKind::WeaponCount { mask, found: numbers.len(), expected },
        ));
    }
    if mask >> WEAPON_NAMES.len() != 0 {
        warnings.push(ParseWarning::new(
            Some(line_no),
            Some("weapon_mask"),
            format!("mask {mask:#x} has bits past the 28 known weapons"),
        ));
    }
    let mut weapons = Vec::with_capacity(mask.count_ones() as usize);
    let mut values = numbers.iter();
    for bit in 0..32u8 {
        if mask & (1 << bit) == 0 {
            continue;
        }
        let mut next = |column: &'static str| -> Result<u32, ParseError> {
            let token = values.next().copied().unwrap_or_default();
            parse_number::<u32>(token).ok_or_else(|| {
                fail(
                    column,
                    ParseErrorKind::BadNumber {
                        expected: "unsigned integer",
                        value: excerpt(token),
                    },
                )
            })
        };
        weapons.push(WeaponStats {
            weapon: Weapon(bit),
            hits: next("weapon_hits")?,
            shots: next("weapon_shots")?,
            kills: next("weapon_kills")?,
            deaths: next("weapon_deaths")?,
            headshots: next("weapon_headshots")?,
        });
    }
    let extra: Vec<&[u8]> = values.copied().collect();

    let tab_values: Vec<&[u8]> = match tab_part {
        Some(tab_part) => {
            if !extra.is_empty() {
                warnings.push(ParseWarning::new(
                    Some(line_no),
                    Some("weapons"),
                    format!("{} numbers after the weapon block ignored", extra.len()),
                ));
            }
            let mut values: Vec<&[u8]> = tab_part.split(|b| *b == b'\t').map(trim).collect();
            if values.last().is_some_and(|v| v.is_empty()) {
                values.pop();
            }
            values
        }
        None if extra.is_empty() => {
            warnings.push(ParseWarning::new(
                Some(line_no),
                Some("tab_block"),
                "no TAB block; its fields are taken as 0".to_owned(),
            ));
            Vec::new()
        }
        None if extra.len() > TAB_WIDTH => {
            return Err(fail(
                "weapons",
                ParseErrorKind::TooManyNumbers { found: numbers.len(), expected },
            ));
        }
        None => {
            warnings.push(ParseWarning::new(
                Some(line_no),
                Some("tab_block"),
                "no TAB before the extended fields; read them space-separated".to_owned(),
            ));
            extra
        }
    };
    if !tab_values.is_empty() && !KNOWN_TAB_WIDTHS.contains(&tab_values.len()) {
        warnings.push(ParseWarning::new(
            Some(line_no),
            Some("tab_block"),
            format!(
                "{} TAB values; known widths are 33, 36, 37 and 38 (missing fields are 0, extra ignored)",
                tab_values.len()
            ),
        ));
    }
    let mut tab = TabStats::default();
    for (field, value) in TAB_FIELDS.iter().zip(tab_values.iter().take(TAB_WIDTH)) {
        let text = std::str::from_utf8(value).unwrap_or("\u{fffd}");
        tab.set(field.index, text).map_err(|expected| {
            fail(field.name, ParseErrorKind::BadNumber { expected, value: excerpt(value) })
        })?;
    }

    Ok(Player {
        guid,
        name: strip_colours(raw_name),
        raw_name: RawName(raw_name.to_vec()),
        rounds,
        team,
        weapons,
        tab,
        line: line_no,
    })
}

fn parse_number<T: std::str::FromStr>(bytes: &[u8]) -> Option<T> {
    std::str::from_utf8(trim(bytes)).ok()?.parse().ok()
}

pub(crate) fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |i| i + 1);
    bytes.get(start..end).unwrap_or_default()
}
