//! Session graphs as PNG images (plotters on an in-memory bitmap, text in an embedded
//! DejaVu Sans, so no system fonts are needed): kills, deaths and DPM per player, and each
//! player's DPM round by round.
use std::sync::OnceLock;

use plotters::{
    coord::ranged1d::SegmentValue,
    prelude::*,
    style::{FontStyle, register_font},
};

use super::{
    Attachment, format,
    gaming_session::{SessionData, SessionPlayer},
};

/// The embedded font (Bitstream Vera licence, see `DejaVuSans-LICENSE.txt` beside it).
const FONT: &[u8] = include_bytes!("charts/DejaVuSans.ttf");
/// The font family name the charts ask for.
const FAMILY: &str = "sans-serif";

/// Size of the combat graph.
pub const COMBAT_SIZE: (u32, u32) = (1200, 800);
/// Size of the timeline graph.
pub const TIMELINE_SIZE: (u32, u32) = (1200, 600);

const BACKGROUND: RGBColor = RGBColor(0x2B, 0x2D, 0x31);
const TEXT: RGBColor = RGBColor(0xE6, 0xE6, 0xE6);
const GRID: RGBColor = RGBColor(0x4E, 0x50, 0x58);
const KILLS: RGBColor = RGBColor(0x57, 0xF2, 0x87);
const DEATHS: RGBColor = RGBColor(0xED, 0x42, 0x45);
const DPM: RGBColor = RGBColor(0x58, 0x65, 0xF2);
const LINES: [RGBColor; 8] = [
    RGBColor(0x58, 0x65, 0xF2),
    RGBColor(0x57, 0xF2, 0x87),
    RGBColor(0xFE, 0xE7, 0x5C),
    RGBColor(0xED, 0x42, 0x45),
    RGBColor(0xEB, 0x45, 0x9E),
    RGBColor(0x3B, 0xA5, 0x5D),
    RGBColor(0xF0, 0x8C, 0x2E),
    RGBColor(0x9B, 0x59, 0xB6),
];

/// Registers the embedded font once; false if it could not be read.
fn font_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| register_font(FAMILY, FontStyle::Normal, FONT).is_ok())
}

/// A name fit for a chart label: printable characters only, cut to `max`.
fn label(name: &str, max: usize) -> String {
    let clean: String = name.chars().filter(|c| !c.is_control()).collect();
    let clean = if clean.trim().is_empty() { "?".to_owned() } else { clean };
    format::cut(&clean, max)
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

fn draw_error<E: std::fmt::Debug>(error: E) -> String {
    format!("chart: {error:?}")
}

/// The two graphs of a session: `session_combat.png` (kills and deaths, DPM, for the top 16
/// players by kills) and `session_timeline.png` (DPM per round for the top 8).
pub fn session_charts(
    data: &SessionData,
    players: &[SessionPlayer],
) -> Result<Vec<Attachment>, String> {
    if !font_ready() {
        return Err("chart: the embedded font could not be loaded".into());
    }
    let top: Vec<&SessionPlayer> = players.iter().take(16).collect();
    let combat = combat_chart(&top)?;
    let timeline = timeline_chart(data, &players.iter().take(8).collect::<Vec<_>>())?;
    Ok(vec![
        Attachment {
            filename: "session_combat.png".into(),
            png: combat,
            width: COMBAT_SIZE.0,
            height: COMBAT_SIZE.1,
        },
        Attachment {
            filename: "session_timeline.png".into(),
            png: timeline,
            width: TIMELINE_SIZE.0,
            height: TIMELINE_SIZE.1,
        },
    ])
}

fn combat_chart(players: &[&SessionPlayer]) -> Result<Vec<u8>, String> {
    let (w, h) = COMBAT_SIZE;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&BACKGROUND).map_err(draw_error)?;
        let (upper, lower) = root.split_vertically(h / 2);
        let n = players.len().max(1);
        // plotters' integer ranges include their end: 0..n-1 gives n segments.
        let segments = 0..n - 1;
        let names: Vec<String> = players.iter().map(|p| label(&p.name, 11)).collect();
        let name_of = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        let text = |size: u32| (FAMILY, size).into_font().color(&TEXT);

        let most = players.iter().map(|p| p.kills.max(p.deaths)).max().unwrap_or(0).max(1);
        let mut chart = ChartBuilder::on(&upper)
            .caption("Kills and deaths", text(24))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(segments.clone().into_segmented(), 0i64..most + most / 3 + 1)
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID.mix(0.3))
            .bold_line_style(GRID)
            .axis_style(GRID)
            .x_labels(n)
            .x_label_formatter(&name_of)
            .label_style(text(13))
            .draw()
            .map_err(draw_error)?;
        for (i, p) in players.iter().enumerate() {
            let mut kills = Rectangle::new(
                [(SegmentValue::Exact(i), 0), (SegmentValue::CenterOf(i), p.kills)],
                KILLS.filled(),
            );
            kills.set_margin(0, 0, 6, 1);
            let mut deaths = Rectangle::new(
                [(SegmentValue::CenterOf(i), 0), (SegmentValue::Exact(i + 1), p.deaths)],
                DEATHS.filled(),
            );
            deaths.set_margin(0, 0, 1, 6);
            chart.draw_series([kills, deaths]).map_err(draw_error)?;
        }
        chart
            .draw_series(std::iter::empty::<Rectangle<(SegmentValue<usize>, i64)>>())
            .map_err(draw_error)?
            .label("kills")
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], KILLS.filled()));
        chart
            .draw_series(std::iter::empty::<Rectangle<(SegmentValue<usize>, i64)>>())
            .map_err(draw_error)?
            .label("deaths")
            .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], DEATHS.filled()));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(BACKGROUND.mix(0.9))
            .border_style(GRID)
            .label_font(text(14))
            .draw()
            .map_err(draw_error)?;

        let best = players.iter().map(|p| p.dpm()).fold(0.0, f64::max).max(1.0);
        let mut chart = ChartBuilder::on(&lower)
            .caption("Damage per minute", text(24))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(segments.into_segmented(), 0f64..best * 1.1)
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(GRID.mix(0.3))
            .bold_line_style(GRID)
            .axis_style(GRID)
            .x_labels(n)
            .x_label_formatter(&name_of)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(text(13))
            .draw()
            .map_err(draw_error)?;
        chart
            .draw_series(players.iter().enumerate().map(|(i, p)| {
                let mut bar = Rectangle::new(
                    [(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), p.dpm())],
                    DPM.filled(),
                );
                bar.set_margin(0, 0, 10, 10);
                bar
            }))
            .map_err(draw_error)?;
        root.present().map_err(draw_error)?;
    }
    encode_png(&rgb, COMBAT_SIZE)
}

