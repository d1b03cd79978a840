//! Session graphs as five PNG pages, the original bot's set (plotters on an in-memory bitmap,
//! text in an embedded DejaVu Sans, so no system fonts are needed): offense, defense/support,
//! advanced metrics, playstyles, and the DPM timeline with each player's form. The numbers
//! behind them are pure functions here ([`metrics`], [`playstyle`], [`form`], [`round_dpms`])
//! so tests can check them exactly.
//!
//! Every page shows the same players (the first [`MAX_PLAYERS`] of the session, most kills
//! first) and the nth of them is drawn in [`colour`]`(n)` on all five pages. Pages are sized
//! for a phone (Discord shows them about 400 px wide): [`PAGE_SIZE`] with titles of 36 px and
//! more, labels of 24 px and names cut to 12 characters.
use std::{collections::HashMap, sync::OnceLock};

use plotters::{
    coord::{Shift, ranged1d::SegmentValue},
    prelude::*,
    style::{
        FontStyle, register_font,
        text_anchor::{HPos, Pos, VPos},
    },
};

use super::{
    Attachment, format,
    gaming_session::{SessionData, SessionPlayer, clamp32},
};

mod radar;
mod rating_line;
pub use radar::{Axis, RADAR_NAME, RADAR_SIZE, radar, reach};
pub use rating_line::{RATING_NAME, RATING_SIZE, rating_chart};

/// The embedded font (Bitstream Vera licence, see `DejaVuSans-LICENSE.txt` beside it).
const FONT: &[u8] = include_bytes!("charts/DejaVuSans.ttf");
/// The font family name the charts ask for.
pub const FAMILY: &str = "sans-serif";

/// Size of every page, in pixels.
pub const PAGE_SIZE: (u32, u32) = (1200, 1600);
/// How many players the pages show (the session's first, most kills first).
pub const MAX_PLAYERS: usize = 16;
/// The pages' file names, in order.
pub const PAGE_NAMES: [&str; 5] = [
    "graphs-1-offense.png",
    "graphs-2-support.png",
    "graphs-3-advanced.png",
    "graphs-4-playstyle.png",
    "graphs-5-timeline.png",
];
/// Discord's limit for the files of one message, in bytes (the pages stay well under it).
pub const MAX_TOTAL_BYTES: usize = 25 * 1024 * 1024;

/// Page title size, panel title size and label size, in pixels.
const TITLE: u32 = 44;
const CAPTION: u32 = 36;
const LABEL: u32 = 24;
/// Characters of a name on a chart, and the width of the names beside the bars.
const NAME_CHARS: usize = 12;
const NAME_AREA: u32 = 190;
/// Rows of a bar panel, at least (the first players at the top, the rest left empty).
const MIN_ROWS: usize = 8;

const BACKGROUND: RGBColor = RGBColor(0x2B, 0x2D, 0x31);
const TEXT: RGBColor = RGBColor(0xE6, 0xE6, 0xE6);
const MUTED: RGBColor = RGBColor(0xA0, 0xA3, 0xAB);
const GRID: RGBColor = RGBColor(0x4E, 0x50, 0x58);

/// One colour per player, bright on the dark background and far apart from each other.
const PALETTE: [RGBColor; MAX_PLAYERS] = [
    RGBColor(0xE6, 0x19, 0x4B),
    RGBColor(0x3C, 0xB4, 0x4B),
    RGBColor(0xFF, 0xE1, 0x19),
    RGBColor(0x43, 0x63, 0xD8),
    RGBColor(0xF5, 0x82, 0x31),
    RGBColor(0xB0, 0x6C, 0xE8),
    RGBColor(0x42, 0xD4, 0xF4),
    RGBColor(0xF0, 0x32, 0xE6),
    RGBColor(0xBF, 0xEF, 0x45),
    RGBColor(0xFA, 0xBE, 0xD4),
    RGBColor(0x46, 0x99, 0x90),
    RGBColor(0xDC, 0xBE, 0xFF),
    RGBColor(0xC8, 0x8A, 0x4A),
    RGBColor(0xFF, 0xFA, 0xC8),
    RGBColor(0xAA, 0xFF, 0xC3),
    RGBColor(0xFF, 0xD8, 0xB1),
];

/// The colour of the session's `index`th player (0 = most kills) on every page, as RGB.
pub fn colour(index: usize) -> [u8; 3] {
    let RGBColor(r, g, b) = rgb(index);
    [r, g, b]
}

fn rgb(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// Registers the embedded font once; false if it could not be read.
pub fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| register_font(FAMILY, FontStyle::Normal, FONT).is_ok())
}

/// A name fit for a chart label: printable characters only, cut to `max`.
fn label(name: &str, max: usize) -> String {
    let clean: String = name.chars().filter(|c| !c.is_control()).collect();
    let clean = if clean.trim().is_empty() { "?".to_owned() } else { clean };
    format::cut(&clean, max)
}

/// `v` if it is a finite number, else 0.
fn finite(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}

/// A player's derived numbers, as the pages show them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    /// Kills per death (kills when there are no deaths).
    pub kd: f64,
    /// Damage per minute played.
    pub dpm: f64,
    /// Seconds dead, within 0 and the time played (0 when not a number).
    pub dead_seconds: f64,
    /// Seconds alive: time played minus time dead.
    pub alive_seconds: f64,
    /// The original's FragPotential: damage given per minute alive,
    /// `damage_given × 60 / max(1, played − dead)` (0 when nothing was played).
    pub frag_potential: f64,
    /// Damage efficiency as the original: `damage_given / max(1, damage_received)` (a ratio,
    /// 1.0 = as much given as taken).
    pub efficiency: f64,
    /// Denied playtime as a share of time played: `100 × denied / played` (0 when nothing was
    /// played; it can pass 100, as a kill denies the victim's time, not the killer's).
    pub denied_percent: f64,
    /// Survival: `100 × alive / played` (0 when nothing was played).
    pub survival_percent: f64,
}

/// The derived numbers of one player (never NaN, never negative for sane sums).
pub fn metrics(p: &SessionPlayer) -> Metrics {
    let played = p.seconds.max(0) as f64;
    let dead = finite(p.dead_seconds).clamp(0.0, played);
    let alive = played - dead;
    let frag_potential =
        if played > 0.0 { p.damage_given as f64 * 60.0 / alive.max(1.0) } else { 0.0 };
    Metrics {
        kd: format::kd(p.kills, p.deaths),
        dpm: p.dpm(),
        dead_seconds: dead,
        alive_seconds: alive,
        frag_potential,
        efficiency: p.damage_given as f64 / p.damage_received.max(1) as f64,
        denied_percent: if played > 0.0 { p.denied as f64 * 100.0 / played } else { 0.0 },
        survival_percent: if played > 0.0 { alive * 100.0 / played } else { 0.0 },
    }
}

