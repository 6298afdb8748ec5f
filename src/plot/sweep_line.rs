//! `sweep-line`: one or more metrics against one sweep axis, pre and post as two lines (pre
//! solid blue with circles, post dashed vermillion with squares, as in the per-run figures), one
//! panel per metric on a shared x axis. Behind a regurgitation measure (RVol, RF, EROA) the
//! ASE 2017 MR grade bands are shaded and named, from the cut-points of [`crate::metrics`].
//!
//! A point that did not converge keeps its value but shows as a hollow marker; a point without
//! a result (status `error`) breaks the line and shows as a grey × on the x axis. A sweep of
//! several axes needs the x axis named; one other axis then gives one line per value (colour,
//! viridis; dash and marker by state), at most [`MAX_GROUPS`]; any further axis must be fixed
//! (`--where`) or drawn as panels (`--facet`: one per value, one y axis), else the figure is
//! refused naming it. A categorical x axis (words, clip lists) gets markers side by side in each
//! category and no lines.

use super::chart::{
    category_names_x, draw_curve, draw_panel_name, emptiest_corner, facet_grid, hollow_marker,
    legend, legend_size, marker, name_lines, plot_rect, text, text_width, titled, xy_chart, Area,
    Axes, Corner, DrawResult, FacetHeadings, Layout, LegendEntry, Marker, PixelRect, Swatch, XAxis,
    XyChart, LEFT_MARGIN, NAME_COLUMN, X_LABEL_AREA, Y_LABEL_AREA, Y_TICKS_ONLY,
};
use super::chart::{facet_x, figure_title, shows_x_desc};
use super::colormap::{viridis, LINE_MAX};
use super::quantity::{
    axis_label, axis_name, grade_cuts, lower_unless_acronym, metric_label, metric_name,
    metric_short_name, unit_of, value_with_unit, with_unit, Prefix,
};
use super::style::{nice_range, state_style, AxisRange, StateStyle, Theme, GREY, INK, PAPER};
use super::sweep_data::{AxisValue, Placement, PointStatus, SweepHeader, SweepPoint};
use super::{PlotError, StateId, SweepPlotRequest};
use crate::metrics::MrGrade;
use crate::output::summary::STENOSIS_GRADIENT_MMHG;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// Most metrics (panels) in one figure.
pub const MAX_LINE_PANELS: usize = 4;
/// Most lines per state (combinations of the other axes' values).
pub const MAX_GROUPS: usize = 6;
const DEFAULT_METRIC: &str = "regurgitant_volume_ml";

/// The MR grade bands' tint (Okabe–Ito reddish purple, darker with the grade) and label colour.
const BAND_HUE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);
const BAND_ALPHA: [f64; 5] = [0.0, 0.08, 0.16, 0.25, 0.35];
const BAND_TEXT: RGBColor = RGBColor(0x7A, 0x2E, 0x5C);
const GRADES: [MrGrade; 5] = [
    MrGrade::None,
    MrGrade::Mild,
    MrGrade::Moderate,
    MrGrade::ModerateSevere,
    MrGrade::Severe,
];

/// One line: a state of one group, in x order.
struct Series {
    prefix: Prefix,
    group: usize,
    /// (x, value, status) of every point of the group.
    points: Vec<(f64, Option<f64>, PointStatus)>,
}

struct Panel {
    metric: String,
    /// "Heart rate = 75 bpm" over a facet's panel.
    heading: Option<String>,
    series: Vec<Series>,
    y: AxisRange,
    /// x of the points without a result.
    errors: Vec<f64>,
}

struct Group {
    label: String,
    color: RGBColor,
}

pub struct LineFigure {
    /// The metrics, the x axis and the sweep; the axes fixed by `--where` are in `fixed`.
    title: String,
    fixed: String,
    /// Legend heading over the groups: the series axis.
    group_title: Vec<String>,
    x_label: String,
    x: AxisRange,
    /// Category names of a categorical x axis, at 0, 1, 2, …: markers only, no lines.
    x_names: Option<Vec<String>>,
    /// Stacked panels, one per metric; or, with a facet axis, one per value in a grid.
    panels: Vec<Panel>,
    faceted: bool,
    groups: Vec<Group>,
    any_errors: bool,
    any_not_converged: bool,
}

