//! The reproduction's own figure per benchmark and protocol,
//! `plots/paper-frontiers-<protocol>.svg`: the held-out median curves of the paper's
//! five methods (as in its Figure 2) with their 10th–90th percentile bands, and the
//! single models as labelled points. The escalation-benefit, envelope-hull
//! (switching points) and shadow-price plots are the engine's own. plotters' SVG
//! backend with integer pixel coordinates: the bytes are deterministic.

use cascadelab_engine::plot::{PlotCurve, curves_svg};
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
    let curves: Vec<PlotCurve<'_>> = DRAWN
        .iter()
        .filter_map(|&(m, color)| {
            methods::curve_set(study, results, m, protocol).map(|c| PlotCurve {
                label: m.label(),
                color: color.to_rgba(),
                bands: c.bands(protocol.kind()),
                band: true,
                dashed: false,
            })
        })
        .collect();
    let what = match protocol {
        Protocol::Paper => "paper protocol (test-envelope)",
        Protocol::Exact => "exact protocol (calibration-selected)",
    };
    curves_svg(study, &format!("{bench}: {what}, median and p10-p90 over splits"), &curves)
}
