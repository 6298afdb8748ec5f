//! `heatmap`: one metric over two sweep axes. A grid sweep gives one cell per point, coloured by
//! viridis with the value written in the cell when it fits, a colour bar naming the metric and
//! its unit, and labelled contour lines:
//!
//! * mean (or peak) mitral gradient: the 5 mmHg line, the post-clip stenosis threshold, always
//!   (a note says when the whole grid is on one side of it);
//! * RVol, RF, EROA: the ASE 2017 grade cut-points that fall inside the data;
//! * any other metric: a few round levels.
//!
//! A sweep whose points are not a grid (`lhs`, `sobol`) gives a scatter of the points coloured
//! the same way, without contours (a contour between scattered points would be an
//! interpolation the data do not support). Failed points are white cells (or grey ×) with an ×;
//! points that did not converge carry a hollow ring. A sweep of more than two axes is refused
//! unless the others take one value: a cell would otherwise mix several points.

use super::chart::{
    hollow_marker, legend, legend_size, marker, plot_rect, text, text_width, titled, xy_chart,
    Area, Axes, Corner, DrawResult, Layout, LegendEntry, Marker, PixelRect, Swatch, XAxis, XyChart,
    TITLE_BAR, Y_LABEL_AREA,
};
use super::colormap::{luminance, viridis};
use super::contour::contour;
use super::quantity::{axis_label, column_label, column_name, grade_cuts, unit_of, Prefix};
use super::style::{
    nice_range, tick_label, value_label, AxisRange, StateStyle, Theme, GREY, INK, PAPER,
};
use super::sweep_data::{PointStatus, SweepHeader};
use super::{PlotError, SweepPlotRequest};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::FontTransform;

use crate::output::summary::STENOSIS_GRADIENT_MMHG;

/// A contour level and how it is drawn.
struct Level {
    value: f64,
    label: String,
    /// The threshold line: drawn heavier.
    strong: bool,
}

enum Layer {
    /// `values[j][i]` at (`xs[i]`, `ys[j]`), with each node's status (`None`: no row).
    Grid {
        xs: Vec<f64>,
        ys: Vec<f64>,
        values: Vec<Vec<Option<f64>>>,
        status: Vec<Vec<Option<PointStatus>>>,
    },
    /// (x, y, value, status) of every point.
    Scatter(Vec<(f64, f64, Option<f64>, PointStatus)>),
}

pub struct HeatmapFigure {
    title: String,
    x_label: String,
    y_label: String,
    bar_label: String,
    x: AxisRange,
    y: AxisRange,
    /// The colour scale: its ends map to the ends of viridis.
    scale: AxisRange,
    layer: Layer,
    levels: Vec<Level>,
    /// What the contours are, for the legend.
    contour_legend: Option<String>,
    /// A line under the legend (a threshold not reached, a scatter's missing contours).
    note: Option<String>,
    any_failed: bool,
    any_not_converged: bool,
}

fn unsuitable(header: &SweepHeader, reason: String) -> PlotError {
    PlotError::Unsuitable {
        what: "a heatmap".into(),
        dir: header.dir.clone(),
        reason,
    }
}

/// The metric the heatmap shows by default: the post-clip regurgitant fraction when the sweep
/// has a clip, else the pre-clip one.
const DEFAULT_METRIC: &str = "regurgitant_fraction_pct";