/// A player's playstyle in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playstyle {
    /// Objective work well above the session's.
    Objective,
    /// Revives well above the session's.
    Medic,
    /// Damage while alive well above the session's, with a good K/D.
    Fragger,
    /// Many of their kills by head shot.
    Sniper,
    /// Many deaths and short lives.
    Rusher,
    /// Stays alive longer than the session, without losing trades.
    Survivor,
    /// No trait stands out.
    Balanced,
}

impl Playstyle {
    /// The name on the page.
    pub fn name(self) -> &'static str {
        match self {
            Playstyle::Objective => "Objective",
            Playstyle::Medic => "Medic",
            Playstyle::Fragger => "Fragger",
            Playstyle::Sniper => "Sniper",
            Playstyle::Rusher => "Rusher",
            Playstyle::Survivor => "Survivor",
            Playstyle::Balanced => "Balanced",
        }
    }
}

/// The session's averages a playstyle is measured against (means over every player who
/// played).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Averages {
    /// Mean frag potential.
    pub frag_potential: f64,
    /// Mean deaths.
    pub deaths: f64,
    /// Mean revives given.
    pub revives: f64,
    /// Mean survival %.
    pub survival_percent: f64,
    /// Mean objective actions ([`objective_actions`]).
    pub objectives: f64,
}

/// Dynamites planted and defused, objectives stolen and returned.
pub fn objective_actions(p: &SessionPlayer) -> i64 {
    p.dynamites_planted
        .saturating_add(p.dynamites_defused)
        .saturating_add(p.objectives_stolen)
        .saturating_add(p.objectives_returned)
}

/// The averages of the players with time played (all zero when there are none).
pub fn averages(players: &[SessionPlayer]) -> Averages {
    let playing: Vec<&SessionPlayer> = players.iter().filter(|p| p.seconds > 0).collect();
    if playing.is_empty() {
        return Averages::default();
    }
    let n = playing.len() as f64;
    let mean =
        |f: &dyn Fn(&SessionPlayer) -> f64| playing.iter().map(|p| finite(f(p))).sum::<f64>() / n;
    Averages {
        frag_potential: mean(&|p| metrics(p).frag_potential),
        deaths: mean(&|p| p.deaths as f64),
        revives: mean(&|p| p.revives_given as f64),
        survival_percent: mean(&|p| metrics(p).survival_percent),
        objectives: mean(&|p| objective_actions(p) as f64),
    }
}

/// A player's playstyle against the session's `avg`: the first rule that holds, in order:
/// 1. **Objective**: at least 3 objective actions and at least twice the session's mean;
/// 2. **Medic**: at least 2 revives per round played and at least 1.5 × the session's mean;
/// 3. **Fragger**: frag potential at least 1.2 × the session's mean and K/D at least 1.2;
/// 4. **Sniper**: at least 10 kills, 35 % or more of them by head shot;
/// 5. **Rusher**: deaths at least 1.3 × the session's mean and survival below its mean;
/// 6. **Survivor**: survival at least 10 points above the session's mean and K/D at least 1;
/// 7. otherwise **Balanced**.
///
/// Each rule also needs its number to be above zero, so a session of zeros is all Balanced.
pub fn playstyle(p: &SessionPlayer, avg: &Averages) -> Playstyle {
    let m = metrics(p);
    let objectives = objective_actions(p) as f64;
    let revives = p.revives_given as f64;
    if objectives >= 3.0 && objectives >= 2.0 * avg.objectives {
        Playstyle::Objective
    } else if revives > 0.0 && revives >= 2.0 * p.rounds as f64 && revives >= 1.5 * avg.revives {
        Playstyle::Medic
    } else if m.frag_potential > 0.0 && m.frag_potential >= 1.2 * avg.frag_potential && m.kd >= 1.2
    {
        Playstyle::Fragger
    } else if p.kills >= 10 && p.headshot_kills.saturating_mul(100) >= p.kills.saturating_mul(35) {
        Playstyle::Sniper
    } else if p.deaths > 0
        && p.deaths as f64 >= 1.3 * avg.deaths
        && m.survival_percent < avg.survival_percent
    {
        Playstyle::Rusher
    } else if p.seconds > 0 && m.survival_percent >= avg.survival_percent + 10.0 && m.kd >= 1.0 {
        Playstyle::Survivor
    } else {
        Playstyle::Balanced
    }
}

/// How a player's DPM moved over the session's rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The second half's mean is more than 15 % above the first half's.
    Rising,
    /// The first half's mean is more than 15 % above the second half's.
    Fading,
    /// Neither.
    Steady,
    /// The spread is large: standard deviation over 40 % of the mean.
    Volatile,
    /// Fewer than [`FORM_ROUNDS`] rounds: too few to tell.
    TooFew,
}

/// Rounds a player needs for a form.
pub const FORM_ROUNDS: usize = 4;

impl Form {
    /// The word on the page.
    pub fn name(self) -> &'static str {
        match self {
            Form::Rising => "rising",
            Form::Fading => "fading",
            Form::Steady => "steady",
            Form::Volatile => "volatile",
            Form::TooFew => "few rounds",
        }
    }

    fn colour(self) -> RGBColor {
        match self {
            Form::Rising => RGBColor(0x57, 0xF2, 0x87),
            Form::Fading => RGBColor(0xED, 0x42, 0x45),
            Form::Steady => RGBColor(0x8F, 0xC8, 0xF0),
            Form::Volatile => RGBColor(0xF0, 0xA0, 0x2E),
            Form::TooFew => MUTED,
        }
    }
}

