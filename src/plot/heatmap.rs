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
//! points that did not converge carry a hollow ring.
//!
//! A sweep of more axes is sliced (`--where KEY=VALUE` fixes an axis) or faceted (`--facet KEY`:
//! one map per value, up to 9, on one colour scale); a grid axis left over is refused, naming
//! it and its values, since a cell would mix several points. A scattered design is drawn as a
//! projection (every point once). An axis of words or structured values (a list of clips) is
//! categorical: one column (row) per value, named by its short label, and no contour lines
//! across it.

use super::chart::{
    category_names_width, category_names_x, category_names_y, facet_grid, hollow_marker, marker,
    plot_rect, text, text_width, xy_chart, Area, Axes, DrawResult, FacetHeadings, LegendEntry,
    Marker, PixelRect, Swatch, XyChart, LEFT_MARGIN, Y_LABEL_AREA,
};
use super::chart::{facet_x, figure_title, shows_x_desc, titled_with_legend};
use super::colormap::{luminance, viridis};
use super::contour::contour;
use super::quantity::{
    axis_label, axis_name, column_label, column_name, grade_cuts, lower_unless_acronym, unit_of,
    Prefix,
};
use super::style::{
    nice_range, tick_label, value_label, AxisRange, StateStyle, Theme, GREY, INK, PAPER,
};
use super::sweep_data::{Placement, PointStatus, SweepHeader, SweepPoint};
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

/// One map: all points, or those of one value of the facet axis.
struct MapPanel {
    /// "Heart rate = 75 bpm" over a facet's panel.
    heading: Option<String>,
    layer: Layer,
}

pub struct HeatmapFigure {
    /// The metric and the sweep; the axes fixed by `--where` are in `fixed`.
    title: String,
    fixed: String,
    x_label: String,
    y_label: String,
    bar_label: String,
    x: AxisRange,
    y: AxisRange,
    /// Category names of a categorical x (y) axis, at 0, 1, 2, …
    x_names: Option<Vec<String>>,
    y_names: Option<Vec<String>>,
    /// The colour scale, shared by every panel: its ends map to the ends of viridis.
    scale: AxisRange,
    /// One map, or one per value of the facet axis.
    panels: Vec<MapPanel>,
    levels: Vec<Level>,
    /// Whether contour lines are drawn (a grid of numeric axes); else the levels are only
    /// marked on the colour bar.
    contours: bool,
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
    let facet = req.facet.as_deref().map(|k| header.axis(k)).transpose()?;
    if let (Some(x), Some(y)) = (named_x, named_y) {
        if x == y {
            return Err(unsuitable(
                &header,
                format!("x and y are the same axis `{}`", header.axes[x]),
            ));
        }
    }
    if let Some(f) = facet {
        if named_x == Some(f) || named_y == Some(f) {
            return Err(unsuitable(
                &header,
                format!("`{}` is on x or y: facet by another axis", header.axes[f]),
            ));
        }
    }
    let candidates = header.metric_columns(req.metric.as_deref().unwrap_or(DEFAULT_METRIC))?;
    let data = header.load(&candidates)?.slice(&req.wheres)?;
    let header = &data.header;
    data.check_not_fixed(
        "a heatmap",
        &[(named_x, "x"), (named_y, "y"), (facet, "the facet")],
    )?;
    let fixed: Vec<usize> = data.fixed.iter().map(|(a, _)| *a).collect();
    // Unnamed axes: the first ones that vary (a sweep may fix an axis at one value), after the
    // facet and the fixed ones are set aside.
    let taken: Vec<usize> = fixed.iter().copied().chain(facet).collect();
    let varying: Vec<usize> = (0..header.axes.len())
        .filter(|&a| !taken.contains(&a) && data.distinct(a).len() > 1)
        .collect();
    let pick = |other: Option<usize>| {
        varying
            .iter()
            .copied()
            .chain((0..header.axes.len()).filter(|a| !taken.contains(a)))
            .find(|&a| Some(a) != other)
    };
    let x_axis = named_x
        .or_else(|| pick(named_y))
        .ok_or_else(|| unsuitable(header, "no axis is left for x".into()))?;
    let y_axis = named_y
        .or_else(|| pick(Some(x_axis)))
        .ok_or_else(|| unsuitable(header, "no axis is left for y".into()))?;
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
    let scattered = header.scattered();
    let shown: Vec<usize> = [x_axis, y_axis].into_iter().chain(facet).collect();
    let extra = data.extra_axes(&shown);
    // A scatter shows every point once, so the other axes of a scattered design do not mix
    // points: the map is a projection, and says so.
    if !extra.is_empty() && !scattered {
        let shown = format!("{} × {}", header.axes[x_axis], header.axes[y_axis]);
        return Err(data.mixing_error("a heatmap", &shown, &extra));
    }
    let facets = data.facets("a heatmap", facet)?;