fn unsuitable(header: &SweepHeader, reason: String) -> PlotError {
    PlotError::Unsuitable {
        what: "a sweep-line plot".into(),
        dir: header.dir.clone(),
        reason,
    }
}

pub fn prepare(req: &SweepPlotRequest, header: SweepHeader) -> Result<LineFigure, PlotError> {
    let named_x = req.x_axis.as_deref().map(|k| header.axis(k)).transpose()?;
    let facet = req.facet.as_deref().map(|k| header.axis(k)).transpose()?;
    let metrics: Vec<&str> = req
        .metric
        .as_deref()
        .unwrap_or(DEFAULT_METRIC)
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    if metrics.is_empty() || metrics.len() > MAX_LINE_PANELS {
        return Err(unsuitable(
            &header,
            format!(
                "give 1 to {MAX_LINE_PANELS} metrics (comma-separated), not {}",
                metrics.len()
            ),
        ));
    }
    if facet.is_some() && metrics.len() > 1 {
        return Err(unsuitable(
            &header,
            "--facet draws one panel per value of an axis: give one metric".into(),
        ));
    }
    if facet.is_some() && facet == named_x {
        return Err(unsuitable(
            &header,
            "the facet axis is the x axis: facet by another axis".into(),
        ));
    }
    let mut wanted: Vec<Vec<String>> = Vec::new();
    for m in &metrics {
        wanted.push(header.metric_columns(m)?);
    }
    let mut columns: Vec<String> = Vec::new();
    for c in wanted.iter().flatten() {
        if !columns.contains(c) {
            columns.push(c.clone());
        }
    }
    let data = header.load(&columns)?.slice(&req.wheres)?;
    let header = &data.header;
    data.check_not_fixed(
        "a sweep-line plot",
        &[(named_x, "the x axis"), (facet, "the facet")],
    )?;
    // Unnamed, the x axis is the one axis that varies (others may be fixed at one value).
    let varying: Vec<usize> = (0..header.axes.len())
        .filter(|&a| Some(a) != facet && data.distinct(a).len() > 1)
        .collect();
    let x_axis = match (named_x, varying.as_slice()) {
        (Some(x), _) => x,
        (None, []) => (0..header.axes.len())
            .find(|&a| Some(a) != facet)
            .unwrap_or(0),
        (None, [x]) => *x,
        (None, _) => {
            return Err(unsuitable(
                header,
                format!(
                    "the sweep varies {} axes ({}); name the x axis with --x, and one line is \
                     drawn per value of another (fix the rest with --where, or --facet one)",
                    varying.len(),
                    data.describe_axes(&varying)
                ),
            ))
        }
    };
    let x_key = header.axes[x_axis].clone();
    let xp = Placement::of(&data, x_axis);

    // Groups: one line per value of the one other axis that varies (the series axis).
    let others: Vec<usize> = varying.iter().copied().filter(|&a| a != x_axis).collect();
    if others.len() > 1 {
        let shown = format!(
            "{x_key} with one line per {}",
            header.axes[others[0]].as_str()
        );
        return Err(data.mixing_error("a sweep-line plot", &shown, &others[1..]));
    }
    let series_axis = others.first().copied();
    let keys: Vec<AxisValue> = series_axis.map_or_else(Vec::new, |a| data.distinct(a));
    if keys.len() > MAX_GROUPS {
        let a = series_axis.unwrap_or(0);
        return Err(unsuitable(
            header,
            format!(
                "`{}` takes {} values: more than {MAX_GROUPS} lines per state would not be \
                 readable; fix it with --where, facet by it with --facet (up to {} \
                 panels), or draw a heatmap",
                header.axes[a],
                keys.len(),
                super::MAX_FACETS
            ),
        ));
    }
    let groups: Vec<Group> = if keys.is_empty() {
        vec![Group {
            label: String::new(),
            color: INK,
        }]
    } else {
        let a = series_axis.unwrap_or(0);
        keys.iter()
            .enumerate()
            .map(|(i, v)| {
                let label = match v.number {
                    Some(_) => value_with_unit(&v.display(), &header.axes[a]),
                    None => v.display(),
                };
                let t = if keys.len() > 1 {
                    LINE_MAX * i as f64 / (keys.len() - 1) as f64
                } else {
                    0.0
                };
                Group {
                    label,
                    color: viridis(t),
                }
            })
            .collect()
    };
    let group_of = |p: &SweepPoint| match series_axis {
        Some(a) => keys.iter().position(|k| k.same(&p.axes[a])).unwrap_or(0),
        None => 0,
    };
    let facets = data.facets("a sweep-line plot", facet)?;
    let x_of = |p: &SweepPoint| xp.position(&p.axes[x_axis]).unwrap_or(0.0);

    let mut panels = Vec::new();
    for (metric, cols) in metrics.iter().zip(&wanted) {
        let bare = Prefix::split(metric)
            .map_or(*metric, |(_, m)| m)
            .to_string();
        let first = panels.len();
        for panel in &facets {
            let in_panel = |p: &SweepPoint| panel.holds(p);
            let mut series = Vec::new();
            for col in cols {
                let c = data.columns.iter().position(|x| x == col).unwrap_or(0);
                // A bare metric of a sweep without a clip has empty post_ cells: no post line.
                if !data.has_values(c) {
                    if cols.len() == 1 {
                        return Err(unsuitable(
                            header,
                            format!("column `{col}` has no values (a sweep without a clip has no post_ values)"),
                        ));
                    }
                    continue;
                }
                let prefix = Prefix::split(col).map_or(Prefix::Pre, |(p, _)| p);
                for g in 0..groups.len() {
                    let mut points: Vec<(f64, Option<f64>, PointStatus)> = data
                        .points
                        .iter()
                        .filter(|p| in_panel(p) && group_of(p) == g)
                        .map(|p| (x_of(p), p.values[c], p.status))
                        .collect();
                    points.sort_by(|a, b| a.0.total_cmp(&b.0));
                    series.push(Series {
                        prefix,
                        group: g,
                        points,
                    });
                }
            }
            let mut errors: Vec<f64> = data
                .points
                .iter()
                .filter(|p| in_panel(p) && p.status == PointStatus::Error)
                .map(x_of)
                .collect();
            errors.sort_by(f64::total_cmp);
            errors.dedup();
            panels.push(Panel {
                metric: metric.to_string(),
                heading: panel.heading(header),
                series,
                y: AxisRange::fixed(0.0, 1.0, 2),
                errors,
            });
        }
        // One y axis for the metric's panels (all facets share it).
        let values = panels[first..]
            .iter()
            .flat_map(|p| &p.series)
            .flat_map(|s| s.points.iter().filter_map(|p| p.1));
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if !lo.is_finite() {
            return Err(unsuitable(
                header,
                format!("no point has a value of `{metric}` (every point failed?)"),
            ));
        }
        let cuts = grade_cuts(&bare);
        // Show the stenosis threshold even when every gradient is below it.
        let hi = match threshold(&bare) {
            Some((t, _)) => hi.max(1.1 * t),
            None => hi,
        };
        let lo = if cuts.is_some() || (lo >= 0.0 && lo <= 0.4 * hi) {
            0.0
        } else {
            lo - 0.06 * (hi - lo)
        };
        let y = nice_range(lo, hi + 0.08 * (hi - lo).max(hi.abs() * 0.02), 6.0);
        for p in &mut panels[first..] {
            p.y = y;
        }
    }

    let xs = xp.positions();
    let (x_lo, x_hi) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let pad = if xp.categorical() {
        0.5
    } else if x_hi > x_lo {
        0.04 * (x_hi - x_lo)
    } else {
        0.1 * x_lo.abs().max(1.0)
    };
    let any_not_converged = data
        .points
        .iter()
        .any(|p| p.status == PointStatus::NotConverged);

    let names: Vec<String> = if metrics.len() == 1 {
        vec![panel_name(&panels[0].metric)]
    } else {
        panels.iter().map(|p| panel_short(&p.metric)).collect()
    };
    let x_name = axis_name(&x_key);
    let x_short = x_name.split(" (").next().unwrap_or(&x_name).to_string();
    Ok(LineFigure {
        title: format!(
            "{} vs {} — {}",
            names.join(", "),
            lower_unless_acronym(&x_short),
            header.name
        ),
        fixed: data.fixed_label(),
        group_title: series_axis
            .map(|a| vec![axis_label(&header.axes[a])])
            .unwrap_or_default(),
        x_label: axis_label(&x_key),
        x: AxisRange::fixed(x_lo - pad, x_hi + pad, 10),
        x_names: xp.names,
        any_errors: panels.iter().any(|p| !p.errors.is_empty()),
        panels,
        faceted: facet.is_some(),
        groups,
        any_not_converged,
    })
}