/// The original's form rule over a player's DPM in the rounds they played, in order (values
/// that are not numbers are left out): with fewer than [`FORM_ROUNDS`] rounds, too few;
/// volatile when the population standard deviation exceeds 40 % of `max(1, mean)`; else
/// rising when the mean of the second half (the later `n − n/2` rounds) exceeds 1.15 × the
/// mean of the first `n/2`, fading when the first half's exceeds 1.15 × the second's, and
/// steady otherwise.
pub fn form(dpms: &[f64]) -> Form {
    let values: Vec<f64> = dpms.iter().copied().filter(|v| v.is_finite()).collect();
    let n = values.len();
    if n < FORM_ROUNDS {
        return Form::TooFew;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let spread = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    let (first, second) = values.split_at(n / 2);
    let first = first.iter().sum::<f64>() / first.len() as f64;
    let second = second.iter().sum::<f64>() / second.len() as f64;
    if spread / mean.max(1.0) > 0.4 {
        Form::Volatile
    } else if second > first * 1.15 {
        Form::Rising
    } else if first > second * 1.15 {
        Form::Fading
    } else {
        Form::Steady
    }
}

/// The highest of `dpms` that is a number (None when there is none): a player's peak DPM.
pub fn peak(dpms: &[f64]) -> Option<f64> {
    dpms.iter().copied().filter(|v| v.is_finite()).reduce(f64::max)
}

/// Per round and player: Σ damage given and Σ seconds played of their rows.
type RoundSums<'a> = HashMap<(i32, &'a str), (i64, i64)>;

fn round_sums(data: &SessionData) -> RoundSums<'_> {
    let mut sums: RoundSums<'_> = HashMap::new();
    for row in &data.rows {
        let sum = sums.entry((row.round_id, row.player_guid.as_str())).or_default();
        sum.0 += i64::from(row.damage_given);
        sum.1 += i64::from(row.time_played_seconds);
    }
    sums
}

fn dpms_of(data: &SessionData, sums: &RoundSums<'_>, guid: &str) -> Vec<Option<f64>> {
    data.rounds
        .iter()
        .map(|r| {
            sums.get(&(r.id, guid))
                .filter(|(_, seconds)| *seconds > 0)
                .map(|(damage, seconds)| format::dpm(*damage, *seconds))
        })
        .collect()
}

/// A player's DPM in each of the session's rounds, in order (None for a round they did not
/// play or played for no time; several rows of one round are summed).
pub fn round_dpms(data: &SessionData, guid: &str) -> Vec<Option<f64>> {
    dpms_of(data, &round_sums(data), guid)
}

/// What the five pages draw, worked out once for either backend.
struct Prepared<'a> {
    shown: Vec<&'a SessionPlayer>,
    rows: Rows,
    day: String,
    numbers: Vec<Metrics>,
    avg: Averages,
    dpms: Vec<Vec<Option<f64>>>,
}

impl<'a> Prepared<'a> {
    fn of(data: &SessionData, players: &'a [SessionPlayer]) -> Prepared<'a> {
        let shown: Vec<&SessionPlayer> = players.iter().take(MAX_PLAYERS).collect();
        let rows = Rows {
            names: shown.iter().map(|p| label(&p.name, NAME_CHARS)).collect(),
            colours: (0..shown.len()).map(rgb).collect(),
        };
        let day = data.started().format("%Y-%m-%d").to_string();
        let numbers: Vec<Metrics> = shown.iter().map(|p| metrics(p)).collect();
        let avg = averages(players);
        let sums = round_sums(data);
        let dpms: Vec<Vec<Option<f64>>> =
            shown.iter().map(|p| dpms_of(data, &sums, &p.guid)).collect();
        Prepared { shown, rows, day, numbers, avg, dpms }
    }
}

/// The same five pages as SVG documents (the web site's session page), drawn by the same
/// code on plotters' SVG backend: text stays text, readable and selectable.
pub fn session_pages_svg(
    data: &SessionData,
    players: &[SessionPlayer],
) -> Result<Vec<String>, String> {
    if !font_ready() {
        return Err("chart: the embedded font could not be loaded".into());
    }
    let p = Prepared::of(data, players);
    Ok(vec![
        render_svg(|root| offense(root, &p.day, &p.rows, &p.shown, &p.numbers))?,
        render_svg(|root| support(root, &p.day, &p.rows, &p.shown, &p.numbers))?,
        render_svg(|root| advanced(root, &p.day, &p.rows, &p.numbers))?,
        render_svg(|root| playstyles(root, &p.day, &p.rows, &p.shown, &p.numbers, &p.avg))?,
        render_svg(|root| timeline(root, &p.day, &p.rows, &p.dpms, data.rounds.len()))?,
    ])
}

/// One page as SVG, [`PAGE_SIZE`], with the pages' background.
fn render_svg(
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, PAGE_SIZE).into_drawing_area();
        root.fill(&BACKGROUND).map_err(draw_error)?;
        draw(&root)?;
        root.present().map_err(draw_error)?;
    }
    Ok(out)
}

/// The five pages of a session (see [`PAGE_NAMES`]), each [`PAGE_SIZE`], for the first
/// [`MAX_PLAYERS`] of `players` (most kills first, as [`super::gaming_session::aggregate`]
/// sorts them). Playstyles are measured against every player of `players`.
pub fn session_pages(
    data: &SessionData,
    players: &[SessionPlayer],
) -> Result<Vec<Attachment>, String> {
    if !font_ready() {
        return Err("chart: the embedded font could not be loaded".into());
    }
    let p = Prepared::of(data, players);
    let pages = [
        render(|root| offense(root, &p.day, &p.rows, &p.shown, &p.numbers))?,
        render(|root| support(root, &p.day, &p.rows, &p.shown, &p.numbers))?,
        render(|root| advanced(root, &p.day, &p.rows, &p.numbers))?,
        render(|root| playstyles(root, &p.day, &p.rows, &p.shown, &p.numbers, &p.avg))?,
        render(|root| timeline(root, &p.day, &p.rows, &p.dpms, data.rounds.len()))?,
    ];
    let total: usize = pages.iter().map(Vec::len).sum();
    if total >= MAX_TOTAL_BYTES {
        return Err(format!("chart: the pages take {total} bytes, over Discord's limit"));
    }
    Ok(PAGE_NAMES
        .iter()
        .zip(pages)
        .map(|(name, png)| Attachment {
            filename: (*name).to_owned(),
            png,
            width: PAGE_SIZE.0,
            height: PAGE_SIZE.1,
        })
        .collect())
}

/// The players' names and colours, one row each, in order.
struct Rows {
    names: Vec<String>,
    colours: Vec<RGBColor>,
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

fn draw_error<E: std::fmt::Debug>(error: E) -> String {
    format!("chart: {error:?}")
}

fn text(size: u32) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&TEXT)
}

fn encode_png(rgb: &[u8], (width, height): (u32, u32)) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| format!("png: {e}"))?;
        writer.write_image_data(rgb).map_err(|e| format!("png: {e}"))?;
    }
    Ok(out)
}

