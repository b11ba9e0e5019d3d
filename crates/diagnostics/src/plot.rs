//! SVG renderings of the diagnostics, returned as strings (plotters' SVG backend).
//!
//! Text needs no font feature: plotters' SVG backend writes `<text>` elements and,
//! without `ttf` or `ab_glyph`, lays them out with its naive size estimator. Output
//! is byte-deterministic: integer pixel coordinates, labels formatted here with
//! fixed rules, no randomness or hashing. Non-finite values are never drawn (the
//! `-inf` score bin is named in the caption instead) and values beyond the axes are
//! clamped to them.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::{DiagnosticsError, EscalationBenefit, FrontierPrices, ShadowPrices};

/// Width and height of every plot, in pixels.
pub const SIZE: (u32, u32) = (800, 500);

const BAND: RGBColor = RGBColor(31, 119, 180);
const FIT: RGBColor = RGBColor(214, 39, 40);
const DECREASING: RGBColor = RGBColor(120, 160, 230);
const DOMINANCE: RGBColor = RGBColor(110, 200, 110);
const RAW: RGBColor = RGBColor(31, 119, 180);
const HULL: RGBColor = RGBColor(214, 39, 40);

fn plot_error<E: std::fmt::Display>(e: E) -> DiagnosticsError {
    DiagnosticsError::Plot(e.to_string())
}

/// A tick label: 3 decimals in the usual range, scientific outside it.
fn tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || (1e-2..1e4).contains(&a) { crate::markdown::fixed(v, 3) } else { format!("{v:.2e}") }
}

/// A range [lo, hi] covering the finite `values`, padded by 5 % (a unit range when
/// there is nothing or a single value).
fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 0.5 * lo.abs().max(1.0) };
    (lo - pad, hi + pad)
}

fn render(
    title: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), DiagnosticsError>,
) -> Result<String, DiagnosticsError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        let root = root.titled(title, ("sans-serif", 20)).map_err(plot_error)?;
        draw(&root)?;
        root.present().map_err(plot_error)?;
    }
    Ok(out)
}

/// A chart on `root` with the shared look: margins, axis descriptions, tick labels
/// formatted by [`tick`], no minor grid lines.
fn axes<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    x: (f64, f64),
    y: (f64, f64),
    y_label_area: u32,
    x_desc: &str,
    y_desc: &str,
) -> Result<ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>, DiagnosticsError> {
    let mut chart = ChartBuilder::on(root)
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .light_line_style(TRANSPARENT)
        .draw()
        .map_err(plot_error)?;
    Ok(chart)
}

/// The legend of the series drawn with labels, at `position`.
fn legend<'a, 'b: 'a>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    position: SeriesLabelPosition,
) -> Result<(), DiagnosticsError> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(plot_error)
}