/// The name of a panel's metric: "Regurgitant volume" for a bare metric, "Post-clip
/// regurgitant volume" for a column.
fn panel_name(metric: &str) -> String {
    match Prefix::split(metric) {
        Some((p, m)) => format!(
            "{} {}",
            p.adjective(),
            lower_unless_acronym(&metric_name(m))
        ),
        None => metric_name(metric),
    }
}

fn panel_short(metric: &str) -> String {
    match Prefix::split(metric) {
        Some((p, m)) => format!("{} {}", p.adjective(), metric_short_name(m)),
        None => metric_short_name(metric),
    }
}

fn panel_label(metric: &str, short: bool) -> String {
    let bare = Prefix::split(metric).map_or(metric, |(_, m)| m);
    if short {
        with_unit(&panel_short(metric), unit_of(bare))
    } else if Prefix::split(metric).is_some() {
        with_unit(&panel_name(metric), unit_of(bare))
    } else {
        metric_label(metric)
    }
}

fn state_of(prefix: Prefix) -> StateId {
    match prefix {
        Prefix::Pre => StateId::Pre,
        Prefix::Post => StateId::Post,
    }
}

fn shape_of(prefix: Prefix) -> Marker {
    match prefix {
        Prefix::Pre => Marker::Circle,
        Prefix::Post => Marker::Square,
    }
}

