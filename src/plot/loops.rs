//! The frame shared by the pressure–volume loops (LV and LA): one closed curve per beat on
//! pressure–volume axes, and its legend, as a [`FigureSpec`] that pv_loop.rs and la_loop.rs then
//! annotate.
//!
//! Why shared: both loops are the same figure of a different chamber; only their annotations
//! differ.

use super::chart::{LegendEntry, Swatch};
use super::data::Waveforms;
use super::figure::{FigureSpec, LegendPlace, PanelName, PanelSpec, Series};
use super::style::{extent, nice_range};
use super::traces::Trace;

/// Which channels a loop plots and how its axes read.
pub struct LoopSpec {
    pub title: String,
    pub x_desc: &'static str,
    pub y_desc: &'static str,
    pub volume: fn(&Waveforms) -> &[f64],
    pub pressure: fn(&Waveforms) -> &[f64],
    /// Start both axes at 0 (LV: the loop's place relative to zero volume and pressure, and the
    /// ESPVR's intercept); otherwise fit the data so the loop fills the chart.
    pub from_zero: bool,
    /// Extra room right of the loop for labels, as a fraction of the data's volume span.
    pub right_room: f64,
    /// Legend text of a beat after its name, one entry per line.
    pub legend: fn(&Trace<'_>) -> Vec<String>,
}

/// The loop figure: one panel, every beat's closed loop, the legend in the emptiest corner.
pub fn figure(traces: &[Trace<'_>], spec: &LoopSpec) -> FigureSpec {
    let (v_lo, v_hi) = extent(traces.iter().map(|t| (spec.volume)(t.waveforms())));
    let (p_lo, p_hi) = extent(traces.iter().map(|t| (spec.pressure)(t.waveforms())));
    let (v_span, p_span) = ((v_hi - v_lo).max(1.0), (p_hi - p_lo).max(1.0));
    let (v_lo, p_lo) = if spec.from_zero {
        (0.0, p_lo.min(0.0))
    } else {
        (v_lo - 0.08 * v_span, p_lo - 0.12 * p_span)
    };
    let x = nice_range(v_lo, v_hi + spec.right_room * v_span, 10.0);
    let y = nice_range(p_lo, p_hi + 0.08 * (p_hi - p_lo), 7.0);
    let mut panel = PanelSpec::new(PanelName::Axis(spec.y_desc.to_string()), 1.0, y);
    for t in traces {
        let (v, p) = ((spec.volume)(t.waveforms()), (spec.pressure)(t.waveforms()));
        // Close the loop: the beat is periodic, so its last sample joins its first.
        let points = v.iter().zip(p).chain(v.iter().zip(p).take(1));
        let points = points.map(|(&x, &y)| (x, y)).collect();
        panel.series.push(Series::data(points, t.style));
    }
    let legend = traces
        .iter()
        .map(|t| {
            let mut lines = (spec.legend)(t);
            // A short name (pre, post) leads the first line; a longer one gets its own.
            match lines.first_mut() {
                Some(first) if t.label.chars().count() <= 8 => {
                    *first = format!("{}: {first}", t.label)
                }
                _ => lines.insert(0, t.label.clone()),
            }
            LegendEntry {
                swatch: Swatch::Line(t.style),
                lines,
            }
        })
        .collect();
    FigureSpec {
        title: spec.title.clone(),
        legend,
        legend_place: LegendPlace::EmptiestCorner,
        x,
        x_desc: spec.x_desc.to_string(),
        panels: vec![panel],
        events: Vec::new(),
        footnotes: Vec::new(),
    }
}
