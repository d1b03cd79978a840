//! The `!compare` radar: two players' lifetime numbers on the original bot's five axes, each
//! on a fixed scale (so one player's shape means the same in every comparison), in the first
//! two colours of the session pages.
use plotters::{
    prelude::*,
    style::text_anchor::{HPos, Pos, VPos},
};

use super::{Area, GRID, LABEL, MUTED, TEXT, TITLE, draw_error, label, rgb, text};
use crate::commands::Attachment;

/// Size of the radar image, in pixels (square; Discord shows it about 400 px wide on a phone).
pub const RADAR_SIZE: (u32, u32) = (1000, 1000);
/// The radar's file name.
pub const RADAR_NAME: &str = "compare-radar.png";

/// One axis: its label, the value at the rim, and both players' values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Shown at the axis' end.
    pub name: String,
    /// The value at the rim; larger values are drawn at the rim.
    pub full: f64,
    /// The first player's value.
    pub first: f64,
    /// The second player's value.
    pub second: f64,
}

/// The share of the axis `value` reaches: 0 at the centre, 1 at the rim (capped; not a
/// number counts as 0).
pub fn reach(value: f64, full: f64) -> f64 {
    if !value.is_finite() || !full.is_finite() || full <= 0.0 {
        return 0.0;
    }
    (value / full).clamp(0.0, 1.0)
}

/// Where the `i`th of `n` axes points, as a unit vector (the first straight up, clockwise).
fn direction(i: usize, n: usize) -> (f64, f64) {
    let angle = std::f64::consts::TAU * i as f64 / n as f64;
    (angle.sin(), -angle.cos())
}

/// The radar of `first` and `second` over `axes` (at least three), as a PNG.
pub fn radar(first: &str, second: &str, axes: &[Axis]) -> Result<Attachment, String> {
    if axes.len() < 3 {
        return Err("chart: a radar needs three axes or more".into());
    }
    if !super::font_ready() {
        return Err("chart: the embedded font could not be loaded".into());
    }
    let png = super::render_sized(RADAR_SIZE, |root| draw(root, first, second, axes))?;
    Ok(Attachment {
        filename: RADAR_NAME.to_owned(),
        png,
        width: RADAR_SIZE.0,
        height: RADAR_SIZE.1,
    })
}