/// Δ(s) by bin with its ±1.96 SE band, the non-increasing isotonic fit of the bins,
/// and the decreasing-benefit (blue) and expected-dominance (green) regions shaded.
pub fn benefit_svg(b: &EscalationBenefit) -> Result<String, DiagnosticsError> {
    let finite: Vec<&crate::BenefitBin> = b.bins.iter().filter(|x| x.score_mean.is_finite()).collect();
    let mut title = format!("Δ(s) = m_H(s) − m_L(s): {} → {}", b.low, b.high);
    if let Some(first) = b.bins.first().filter(|x| x.score_lo == f64::NEG_INFINITY) {
        title.push_str(&format!(" (-inf bin: {} queries, Δ = {}, not drawn)", first.queries, tick(first.delta)));
    }
    let (x0, x1) = padded(finite.iter().flat_map(|x| [x.score_lo, x.score_hi]));
    let band = |x: &crate::BenefitBin, sign: f64| x.delta + sign * 1.96 * x.se_delta.unwrap_or(0.0);
    let (y0, y1) = padded(finite.iter().flat_map(|x| [band(x, 1.0), band(x, -1.0), x.fit]).chain(std::iter::once(0.0)));
    let clamp_x = |v: f64| v.clamp(x0, x1);
    render(&title, |root| {
        let mut chart = axes(root, (x0, x1), (y0, y1), 60, &format!("score s_L ({})", b.signal), "Δ(s)")?;
        // Decreasing-benefit regions: light full-height shading plus a strip along the top;
        // expected-dominance regions: a strip along the bottom (so the two never hide each
        // other).
        let strip = 0.04 * (y1 - y0);
        let rect = |lo: f64, hi: f64, bottom: f64, top: f64, color: RGBColor, alpha: f64| {
            Rectangle::new([(clamp_x(lo), bottom), (clamp_x(hi), top)], color.mix(alpha).filled())
        };
        chart
            .draw_series(b.decreasing_regions.iter().enumerate().flat_map(|(k, r)| {
                // Alternate the intensity so that adjacent regions stay distinguishable.
                let (light, strong) = if k % 2 == 0 { (0.12, 0.6) } else { (0.06, 0.3) };
                [
                    rect(r.score_lo, r.score_hi, y0, y1, DECREASING, light),
                    rect(r.score_lo, r.score_hi, y1 - strip, y1, DECREASING, strong),
                ]
            }))
            .map_err(plot_error)?
            .label("decreasing-benefit region (top strip)")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], DECREASING.mix(0.6).filled()));
        chart
            .draw_series(
                b.dominance_regions.iter().map(|r| rect(r.score_lo, r.score_hi, y0, y0 + strip, DOMINANCE, 0.7)),
            )
            .map_err(plot_error)?
            .label("expected dominance, Δ > 0 (bottom strip)")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], DOMINANCE.mix(0.7).filled()));
        let mut outline: Vec<(f64, f64)> = finite.iter().map(|x| (x.score_mean, band(x, 1.0))).collect();
        outline.extend(finite.iter().rev().map(|x| (x.score_mean, band(x, -1.0))));
        chart
            .draw_series(std::iter::once(Polygon::new(outline, BAND.mix(0.2).filled())))
            .map_err(plot_error)?
            .label("±1.96 SE")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], BAND.mix(0.2).filled()));
        chart
            .draw_series(LineSeries::new([(x0, 0.0), (x1, 0.0)], BLACK.mix(0.6).stroke_width(1)))
            .map_err(plot_error)?;
        chart
            .draw_series(LineSeries::new(finite.iter().map(|x| (x.score_mean, x.delta)), BAND.stroke_width(2)))
            .map_err(plot_error)?
            .label("Δ per bin")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 15, y)], BAND.stroke_width(2)));
        chart
            .draw_series(finite.iter().map(|x| Circle::new((x.score_mean, x.delta), 3, BAND.filled())))
            .map_err(plot_error)?;
        let steps: Vec<(f64, f64)> =
            finite.iter().flat_map(|x| [(clamp_x(x.score_lo), x.fit), (clamp_x(x.score_hi), x.fit)]).collect();
        chart
            .draw_series(LineSeries::new(steps, FIT.stroke_width(2)))
            .map_err(plot_error)?
            .label("non-increasing isotonic fit")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 15, y)], FIT.stroke_width(2)));
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
}

fn polyline(v: &FrontierPrices) -> Vec<(f64, f64)> {
    v.points.iter().map(|p| (p.cost, p.quality)).collect()
}

/// The raw frontier (blue) with its concave hull (red); route switches marked on the
/// raw frontier (black circles, at the first point of the new route) and on the
/// hull (red squares).
pub fn frontier_svg(prices: &ShadowPrices, title: &str) -> Result<String, DiagnosticsError> {
    let (x0, x1) = padded(prices.raw.points.iter().map(|p| p.cost));
    let (y0, y1) = padded(prices.raw.points.iter().map(|p| p.quality));
    render(title, |root| {
        let mut chart = axes(root, (x0, x1), (y0, y1), 60, "expected cost ($ per query)", "expected quality")?;
        chart
            .draw_series(LineSeries::new(polyline(&prices.raw), RAW.stroke_width(1)))
            .map_err(plot_error)?
            .label("frontier")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 15, y)], RAW.stroke_width(1)));
        chart
            .draw_series(LineSeries::new(polyline(&prices.hull), HULL.stroke_width(2)))
            .map_err(plot_error)?
            .label("concave hull")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 15, y)], HULL.stroke_width(2)));
        let at = |v: &FrontierPrices, s: &crate::Switch| (s.budget, v.points[s.segment + 1].quality);
        chart
            .draw_series(prices.raw.switches.iter().map(|s| Circle::new(at(&prices.raw, s), 4, BLACK.stroke_width(2))))
            .map_err(plot_error)?
            .label("route switch (frontier)")
            .legend(|(x, y)| Circle::new((x + 7, y), 4, BLACK.stroke_width(2)));
        chart
            .draw_series(prices.hull.switches.iter().map(|s| {
                let (x, y) = at(&prices.hull, s);
                EmptyElement::at((x, y)) + Rectangle::new([(-4, -4), (4, 4)], HULL.filled())
            }))
            .map_err(plot_error)?
            .label("route switch (hull)")
            .legend(|(x, y)| Rectangle::new([(x + 3, y - 4), (x + 11, y + 4)], HULL.filled()));
        legend(&mut chart, SeriesLabelPosition::LowerRight)
    })
}

