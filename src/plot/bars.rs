//! `bars`: pre vs post of the headline metrics, as small multiples (one panel per metric, each
//! with its own unit and axis from zero), values written on the bars; pre only gives single bars,
//! a comparison of runs one bar per beat.

use super::chart::{
    heading, legend, plot_rect, text, titled, xy_chart, Area, Axes, Corner, DrawResult, Layout,
    LegendEntry, Swatch, XAxis, LEFT_MARGIN, Y_LABEL_AREA,
};
use super::style::{nice_range, value_label, AxisRange, Theme};
use super::traces::Trace;
use crate::metrics::Metrics;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// (panel heading, y-axis description with unit, value).
type MetricSpec = (&'static str, &'static str, fn(&Metrics) -> f64);

const METRICS: [MetricSpec; 7] = [
    ("Regurgitant volume", "RVol (mL)", |m| {
        m.regurgitant_volume_ml
    }),
    ("Regurgitant fraction", "RF (%)", |m| {
        m.regurgitant_fraction_pct
    }),
    ("Forward stroke volume", "forward SV (mL)", |m| {
        m.forward_stroke_volume_ml
    }),
    ("Cardiac output", "CO (L/min)", |m| m.cardiac_output_l_min),
    ("Mean LA pressure", "pressure (mmHg)", |m| {
        m.la_pressure_mean_mmhg
    }),
    ("LA v-wave", "pressure (mmHg)", |m| m.la_v_wave_mmhg),
    ("Mean mitral gradient", "gradient (mmHg)", |m| {
        m.mitral_mean_gradient_mmhg
    }),
];

/// Opacity of the bar fill.
const FILL: f64 = 0.85;

pub fn draw<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    title: &str,
    traces: &[Trace<'_>],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let body = titled(root, theme, title)?;
    let body = body.margin(0, theme.px(8.0), theme.px(8.0), theme.px(8.0));
    let cells = body.split_evenly((2, 4));
    let n = traces.len();
    // Names under the bars when they are short (pre, post); else the legend names them.
    let named = traces.iter().all(|t| t.label.chars().count() <= 8);
    const RIGHT: f64 = 16.0;
    for ((name, desc, value), cell) in METRICS.iter().zip(&cells) {
        // The heading is centred over the plotting area, not over the whole cell.
        let (w, _) = cell.dim_in_pixel();
        let left = theme.px(LEFT_MARGIN) + theme.tpx(Y_LABEL_AREA);
        let centre = (left + w as i32 - theme.px(RIGHT)) / 2;
        let area = heading(cell, theme, name, (centre, HPos::Center))?;
        let values = traces.iter().map(|t| value(&t.state.metrics));
        let (low, top) = values.fold((0.0, 0.0), |(lo, hi): (f64, f64), v| (lo.min(v), hi.max(v)));
        let chart = xy_chart(
            &area,
            theme,
            &Axes {
                x: AxisRange::fixed(0.0, n as f64, 0),
                y: nice_range(low * 1.18, top * 1.18, 4.0),
                x_axis: XAxis::Categories,
                y_desc: Some(desc),
                left: Y_LABEL_AREA,
                right: RIGHT,
                y_named: false,
            },
        )?;
        let plot = plot_rect(&chart);
        // Bars at most 110 px wide (at 1600×1000), centred in their slot.
        let slot_px = (plot.x1 - plot.x0) as f64 / n as f64;
        let half = 0.5 * (0.62 * slot_px).min(theme.px(110.0) as f64) / slot_px;
        for (i, t) in traces.iter().enumerate() {
            let v = value(&t.state.metrics);
            let c = i as f64 + 0.5;
            let color = t.style.color;
            // An undefined metric (no gradient through a closed valve, say) has no bar: "n/a"
            // stands on the axis instead.
            let label = if v.is_finite() {
                chart.plotting_area().draw(&Rectangle::new(
                    [(c - half, 0.0), (c + half, v)],
                    color.mix(FILL).filled(),
                ))?;
                chart.plotting_area().draw(&Rectangle::new(
                    [(c - half, 0.0), (c + half, v)],
                    color.stroke_width(theme.upx(2.0)),
                ))?;
                value_label(v)
            } else {
                "n/a".to_string()
            };
            let (x, y) = chart.backend_coord(&(c, if v.is_finite() { v } else { 0.0 }));
            let above = (x, y - theme.px(6.0));
            text(
                root,
                theme,
                &label,
                &theme.note(),
                above,
                (HPos::Center, VPos::Bottom),
            )?;
            if named {
                let below = (x, plot.y1 + theme.px(12.0));
                let style = theme.tick();
                text(
                    root,
                    theme,
                    &t.label,
                    &style,
                    below,
                    (HPos::Center, VPos::Top),
                )?;
            }
        }
    }
    summary(root, theme, traces, &cells[7])
}

/// The eighth cell: each beat's swatch, name and MR grade, kept inside the canvas.
fn summary<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    traces: &[Trace<'_>],
    cell: &Area<DB>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (_, yr) = cell.get_pixel_range();
    let mut entries = vec![LegendEntry::new(Swatch::Title, "MR grade (ASE 2017)")];
    entries.extend(traces.iter().map(|t| {
        let m = &t.state.metrics;
        LegendEntry {
            swatch: Swatch::Fill(t.style.color, FILL),
            lines: vec![
                t.label.clone(),
                format!(
                    "{} (EROA {} cm²)",
                    m.mr_grade.as_str(),
                    value_label(m.eroa_cm2)
                ),
            ],
        }
    }));
    let right = theme.width as i32 - theme.margin();
    let corner = Corner::TopRight(right, yr.start + theme.px(40.0));
    legend(root, theme, &entries, corner, Layout::Column)?;
    Ok(())
}