    let xp = Placement::of(&data, x_axis);
    let yp = Placement::of(&data, y_axis);
    let xs = xp.positions();
    let ys = yp.positions();
    let categorical = xp.categorical() || yp.categorical();
    let product = xs.len() * ys.len();
    // A categorical axis is always drawn as cells: its points sit on whole positions.
    let is_grid = !scattered
        && ((xs.len() >= 2 && ys.len() >= 2 && 2 * data.points.len() >= product * facets.len())
            || categorical)
        && product <= 250_000;
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
    let contours = is_grid && !categorical;
    if is_grid && categorical {
        // Between categories there is nothing to interpolate: the levels stay on the colour bar.
        if note.is_none() {
            note = contour_legend
                .take()
                .map(|c| format!("{c} (on the colour bar)"));
        }
        contour_legend = None;
    } else if !is_grid {
        // Without a grid there are no contours: only the stenosis threshold stays, as a ring
        // around the points above it.
        levels.retain(|l| l.strong);
        contour_legend = levels
            .first()
            .filter(|l| hi >= l.value)
            .map(|l| format!("ringed: above {}, the stenosis threshold", l.label));
        if contour_legend.is_some() || levels.is_empty() {
            note = Some(if extra.is_empty() {
                "scattered points: no contours".to_string()
            } else {
                format!(
                    "scattered points: no contours; each point once, whatever its {}",
                    extra
                        .iter()
                        .map(|&a| lower_unless_acronym(&axis_name(&header.axes[a])))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
        }
    }

    let mut panels = Vec::new();
    for panel in &facets {
        let in_panel = |p: &SweepPoint| panel.holds(p);
        let layer = if is_grid {
            let mut grid = vec![vec![None; xs.len()]; ys.len()];
            let mut status = vec![vec![None; xs.len()]; ys.len()];
            for p in data.points.iter().filter(|p| in_panel(p)) {
                let i = xp
                    .position(&p.axes[x_axis])
                    .and_then(|x| xs.iter().position(|&v| v == x));
                let j = yp
                    .position(&p.axes[y_axis])
                    .and_then(|y| ys.iter().position(|&v| v == y));
                if let (Some(i), Some(j)) = (i, j) {
                    if status[j][i].is_some() {
                        return Err(unsuitable(
                            header,
                            format!(
                                "two points (one is {}) share {} = {}, {} = {}",
                                p.index,
                                header.axes[x_axis],
                                p.axes[x_axis].display(),
                                header.axes[y_axis],
                                p.axes[y_axis].display()
                            ),
                        ));
                    }
                    grid[j][i] = p.values[col];
                    status[j][i] = Some(p.status);
                }
            }
            Layer::Grid {
                xs: xs.clone(),
                ys: ys.clone(),
                values: grid,
                status,
            }
        } else {
            Layer::Scatter(
                data.points
                    .iter()
                    .filter(|p| in_panel(p))
                    .map(|p| {
                        let at = |pl: &Placement, a: usize| pl.position(&p.axes[a]).unwrap_or(0.0);
                        (at(&xp, x_axis), at(&yp, y_axis), p.values[col], p.status)
                    })
                    .collect(),
            )
        };
        panels.push(MapPanel {
            heading: panel.heading(header),
            layer,
        });
    }

    let range = |v: &[f64]| {
        let (a, b) = (v[0], v[v.len() - 1]);
        if is_grid && v.len() >= 2 {
            // Cells reach halfway to their neighbours; the outer ones as far out.
            let first = (v[1] - v[0]) / 2.0;
            let last = (v[v.len() - 1] - v[v.len() - 2]) / 2.0;
            AxisRange::fixed(a - first, b + last, 8)
        } else if is_grid {
            AxisRange::fixed(a - 0.5, a + 0.5, 8)
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
        fixed: data.fixed_label(),
        x_label: axis_label(&header.axes[x_axis]),
        y_label: axis_label(&header.axes[y_axis]),
        bar_label: column_label(&column),
        x: range(&xs),
        y: range(&ys),
        x_names: xp.names,
        y_names: yp.names,
        scale,
        panels,
        levels,
        contours,
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
    // Room for the y category names, when y is categorical.
    let y_left = match &fig.y_names {
        Some(names) => {
            let names_w = category_names_width(root, theme, names)? + theme.px(60.0);
            Y_LABEL_AREA.max(names_w as f64 * 100.0 / theme.tpx(100.0) as f64)
        }
        None => Y_LABEL_AREA,
    };
    let (cols, rows) = facet_grid(fig.panels.len());
    let panel_w = (theme.width as i32 - theme.px(BAR_COLUMN)) / cols as i32;
    let plot_w = panel_w - theme.px(LEFT_MARGIN) - theme.tpx(y_left) - theme.px(8.0);
    let headings: Vec<String> = fig
        .panels
        .iter()
        .filter_map(|p| p.heading.clone())
        .collect();
    let headings = FacetHeadings::fit(root, theme, &headings, plot_w)?;
    let desc_fits = text_width(root, theme, &fig.x_label, &theme.axis_desc())? <= plot_w;
    let (title, notes) = figure_title(root, theme, &fig.title, headings.by(), &fig.fixed)?;
    let mut entries = legend_entries(fig);
    entries.extend(notes.into_iter().map(|n| LegendEntry::new(Swatch::Text, n)));
    let body = titled_with_legend(root, theme, &title, &entries)?;
    let (w, _) = body.dim_in_pixel();
    let (main, bar_area) = body.split_horizontally(w as i32 - theme.px(BAR_COLUMN));
    let cells_areas = main.split_evenly((rows, cols));
    let n = fig.panels.len();
    let mut frame: Option<PixelRect> = None;
    for (k, (panel, area)) in fig.panels.iter().zip(&cells_areas).enumerate() {
        let area = if panel.heading.is_some() {
            let (aw, _) = area.dim_in_pixel();
            let left = theme.px(LEFT_MARGIN) + theme.tpx(y_left);
            let right = aw as i32 - theme.px(8.0);
            headings.draw(area, theme, k, (left + right) / 2)?
        } else {
            area.clone()
        };
        // Descriptions on the outer panels only: x under the lowest panel of each column, y
        // left of the first column.
        let (x, x_axis) = facet_x(
            theme,
            fig.x,
            fig.x_names.is_some(),
            shows_x_desc(k, n, cols, desc_fits),
            &fig.x_label,
            plot_w,
        );
        let mut chart = xy_chart(
            &area,
            theme,
            &Axes {
                x,
                y: fig.y,
                x_axis,
                y_desc: (k % cols == 0).then_some(fig.y_label.as_str()),
                left: y_left,
                right: 8.0,
                y_named: fig.y_names.is_some(),
            },
        )?;
        let plot = plot_rect(&chart);
        draw_map(root, theme, &mut chart, fig, panel)?;
        if let Some(names) = &fig.x_names {
            category_names_x(root, theme, &chart, names)?;
        }
        if let Some(names) = &fig.y_names {
            category_names_y(root, theme, &chart, names)?;
        }
        frame = Some(match frame {
            None => plot,
            Some(f) => PixelRect {
                x0: f.x0.min(plot.x0),
                y0: f.y0.min(plot.y0),
                x1: f.x1.max(plot.x1),
                y1: f.y1.max(plot.y1),
            },
        });
    }
    if let Some(frame) = frame {
        colour_bar(root, theme, &bar_area, frame, fig)?;
    }
    Ok(())
}

/// One map's cells (or points), contours and labels, and its frame.
fn draw_map<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &mut XyChart<'_, DB>,
    fig: &HeatmapFigure,
    panel: &MapPanel,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let plot = plot_rect(chart);
    let colour = |v: f64| viridis((v - fig.scale.lo) / (fig.scale.hi - fig.scale.lo));
    match &panel.layer {
        Layer::Grid {
            xs,
            ys,
            values,
            status,
        } => {
            let labels = cells(root, theme, chart, xs, ys, values, status, &colour)?;
            let levels: &[Level] = if fig.contours { &fig.levels } else { &[] };
            let lines = contour_lines(root, theme, chart, xs, ys, values, levels)?;
            let taken = cell_labels(root, theme, &labels)?;
            contour_labels(root, theme, &lines, taken)?;
        }
        Layer::Scatter(points) => {
            let ring = fig.levels.iter().find(|l| l.strong).map(|l| l.value);
            scatter(root, theme, chart, points, ring, &colour)?
        }
    }
    // The frame again, over the cells.
    root.draw(&Rectangle::new(
        [(plot.x0, plot.y0), (plot.x1, plot.y1)],
        INK.mix(0.55).stroke_width(theme.upx(1.5)),
    ))?;
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
            // No point there (a facet's grid with a hole): left blank.
            if status[j][i].is_none() {
                continue;
            }
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
        let scatter = fig
            .panels
            .iter()
            .any(|p| matches!(p.layer, Layer::Scatter(_)));
        let swatch = if scatter {
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