/// The segment slopes λ = dQ/dB against the budget, as step plots: the raw
/// frontier's (thin blue) and the hull's (bold red). The vertical range follows the
/// hull (from min(0, smallest λ) to 1.25 × the largest); raw slopes beyond it are
/// clamped to the edge.
pub fn shadow_price_svg(prices: &ShadowPrices, title: &str) -> Result<String, DiagnosticsError> {
    let (x0, x1) = padded(prices.raw.points.iter().map(|p| p.cost));
    let source = if prices.hull.segments.is_empty() { &prices.raw } else { &prices.hull };
    let lambdas = source.segments.iter().map(|s| s.lambda).filter(|v| v.is_finite());
    let (lo, hi) = lambdas.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (y0, y1) = if hi > lo { (lo, lo + 1.25 * (hi - lo)) } else { (0.0, 1.0) };
    let steps = |v: &FrontierPrices| -> Vec<(f64, f64)> {
        v.segments
            .iter()
            .filter(|s| s.lambda.is_finite())
            .flat_map(|s| {
                let y = s.lambda.clamp(y0, y1);
                [(s.budget_lo, y), (s.budget_hi, y)]
            })
            .collect()
    };
    render(title, |root| {
        let mut chart = axes(root, (x0, x1), (y0, y1), 70, "budget ($ per query)", "shadow price λ = dQ/dB")?;
        chart
            .draw_series(LineSeries::new(steps(&prices.raw), RAW.mix(0.35).stroke_width(1)))
            .map_err(plot_error)?
            .label("frontier segments")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 15, y)], RAW.stroke_width(1)));
        chart
            .draw_series(LineSeries::new(steps(&prices.hull), HULL.stroke_width(3)))
            .map_err(plot_error)?
            .label("concave hull segments")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 15, y)], HULL.stroke_width(3)));
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BenefitOptions, PairSample, RoutedPoint, escalation_benefit_of, shadow_prices};

    fn benefit() -> EscalationBenefit {
        // 400 queries: 20 at -inf, the rest spread over [0, 1) with a falling benefit.
        let n = 400;
        let score: Vec<f64> = (0..n).map(|i| if i < 20 { f64::NEG_INFINITY } else { i as f64 / n as f64 }).collect();
        let quality_low: Vec<f64> = (0..n).map(|i| ((i * 7) % 3 == 0) as u8 as f64).collect();
        let quality_high: Vec<f64> = (0..n).map(|i| ((i * 13) % 10 < 10 - i * 10 / n) as u8 as f64).collect();
        let sample = PairSample {
            low: "small".into(),
            high: "large".into(),
            signal: "confidence".into(),
            score,
            quality_low,
            quality_high,
            cost_low: vec![0.001; n],
            cost_high: vec![0.01; n],
        };
        escalation_benefit_of(&sample, &BenefitOptions::default()).unwrap()
    }

    fn prices() -> ShadowPrices {
        let rp = |cost: f64, quality: f64, route: &str| RoutedPoint { cost, quality, route: route.into() };
        shadow_prices(&[
            rp(1.0, 0.5, "a"),
            rp(2.0, 0.55, "a → b"),
            rp(3.0, 0.8, "a → b"),
            rp(4.0, 0.85, "a → c"),
            rp(6.0, 0.9, "c"),
        ])
        .unwrap()
    }

    #[test]
    fn plots_render_text_and_are_byte_deterministic() {
        let b = benefit();
        let svg = benefit_svg(&b).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg, benefit_svg(&b).unwrap());
        // Text renders without a font feature: the title, axis descriptions and legend.
        assert!(svg.contains("<text"));
        assert!(svg.contains("small → large"));
        assert!(svg.contains("-inf bin: 20 queries"));
        assert!(svg.contains("non-increasing isotonic fit"));
        // One circle per finite bin (legend markers are paths and rectangles).
        assert_eq!(svg.matches("<circle").count(), b.bins.len() - 1);
        assert!(!svg.contains("NaN") && !svg.contains("inf\""));

        let p = prices();
        let f = frontier_svg(&p, "frontier").unwrap();
        assert_eq!(f, frontier_svg(&p, "frontier").unwrap());
        // Raw switches: 3 (+1 legend circle).
        assert_eq!(p.raw.switches.len(), 3);
        assert_eq!(f.matches("<circle").count(), 4);
        assert!(f.contains("concave hull"));
        let s = shadow_price_svg(&p, "prices").unwrap();
        assert_eq!(s, shadow_price_svg(&p, "prices").unwrap());
        assert!(s.contains("shadow price λ = dQ/dB"));
        // Empty inputs still render.
        let empty = shadow_prices(&[]).unwrap();
        assert!(frontier_svg(&empty, "none").unwrap().contains("none"));
        assert!(shadow_price_svg(&empty, "none").unwrap().contains("<svg"));
    }
}