fn state_name(prefix: Prefix) -> &'static str {
    match prefix {
        Prefix::Pre => "pre-clip",
        Prefix::Post => "post-clip",
    }
}

/// Gap between stacked panels (px at 1600×1000).
const GAP: f64 = 26.0;

pub fn draw<DB: DrawingBackend>(root: &Area<DB>, theme: &Theme, fig: &LineFigure) -> DrawResult
where
    DB::ErrorType: 'static,
{
    if fig.faceted {
        return draw_facets(root, theme, fig);
    }
    let (title, notes) = figure_title(root, theme, &fig.title, None, &fig.fixed)?;
    let body = titled(root, theme, &title)?;
    let mut entries = legend_entries(fig);
    entries.extend(notes.into_iter().map(|n| LegendEntry::new(Swatch::Text, n)));
    let (legend_w, legend_h) = legend_size(root, theme, &entries, Layout::Column)?;
    let n = fig.panels.len();
    // One panel: the legend goes inside, where it hides the least. Stacked panels are too
    // short for that, and categories leave no corner free: the legend gets a column of its own
    // on the right.
    let (plots, side) = if n > 1 || fig.x_names.is_some() {
        let (w, _) = body.dim_in_pixel();
        let (plots, side) = body.split_horizontally(w as i32 - legend_w - theme.px(28.0));
        (plots, Some(side))
    } else {
        (body, None)
    };
    let (_, body_h) = plots.dim_in_pixel();
    let free = body_h as i32 - theme.tpx(X_LABEL_AREA) - theme.px(GAP) * (n as i32 - 1);
    let each = free / n as i32;
    let breaks: Vec<i32> = (1..n as i32)
        .map(|k| k * (each + theme.px(GAP)) - theme.px(GAP) / 2)
        .collect();
    let areas = plots.split_by_breakpoints::<i32, i32, _, _>([], breaks);
    // A rotated description taller than its panel would run into the next one: stacked panels
    // then name their quantity in a column on the left instead.
    let descs: Vec<String> = fig
        .panels
        .iter()
        .map(|p| panel_label(&p.metric, n > 1))
        .collect();
    let mut name_column = false;
    for d in &descs {
        name_column |= n > 1 && text_width(root, theme, d, &theme.axis_desc())? > each;
    }
    let mut first_top = 0;
    for (k, (panel, area)) in fig.panels.iter().zip(&areas).enumerate() {
        let last = k == n - 1;
        let area = if k == 0 {
            area.clone()
        } else {
            area.margin(theme.px(GAP) / 2, 0, 0, 0)
        };
        let y_desc = &descs[k];
        let mut chart = xy_chart(
            &area,
            theme,
            &Axes {
                x: fig.x,
                y: panel.y,
                x_axis: x_axis(fig, last, &fig.x_label),
                y_desc: (!name_column).then_some(y_desc.as_str()),
                left: if name_column {
                    NAME_COLUMN + Y_TICKS_ONLY
                } else {
                    Y_LABEL_AREA
                },
                right: 36.0,
                y_named: false,
            },
        )?;
        let plot = plot_rect(&chart);
        if name_column {
            draw_panel_name(root, theme, &area, plot, &name_lines(y_desc))?;
        }
        if k == 0 {
            first_top = plot.y0;
        }
        let data = draw_panel(root, theme, &mut chart, fig, panel)?;
        if let (true, Some(names)) = (last, &fig.x_names) {
            category_names_x(root, theme, &chart, names)?;
        }
        let mut taken = Vec::new();
        let corner = if side.is_none() {
            let corner = emptiest_corner(root, theme, &entries, plot, theme.px(16.0), &data)?;
            let (x0, y0) = match corner {
                Corner::TopLeft(x, y) => (x, y),
                Corner::TopRight(x, y) => (x - legend_w, y),
            };
            taken.push(PixelRect {
                x0,
                y0,
                x1: x0 + legend_w,
                y1: y0 + legend_h,
            });
            Some(corner)
        } else {
            None
        };
        edge_labels(root, theme, &chart, panel, &data, &mut taken)?;
        if let Some(corner) = corner {
            legend(root, theme, &entries, corner, Layout::Column)?;
        }
    }
    if let Some(side) = side {
        let (xr, _) = side.get_pixel_range();
        let corner = Corner::TopLeft(xr.start + theme.px(12.0), first_top);
        legend(root, theme, &entries, corner, Layout::Column)?;
    }
    Ok(())
}

