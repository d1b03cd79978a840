//! The `!rating` chart: a player's rating after each rated map, with its uncertainty as a band
//! (rating ± σ), maps in order along the bottom.
use plotters::prelude::*;

use super::{Area, GRID, LABEL, MUTED, TITLE, draw_error, label, rgb, text};
use crate::commands::Attachment;

/// Size of the chart, in pixels.
pub const RATING_SIZE: (u32, u32) = (1200, 700);
/// The chart's file name.
pub const RATING_NAME: &str = "rating.png";

/// The chart of `name`'s `points` (rating, uncertainty), oldest first; at least one.
pub fn rating_chart(name: &str, points: &[(f64, f64)]) -> Result<Attachment, String> {
    if points.is_empty() {
        return Err("chart: no rated map".into());
    }
    if !super::font_ready() {
        return Err("chart: the embedded font could not be loaded".into());
    }
    let png = super::render_sized(RATING_SIZE, |root| draw(root, name, points))?;
    Ok(Attachment {
        filename: RATING_NAME.to_owned(),
        png,
        width: RATING_SIZE.0,
        height: RATING_SIZE.1,
    })
}

fn draw(root: &Area<'_>, name: &str, points: &[(f64, f64)]) -> Result<(), String> {
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let low = points.iter().map(|(r, u)| finite(r - u)).fold(f64::INFINITY, f64::min);
    let high = points.iter().map(|(r, u)| finite(r + u)).fold(f64::NEG_INFINITY, f64::max);
    let (low, high) = if high - low < 1.0 { (low - 1.0, high + 1.0) } else { (low, high) };
    let n = points.len();
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{} — rating after each map", label(name, 24)), text(TITLE))
        .margin(30)
        .x_label_area_size(60)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..(n.max(2) - 1) as f64, low..high)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .light_line_style(GRID.mix(0.3))
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .label_style(text(LABEL))
        .x_desc("maps")
        .y_labels(8)
        .x_label_formatter(&|x| format!("{}", *x as i64 + 1))
        .draw()
        .map_err(draw_error)?;
    let colour = rgb(0);
    let band: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, (r, u))| (i as f64, finite(r + u)))
        .chain(points.iter().enumerate().rev().map(|(i, (r, u))| (i as f64, finite(r - u))))
        .collect();
    chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.2)))).map_err(draw_error)?;
    chart
        .draw_series(LineSeries::new(
            points.iter().enumerate().map(|(i, (r, _))| (i as f64, finite(*r))),
            colour.stroke_width(4),
        ))
        .map_err(draw_error)?;
    if n == 1 {
        chart
            .draw_series(std::iter::once(Circle::new(
                (0.0, finite(points[0].0)),
                8,
                colour.filled(),
            )))
            .map_err(draw_error)?;
    }
    Ok(())
}
