//! `calibration`: the targets of a calibration against what the model achieved, one row per
//! target, on a common axis (deviation from the target in % of it), with each measurement's
//! ±1 sd, the tolerance band, the base scenario (before fitting) and the calibrated patient.
//! Why one axis in %: targets come in mL, mmHg, % and L/min; their misfit is comparable only
//! relative to each target.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::chart::{
    hollow_marker, legend, marker, plot_rect, text, titled, xy_chart, Area, Axes, Corner,
    DrawResult, Layout, LegendEntry, Marker, Swatch, XAxis,
};
use super::quantity::{metric_name, short_number, unit_of};
use super::style::{nice_range, AxisRange, Theme, BLUE, GREY, INK, VERMILLION};
use super::{write_figure, Figure, ImageFormat, PlotError, PlotOptions};
use crate::calibrate::report::num;
use crate::calibrate::FitReport;
use plotters::coord::Shift;
use std::path::Path;

/// Width left of the plotting area for the row labels (px at 1600×1000).
const ROW_LABELS: f64 = 560.0;
/// Deviations beyond this (%) are drawn at the edge, with their value written.
const CLIP_PCT: f64 = 100.0;

/// Draw the figure of `report` into `path` (PNG or SVG, 1600×1000).
pub fn render(path: &Path, report: &FitReport, format: ImageFormat) -> Result<(), PlotError> {
    let opts = PlotOptions {
        format,
        ..PlotOptions::default()
    };
    write_figure(&CalibrationFigure { report }, path, &opts)
}

struct CalibrationFigure<'a> {
    report: &'a FitReport,
}

impl Figure for CalibrationFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        draw(root, theme, self.report)
    }
}

/// Deviation of `achieved` from `value` in % of it (of the sd for a target of 0), clipped.
fn deviation_pct(value: f64, sd: f64, achieved: f64) -> f64 {
    let scale = if value != 0.0 { value.abs() } else { sd };
    (100.0 * (achieved - value) / scale).clamp(-CLIP_PCT, CLIP_PCT)
}

fn draw<DB: DrawingBackend>(root: &Area<DB>, theme: &Theme, r: &FitReport) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let met = r.targets.iter().filter(|t| t.met).count();
    let title = format!(
        "Calibration {} — {met} of {} targets within ±{} %",
        r.calibration.name,
        r.targets.len(),
        short_number(r.tolerance_pct)
    );
    let body = titled(root, theme, &title)?;
    let m = r.targets.len();
    let mut extent = r.tolerance_pct * 2.0;
    for t in &r.targets {
        let sd_pct = 100.0 * t.sd / t.value.abs().max(f64::MIN_POSITIVE);
        for d in [
            deviation_pct(t.value, t.sd, t.base),
            deviation_pct(t.value, t.sd, t.achieved),
            sd_pct.min(CLIP_PCT),
        ] {
            extent = extent.max(d.abs() * 1.1);
        }
    }
    let x = nice_range(-extent, extent, 8.0);
    let axes = Axes {
        x,
        y: AxisRange::fixed(-0.6, m as f64 - 0.4, 0),
        x_axis: XAxis::Numeric("deviation from the target (% of the target)"),
        y_desc: None,
        left: ROW_LABELS,
        right: 24.0,
        y_named: false,
    };
    // Leave room at the bottom for the legend row.
    let (_, h) = body.dim_in_pixel();
    let legend_h = theme.px(70.0);
    let (chart_area, legend_area) = body.split_vertically(h as i32 - legend_h);
    let mut chart = xy_chart(&chart_area, theme, &axes)?;
    let row_y = |i: usize| (m - 1 - i) as f64;

    // Tolerance band and the zero line.
    let tol = r.tolerance_pct;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(-tol, axes.y.lo), (tol, axes.y.hi)],
        BLUE.mix(0.12).filled(),
    )))?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, axes.y.lo), (0.0, axes.y.hi)],
        INK.stroke_width(theme.upx(2.0)),
    )))?;

    let area = chart.plotting_area().clone();
    let rect = plot_rect(&chart);
    for (i, t) in r.targets.iter().enumerate() {
        let y = row_y(i);
        // ±1 sd of the measurement, as a bar with caps.
        let sd_pct = (100.0 * t.sd / t.value.abs().max(f64::MIN_POSITIVE)).min(CLIP_PCT);
        let sd_style = GREY.stroke_width(theme.upx(3.0));
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(-sd_pct, y), (sd_pct, y)],
            sd_style,
        )))?;
        for end in [-sd_pct, sd_pct] {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(end, y - 0.15), (end, y + 0.15)],
                sd_style,
            )))?;
        }
        let to_px = |d: f64| area.map_coordinate(&(d, y));
        let base_px = to_px(deviation_pct(t.value, t.sd, t.base));
        hollow_marker(root, theme, base_px, Marker::Circle, VERMILLION)?;
        let fit_px = to_px(deviation_pct(t.value, t.sd, t.achieved));
        marker(root, theme, fit_px, Marker::Square, BLUE)?;

        // Row label: name, target and achieved values with the unit.
        let unit = unit_of(&t.key).map_or(String::new(), |u| {
            if u == "%" {
                " %".to_owned()
            } else {
                format!(" {u}")
            }
        });
        let values = format!(
            "target {}{unit}, achieved {}{unit}{}",
            num(t.value),
            num(t.achieved),
            if t.met { "" } else { " (not met)" }
        );
        let (_, py) = to_px(0.0);
        let color = if t.met { INK } else { VERMILLION };
        let x_px = rect.x0 - theme.px(16.0);
        let half_line = theme.px(17.0);
        text(
            root,
            theme,
            &metric_name(&t.key),
            &theme.note_colored(color),
            (x_px, py - half_line),
            (HPos::Right, VPos::Center),
        )?;
        text(
            root,
            theme,
            &values,
            &theme.note_colored(color),
            (x_px, py + half_line),
            (HPos::Right, VPos::Center),
        )?;
    }
    let entries = [
        LegendEntry::new(
            Swatch::Fill(BLUE, 0.12),
            format!("tolerance ±{} %", short_number(tol)),
        ),
        LegendEntry::new(Swatch::Line(grey_line()), "measurement ±1 sd"),
        LegendEntry::new(
            Swatch::Point(VERMILLION, Marker::Circle, true),
            "base scenario",
        ),
        LegendEntry::new(Swatch::Point(BLUE, Marker::Square, false), "calibrated"),
    ];
    let (lx, ly) = legend_area.get_base_pixel();
    legend(
        root,
        theme,
        &entries,
        Corner::TopLeft(lx + theme.px(ROW_LABELS * 0.5), ly + theme.px(8.0)),
        Layout::Row,
    )?;
    Ok(())
}

fn grey_line() -> super::style::StateStyle {
    super::style::StateStyle {
        color: GREY,
        dashed: false,
        label: "sd",
    }
}
