//! The reproduction's own figure per benchmark and protocol,
//! `plots/paper-frontiers-<protocol>.svg`: the held-out median curves of the paper's
//! five methods (as in its Figure 2) with their 10th–90th percentile bands, and the
//! single models as labelled points. The escalation-benefit, envelope-hull
//! (switching points) and shadow-price plots are the engine's own. plotters' SVG
//! backend with integer pixel coordinates: the bytes are deterministic.

use cascadelab_engine::aggregate::Band;
use cascadelab_engine::{RunResults, Study};
use plotters::prelude::*;

use crate::methods::{self, Method, Protocol};

/// The methods drawn, with their colours.
const DRAWN: [(Method, RGBColor); 5] = [
    (Method::PairwiseEnvelope, RGBColor(31, 119, 180)),
    (Method::FullFixedChain, RGBColor(255, 127, 14)),
    (Method::OptimalSubsequence, RGBColor(44, 160, 44)),
    (Method::Router, RGBColor(214, 39, 40)),
    (Method::EmbeddingCascade, RGBColor(148, 103, 189)),
];

/// The file name of the frontier figure of `protocol`, relative to a benchmark's
/// results directory.
pub fn frontier_file(protocol: Protocol) -> String {
    format!("plots/paper-frontiers-{}.svg", protocol.label())
}

/// The frontier figure of `protocol` as SVG text (empty if drawing fails).
pub fn frontier_svg(study: &Study, results: &RunResults, bench: &str, protocol: Protocol) -> String {
    let mut buf = String::new();
    if draw(study, results, bench, protocol, &mut buf).is_err() {
        buf.clear();
    }
    buf
}

fn runs(grid: &[f64], values: &[Option<Band>]) -> Vec<Vec<(f64, Band)>> {
    let mut out: Vec<Vec<(f64, Band)>> = Vec::new();
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

fn draw<'b>(
    study: &Study,
    results: &RunResults,
    bench: &str,
    protocol: Protocol,
    buf: &'b mut String,
) -> Result<(), Box<dyn std::error::Error + 'b>> {
    let grid = &study.grid;
    let stats = &study.full_stats;
    let curves: Vec<(Method, RGBColor, &[Option<Band>])> = DRAWN
        .iter()
        .filter_map(|&(m, color)| {
            methods::curve_set(study, results, m, protocol).map(|c| (m, color, c.bands(protocol.kind())))
        })
        .collect();
    // The vertical range: the cheapest model's accuracy up to the best band.
    let mut y_lo = stats[study.cheapest].accuracy;
    let mut y_hi = stats.iter().map(|s| s.accuracy).fold(f64::NEG_INFINITY, f64::max);
    for (_, _, bands) in &curves {
        for b in bands.iter().flatten() {
            y_lo = y_lo.min(b.p10);
            y_hi = y_hi.max(b.p90);
        }
    }
    let pad = ((y_hi - y_lo) * 0.05).max(0.01);
    let (y_lo, y_hi) = ((y_lo - pad).max(0.0), (y_hi + pad).min(1.0 + pad));
    let (x_lo, x_hi) = (grid[0], grid[grid.len() - 1]);
    let x_pad = ((x_hi - x_lo) * 0.03).max(x_hi.abs() * 1e-6).max(1e-12);
    let (x_lo, x_hi) = (x_lo - x_pad, x_hi + x_pad);
    let what = match protocol {
        Protocol::Paper => "paper protocol (test-envelope)",
        Protocol::Exact => "exact protocol (calibration-selected)",
    };

    let root = SVGBackend::with_string(buf, (960, 640)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{bench}: {what}, median and p10-p90 over splits"), ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc("mean cost per query ($)")
        .y_desc("held-out quality")
        .x_label_formatter(&|x| format!("{x:.1e}"))
        .y_label_formatter(&|y| format!("{y:.2}"))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for &(method, color, bands) in &curves {
        for run in runs(grid, bands) {
            let mut outline: Vec<(f64, f64)> = run.iter().map(|&(x, b)| (x, b.p90)).collect();
            outline.extend(run.iter().rev().map(|&(x, b)| (x, b.p10)));
            chart.draw_series(std::iter::once(Polygon::new(outline, color.mix(0.12).filled())))?;
        }
        for (k, run) in runs(grid, bands).into_iter().enumerate() {
            let series = chart
                .draw_series(LineSeries::new(run.into_iter().map(|(x, b)| (x, b.median)), color.stroke_width(2)))?;
            if k == 0 {
                series
                    .label(method.label())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
            }
        }
    }
    let right = x_lo + 0.8 * (x_hi - x_lo);
    for (m, s) in stats.iter().enumerate() {
        let label = study.model_label(m).to_string();
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