pub fn prepare(req: &SweepPlotRequest, header: SweepHeader) -> Result<HeatmapFigure, PlotError> {
    if header.axes.len() < 2 {
        return Err(unsuitable(
            &header,
            format!(
                "the sweep has one axis ({}); a heatmap needs two (draw this sweep with sweep-line)",
                header.axes[0]
            ),
        ));
    }
    let named_x = req.x_axis.as_deref().map(|k| header.axis(k)).transpose()?;
    let named_y = req.y_axis.as_deref().map(|k| header.axis(k)).transpose()?;
    if let (Some(x), Some(y)) = (named_x, named_y) {
        if x == y {
            return Err(unsuitable(
                &header,
                format!("x and y are the same axis `{}`", header.axes[x]),
            ));
        }
    }
    let candidates = header.metric_columns(req.metric.as_deref().unwrap_or(DEFAULT_METRIC))?;
    let data = header.load(&candidates)?;
    let header = &data.header;
    // Unnamed axes: the first ones that vary (a sweep may fix an axis at one value).
    let varying: Vec<usize> = (0..header.axes.len())
        .filter(|&a| data.distinct(a).len() > 1)
        .collect();
    let pick = |taken: Option<usize>| {
        varying
            .iter()
            .copied()
            .chain(0..header.axes.len())
            .find(|&a| Some(a) != taken)
            .unwrap_or(0)
    };
    let x_axis = named_x.unwrap_or_else(|| pick(named_y));
    let y_axis = named_y.unwrap_or_else(|| pick(Some(x_axis)));
    // A bare metric shows the post-clip value when there is one: the repair's result.
    let col = (0..candidates.len())
        .rev()
        .find(|&c| data.has_values(c))
        .ok_or_else(|| {
            unsuitable(
                header,
                format!(
                    "no point has a value of {} (every point failed, or post_ without a clip)",
                    candidates.join(" or ")
                ),
            )
        })?;
    let column = candidates[col].clone();
    for a in [x_axis, y_axis] {
        if let Some(p) = data.first_word(a) {
            return Err(unsuitable(
                header,
                format!(
                    "axis `{}` has the value `{}` (point {}); heatmap axes must be numbers",
                    header.axes[a], p.axes[a].text, p.index
                ),
            ));
        }
    }
    for a in (0..header.axes.len()).filter(|&a| a != x_axis && a != y_axis) {
        let n = data.distinct(a).len();
        if n > 1 {
            return Err(unsuitable(
                header,
                format!(
                    "the sweep also varies `{}` ({n} values), so each cell of {} × {} would \
                     mix {n} points; a heatmap needs a sweep that varies only the two axes \
                     chosen with --x and --y",
                    header.axes[a], header.axes[x_axis], header.axes[y_axis]
                ),
            ));
        }
    }

    let xs: Vec<f64> = data
        .distinct(x_axis)
        .iter()
        .filter_map(|v| v.number)
        .collect();
    let ys: Vec<f64> = data
        .distinct(y_axis)
        .iter()
        .filter_map(|v| v.number)
        .collect();
    let num = |p: &super::sweep_data::SweepPoint, a: usize| p.axes[a].number.unwrap_or(0.0);
    let scattered = matches!(header.mode.as_deref(), Some("lhs" | "sobol"));
    let product = xs.len() * ys.len();
    let is_grid = !scattered
        && xs.len() >= 2
        && ys.len() >= 2
        && product <= 250_000
        && 2 * data.points.len() >= product;
    let values: Vec<f64> = data.points.iter().filter_map(|p| p.values[col]).collect();
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let bare = Prefix::split(&column)
        .map_or(column.as_str(), |(_, m)| m)
        .to_string();
    let unit = unit_of(&bare);
    let with = |v: f64| match unit {
        Some("%") => format!("{} %", tick_label(&v)),
        Some(u) => format!("{} {u}", tick_label(&v)),
        None => tick_label(&v),
    };

    let layer;
    let mut levels = Vec::new();
    let mut contour_legend = None;
    let mut note = None;
    if bare == "mitral_mean_gradient_mmhg" {
        let t = STENOSIS_GRADIENT_MMHG;
        levels.push(Level {
            value: t,
            label: with(t),
            strong: true,
        });
        // The line and its legend entry when the grid crosses the threshold; else a note.
        if hi < t {
            note = Some(format!(
                "below the {} stenosis threshold everywhere (max {} mmHg)",
                with(t),
                value_label(hi)
            ));
        } else if lo >= t {
            note = Some(format!(
                "above the {} stenosis threshold everywhere (min {} mmHg)",
                with(t),
                value_label(lo)
            ));
        } else {
            contour_legend = Some(format!("{}: stenosis threshold", with(t)));
        }
    } else if let Some(cuts) = grade_cuts(&bare) {
        for c in cuts.into_iter().filter(|&c| c > lo && c < hi) {
            levels.push(Level {
                value: c,
                label: with(c),
                strong: false,
            });
        }
        contour_legend = Some("ASE 2017 grade cut-points".to_string());
    } else if hi > lo {
        let step = nice_range(lo, hi, 4.0).step;
        let first = (lo / step).floor() as i64 + 1;
        for k in first.. {
            let v = k as f64 * step;
            if v >= hi || levels.len() >= 6 {
                break;
            }
            levels.push(Level {
                value: v,
                label: with(v),
                strong: false,
            });
        }
        contour_legend = Some("contours".to_string());
    }
    if is_grid {
        let mut grid = vec![vec![None; xs.len()]; ys.len()];
        let mut status = vec![vec![None; xs.len()]; ys.len()];
        for p in &data.points {
            let i = xs.iter().position(|&x| x == num(p, x_axis));
            let j = ys.iter().position(|&y| y == num(p, y_axis));
            if let (Some(i), Some(j)) = (i, j) {
                if status[j][i].is_some() {
                    return Err(unsuitable(
                        header,
                        format!(
                            "two points (one is {}) share {} = {}, {} = {}",
                            p.index, header.axes[x_axis], xs[i], header.axes[y_axis], ys[j]
                        ),
                    ));
                }
                grid[j][i] = p.values[col];
                status[j][i] = Some(p.status);
            }
        }
        layer = Layer::Grid {
            xs: xs.clone(),
            ys: ys.clone(),
            values: grid,
            status,
        };
    } else {
        // Without a grid there are no contours: only the stenosis threshold stays, as a ring
        // around the points above it.
        levels.retain(|l| l.strong);
        contour_legend = levels
            .first()
            .filter(|l| hi >= l.value)
            .map(|l| format!("ringed: above {}, the stenosis threshold", l.label));
        if contour_legend.is_some() || levels.is_empty() {
            note = Some("scattered points: no contours".to_string());
        }
        layer = Layer::Scatter(
            data.points
                .iter()
                .map(|p| (num(p, x_axis), num(p, y_axis), p.values[col], p.status))
                .collect(),
        );
    }

    let range = |v: &[f64]| {
        let (a, b) = (v[0], v[v.len() - 1]);
        if is_grid {
            // Cells reach halfway to their neighbours; the outer ones as far out.
            let first = (v[1] - v[0]) / 2.0;
            let last = (v[v.len() - 1] - v[v.len() - 2]) / 2.0;
            AxisRange::fixed(a - first, b + last, 8)
        } else {
            let pad = if b > a {
                0.05 * (b - a)
            } else {
                0.1 * a.abs().max(1.0)
            };
            AxisRange::fixed(a - pad, b + pad, 8)
        }
    };
    // Round ends close to the data, so that most of the map's range shows data.
    let scale = nice_range(lo, hi, 6.0);
    let any_failed = data.points.iter().any(|p| p.values[col].is_none());
    let any_not_converged = data
        .points
        .iter()
        .any(|p| p.status == PointStatus::NotConverged);
    Ok(HeatmapFigure {
        title: format!("{} — {}", column_name(&column), header.name),
        x_label: axis_label(&header.axes[x_axis]),
        y_label: axis_label(&header.axes[y_axis]),
        bar_label: column_label(&column),
        x: range(&xs),
        y: range(&ys),
        scale,
        layer,
        levels,
        contour_legend,
        note,
        any_failed,
        any_not_converged,
    })
}

