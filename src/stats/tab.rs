//! The TAB-separated block of a player line: 38 named, typed fields (older writers wrote 33, 36
//! or 37; missing trailing fields are zero).
use serde::Serialize;

/// How the writer accumulates a field over the two rounds of a stopwatch map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Accumulation {
    /// An engine session counter: a round-2 file holds round 1 plus round 2.
    Cumulative,
    /// A writer counter reset at every round start: a round-2 file holds round 2 only.
    PerRound,
    /// A ratio the writer computes from other values; recomputed rather than subtracted.
    Derived,
}

/// One TAB field's description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TabField {
    /// Position after the TAB (0-based).
    pub index: usize,
    /// The field's name (also the JSON and database name).
    pub name: &'static str,
    /// `integer` or `decimal`.
    pub kind: &'static str,
    /// How round 2 relates to round 1.
    pub accumulation: Accumulation,
}

/// A value type of the TAB block.
trait TabValue: Copy + Default {
    const KIND: &'static str;
    fn parse(text: &str) -> Option<Self>;
    fn minus_clamped(self, other: Self) -> Self;
    fn plus(self, other: Self) -> Self;
    fn is_below(self, other: Self) -> bool;
}

impl TabValue for i32 {
    const KIND: &'static str = "integer";
    fn parse(text: &str) -> Option<Self> {
        text.parse().ok()
    }
    fn minus_clamped(self, other: Self) -> Self {
        self.saturating_sub(other).max(0)
    }
    fn plus(self, other: Self) -> Self {
        self.saturating_add(other)
    }
    fn is_below(self, other: Self) -> bool {
        self < other
    }
}

impl TabValue for f64 {
    const KIND: &'static str = "decimal";
    fn parse(text: &str) -> Option<Self> {
        text.parse::<f64>().ok().filter(|v| v.is_finite())
    }
    fn minus_clamped(self, other: Self) -> Self {
        // The writer rounds to 0.1; keep differences on that grid.
        (((self - other) * 10.0).round() / 10.0).max(0.0)
    }
    fn plus(self, other: Self) -> Self {
        ((self + other) * 10.0).round() / 10.0
    }
    fn is_below(self, other: Self) -> bool {
        // Differences under the writer's rounding step are noise, not a reset.
        self + 0.05 < other
    }
}

macro_rules! tab_fields {
    ($( $index:literal $name:ident : $ty:ty, $acc:ident, $doc:literal; )*) => {
        /// The TAB block of one player line, every field named and typed (slomix-facts §1.3).
        #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
        pub struct TabStats {
            $( #[doc = $doc] pub $name: $ty, )*
        }

        /// Every TAB field in file order.
        pub const TAB_FIELDS: &[TabField] = &[
            $( TabField {
                index: $index,
                name: stringify!($name),
                kind: <$ty as TabValue>::KIND,
                accumulation: Accumulation::$acc,
            }, )*
        ];

        impl TabStats {
            /// Sets field `index` from its text. `Err` names the expected kind of value.
            pub(crate) fn set(&mut self, index: usize, text: &str) -> Result<(), &'static str> {
                match index {
                    $( $index => {
                        self.$name = <$ty as TabValue>::parse(text).ok_or(<$ty as TabValue>::KIND)?;
                    } )*
                    _ => {}
                }
                Ok(())
            }

            /// Round-2-only values from a round-2 file's values (`self`) and the round-1
            /// file's: cumulative fields are subtracted (never below 0), per-round fields are
            /// taken as they are, derived fields are left for the caller to recompute.
            pub(crate) fn round2_only(&self, round1: &TabStats) -> TabStats {
                TabStats {
                    $( $name: tab_fields!(@diff $acc, self.$name, round1.$name), )*
                }
            }

            /// Round 1 plus round-2-only values (a match total); derived fields are left for
            /// the caller to recompute.
            pub(crate) fn combined(&self, round2_only: &TabStats) -> TabStats {
                TabStats {
                    $( $name: tab_fields!(@sum $acc, self.$name, round2_only.$name), )*
                }
            }

            /// The first cumulative field whose round-2 value is below round 1's: the
            /// engine reset the player's counters (reconnect or team switch) in between.
            pub(crate) fn first_reset(&self, round1: &TabStats) -> Option<&'static str> {
                $( if tab_fields!(@is_cumulative $acc) && self.$name.is_below(round1.$name) {
                    return Some(stringify!($name));
                } )*
                None
            }
        }
    };
    (@diff Cumulative, $r2:expr, $r1:expr) => { $r2.minus_clamped($r1) };
    (@diff PerRound, $r2:expr, $r1:expr) => { $r2 };
    (@diff Derived, $r2:expr, $r1:expr) => { $r2 };
    (@sum Derived, $a:expr, $b:expr) => { $b };
    (@sum $acc:ident, $a:expr, $b:expr) => { $a.plus($b) };
    (@is_cumulative Cumulative) => { true };
    (@is_cumulative $acc:ident) => { false };
}