/// One page: `draw` on a fresh bitmap of [`PAGE_SIZE`], encoded as PNG.
fn render(draw: impl FnOnce(&Area<'_>) -> Result<(), String>) -> Result<Vec<u8>, String> {
    render_sized(PAGE_SIZE, draw)
}

/// `draw` on a fresh bitmap of `size` with the pages' background, encoded as PNG.
fn render_sized(
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Result<(), String>,
) -> Result<Vec<u8>, String> {
    let (w, h) = size;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&BACKGROUND).map_err(draw_error)?;
        draw(&root)?;
        root.present().map_err(draw_error)?;
    }
    encode_png(&rgb, size)
}

/// The page's title, then its 2×2 panels.
fn quarters<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<Vec<DrawingArea<DB, Shift>>, String> {
    let body = root.margin(8, 8, 8, 8).titled(title, text(TITLE)).map_err(draw_error)?;
    Ok(body.split_evenly((2, 2)))
}

/// One panel of horizontal bars: a row per player in their colour, a note after each bar.
struct Bars<'a> {
    title: &'a str,
    values: Vec<f64>,
    /// A second value per player, drawn pale under the first.
    pale: Option<Vec<f64>>,
    notes: Vec<String>,
    /// A thin line across the rows at this value (1.0 for ratios).
    mark: Option<f64>,
    /// The axis reaches at least this far (100 for a share of time).
    floor: f64,
}

fn draw_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &Rows,
    bars: &Bars<'_>,
) -> Result<(), String> {
    // At least MIN_ROWS rows, so a few players do not get bars as thick as a page's eighth.
    let n = rows.names.len().max(MIN_ROWS);
    let value = |v: Option<&f64>| v.map_or(0.0, |v| finite(*v).max(0.0));
    let longest = bars
        .values
        .iter()
        .chain(bars.pale.iter().flatten())
        .map(|v| value(Some(v)))
        .fold(bars.floor.max(bars.mark.unwrap_or(0.0)), f64::max);
    // Room after the longest bar for the widest note (DejaVu Sans digits are 0.64 em wide).
    let widest = bars.notes.iter().map(|n| n.chars().count()).max().unwrap_or(0) as f64;
    let plot = (f64::from(area.dim_in_pixel().0) - NAME_AREA as f64 - 20.0).max(100.0);
    let share = ((plot - widest * LABEL as f64 * 0.64 - 28.0) / plot).clamp(0.3, 0.95);
    let top = if longest > 0.0 { longest / share } else { 1.0 };
    let mut chart = ChartBuilder::on(area)
        .caption(bars.title, text(CAPTION))
        .margin(10)
        .x_label_area_size(0)
        .y_label_area_size(NAME_AREA)
        .build_cartesian_2d(0f64..top, (0..n - 1).into_segmented())
        .map_err(draw_error)?;
    // Row i is segment n − 1 − i, so the first player is at the top.
    let row_of = |segment: usize| (n - 1).checked_sub(segment);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .axis_style(GRID)
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(s) => {
                row_of(*s).and_then(|i| rows.names.get(i)).cloned().unwrap_or_default()
            }
            _ => String::new(),
        })
        .label_style(text(LABEL))
        .draw()
        .map_err(draw_error)?;
    if let Some(mark) = bars.mark {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![
                    (mark, SegmentValue::Exact(n - rows.names.len().min(n))),
                    (mark, SegmentValue::Exact(n)),
                ],
                MUTED.stroke_width(2),
            )))
            .map_err(draw_error)?;
    }
    let note_style = text(LABEL).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, colour) in rows.colours.iter().enumerate() {
        let segment = n - 1 - i.min(n - 1);
        let solid = value(bars.values.get(i));
        let pale = bars.pale.as_ref().map(|p| value(p.get(i)));
        let mut shapes = Vec::new();
        match pale {
            Some(pale) => {
                let mut upper = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(segment + 1)),
                        (solid, SegmentValue::CenterOf(segment)),
                    ],
                    colour.filled(),
                );
                upper.set_margin(4, 0, 0, 0);
                let mut lower = Rectangle::new(
                    [(0.0, SegmentValue::CenterOf(segment)), (pale, SegmentValue::Exact(segment))],
                    colour.mix(0.4).filled(),
                );
                lower.set_margin(0, 4, 0, 0);
                shapes.push(upper);
                shapes.push(lower);
            }
            None => {
                let mut bar = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(segment + 1)),
                        (solid, SegmentValue::Exact(segment)),
                    ],
                    colour.filled(),
                );
                bar.set_margin(5, 5, 0, 0);
                shapes.push(bar);
            }
        }
        chart.draw_series(shapes).map_err(draw_error)?;
        if let Some(note) = bars.notes.get(i) {
            let end = solid.max(pale.unwrap_or(0.0)) + top * 0.015;
            chart
                .draw_series(std::iter::once(Text::new(
                    note.clone(),
                    (end, SegmentValue::CenterOf(segment)),
                    note_style.clone(),
                )))
                .map_err(draw_error)?;
        }
    }
    Ok(())
}

fn whole(v: i64) -> String {
    v.to_string()
}

fn offense<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    day: &str,
    rows: &Rows,
    players: &[&SessionPlayer],
    m: &[Metrics],
) -> Result<(), String> {
    let panels = quarters(root, &format!("Offense · {day}"))?;
    let f = |g: fn(&SessionPlayer) -> i64| players.iter().map(|p| g(p) as f64).collect::<Vec<_>>();
    let all = [
        Bars {
            title: "Kills · deaths (pale)",
            values: f(|p| p.kills),
            pale: Some(f(|p| p.deaths)),
            notes: players.iter().map(|p| format!("{}/{}", p.kills, p.deaths)).collect(),
            mark: None,
            floor: 0.0,
        },
        Bars {
            title: "Damage · taken (pale)",
            values: f(|p| p.damage_given),
            pale: Some(f(|p| p.damage_received)),
            notes: players
                .iter()
                .map(|p| {
                    format!(
                        "{}/{}",
                        crate::render::short(clamp32(p.damage_given)),
                        crate::render::short(clamp32(p.damage_received))
                    )
                })
                .collect(),
            mark: None,
            floor: 0.0,
        },
        Bars {
            title: "K/D",
            values: m.iter().map(|m| m.kd).collect(),
            pale: None,
            notes: m.iter().map(|m| format!("{:.2}", m.kd)).collect(),
            mark: Some(1.0),
            floor: 0.0,
        },
        Bars {
            title: "DPM",
            values: m.iter().map(|m| m.dpm).collect(),
            pale: None,
            notes: m.iter().map(|m| format!("{:.0}", m.dpm)).collect(),
            mark: None,
            floor: 0.0,
        },
    ];
    for (area, bars) in panels.iter().zip(&all) {
        draw_bars(area, rows, bars)?;
    }
    Ok(())
}

