//! `plots/frontier.svg`: each curve's median `selected` line with its 10th–90th
//! percentile band, its `test-envelope` median dashed, and the single models as
//! labelled points. plotters' SVG backend without font features: text is written as
//! SVG `<text>` with plotters' built-in size estimate, and the viewer's default
//! sans-serif font draws it. Pixel coordinates are integers, so the bytes are
//! deterministic.

use plotters::prelude::*;

use crate::aggregate::Band;
use crate::results::RunResults;
use crate::study::Study;

/// Width and height in pixels.
const SIZE: (u32, u32) = (960, 640);

/// Contiguous defined runs of a curve on the grid.
fn runs<T: Copy>(grid: &[f64], values: &[Option<T>]) -> Vec<Vec<(f64, T)>> {
    let mut out: Vec<Vec<(f64, T)>> = Vec::new();
    let mut current = Vec::new();
    for (&x, v) in grid.iter().zip(values) {
        match v {
            Some(v) => current.push((x, *v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// One curve of a frontier plot.
#[derive(Debug, Clone, Copy)]
pub struct PlotCurve<'a> {
    /// Legend label.
    pub label: &'a str,
    /// Line colour.
    pub color: RGBAColor,
    /// The curve's band on the grid: the median is drawn, and p10–p90 shaded when
    /// `band` is set.
    pub bands: &'a [Option<Band>],
    /// Shade the 10th–90th percentile band.
    pub band: bool,
    /// Draw the median dashed and thin (a secondary curve) instead of solid.
    pub dashed: bool,
}

/// The experiment's plot as SVG text: every curve's `selected` median with its band
/// and its `test-envelope` median dashed (empty if drawing fails, which only bad
/// ranges can cause).
pub fn frontier_svg(study: &Study, results: &RunResults) -> String {
    let labels: Vec<(String, String)> = results
        .curves
        .iter()
        .map(|c| (format!("{} (selected, p10-p90)", c.label), format!("{} (test-envelope)", c.label)))
        .collect();
    let mut curves = Vec::new();
    for (i, (c, (selected, envelope))) in results.curves.iter().zip(&labels).enumerate() {
        let color = Palette99::pick(i).to_rgba();
        curves.push(PlotCurve { label: selected, color, bands: &c.selected, band: true, dashed: false });
        curves.push(PlotCurve { label: envelope, color, bands: &c.envelope, band: false, dashed: true });
    }
    curves_svg(study, &format!("{}: held-out frontiers", study.plan.name), &curves)
}

/// A frontier plot of any curves on the study's cost grid, with the single models
/// as labelled points (empty if drawing fails).
pub fn curves_svg(study: &Study, title: &str, curves: &[PlotCurve<'_>]) -> String {
    let mut buf = String::new();
    if draw(study, title, curves, &mut buf).is_err() {
        buf.clear();
    }
    buf
}

fn draw<'b>(
    study: &Study,
    title: &str,
    curves: &[PlotCurve<'_>],
    buf: &'b mut String,
) -> Result<(), Box<dyn std::error::Error + 'b>> {
    let grid = &study.grid;
    let stats = &study.full_stats;
    let (mut y_lo, mut y_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for s in stats {
        y_lo = y_lo.min(s.accuracy);
        y_hi = y_hi.max(s.accuracy);
    }
    for c in curves {
        for b in c.bands.iter().flatten() {
            y_lo = y_lo.min(b.p10);
            y_hi = y_hi.max(b.p90);
        }
    }
    let pad = ((y_hi - y_lo) * 0.05).max(0.01);
    let (y_lo, y_hi) = ((y_lo - pad).max(0.0), (y_hi + pad).min(1.0 + pad));
    let (x_lo, x_hi) = (grid[0], grid[grid.len() - 1]);
    let x_pad = ((x_hi - x_lo) * 0.03).max(x_hi.abs() * 1e-6).max(1e-12);
    let (x_lo, x_hi) = (x_lo - x_pad, x_hi + x_pad);

    let root = SVGBackend::with_string(buf, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc("mean cost per query ($)")
        .y_desc("quality (test)")
        .x_label_formatter(&|x| format!("{x:.1e}"))
        .y_label_formatter(&|y| format!("{y:.2}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;

    for c in curves.iter().filter(|c| c.band) {
        for run in runs(grid, c.bands) {
            let mut outline: Vec<(f64, f64)> = run.iter().map(|&(x, b): &(f64, Band)| (x, b.p90)).collect();
            outline.extend(run.iter().rev().map(|&(x, b)| (x, b.p10)));
            chart.draw_series(std::iter::once(Polygon::new(outline, c.color.mix(0.15).filled())))?;
        }
    }
    for c in curves {
        let (color, label) = (c.color, c.label.to_string());
        for (k, run) in runs(grid, c.bands).into_iter().enumerate() {
            let line = run.into_iter().map(|(x, b)| (x, b.median));
            let series = if c.dashed {
                chart.draw_series(DashedLineSeries::new(line, 6, 4, color.stroke_width(1)))?
            } else {
                chart.draw_series(LineSeries::new(line, color.stroke_width(2)))?
            };
            if k == 0 {
                let (width, length) = if c.dashed { (1, 8) } else { (2, 20) };
                series
                    .label(label.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + length, y)], color.stroke_width(width)));
            }
        }
    }
    let right = x_lo + 0.8 * (x_hi - x_lo);
    for (m, s) in stats.iter().enumerate() {
        let label = study.model_label(m).to_string();
        // Labels of points near the right edge go to the left of the point.
        let dx = if s.mean_cost > right { -6 - 6 * label.chars().count() as i32 } else { 6 };
        chart.draw_series(std::iter::once(
            EmptyElement::at((s.mean_cost, s.accuracy))
                + Circle::new((0, 0), 4, BLACK.filled())
                + Text::new(label, (dx, -14), ("sans-serif", 12).into_font()),
        ))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 12))
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_at_undefined_points() {
        let grid = [0.0, 1.0, 2.0, 3.0, 4.0];
        let v = [None, Some(1), Some(2), None, Some(4)];
        assert_eq!(runs(&grid, &v), vec![vec![(1.0, 1), (2.0, 2)], vec![(4.0, 4)]]);
    }
}