/// The x axis of a panel: numbered (or named, when categorical) under the lowest panel, with
/// `desc` under it; hidden above.
fn x_axis<'s>(fig: &LineFigure, lowest: bool, desc: &'s str) -> XAxis<'s> {
    match (lowest, fig.x_names.is_some()) {
        (false, _) => XAxis::Hidden,
        (true, false) => XAxis::Numeric(desc),
        (true, true) => XAxis::Named(desc),
    }
}

/// One panel per value of the facet axis, in a grid (up to 3 × 3) on one y axis: the y
/// description left of the first column, the x description under the lowest panel of each
/// column, the legend in a column of its own on the right.
fn draw_facets<DB: DrawingBackend>(root: &Area<DB>, theme: &Theme, fig: &LineFigure) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut entries = legend_entries(fig);
    // The panels' width with the legend as it stands (the title's notes may widen it a little).
    let (legend_w, _) = legend_size(root, theme, &entries, Layout::Column)?;
    let n = fig.panels.len();
    let (cols, rows) = facet_grid(n);
    let plots_w = theme.width as i32 - legend_w - theme.px(28.0);
    let plot_w =
        plots_w / cols as i32 - theme.px(LEFT_MARGIN) - theme.tpx(Y_LABEL_AREA) - theme.px(24.0);
    let headings: Vec<String> = fig
        .panels
        .iter()
        .filter_map(|p| p.heading.clone())
        .collect();
    let headings = FacetHeadings::fit(root, theme, &headings, plot_w)?;
    let desc_fits = text_width(root, theme, &fig.x_label, &theme.axis_desc())? <= plot_w;
    let (title, notes) = figure_title(root, theme, &fig.title, headings.by(), &fig.fixed)?;
    entries.extend(notes.into_iter().map(|n| LegendEntry::new(Swatch::Text, n)));
    let (legend_w, _) = legend_size(root, theme, &entries, Layout::Column)?;
    let body = titled(root, theme, &title)?;
    let (w, _) = body.dim_in_pixel();
    let (plots, side) = body.split_horizontally(w as i32 - legend_w - theme.px(28.0));
    let areas = plots.split_evenly((rows, cols));
    let mut first_top = None;
    for (k, (panel, area)) in fig.panels.iter().zip(&areas).enumerate() {
        let (aw, _) = area.dim_in_pixel();
        let left = theme.px(LEFT_MARGIN) + theme.tpx(Y_LABEL_AREA);
        let right = aw as i32 - theme.px(24.0);
        let area = headings.draw(area, theme, k, (left + right) / 2)?;
        let desc = panel_label(&panel.metric, false);
        // Every panel keeps the room for ticks and descriptions, so that all plots align.
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
                y: panel.y,
                x_axis,
                y_desc: (k % cols == 0).then_some(desc.as_str()),
                left: Y_LABEL_AREA,
                right: 24.0,
                y_named: false,
            },
        )?;
        let plot = plot_rect(&chart);
        first_top.get_or_insert(plot.y0);
        let data = draw_panel(root, theme, &mut chart, fig, panel)?;
        if let Some(names) = &fig.x_names {
            category_names_x(root, theme, &chart, names)?;
        }
        edge_labels(root, theme, &chart, panel, &data, &mut Vec::new())?;
    }
    let (xr, _) = side.get_pixel_range();
    let corner = Corner::TopLeft(xr.start + theme.px(12.0), first_top.unwrap_or(0));
    legend(root, theme, &entries, corner, Layout::Column)?;
    Ok(())
}