fn support<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    day: &str,
    rows: &Rows,
    players: &[&SessionPlayer],
    m: &[Metrics],
) -> Result<(), String> {
    let panels = quarters(root, &format!("Defense & support · {day}"))?;
    let f = |g: fn(&SessionPlayer) -> i64| players.iter().map(|p| g(p) as f64).collect::<Vec<_>>();
    let notes = |g: fn(&SessionPlayer) -> i64| players.iter().map(|p| whole(g(p))).collect();
    let minutes = |s: f64| s / 60.0;
    let all = [
        Bars {
            title: "Revives given",
            values: f(|p| p.revives_given),
            pale: None,
            notes: notes(|p| p.revives_given),
            mark: None,
            floor: 0.0,
        },
        Bars {
            title: "Alive · dead (pale), min",
            values: m.iter().map(|m| minutes(m.alive_seconds)).collect(),
            pale: Some(m.iter().map(|m| minutes(m.dead_seconds)).collect()),
            notes: m
                .iter()
                .map(|m| format!("{:.0}/{:.0}", minutes(m.alive_seconds), minutes(m.dead_seconds)))
                .collect(),
            mark: None,
            floor: 0.0,
        },
        Bars {
            title: "Gibs",
            values: f(|p| p.gibs),
            pale: None,
            notes: notes(|p| p.gibs),
            mark: None,
            floor: 0.0,
        },
        Bars {
            title: "Headshots",
            values: f(|p| p.headshots),
            pale: None,
            notes: notes(|p| p.headshots),
            mark: None,
            floor: 0.0,
        },
    ];
    for (area, bars) in panels.iter().zip(&all) {
        draw_bars(area, rows, bars)?;
    }
    Ok(())
}

fn advanced<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    day: &str,
    rows: &Rows,
    m: &[Metrics],
) -> Result<(), String> {
    let panels = quarters(root, &format!("Advanced · {day}"))?;
    let all = [
        Bars {
            title: "Frag potential",
            values: m.iter().map(|m| m.frag_potential).collect(),
            pale: None,
            notes: m.iter().map(|m| format!("{:.0}", m.frag_potential)).collect(),
            mark: None,
            floor: 0.0,
        },
        Bars {
            title: "Damage efficiency",
            values: m.iter().map(|m| m.efficiency).collect(),
            pale: None,
            notes: m.iter().map(|m| format!("{:.2}x", m.efficiency)).collect(),
            mark: Some(1.0),
            floor: 0.0,
        },
        Bars {
            title: "Denied time %",
            values: m.iter().map(|m| m.denied_percent).collect(),
            pale: None,
            notes: m.iter().map(|m| format!("{:.1}%", m.denied_percent)).collect(),
            mark: None,
            floor: 0.0,
        },
        Bars {
            title: "Survival %",
            values: m.iter().map(|m| m.survival_percent).collect(),
            pale: None,
            notes: m.iter().map(|m| format!("{:.0}%", m.survival_percent)).collect(),
            mark: Some(50.0),
            floor: 100.0,
        },
    ];
    for (area, bars) in panels.iter().zip(&all) {
        draw_bars(area, rows, bars)?;
    }
    Ok(())
}

fn playstyles<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    day: &str,
    rows: &Rows,
    players: &[&SessionPlayer],
    m: &[Metrics],
    avg: &Averages,
) -> Result<(), String> {
    let body = root
        .margin(8, 8, 8, 8)
        .titled(&format!("Playstyle · {day}"), text(TITLE))
        .map_err(draw_error)?;
    let bars = Bars {
        title: "bar: frag potential (DPM alive)",
        values: m.iter().map(|m| m.frag_potential).collect(),
        pale: None,
        notes: players
            .iter()
            .zip(m)
            .map(|(p, m)| format!("{} · {:.0}", playstyle(p, avg).name(), m.frag_potential))
            .collect(),
        mark: None,
        floor: 0.0,
    };
    draw_bars(&body, rows, &bars)
}

fn timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    day: &str,
    rows: &Rows,
    dpms: &[Vec<Option<f64>>],
    rounds: usize,
) -> Result<(), String> {
    let body = root
        .margin(8, 8, 8, 8)
        .titled(&format!("DPM by round · {day}"), text(TITLE))
        .map_err(draw_error)?;
    let (upper, lower) = body.split_vertically(940);
    let n = rounds.max(1);
    let best = dpms.iter().flatten().flatten().map(|v| finite(*v)).fold(0.0, f64::max).max(1.0);
    let mut chart = ChartBuilder::on(&upper)
        .margin(12)
        .margin_right(24)
        .x_label_area_size(70)
        .y_label_area_size(80)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..best * 1.1)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(GRID.mix(0.3))
        .bold_line_style(GRID)
        .axis_style(GRID)
        .x_labels(n.min(16))
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => (i + 1).to_string(),
            _ => String::new(),
        })
        .y_labels(6)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_desc("round")
        .axis_desc_style(text(LABEL))
        .label_style(text(LABEL))
        .draw()
        .map_err(draw_error)?;
    for (points, colour) in dpms.iter().zip(&rows.colours) {
        let line: Vec<(SegmentValue<usize>, f64)> = points
            .iter()
            .enumerate()
            .filter_map(|(i, v)| {
                v.filter(|v| v.is_finite()).map(|v| (SegmentValue::CenterOf(i), v.max(0.0)))
            })
            .collect();
        chart
            .draw_series(LineSeries::new(line.clone(), colour.stroke_width(4)))
            .map_err(draw_error)?;
        chart
            .draw_series(line.iter().map(|point| Circle::new(point.clone(), 6, colour.filled())))
            .map_err(draw_error)?;
        if let Some(top) = line.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
            chart
                .draw_series(std::iter::once(Circle::new(top.clone(), 12, colour.stroke_width(3))))
                .map_err(draw_error)?;
        }
    }
    form_panel(&lower, rows, dpms)
}