/// Width of the colour bar column (px at 1600×1000): gap, bar, ticks and labels, rotated title.
const BAR_COLUMN: f64 = 230.0;
const BAR_WIDTH: f64 = 40.0;
const BAR_GAP: f64 = 28.0;

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, theme: &Theme, fig: &HeatmapFigure) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let body = titled(root, theme, &fig.title)?;
    // The legend goes in the title bar, right-aligned, when it fits beside the title; else in a
    // row of its own under it.
    let entries = legend_entries(fig);
    let body = if entries.is_empty() {
        body
    } else {
        let (lw, lh) = legend_size(root, theme, &entries, Layout::Row)?;
        let title_w = text_width(root, theme, &fig.title, &theme.title())?;
        let right = theme.width as i32 - theme.margin();
        let beside = theme.margin() + title_w + theme.px(32.0) + lw <= right;
        let top = if beside {
            theme.px(6.0)
        } else {
            theme.tpx(TITLE_BAR)
        };
        legend(
            root,
            theme,
            &entries,
            Corner::TopRight(right, top),
            Layout::Row,
        )?;
        if beside {
            body
        } else {
            body.margin(lh + theme.px(4.0), 0, 0, 0)
        }
    };
    let (w, _) = body.dim_in_pixel();
    let (main, bar_area) = body.split_horizontally(w as i32 - theme.px(BAR_COLUMN));
    let mut chart = xy_chart(
        &main,
        theme,
        &Axes {
            x: fig.x,
            y: fig.y,
            x_axis: XAxis::Numeric(&fig.x_label),
            y_desc: Some(&fig.y_label),
            left: Y_LABEL_AREA,
            right: 8.0,
        },
    )?;
    let plot = plot_rect(&chart);
    let colour = |v: f64| viridis((v - fig.scale.lo) / (fig.scale.hi - fig.scale.lo));
    match &fig.layer {
        Layer::Grid {
            xs,
            ys,
            values,
            status,
        } => {
            let labels = cells(root, theme, &mut chart, xs, ys, values, status, &colour)?;
            let lines = contour_lines(root, theme, &chart, xs, ys, values, &fig.levels)?;
            let taken = cell_labels(root, theme, &labels)?;
            contour_labels(root, theme, &lines, taken)?;
        }
        Layer::Scatter(points) => {
            let ring = fig.levels.iter().find(|l| l.strong).map(|l| l.value);
            scatter(root, theme, &chart, points, ring, &colour)?
        }
    }
    // The frame again, over the cells.
    root.draw(&Rectangle::new(
        [(plot.x0, plot.y0), (plot.x1, plot.y1)],
        INK.mix(0.55).stroke_width(theme.upx(1.5)),
    ))?;
    colour_bar(root, theme, &bar_area, plot, fig)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn cells<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &mut XyChart<'_, DB>,
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<Option<f64>>],
    status: &[Vec<Option<PointStatus>>],
    colour: &dyn Fn(f64) -> RGBColor,
) -> DrawResult<Vec<CellLabel>>
where
    DB::ErrorType: 'static,
{
    let mut labels = Vec::new();
    let edges = |v: &[f64], k: usize| {
        let lo = if k == 0 {
            v[0] - (v[1] - v[0]) / 2.0
        } else {
            (v[k - 1] + v[k]) / 2.0
        };
        let hi = if k + 1 == v.len() {
            v[k] + (v[k] - v[k - 1]) / 2.0
        } else {
            (v[k] + v[k + 1]) / 2.0
        };
        (lo, hi)
    };
    let style = theme.note();
    let (_, text_h) = root.estimate_text_size("0", &style)?;
    for (j, row) in values.iter().enumerate() {
        let (y0, y1) = edges(ys, j);
        for (i, v) in row.iter().enumerate() {
            let (x0, x1) = edges(xs, i);
            let fill = v.map_or(PAPER, colour);
            chart
                .plotting_area()
                .draw(&Rectangle::new([(x0, y0), (x1, y1)], fill.filled()))?;
            let (a, b) = (
                chart.backend_coord(&(x0, y1)),
                chart.backend_coord(&(x1, y0)),
            );
            let centre = ((a.0 + b.0) / 2, (a.1 + b.1) / 2);
            match v {
                None => {
                    marker(root, theme, centre, Marker::Cross, GREY)?;
                }
                Some(v) => {
                    let label = value_label(*v);
                    let tw = text_width(root, theme, &label, &style)?;
                    let room = (b.0 - a.0 - theme.px(10.0), b.1 - a.1 - theme.px(6.0));
                    if tw <= room.0 && text_h as i32 <= room.1 {
                        labels.push(CellLabel {
                            text: label,
                            at: centre,
                            size: (tw, text_h as i32),
                            fill,
                        });
                    }
                    if status[j][i] == Some(PointStatus::NotConverged) {
                        let r = theme.px(12.0);
                        let at = (b.0 - r - theme.px(4.0), a.1 + r + theme.px(4.0));
                        hollow_marker(root, theme, at, Marker::Circle, INK)?;
                    }
                }
            }
        }
    }
    // Thin white lines between cells large enough to be told apart; on a fine grid they would
    // only lay a mesh over the map.
    let corner = |i: usize, j: usize| chart.backend_coord(&(edges(xs, i).0, edges(ys, j).0));
    let (a, b) = (corner(0, 0), corner(1, 1));
    if (b.0 - a.0).abs() < theme.px(40.0) || (b.1 - a.1).abs() < theme.px(40.0) {
        return Ok(labels);
    }
    let sep = PAPER.mix(0.6).stroke_width(theme.upx(1.0));
    for k in 1..xs.len() {
        let x = edges(xs, k).0;
        chart.plotting_area().draw(&PathElement::new(
            vec![(x, edges(ys, 0).0), (x, edges(ys, ys.len() - 1).1)],
            sep,
        ))?;
    }
    for k in 1..ys.len() {
        let y = edges(ys, k).0;
        chart.plotting_area().draw(&PathElement::new(
            vec![(edges(xs, 0).0, y), (edges(xs, xs.len() - 1).1, y)],
            sep,
        ))?;
    }
    Ok(labels)
}