fn legend_entries(fig: &LineFigure) -> Vec<LegendEntry> {
    let mut prefixes: Vec<Prefix> = fig
        .panels
        .iter()
        .flat_map(|p| p.series.iter().map(|s| s.prefix))
        .collect();
    prefixes.sort_by_key(|p| *p == Prefix::Post);
    prefixes.dedup();
    let mut entries = Vec::new();
    if fig.groups.len() > 1 {
        entries.push(LegendEntry {
            swatch: Swatch::Title,
            lines: fig.group_title.clone(),
        });
        for g in &fig.groups {
            entries.push(LegendEntry::new(
                Swatch::Fill(g.color, 1.0),
                g.label.clone(),
            ));
        }
    }
    for p in prefixes {
        let style = if fig.groups.len() > 1 {
            StateStyle {
                color: INK,
                ..state_style(state_of(p))
            }
        } else {
            state_style(state_of(p))
        };
        // Categories have markers but no lines.
        let swatch = match fig.x_names {
            Some(_) => Swatch::Point(style.color, shape_of(p), false),
            None => Swatch::LineMarker(style, shape_of(p)),
        };
        entries.push(LegendEntry::new(swatch, state_name(p)));
    }
    if fig.any_not_converged {
        entries.push(LegendEntry::new(
            Swatch::Point(GREY, Marker::Circle, true),
            "not converged",
        ));
    }
    if fig.any_errors {
        entries.push(LegendEntry::new(
            Swatch::Point(GREY, Marker::Cross, false),
            "failed: no result",
        ));
    }
    if fig
        .panels
        .iter()
        .any(|p| grade_cuts(bare(&p.metric)).is_some())
    {
        entries.push(LegendEntry::new(
            Swatch::Fill(BAND_HUE, BAND_ALPHA[3]),
            "MR grade (ASE 2017)",
        ));
    }
    // Facet panels may be too narrow to name the threshold on the line: the legend does.
    if let Some((_, label)) = fig
        .panels
        .iter()
        .find_map(|p| threshold(&p.metric))
        .filter(|_| fig.faceted)
    {
        let style = StateStyle {
            color: GREY,
            dashed: true,
            label: "",
        };
        entries.push(LegendEntry::new(Swatch::Line(style), label));
    }
    entries
}

/// The metric of a panel without its `pre_`/`post_`.
fn bare(metric: &str) -> &str {
    Prefix::split(metric).map_or(metric, |(_, m)| m)
}

/// A horizontal reference line of a metric: (value, label).
fn threshold(metric: &str) -> Option<(f64, &'static str)> {
    (bare(metric) == "mitral_mean_gradient_mmhg")
        .then_some((STENOSIS_GRADIENT_MMHG, "5 mmHg: stenosis threshold"))
}

