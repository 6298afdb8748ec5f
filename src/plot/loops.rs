//! The frame shared by the pressure–volume loops (LV and LA): title, axes, one closed curve per
//! state, its legend, and helpers to find the points the loops annotate.
//!
//! Why shared: both loops are the same figure of a different chamber; only their annotations
//! differ (pv_loop.rs, la_loop.rs).

use super::chart::{
    draw_curve, emptiest_corner, legend, plot_rect, titled, xy_chart, Area, Axes, DrawResult,
    Layout, LegendEntry, PixelRect, Swatch, XAxis, XyChart, Y_LABEL_AREA,
};
use super::data::{RunData, StateRun, Waveforms};
use super::style::{extent, nice_range, state_style, Theme};
use plotters::prelude::DrawingBackend;

/// Which channels a loop plots and how its axes read.
pub struct LoopSpec {
    pub title: String,
    pub x_desc: &'static str,
    pub y_desc: &'static str,
    pub volume: fn(&Waveforms) -> &[f64],
    pub pressure: fn(&Waveforms) -> &[f64],
    /// Start both axes at 0 (LV: the loop's place relative to zero volume and pressure, and room
    /// for the legend on the left); otherwise fit the data so the loop fills the chart.
    pub from_zero: bool,
    /// Extra room right of the loop for labels, as a fraction of the data's volume span.
    pub right_room: f64,
    /// Legend text of a state, one entry per line; the first line starts with the state name.
    pub legend: fn(&StateRun) -> Vec<String>,
}

/// Draw the titled loop chart with every state's closed loop and the legend at the top left of
/// the plotting area; returns the chart (for annotations) and the legend's box.
pub fn draw<'a, DB: DrawingBackend>(
    root: &Area<DB>,
    body: &'a mut Option<Area<DB>>,
    theme: &Theme,
    run: &RunData,
    spec: &LoopSpec,
) -> DrawResult<(XyChart<'a, DB>, PixelRect)>
where
    DB::ErrorType: 'static,
{
    let area = body.insert(titled(root, theme, &spec.title)?);
    let (v_lo, v_hi) = extent(run.states.iter().map(|s| (spec.volume)(&s.waveforms)));
    let (p_lo, p_hi) = extent(run.states.iter().map(|s| (spec.pressure)(&s.waveforms)));
    let (v_span, p_span) = ((v_hi - v_lo).max(1.0), (p_hi - p_lo).max(1.0));
    let (v_lo, p_lo) = if spec.from_zero {
        (0.0, p_lo.min(0.0))
    } else {
        (v_lo - 0.08 * v_span, p_lo - 0.12 * p_span)
    };
    let x = nice_range(v_lo, v_hi + spec.right_room * v_span, 10.0);
    let y = nice_range(p_lo, p_hi + 0.08 * (p_hi - p_lo), 7.0);
    let mut chart = xy_chart(
        area,
        theme,
        &Axes {
            x,
            y,
            x_axis: XAxis::Numeric(spec.x_desc),
            y_desc: Some(spec.y_desc),
            left: Y_LABEL_AREA,
            right: 36.0,
        },
    )?;
    for s in &run.states {
        let v = (spec.volume)(&s.waveforms);
        let p = (spec.pressure)(&s.waveforms);
        // Close the loop: the beat is periodic, so its last sample joins its first.
        let points = v.iter().zip(p).chain(v.iter().zip(p).take(1));
        draw_curve(
            &mut chart,
            theme,
            state_style(s.id),
            points.map(|(&x, &y)| (x, y)).collect(),
        )?;
    }
    let entries: Vec<LegendEntry> = run
        .states
        .iter()
        .map(|s| LegendEntry {
            swatch: Swatch::Line(state_style(s.id)),
            lines: (spec.legend)(s),
        })
        .collect();
    // The legend goes in the corner where it hides the least of the loops.
    let points: Vec<(i32, i32)> = run
        .states
        .iter()
        .flat_map(|s| {
            let (v, p) = ((spec.volume)(&s.waveforms), (spec.pressure)(&s.waveforms));
            v.iter().zip(p).map(|(&x, &y)| chart.backend_coord(&(x, y)))
        })
        .collect();
    let plot = plot_rect(&chart);
    let corner = emptiest_corner(root, theme, &entries, plot, theme.px(16.0), &points)?;
    let box_ = legend(root, theme, &entries, corner, Layout::Column)?;
    Ok((chart, box_))
}

/// Index of the largest `values[i]` among the samples where `keep(i)`, if any.
pub fn argmax_where(values: &[f64], keep: impl Fn(usize) -> bool) -> Option<usize> {
    (0..values.len())
        .filter(|&i| keep(i))
        .max_by(|&a, &b| values[a].total_cmp(&values[b]))
}

/// Index of the smallest value.
pub fn argmin(values: &[f64]) -> usize {
    (0..values.len())
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap_or(0)
}