/// A cell's value, written after the contours so that no line runs through it.
struct CellLabel {
    text: String,
    at: (i32, i32),
    size: (i32, i32),
    fill: RGBColor,
}

/// Draw the cells' values; returns their boxes.
fn cell_labels<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    labels: &[CellLabel],
) -> DrawResult<Vec<PixelRect>>
where
    DB::ErrorType: 'static,
{
    let style = theme.note();
    let pad = theme.px(3.0);
    let mut boxes = Vec::new();
    for l in labels {
        let (w, h) = (l.size.0 / 2 + pad, l.size.1 / 2 + pad);
        root.draw(&Rectangle::new(
            [(l.at.0 - w, l.at.1 - h), (l.at.0 + w, l.at.1 + h)],
            l.fill.filled(),
        ))?;
        boxes.push(PixelRect {
            x0: l.at.0 - w,
            y0: l.at.1 - h,
            x1: l.at.0 + w,
            y1: l.at.1 + h,
        });
        let st = if luminance(l.fill) < 0.3 {
            style.color(&PAPER)
        } else {
            style.color(&INK)
        };
        text(
            root,
            theme,
            &l.text,
            &st,
            l.at,
            (HPos::Center, VPos::Center),
        )?;
    }
    Ok(boxes)
}

/// Contour line colours: white over a dark halo reads on every part of viridis.
fn contour_styles(theme: &Theme, strong: bool) -> (ShapeStyle, ShapeStyle) {
    let (halo, line) = if strong { (10.0, 5.0) } else { (6.5, 3.0) };
    (
        INK.mix(0.75).stroke_width(theme.upx(halo)),
        PAPER.stroke_width(theme.upx(line)),
    )
}