/// Per player: colour, name, form and peak DPM, in a 4×4 grid.
fn form_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &Rows,
    dpms: &[Vec<Option<f64>>],
) -> Result<(), String> {
    let grid = area.titled("Form · peak DPM", text(CAPTION)).map_err(draw_error)?;
    let cells = grid.split_evenly((4, 4));
    for (k, ((cell, name), colour)) in cells.iter().zip(&rows.names).zip(&rows.colours).enumerate()
    {
        let values: Vec<f64> =
            dpms.get(k).map(|d| d.iter().flatten().copied().collect()).unwrap_or_default();
        let form = form(&values);
        cell.draw(&Rectangle::new([(8, 10), (34, 36)], colour.filled())).map_err(draw_error)?;
        cell.draw_text(name, &text(LABEL), (44, 10)).map_err(draw_error)?;
        let form_colour = form.colour();
        cell.draw_text(form.name(), &(FAMILY, LABEL).into_font().color(&form_colour), (8, 48))
            .map_err(draw_error)?;
        let peak = peak(&values).map_or("—".to_owned(), |p| format!("peak {p:.0}"));
        cell.draw_text(&peak, &(FAMILY, LABEL).into_font().color(&MUTED), (8, 84))
            .map_err(draw_error)?;
    }
    Ok(())
}