/// Draw one panel's bands, lines and markers; returns the pixels of the drawn data (for
/// placing the legend and labels).
fn draw_panel<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &mut XyChart<'_, DB>,
    fig: &LineFigure,
    panel: &Panel,
) -> DrawResult<Vec<(i32, i32)>>
where
    DB::ErrorType: 'static,
{
    if let Some(cuts) = grade_cuts(bare(&panel.metric)) {
        bands(chart, theme, panel.y, fig.x, cuts)?;
    }
    if let Some((t, _)) = threshold(&panel.metric) {
        let (dash, gap) = theme.dash();
        chart.draw_series(DashedLineSeries::new(
            vec![(fig.x.lo, t), (fig.x.hi, t)],
            dash,
            gap,
            GREY.stroke_width(theme.upx(2.5)),
        ))?;
    }
    let mut pixels: Vec<(i32, i32)> = Vec::new();
    let group_style = |s: &Series| {
        let base = state_style(state_of(s.prefix));
        if fig.groups.len() > 1 {
            StateStyle {
                color: fig.groups[s.group].color,
                ..base
            }
        } else {
            base
        }
    };
    // Categories are not a continuum: no lines between them, and the series side by side
    // within each category so that none hides another.
    let categorical = fig.x_names.is_some();
    let m = panel.series.len().max(1) as f64;
    let dodge = |k: usize| {
        if categorical {
            (k as f64 - (m - 1.0) / 2.0) * (0.6 / m).min(0.15)
        } else {
            0.0
        }
    };
    for s in panel.series.iter().filter(|_| !categorical) {
        let style = group_style(s);
        // A point without a value breaks the line.
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut runs = Vec::new();
        for &(x, v, _) in &s.points {
            match v {
                Some(v) => run.push((x, v)),
                None => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        for run in runs.into_iter().filter(|r| r.len() >= 2) {
            pixels.extend(dense(chart, &run));
            draw_curve(chart, theme, style, run)?;
        }
    }
    for (k, s) in panel.series.iter().enumerate() {
        let style = group_style(s);
        for &(x, v, status) in &s.points {
            let Some(v) = v else { continue };
            let at = chart.backend_coord(&(x + dodge(k), v));
            pixels.push(at);
            if status == PointStatus::NotConverged {
                hollow_marker(root, theme, at, shape_of(s.prefix), style.color)?;
            } else {
                marker(root, theme, at, shape_of(s.prefix), style.color)?;
            }
        }
    }
    let plot = plot_rect(chart);
    for &x in &panel.errors {
        let (px, _) = chart.backend_coord(&(x, panel.y.lo));
        let at = (px, plot.y1 - theme.px(16.0));
        marker(root, theme, at, Marker::Cross, GREY)?;
        pixels.push(at);
    }
    Ok(pixels)
}

/// Pixels along a polyline every few pixels, so that labels and the legend can avoid it.
fn dense<DB: DrawingBackend>(chart: &XyChart<'_, DB>, points: &[(f64, f64)]) -> Vec<(i32, i32)> {
    let px: Vec<(i32, i32)> = points.iter().map(|p| chart.backend_coord(p)).collect();
    let mut out = Vec::new();
    for w in px.windows(2) {
        let (a, b) = (w[0], w[1]);
        let steps = ((b.0 - a.0).abs().max((b.1 - a.1).abs()) / 4).max(1);
        for k in 0..steps {
            let f = k as f64 / steps as f64;
            out.push((
                a.0 + ((b.0 - a.0) as f64 * f).round() as i32,
                a.1 + ((b.1 - a.1) as f64 * f).round() as i32,
            ));
        }
    }
    out.extend(px.last());
    out
}

/// (lower, upper) bound of each grade's band.
fn band_bounds(cuts: [f64; 4]) -> [(f64, f64); 5] {
    [
        (f64::NEG_INFINITY, cuts[0]),
        (cuts[0], cuts[1]),
        (cuts[1], cuts[2]),
        (cuts[2], cuts[3]),
        (cuts[3], f64::INFINITY),
    ]
}

fn bands<DB: DrawingBackend>(
    chart: &mut XyChart<'_, DB>,
    theme: &Theme,
    y: AxisRange,
    x: AxisRange,
    cuts: [f64; 4],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    for ((lo, hi), alpha) in band_bounds(cuts).into_iter().zip(BAND_ALPHA) {
        let (lo, hi) = (lo.max(y.lo), hi.min(y.hi));
        if hi <= lo || alpha == 0.0 {
            continue;
        }
        chart.plotting_area().draw(&Rectangle::new(
            [(x.lo, lo), (x.hi, hi)],
            BAND_HUE.mix(alpha).filled(),
        ))?;
    }
    // A thin line at each cut-point inside the range keeps the band edges crisp.
    for c in cuts.into_iter().filter(|c| *c > y.lo && *c < y.hi) {
        chart.plotting_area().draw(&PathElement::new(
            vec![(x.lo, c), (x.hi, c)],
            BAND_HUE.mix(0.55).stroke_width(theme.upx(1.5)),
        ))?;
    }
    Ok(())
}

/// Write the grade bands' names and the threshold's label at the left or right edge of the
/// plot, on the side that covers less of the data and clear of `taken` (the legend, other
/// labels); a label with no room is left out.
fn edge_labels<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &XyChart<'_, DB>,
    panel: &Panel,
    data: &[(i32, i32)],
    taken: &mut Vec<PixelRect>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let plot = plot_rect(chart);
    let y = panel.y;
    let y_px = |v: f64| chart.backend_coord(&(0.0, v)).1;
    let band_style = theme.note().color(&BAND_TEXT);
    let (_, text_h) = root.estimate_text_size("Mg", &band_style)?;
    let text_h = text_h as i32;
    // (label, style, vertical centres in pixels to try, on a box of paper)
    let mut labels: Vec<(&str, TextStyle<'static>, Vec<i32>, bool)> = Vec::new();
    if let Some(cuts) = grade_cuts(bare(&panel.metric)) {
        for ((lo, hi), grade) in band_bounds(cuts).into_iter().zip(GRADES) {
            let (lo, hi) = (lo.max(y.lo), hi.min(y.hi));
            if hi <= lo || y_px(lo) - y_px(hi) < text_h + theme.px(6.0) {
                continue;
            }
            labels.push((
                grade.as_str(),
                band_style.clone(),
                vec![(y_px(lo) + y_px(hi)) / 2],
                false,
            ));
        }
    }
    if let Some((t, label)) = threshold(&panel.metric) {
        if t > y.lo && t < y.hi {
            let off = text_h / 2 + theme.px(6.0);
            let at = vec![y_px(t) - off, y_px(t) + off];
            labels.push((label, theme.note().color(&INK), at, true));
        }
    }
    let pad = theme.px(12.0);
    for (label, style, centres, boxed) in labels {
        let w = super::chart::text_width(root, theme, label, &style)?;
        // A label wider than the plot (a narrow facet panel) is left out.
        if w + 2 * pad > plot.x1 - plot.x0 {
            continue;
        }
        let half = text_h / 2 + theme.px(3.0);
        let covered = |r: &PixelRect| {
            data.iter()
                .filter(|&&(x, y)| x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1)
                .count()
        };
        // Every place (left or right, each height), the one over the least data first.
        let mut places: Vec<(PixelRect, HPos, i32)> = Vec::new();
        for &yc in &centres {
            for h in [HPos::Left, HPos::Right] {
                let x0 = match h {
                    HPos::Left => plot.x0 + pad,
                    _ => plot.x1 - pad - w,
                };
                let rect = PixelRect {
                    x0: x0 - pad / 2,
                    y0: yc - half,
                    x1: x0 + w + pad / 2,
                    y1: yc + half,
                };
                places.push((rect, h, yc));
            }
        }
        places.sort_by_key(|(r, _, _)| covered(r));
        let Some((rect, h, yc)) = places
            .into_iter()
            .find(|(r, _, _)| !taken.iter().any(|t| t.overlaps(r)))
        else {
            continue;
        };
        let x = match h {
            HPos::Left => plot.x0 + pad,
            _ => plot.x1 - pad,
        };
        if boxed {
            root.draw(&Rectangle::new(
                [(rect.x0, rect.y0), (rect.x1, rect.y1)],
                PAPER.mix(0.85).filled(),
            ))?;
        }
        text(root, theme, label, &style, (x, yc), (h, VPos::Center))?;
        taken.push(rect);
    }
    Ok(())
}