/// A drawn contour line in pixels, with its level.
type ContourLine<'l> = (Vec<(i32, i32)>, &'l Level);

/// Draw the contour lines; returns each line in pixels with its level, for the labels.
fn contour_lines<'l, DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &XyChart<'_, DB>,
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<Option<f64>>],
    levels: &'l [Level],
) -> DrawResult<Vec<ContourLine<'l>>>
where
    DB::ErrorType: 'static,
{
    let mut out = Vec::new();
    for level in levels {
        let lines = contour(xs, ys, values, level.value);
        let (halo, line) = contour_styles(theme, level.strong);
        let px: Vec<Vec<(i32, i32)>> = lines
            .iter()
            .map(|l| l.iter().map(|p| chart.backend_coord(p)).collect())
            .collect();
        for l in &px {
            root.draw(&PathElement::new(l.clone(), halo))?;
        }
        for l in px {
            root.draw(&PathElement::new(l.clone(), line))?;
            out.push((l, level));
        }
    }
    Ok(out)
}

/// Label each contour line long enough to carry one, at the place nearest its middle that is
/// clear of the cell values and the labels already placed (none if there is no such place).
fn contour_labels<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    lines: &[ContourLine<'_>],
    mut taken: Vec<PixelRect>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let style = theme.note();
    let (_, th) = root.estimate_text_size("5", &style)?;
    let fractions = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.1, 0.9];
    for (px, level) in lines {
        let length: f64 = px
            .windows(2)
            .map(|w| (((w[1].0 - w[0].0).pow(2) + (w[1].1 - w[0].1).pow(2)) as f64).sqrt())
            .sum();
        if length < theme.px(90.0) as f64 {
            continue;
        }
        let tw = text_width(root, theme, &level.label, &style)?;
        let pad = theme.px(6.0);
        let place = fractions.iter().find_map(|frac| {
            let at = along(px, frac * length);
            let rect = PixelRect {
                x0: at.0 - tw / 2 - pad,
                y0: at.1 - th as i32 / 2 - pad,
                x1: at.0 + tw / 2 + pad,
                y1: at.1 + th as i32 / 2 + pad,
            };
            (!taken.iter().any(|t| t.overlaps(&rect))).then_some((at, rect))
        });
        let Some((at, rect)) = place else { continue };
        root.draw(&Rectangle::new(
            [(rect.x0, rect.y0), (rect.x1, rect.y1)],
            PAPER.mix(0.92).filled(),
        ))?;
        root.draw(&Rectangle::new(
            [(rect.x0, rect.y0), (rect.x1, rect.y1)],
            INK.mix(0.6).stroke_width(theme.upx(1.5)),
        ))?;
        let st = if level.strong {
            theme.note_colored(INK)
        } else {
            theme.note()
        };
        text(
            root,
            theme,
            &level.label,
            &st,
            at,
            (HPos::Center, VPos::Center),
        )?;
        taken.push(rect);
    }
    Ok(())
}