/// The pages' numbers per shown player (the graphs view's `--json` data): name, colour,
/// playstyle, form, peak DPM, frag potential, damage efficiency, denied % and survival %.
pub fn page_data(data: &SessionData, players: &[SessionPlayer]) -> serde_json::Value {
    let avg = averages(players);
    let sums = round_sums(data);
    let shown: Vec<serde_json::Value> = players
        .iter()
        .take(MAX_PLAYERS)
        .enumerate()
        .map(|(i, p)| {
            let m = metrics(p);
            let dpms: Vec<f64> = dpms_of(data, &sums, &p.guid).into_iter().flatten().collect();
            let [r, g, b] = colour(i);
            serde_json::json!({
                "guid": p.guid,
                "name": p.name,
                "colour": format!("#{r:02X}{g:02X}{b:02X}"),
                "playstyle": playstyle(p, &avg).name(),
                "form": form(&dpms).name(),
                "peak_dpm": peak(&dpms),
                "frag_potential": m.frag_potential,
                "damage_efficiency": m.efficiency,
                "denied_percent": m.denied_percent,
                "survival_percent": m.survival_percent,
            })
        })
        .collect();
    serde_json::Value::Array(shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;
    use entity::{gaming_sessions, player_comprehensive_stats as pcs, rounds};
    use proptest::prelude::*;

    fn player(seconds: i64, dead: f64, given: i64, received: i64) -> SessionPlayer {
        SessionPlayer {
            guid: "G".into(),
            name: "p".into(),
            rounds: 4,
            seconds,
            dead_seconds: dead,
            damage_given: given,
            damage_received: received,
            ..SessionPlayer::default()
        }
    }

    fn round(id: i32, number: i32) -> rounds::Model {
        rounds::Model {
            id,
            server: "default".into(),
            match_id: "m".into(),
            round_number: number,
            round_date: "2025-10-12".into(),
            round_time: "225242".into(),
            round_at: NaiveDateTime::default(),
            map_name: "sw_goldrush_te".into(),
            config: "legacy3".into(),
            server_name: "srv".into(),
            time_limit: "12:00".into(),
            actual_time: "9:30".into(),
            time_limit_seconds: 720,
            actual_time_seconds: 570,
            defender_team: 1,
            winner_team: 2,
            is_tied: false,
            round_outcome: "time_set".into(),
            round_status: "completed".into(),
            gaming_session_id: Some(1),
            filename: format!("round-{id}.txt"),
            round1_filename: None,
            player_count: 0,
            created_at: NaiveDateTime::default(),
        }
    }

    fn row(round_id: i32, guid: &str, damage: i32, seconds: i32) -> pcs::Model {
        pcs::Model {
            id: 0,
            round_id,
            round_date: String::new(),
            map_name: String::new(),
            round_number: 1,
            player_guid: guid.to_owned(),
            player_name: format!("name of {guid}"),
            clean_name: String::new(),
            raw_name: String::new(),
            raw_name_bytes: None,
            team: 1,
            kills: damage / 100,
            deaths: 3,
            damage_given: damage,
            damage_received: 2000,
            team_damage_given: 0,
            team_damage_received: 0,
            gibs: 2,
            self_kills: 0,
            team_kills: 0,
            team_gibs: 0,
            headshot_kills: 1,
            headshots: 6,
            hits: 40,
            shots: 120,
            time_played_seconds: seconds,
            time_played_minutes: f64::from(seconds) / 60.0,
            time_dead_minutes: 1.5,
            time_dead_ratio: 0.0,
            time_played_percent: 100.0,
            xp: 0,
            kd_ratio: 0.0,
            dpm: 0.0,
            efficiency: 0.0,
            accuracy: 0.0,
            bullets_fired: 0,
            kill_assists: 0,
            objectives_completed: 0,
            objectives_destroyed: 0,
            objectives_stolen: 0,
            objectives_returned: 0,
            dynamites_planted: 0,
            dynamites_defused: 0,
            times_revived: 1,
            revives_given: 2,
            most_useful_kills: 0,
            useless_kills: 0,
            kill_steals: 0,
            denied_playtime: 45,
            constructions: 0,
            tank_meatshield: 0.0,
            double_kills: 0,
            triple_kills: 0,
            quad_kills: 0,
            multi_kills: 0,
            mega_kills: 0,
            killing_spree_best: 0,
            death_spree_worst: 0,
            full_selfkills: 0,
            session_rounds: 0,
            created_at: NaiveDateTime::default(),
        }
    }

    /// `rounds` rounds (ids 1..), each played by `players` players (GUIDs P00, P01, …) for
    /// 600 s, with damage that grows with the round for P00 and falls for P01.
    fn session(players: usize, rounds: i32) -> (SessionData, Vec<SessionPlayer>) {
        let mut rows = Vec::new();
        for r in 1..=rounds {
            for k in 0..players {
                let k32 = i32::try_from(k).unwrap();
                let damage = match k {
                    0 => 2000 + 500 * r,
                    1 => 5000 - 500 * r,
                    _ => 2500 + 37 * k32,
                };
                rows.push(row(r, &format!("P{k:02}"), damage, 600));
            }
        }
        let data = SessionData {
            sessions: vec![gaming_sessions::Model {
                id: 20251012224530,
                started_at: NaiveDateTime::default(),
                ended_at: NaiveDateTime::default(),
                round_count: rounds,
            }],
            rounds: (1..=rounds).map(|r| round(r, 2 - r % 2)).collect(),
            rows,
        };
        let players = super::super::gaming_session::aggregate(&data.rows, &HashMap::new());
        (data, players)
    }

    fn decode(png: &[u8]) -> ((u32, u32), Vec<u8>) {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        ((info.width, info.height), pixels)
    }

    fn has_colour(pixels: &[u8], rgb: [u8; 3]) -> bool {
        pixels.chunks_exact(3).any(|p| p == rgb)
    }

    #[test]
    fn metrics_are_the_documented_formulas() {
        let mut p = player(600, 120.0, 4800, 3200);
        p.kills = 12;
        p.deaths = 8;
        p.denied = 60;
        let m = metrics(&p);
        assert_eq!(m.kd, 1.5);
        assert_eq!(m.dpm, 480.0);
        assert_eq!((m.alive_seconds, m.dead_seconds), (480.0, 120.0));
        // 4800 damage over 8 minutes alive.
        assert_eq!(m.frag_potential, 600.0);
        assert_eq!(m.efficiency, 1.5);
        assert_eq!(m.denied_percent, 10.0);
        assert_eq!(m.survival_percent, 80.0);
        // No damage taken: given / 1.
        assert_eq!(metrics(&player(600, 0.0, 900, 0)).efficiency, 900.0);
    }

    #[test]
    fn metrics_of_odd_sums_are_numbers() {
        // Nothing played.
        let m = metrics(&player(0, 30.0, 500, 0));
        assert_eq!((m.frag_potential, m.survival_percent, m.denied_percent), (0.0, 0.0, 0.0));
        assert_eq!((m.dead_seconds, m.alive_seconds), (0.0, 0.0));
        // Dead time that is not a number, or longer than the time played.
        let m = metrics(&player(600, f64::NAN, 600, 100));
        assert_eq!((m.dead_seconds, m.survival_percent, m.frag_potential), (0.0, 100.0, 60.0));
        let m = metrics(&player(600, 900.0, 600, 100));
        assert_eq!((m.dead_seconds, m.alive_seconds, m.survival_percent), (600.0, 0.0, 0.0));
        // Alive for less than a second counts as one second, as in the original.
        assert_eq!(m.frag_potential, 36000.0);
        let m = metrics(&player(-5, -1.0, -10, -10));
        assert_eq!((m.dpm, m.frag_potential, m.survival_percent), (0.0, 0.0, 0.0));
    }

    #[test]
    fn form_follows_the_original_rule() {
        assert_eq!(form(&[]), Form::TooFew);
        assert_eq!(form(&[300.0, 300.0, 300.0]), Form::TooFew);
        // Mean 250, deviation 50 (20 %); the second half 300 > 1.15 × 200.
        assert_eq!(form(&[200.0, 200.0, 300.0, 300.0]), Form::Rising);
        assert_eq!(form(&[300.0, 300.0, 200.0, 200.0]), Form::Fading);
        // Halves 305 and 295.
        assert_eq!(form(&[300.0, 310.0, 290.0, 300.0]), Form::Steady);
        // Mean 300, deviation 200 (67 %).
        assert_eq!(form(&[100.0, 500.0, 100.0, 500.0]), Form::Volatile);
        // Five rounds: the first half is the first two (100), the second the last three
        // (200); the deviation is √2400 ≈ 49 (31 % of 160).
        assert_eq!(form(&[100.0, 100.0, 200.0, 200.0, 200.0]), Form::Rising);
        // Values that are not numbers are left out (four remain).
        assert_eq!(form(&[f64::NAN, 200.0, 200.0, f64::INFINITY, 300.0, 300.0]), Form::Rising);
        assert_eq!(form(&[f64::NAN, 200.0, 300.0, 300.0]), Form::TooFew);
        assert_eq!(form(&[0.0; 6]), Form::Steady);
        assert_eq!(peak(&[1.0, 3.0, f64::NAN, 2.0]), Some(3.0));
        assert_eq!(peak(&[f64::NAN]), None);
        assert_eq!(peak(&[]), None);
    }

    #[test]
    fn playstyles_follow_the_rules_in_order() {
        let avg = Averages {
            frag_potential: 450.0,
            deaths: 20.0,
            revives: 4.0,
            survival_percent: 70.0,
            objectives: 1.0,
        };
        // An ordinary player: FP 500 (< 540), K/D 1.0, survival 75 %.
        let base = || {
            let mut p = player(600, 150.0, 3750, 3750);
            p.kills = 20;
            p.deaths = 20;
            p
        };
        assert_eq!(playstyle(&base(), &avg), Playstyle::Balanced);
        let mut p = base();
        p.dynamites_planted = 2;
        p.objectives_stolen = 1;
        // Objective comes first, even for a medic.
        p.revives_given = 30;
        assert_eq!(playstyle(&p, &avg), Playstyle::Objective);
        p.objectives_stolen = 0;
        assert_eq!(playstyle(&p, &avg), Playstyle::Medic);
        // 8 revives in 4 rounds, twice the session's mean.
        p.revives_given = 8;
        assert_eq!(playstyle(&p, &avg), Playstyle::Medic);
        p.revives_given = 7;
        assert_eq!(playstyle(&p, &avg), Playstyle::Balanced);
        // FP 600 (≥ 1.2 × 450) with K/D 1.5.
        let mut p = player(600, 120.0, 4800, 3200);
        p.kills = 30;
        p.deaths = 20;
        assert_eq!(playstyle(&p, &avg), Playstyle::Fragger);
        p.deaths = 26;
        // K/D 1.15 is not enough; 26 deaths is 1.3 × 20 but survival 80 % is above the mean.
        assert_eq!(playstyle(&p, &avg), Playstyle::Survivor);
        let mut p = base();
        p.headshot_kills = 6;
        assert_eq!(playstyle(&p, &avg), Playstyle::Balanced, "6 of 20 is 30 %");
        p.headshot_kills = 7;
        assert_eq!(playstyle(&p, &avg), Playstyle::Sniper);
        let mut p = base();
        p.deaths = 26;
        p.dead_seconds = 240.0;
        assert_eq!(playstyle(&p, &avg), Playstyle::Rusher);
        // Survival 80 % (≥ 70 + 10) with K/D 1.
        let mut p = base();
        p.dead_seconds = 120.0;
        assert_eq!(playstyle(&p, &avg), Playstyle::Survivor);
        // A session of zeros is all balanced.
        assert_eq!(playstyle(&SessionPlayer::default(), &Averages::default()), Playstyle::Balanced);
        let nan = player(600, f64::NAN, 0, 0);
        assert_eq!(playstyle(&nan, &averages(std::slice::from_ref(&nan))), Playstyle::Balanced);
    }

    #[test]
    fn averages_are_over_the_players_who_played() {
        let mut a = player(600, 120.0, 4800, 0);
        a.deaths = 10;
        a.revives_given = 4;
        a.dynamites_defused = 3;
        let mut b = player(600, 300.0, 1500, 0);
        b.deaths = 20;
        let idle = player(0, 0.0, 0, 0);
        let avg = averages(&[a, b, idle]);
        // FP 600 and 300; survival 80 % and 50 %.
        assert_eq!(
            avg,
            Averages {
                frag_potential: 450.0,
                deaths: 15.0,
                revives: 2.0,
                survival_percent: 65.0,
                objectives: 1.5,
            }
        );
        assert_eq!(averages(&[]), Averages::default());
    }

    #[test]
    fn round_dpms_sum_a_players_rows_of_a_round() {
        let (mut data, _) = session(2, 3);
        // A second row of P00 in round 2 (a reconnect), and a round without P01.
        data.rows.push(row(2, "P00", 1000, 600));
        data.rows.retain(|r| !(r.round_id == 3 && r.player_guid == "P01"));
        data.rows.push(row(3, "P01", 900, 0));
        // P00: 2500, 3000 + 1000 over 1200 s, 3500.
        assert_eq!(round_dpms(&data, "P00"), vec![Some(250.0), Some(200.0), Some(350.0)]);
        assert_eq!(round_dpms(&data, "P01"), vec![Some(450.0), Some(400.0), None]);
        assert_eq!(round_dpms(&data, "nobody"), vec![None, None, None]);
    }

    #[test]
    fn colours_are_distinct_and_cycle() {
        let all: std::collections::BTreeSet<[u8; 3]> = (0..MAX_PLAYERS).map(colour).collect();
        assert_eq!(all.len(), MAX_PLAYERS);
        assert_eq!(colour(MAX_PLAYERS), colour(0));
        for c in &all {
            assert!(![BACKGROUND, TEXT, GRID, MUTED].iter().any(|k| colour_eq(*k, *c)));
        }
    }

    fn colour_eq(k: RGBColor, c: [u8; 3]) -> bool {
        [k.0, k.1, k.2] == c
    }

    #[test]
    fn five_pages_decode_at_their_size_and_every_player_keeps_a_colour() {
        let (data, players) = session(MAX_PLAYERS + 2, 6);
        let pages = session_pages(&data, &players).unwrap();
        let names: Vec<&str> = pages.iter().map(|p| p.filename.as_str()).collect();
        assert_eq!(names, PAGE_NAMES);
        let total: usize = pages.iter().map(|p| p.png.len()).sum();
        assert!(total < MAX_TOTAL_BYTES, "{total} bytes");
        for page in &pages {
            let (size, pixels) = decode(&page.png);
            assert_eq!(size, PAGE_SIZE, "{}", page.filename);
            assert_eq!((page.width, page.height), PAGE_SIZE);
            // Every shown player's colour is on every page (bars, lines, form swatches);
            // the two beyond the first 16 would repeat colours, so they are not shown.
            for i in 0..MAX_PLAYERS {
                assert!(has_colour(&pixels, colour(i)), "{}: player {i}", page.filename);
            }
        }
        // The same player has the same colour: the session's first (most kills) is red
        // everywhere, the second green.
        assert_eq!(players[0].guid, "P00");
        assert_eq!(colour(0), [0xE6, 0x19, 0x4B]);
        assert_eq!(colour(1), [0x3C, 0xB4, 0x4B]);
    }

    #[test]
    fn a_page_without_a_player_leaves_that_colour_out() {
        let (data, players) = session(2, 4);
        let pages = session_pages(&data, &players).unwrap();
        for page in &pages {
            let (_, pixels) = decode(&page.png);
            assert!(has_colour(&pixels, colour(0)) && has_colour(&pixels, colour(1)));
            assert!(!has_colour(&pixels, colour(2)), "{}", page.filename);
        }
    }

    #[test]
    fn odd_sessions_still_give_five_pages() {
        // No players, no rounds.
        let (empty, none) = session(0, 0);
        assert_eq!(session_pages(&empty, &none).unwrap().len(), 5);
        // One round, one player who played no time and whose dead time is not a number.
        let (data, mut players) = session(1, 1);
        players[0].seconds = 0;
        players[0].dead_seconds = f64::NAN;
        players[0].damage_given = i64::MAX;
        players[0].name = "\u{0}\n".into();
        let pages = session_pages(&data, &players).unwrap();
        assert_eq!(pages.len(), 5);
        for page in &pages {
            assert_eq!(decode(&page.png).0, PAGE_SIZE);
        }
        let json = page_data(&data, &players);
        assert_eq!(json[0]["form"], "few rounds");
        assert_eq!(json[0]["colour"], "#E6194B");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3))]
        #[test]
        fn any_sums_still_draw_five_pages(
            rounds in 0i32..3,
            sums in proptest::collection::vec(
                (any::<i64>(), proptest::num::f64::ANY, any::<i64>(), any::<i64>(), any::<i64>()),
                0..4,
            ),
        ) {
            let (data, mut players) = session(sums.len(), rounds);
            players.resize_with(sums.len(), SessionPlayer::default);
            for (p, (seconds, dead, given, kills, deaths)) in players.iter_mut().zip(sums) {
                (p.seconds, p.dead_seconds, p.damage_given) = (seconds, dead, given);
                (p.kills, p.deaths, p.revives_given, p.headshots) = (kills, deaths, kills, deaths);
            }
            let pages = session_pages(&data, &players).unwrap();
            prop_assert_eq!(pages.len(), 5);
        }
    }

    proptest! {
        #[test]
        fn numbers_never_panic_and_stay_numbers(
            seconds in -10i64..100_000,
            dead in proptest::num::f64::ANY,
            given in -10i64..10_000_000,
            received in -10i64..10_000_000,
            kills in 0i64..10_000,
            deaths in 0i64..10_000,
            denied in 0i64..100_000,
            dpms in proptest::collection::vec(proptest::num::f64::ANY, 0..20),
        ) {
            let mut p = player(seconds, dead, given, received);
            p.kills = kills;
            p.deaths = deaths;
            p.denied = denied;
            let m = metrics(&p);
            for v in [m.kd, m.dpm, m.dead_seconds, m.alive_seconds, m.frag_potential,
                      m.efficiency, m.denied_percent, m.survival_percent] {
                prop_assert!(v.is_finite());
            }
            prop_assert!((0.0..=100.0).contains(&m.survival_percent));
            let _ = playstyle(&p, &averages(std::slice::from_ref(&p)));
            let _ = form(&dpms);
            if let Some(top) = peak(&dpms) {
                prop_assert!(top.is_finite());
            }
        }
    }
}