tab_fields! {
    0 damage_given: i32, Cumulative, "Damage dealt to enemies.";
    1 damage_received: i32, Cumulative, "Damage taken from enemies.";
    2 team_damage_given: i32, Cumulative, "Damage dealt to team-mates.";
    3 team_damage_received: i32, Cumulative, "Damage taken from team-mates.";
    4 gibs: i32, Cumulative, "Enemy bodies gibbed.";
    5 self_kills: i32, Cumulative, "Deaths by one's own hand (including `/kill`).";
    6 team_kills: i32, Cumulative, "Team-mates killed.";
    7 team_gibs: i32, Cumulative, "Team-mates gibbed.";
    8 time_played_percent: f64, Derived, "Share of time on a team spent alive, percent (engine \"Playtime %\").";
    9 xp: i32, PerRound, "Experience points of the round.";
    10 killing_spree: i32, PerRound, "Best kill streak (0 if never 3 or more).";
    11 death_spree: i32, PerRound, "Worst death streak (0 if never 3 or more).";
    12 kill_assists: i32, PerRound, "Kills of enemies this player had damaged in the last 1.5 s.";
    13 kill_steals: i32, PerRound, "Kills where an assister had done more damage than this player.";
    14 headshot_kills: i32, PerRound, "Enemy kills whose lethal hit was to the head.";
    15 objectives_stolen: i32, PerRound, "Enemy objectives picked up.";
    16 objectives_returned: i32, PerRound, "Own objectives returned.";
    17 dynamites_planted: i32, PerRound, "Dynamites planted.";
    18 dynamites_defused: i32, PerRound, "Dynamites defused.";
    19 times_revived: i32, PerRound, "Times revived by a medic.";
    20 bullets_fired: i32, Derived, "Shots over all weapons; junk in files before 2025-10 (an old writer never reset it), so recomputed from weapon shots for round 2.";
    21 writer_dpm: f64, Derived, "The writer's own DPM: always 0.0 in practice; never used.";
    22 time_played_minutes: f64, Cumulative, "Minutes on a team (Axis or Allies), to 0.1.";
    23 tank_meatshield: f64, PerRound, "Damage soaked per death / 130, when above 3.";
    24 time_dead_ratio: f64, Derived, "Time dead as a percent of time played (the writer's value can exceed 100).";
    25 time_dead_minutes: f64, PerRound, "Minutes spent dead, to 0.1.";
    26 writer_kd_ratio: f64, Derived, "The writer's K/D (kills + 1 when no deaths); recomputed, not used.";
    27 useful_kills: i32, PerRound, "Kills whose victim had to wait at least half the respawn time.";
    28 denied_playtime: i32, PerRound, "Seconds this player's victims spent dead.";
    29 multikill_2x: i32, PerRound, "Double kills.";
    30 multikill_3x: i32, PerRound, "Triple kills.";
    31 multikill_4x: i32, PerRound, "Quad kills.";
    32 multikill_5x: i32, PerRound, "Five kills in a row (\"multi\").";
    33 multikill_6x: i32, PerRound, "Six kills in a row (\"mega\").";
    34 useless_kills: i32, PerRound, "Kills whose victim respawned within 5 s.";
    35 full_selfkills: i32, PerRound, "`/kill` typed with nearly a whole respawn wait left.";
    36 repairs_constructions: i32, PerRound, "Repairs and constructions.";
    37 revives_given: i32, PerRound, "Revives given as a medic.";
}

/// The number of fields in the current writer's TAB block.
pub const TAB_WIDTH: usize = 38;

/// TAB block widths seen in real files (older writers wrote fewer fields).
pub const KNOWN_TAB_WIDTHS: [usize; 4] = [33, 36, 37, 38];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_in_file_order_and_complete() {
        assert_eq!(TAB_FIELDS.len(), TAB_WIDTH);
        for (position, field) in TAB_FIELDS.iter().enumerate() {
            assert_eq!(field.index, position, "{}", field.name);
        }
    }

    #[test]
    fn round2_only_subtracts_only_cumulative_fields() {
        let mut r1 = TabStats::default();
        let mut r2 = TabStats::default();
        r1.set(0, "1000").unwrap();
        r2.set(0, "2500").unwrap();
        r1.set(14, "4").unwrap();
        r2.set(14, "3").unwrap();
        r1.set(22, "11.1").unwrap();
        r2.set(22, "17.6").unwrap();
        let diff = r2.round2_only(&r1);
        assert_eq!(diff.damage_given, 1500);
        assert_eq!(diff.headshot_kills, 3, "per-round fields are taken from round 2 as they are");
        assert!((diff.time_played_minutes - 6.5).abs() < 1e-9);
        assert_eq!(r2.first_reset(&r1), None);
        let total = r1.combined(&diff);
        assert_eq!(total.damage_given, 2500);
        assert_eq!(total.headshot_kills, 7);
    }

    #[test]
    fn detects_a_counter_reset() {
        let mut r1 = TabStats::default();
        let r2 = TabStats::default();
        r1.set(4, "3").unwrap();
        assert_eq!(r2.first_reset(&r1), Some("gibs"));
    }

    #[test]
    fn rejects_bad_values() {
        let mut stats = TabStats::default();
        assert_eq!(stats.set(0, "12x"), Err("integer"));
        assert_eq!(stats.set(22, "NaN"), Err("decimal"));
        assert_eq!(stats.set(22, "inf"), Err("decimal"));
        assert_eq!(stats.set(9, "-5"), Ok(()));
        assert_eq!(stats.xp, -5);
    }
}