/// The pixel `distance` along a polyline.
fn along(px: &[(i32, i32)], distance: f64) -> (i32, i32) {
    let mut left = distance;
    for w in px.windows(2) {
        let (a, b) = (w[0], w[1]);
        let d = (((b.0 - a.0).pow(2) + (b.1 - a.1).pow(2)) as f64).sqrt();
        if d >= left && d > 0.0 {
            let f = left / d;
            return (
                a.0 + ((b.0 - a.0) as f64 * f).round() as i32,
                a.1 + ((b.1 - a.1) as f64 * f).round() as i32,
            );
        }
        left -= d;
    }
    px.last().copied().unwrap_or((0, 0))
}

fn scatter<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &XyChart<'_, DB>,
    points: &[(f64, f64, Option<f64>, PointStatus)],
    ring_above: Option<f64>,
    colour: &dyn Fn(f64) -> RGBColor,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    // Smaller dots for more points: about the same ink for 10 or 10 000 points.
    let r = (14.0 * (100.0 / points.len().max(1) as f64).sqrt()).clamp(4.0, 14.0);
    let r = theme.px(r);
    for &(x, y, v, status) in points {
        let at = chart.backend_coord(&(x, y));
        match v {
            None => {
                marker(root, theme, at, Marker::Cross, GREY)?;
            }
            // Not converged: hollow, in the value's colour.
            Some(v) if status == PointStatus::NotConverged => {
                root.draw(&Circle::new(at, r, PAPER.filled()))?;
                root.draw(&Circle::new(at, r, colour(v).stroke_width(theme.upx(4.0))))?;
            }
            Some(v) => {
                root.draw(&Circle::new(at, r, colour(v).filled()))?;
                root.draw(&Circle::new(
                    at,
                    r,
                    INK.mix(0.6).stroke_width(theme.upx(1.0)),
                ))?;
                if ring_above.is_some_and(|t| v >= t) {
                    let outer = r + theme.px(5.0);
                    root.draw(&Circle::new(at, outer, INK.stroke_width(theme.upx(2.5))))?;
                }
            }
        }
    }
    Ok(())
}