fn draw(root: &Area<'_>, first: &str, second: &str, axes: &[Axis]) -> Result<(), String> {
    let (w, h) = RADAR_SIZE;
    let (a, b) = (label(first, 16), label(second, 16));
    let centred = Pos::new(HPos::Center, VPos::Center);
    root.draw(&Text::new(
        format!("{a} vs {b}"),
        (w as i32 / 2, 40),
        text(TITLE).pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(draw_error)?;
    let centre = (w as f64 / 2.0, h as f64 / 2.0 + 10.0);
    let radius = 300.0;
    let at = |i: usize, share: f64| {
        let (dx, dy) = direction(i, axes.len());
        (
            (centre.0 + dx * radius * share).round() as i32,
            (centre.1 + dy * radius * share).round() as i32,
        )
    };
    // Rings at a quarter, half, three quarters and the rim; a spoke per axis.
    for ring in 1..=4 {
        let share = f64::from(ring) / 4.0;
        let mut points: Vec<(i32, i32)> = (0..axes.len()).map(|i| at(i, share)).collect();
        points.push(points[0]);
        root.draw(&PathElement::new(points, GRID.stroke_width(2))).map_err(draw_error)?;
    }
    for (i, axis) in axes.iter().enumerate() {
        root.draw(&PathElement::new(vec![at(i, 0.0), at(i, 1.0)], GRID.stroke_width(2)))
            .map_err(draw_error)?;
        let (x, y) = at(i, 1.3);
        root.draw(&Text::new(axis.name.clone(), (x, y - 16), text(LABEL + 4).pos(centred)))
            .map_err(draw_error)?;
        root.draw(&Text::new(
            format!("{} · {}  (of {})", short(axis.first), short(axis.second), axis.full),
            (x, y + 16),
            (super::FAMILY, LABEL).into_font().color(&MUTED).pos(centred),
        ))
        .map_err(draw_error)?;
    }
    for (player, colour) in [(0, rgb(0)), (1, rgb(1))] {
        let points: Vec<(i32, i32)> = axes
            .iter()
            .enumerate()
            .map(|(i, axis)| {
                let value = if player == 0 { axis.first } else { axis.second };
                at(i, reach(value, axis.full))
            })
            .collect();
        root.draw(&Polygon::new(points.clone(), colour.mix(0.25))).map_err(draw_error)?;
        let mut outline = points.clone();
        outline.push(points[0]);
        root.draw(&PathElement::new(outline, colour.stroke_width(5))).map_err(draw_error)?;
        for point in points {
            root.draw(&Circle::new(point, 8, colour.filled())).map_err(draw_error)?;
        }
    }
    // The legend: a swatch and the name of each player, under the chart.
    for (i, name) in [a, b].into_iter().enumerate() {
        let x = if i == 0 { 120 } else { w as i32 / 2 + 60 };
        let y = h as i32 - 130;
        root.draw(&Rectangle::new([(x, y), (x + 36, y + 36)], rgb(i).filled()))
            .map_err(draw_error)?;
        root.draw(&Text::new(
            name,
            (x + 50, y + 18),
            (super::FAMILY, LABEL + 6)
                .into_font()
                .color(&TEXT)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(draw_error)?;
    }
    root.draw(&Text::new(
        "each axis to its rim value; beyond it drawn at the rim",
        (w as i32 / 2, h as i32 - 40),
        (super::FAMILY, LABEL).into_font().color(&MUTED).pos(centred),
    ))
    .map_err(draw_error)?;
    Ok(())
}

/// A value for an axis label: no decimals from 100 on, one below.
fn short(v: f64) -> String {
    if !v.is_finite() {
        "0".to_owned()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axes(first: f64, second: f64) -> Vec<Axis> {
        ["K/D", "Accuracy %", "DPM", "Head hits %", "Rounds"]
            .iter()
            .map(|name| Axis { name: (*name).to_owned(), full: 10.0, first, second })
            .collect()
    }

    #[test]
    fn a_value_reaches_its_share_of_the_axis_capped_at_the_rim() {
        assert_eq!(reach(2.5, 5.0), 0.5);
        assert_eq!(reach(7.0, 5.0), 1.0);
        assert_eq!(reach(-1.0, 5.0), 0.0);
        assert_eq!(reach(f64::NAN, 5.0), 0.0);
        assert_eq!(reach(3.0, 0.0), 0.0);
    }

    #[test]
    fn the_first_axis_points_up_and_the_rest_go_round_clockwise() {
        let (x, y) = direction(0, 4);
        assert!(x.abs() < 1e-9 && (y + 1.0).abs() < 1e-9);
        let (x, y) = direction(1, 4);
        assert!((x - 1.0).abs() < 1e-9 && y.abs() < 1e-9, "right");
    }

    #[test]
    fn the_radar_is_a_square_png_with_both_players_colours() {
        let image = radar("alpha", "bravo", &axes(8.0, 3.0)).unwrap();
        assert_eq!((image.width, image.height), RADAR_SIZE);
        assert_eq!(image.filename, RADAR_NAME);
        let decoder = png::Decoder::new(std::io::Cursor::new(&image.png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), RADAR_SIZE);
        let pixels: Vec<[u8; 3]> = buf.chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
        let has = |colour: RGBColor| pixels.contains(&[colour.0, colour.1, colour.2]);
        assert!(has(rgb(0)) && has(rgb(1)), "both outlines are drawn in the players' colours");
        // The first player's shape reaches further up the first axis than the second's.
        let column = RADAR_SIZE.0 as usize / 2;
        let top_of = |colour: RGBColor| {
            (0..RADAR_SIZE.1 as usize).find(|&row| {
                pixels[row * RADAR_SIZE.0 as usize + column] == [colour.0, colour.1, colour.2]
            })
        };
        assert!(top_of(rgb(0)).unwrap() < top_of(rgb(1)).unwrap());
    }

    #[test]
    fn fewer_than_three_axes_are_refused() {
        assert!(radar("a", "b", &axes(1.0, 1.0)[..2]).is_err());
    }
}