fn timeline_chart(data: &SessionData, players: &[&SessionPlayer]) -> Result<Vec<u8>, String> {
    let (w, h) = TIMELINE_SIZE;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&BACKGROUND).map_err(draw_error)?;
        let text = |size: u32| (FAMILY, size).into_font().color(&TEXT);
        let rounds = &data.rounds;
        // Each round is a segment; a map's name labels its round 1 (round 2 follows it).
        let labels: Vec<String> = rounds
            .iter()
            .map(|r| if r.round_number == 1 { label(&r.map_name, 10) } else { String::new() })
            .collect();
        // DPM of each shown player in each round (None when they did not play it).
        let series: Vec<Vec<Option<f64>>> = players
            .iter()
            .map(|p| {
                rounds
                    .iter()
                    .map(|r| {
                        data.rows
                            .iter()
                            .find(|row| row.round_id == r.id && row.player_guid == p.guid)
                            .map(|row| {
                                format::dpm(
                                    i64::from(row.damage_given),
                                    i64::from(row.time_played_seconds),
                                )
                            })
                    })
                    .collect()
            })
            .collect();
        let best = series.iter().flatten().flatten().copied().fold(0.0, f64::max).max(1.0);
        let n = rounds.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption("DPM round by round", text(24))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(52)
            .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..best * 1.15)
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .light_line_style(GRID.mix(0.3))
            .bold_line_style(GRID)
            .axis_style(GRID)
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(text(12))
            .draw()
            .map_err(draw_error)?;
        for (k, (player, points)) in players.iter().zip(&series).enumerate() {
            let colour = LINES[k % LINES.len()];
            let line: Vec<(SegmentValue<usize>, f64)> = points
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| (SegmentValue::CenterOf(i), v)))
                .collect();
            chart
                .draw_series(LineSeries::new(line.clone(), colour.stroke_width(3)))
                .map_err(draw_error)?
                .label(label(&player.name, 16))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(3))
                });
            chart
                .draw_series(line.into_iter().map(|point| Circle::new(point, 4, colour.filled())))
                .map_err(draw_error)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(BACKGROUND.mix(0.9))
            .border_style(GRID)
            .label_font(text(13))
            .draw()
            .map_err(draw_error)?;
        root.present().map_err(draw_error)?;
    }
    encode_png(&rgb, TIMELINE_SIZE)
}