/// The colour bar beside the plot: same height, ticks on the right, the metric (with unit)
/// rotated on the far right; contour levels marked across it.
fn colour_bar<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    area: &Area<DB>,
    plot: PixelRect,
    fig: &HeatmapFigure,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (xr, _) = area.get_pixel_range();
    let x0 = xr.start + theme.px(BAR_GAP);
    let x1 = x0 + theme.px(BAR_WIDTH);
    let (top, bottom) = (plot.y0, plot.y1);
    let s = fig.scale;
    let y_of =
        |v: f64| bottom - ((v - s.lo) / (s.hi - s.lo) * (bottom - top) as f64).round() as i32;
    // One band per pixel row (at most 160): smooth in a PNG, a small SVG.
    let steps = ((bottom - top) as usize).clamp(2, 160);
    for k in 0..steps {
        let f0 = k as f64 / steps as f64;
        let f1 = (k + 1) as f64 / steps as f64;
        let ya = bottom - (f0 * (bottom - top) as f64).round() as i32;
        let yb = bottom - (f1 * (bottom - top) as f64).round() as i32;
        root.draw(&Rectangle::new(
            [(x0, yb), (x1, ya)],
            viridis((f0 + f1) / 2.0).filled(),
        ))?;
    }
    root.draw(&Rectangle::new(
        [(x0, top), (x1, bottom)],
        INK.mix(0.55).stroke_width(theme.upx(1.5)),
    ))?;
    let tick = INK.stroke_width(theme.upx(2.0));
    let mut widest = 0;
    for k in 0..s.ticks {
        let v = s.lo + k as f64 * s.step;
        let y = y_of(v);
        root.draw(&PathElement::new(
            vec![(x1, y), (x1 + theme.px(8.0), y)],
            tick,
        ))?;
        let label = tick_label(&v);
        widest = widest.max(text_width(root, theme, &label, &theme.tick())?);
        text(
            root,
            theme,
            &label,
            &theme.tick(),
            (x1 + theme.px(14.0), y),
            (HPos::Left, VPos::Center),
        )?;
    }
    for level in fig
        .levels
        .iter()
        .filter(|l| l.value > s.lo && l.value < s.hi)
    {
        let y = y_of(level.value);
        let (halo, line) = contour_styles(theme, level.strong);
        let path = vec![(x0 - theme.px(6.0), y), (x1, y)];
        root.draw(&PathElement::new(path.clone(), halo))?;
        root.draw(&PathElement::new(path, line))?;
    }
    let style = theme.axis_desc().transform(FontTransform::Rotate270);
    let x = x1 + theme.px(14.0) + widest + theme.px(18.0);
    text(
        root,
        theme,
        &fig.bar_label,
        &style,
        (x, (top + bottom) / 2),
        (HPos::Center, VPos::Top),
    )
}

/// The legend: contours, failed and unconverged points, and the note.
fn legend_entries(fig: &HeatmapFigure) -> Vec<LegendEntry> {
    let mut entries = Vec::new();
    if let Some(c) = &fig.contour_legend {
        let swatch = if matches!(fig.layer, Layer::Scatter(_)) {
            Swatch::Point(INK, Marker::Circle, true)
        } else {
            let strong = fig.levels.iter().any(|l| l.strong);
            Swatch::Line(StateStyle {
                color: if strong { INK } else { GREY },
                dashed: false,
                label: "",
            })
        };
        entries.push(LegendEntry::new(swatch, c.clone()));
    }
    if fig.any_failed {
        entries.push(LegendEntry::new(
            Swatch::Point(GREY, Marker::Cross, false),
            "failed: no result",
        ));
    }
    if fig.any_not_converged {
        entries.push(LegendEntry::new(
            Swatch::Point(INK, Marker::Circle, true),
            "not converged",
        ));
    }
    if let Some(note) = &fig.note {
        entries.push(LegendEntry::new(Swatch::Text, note.clone()));
    }
    entries
}
