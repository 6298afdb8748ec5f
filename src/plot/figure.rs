//! A figure described as data — a title, a legend, stacked panels sharing an x axis, and in each
//! panel its series, shaded bands, vertical event lines, markers and notes — and the one renderer
//! that draws any such description.
//!
//! Why: a figure kind then only says *what* to show (pv_loop.rs, wiggers.rs, la_loop.rs build a
//! [`FigureSpec`] from a run's traces), while layout, legends, label placement and the pre/post
//! look live here once. A new figure, such as several runs compared, is a new builder, not new
//! drawing code.

use super::chart::{
    draw_curve, draw_panel_name, emptiest_corner, legend, legend_size, marker, plot_rect, ring,
    text, text_width, titled, xy_chart, Area, Axes, Corner, DrawResult, Labels, Layout,
    LegendEntry, Marker, PixelRect, XAxis, XyChart, NAME_COLUMN, X_LABEL_AREA, Y_LABEL_AREA,
    Y_TICKS_ONLY,
};
use super::style::{AxisRange, StateStyle, Theme, GREY};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// A whole figure.
pub struct FigureSpec {
    pub title: String,
    pub legend: Vec<LegendEntry>,
    pub legend_place: LegendPlace,
    /// Shared x axis (drawn under the last panel).
    pub x: AxisRange,
    pub x_desc: String,
    /// Panels from top to bottom.
    pub panels: Vec<PanelSpec>,
    /// Vertical lines across every panel (valve events), named in the top panel.
    pub events: Vec<Event>,
    /// Short notes under the x axis, in the bottom corners (left or right).
    pub footnotes: Vec<(String, HPos)>,
}

/// Where the legend goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegendPlace {
    /// In one row at the right of the title bar.
    TitleBar,
    /// In the corner of the first panel where it hides the fewest data points.
    EmptiestCorner,
    /// In a column of its own right of the panels (when any corner would hide lines).
    RightColumn,
}

/// How a panel names its quantity.
pub enum PanelName {
    /// A rotated axis description left of the ticks (a single, tall panel).
    Axis(String),
    /// One or two lines of bold text in a column left of the ticks (stacked panels).
    Column(Vec<String>),
}

pub struct PanelSpec {
    pub name: PanelName,
    /// Share of the height available to panels.
    pub weight: f64,
    pub y: AxisRange,
    pub bands: Vec<Band>,
    pub series: Vec<Series>,
    pub marks: Vec<Mark>,
    pub notes: Vec<Note>,
}

impl PanelSpec {
    pub fn new(name: PanelName, weight: f64, y: AxisRange) -> Self {
        Self {
            name,
            weight,
            y,
            bands: Vec::new(),
            series: Vec::new(),
            marks: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// A line through data points.
pub struct Series {
    pub points: Vec<(f64, f64)>,
    pub style: StateStyle,
    /// A reference line (ESPVR, zero flow): thinner than data.
    pub thin: bool,
    /// Shade between the curve and zero where it is negative, with this opacity.
    pub shade_negative: Option<f64>,
}

impl Series {
    pub fn data(points: Vec<(f64, f64)>, style: StateStyle) -> Self {
        Self {
            points,
            style,
            thin: false,
            shade_negative: None,
        }
    }

    pub fn reference(points: Vec<(f64, f64)>, style: StateStyle) -> Self {
        Self {
            thin: true,
            ..Self::data(points, style)
        }
    }
}

/// A shaded x interval over the whole panel height, with an optional name centred at its top
/// (left out where it would touch another name).
pub struct Band {
    pub x0: f64,
    pub x1: f64,
    pub color: RGBColor,
    pub alpha: f64,
    pub label: Option<String>,
}

/// A vertical line at `x` across every panel, named at the top of the first panel.
pub struct Event {
    pub x: f64,
    pub label: String,
}

/// A marker at a data point, optionally named; the name goes where it crosses the fewest curves.
pub struct Mark {
    pub at: (f64, f64),
    pub shape: Marker,
    pub color: RGBColor,
    pub hollow: bool,
    pub label: Option<String>,
    /// The label in the marker's colour rather than in ink.
    pub colored_label: bool,
}

/// A text at a data point.
pub struct Note {
    pub at: (f64, f64),
    pub text: String,
    pub anchor: (HPos, VPos),
    /// Offset in pixels at 1600×1000 (right, down).
    pub offset: (f64, f64),
}

/// Gap between stacked panels (px at 1600×1000).
const GAP: f64 = 26.0;
const RIGHT: f64 = 36.0;

/// Draw `fig` on `root`.
pub fn draw<DB: DrawingBackend>(root: &Area<DB>, theme: &Theme, fig: &FigureSpec) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut body = titled(root, theme, &fig.title)?;
    if fig.legend_place == LegendPlace::TitleBar && !fig.legend.is_empty() {
        // Right of the title when both fit on the bar, else in a row of its own below it.
        let (legend_w, legend_h) = legend_size(root, theme, &fig.legend, Layout::Row)?;
        let title_w = text_width(root, theme, &fig.title, &theme.title())?;
        let right = theme.width as i32 - theme.margin();
        if theme.margin() + title_w + theme.px(40.0) + legend_w <= right {
            let corner = Corner::TopRight(right, theme.px(6.0));
            legend(root, theme, &fig.legend, corner, Layout::Row)?;
        } else {
            let top = body.get_pixel_range().1.start;
            let corner = Corner::TopRight(right, top);
            legend(root, theme, &fig.legend, corner, Layout::Row)?;
            body = body.margin(legend_h + theme.px(12.0), 0, 0, 0);
        }
    }
    // Footnotes get rows of their own under the x axis: one row when they fit side by side.
    let (canvas_w, canvas_h) = root.dim_in_pixel();
    let mut widths = Vec::new();
    for (note, _) in &fig.footnotes {
        widths.push(text_width(root, theme, note, &theme.note())?);
    }
    let room = canvas_w as i32 - 2 * theme.margin();
    let one_row = widths.iter().sum::<i32>() + theme.px(40.0) * widths.len() as i32 <= room;
    let rows = match (widths.len(), one_row) {
        (0, _) => 0,
        (_, true) => 1,
        (n, false) => n as i32,
    };
    let row_h = theme.tpx(38.0);
    let body = body.margin(0, rows * row_h, 0, 0);
    let stacked = fig
        .panels
        .iter()
        .any(|p| matches!(p.name, PanelName::Column(_)));
    let left = if stacked {
        NAME_COLUMN + Y_TICKS_ONLY
    } else {
        Y_LABEL_AREA
    };
    let n = fig.panels.len();
    let (body, side) = if fig.legend_place == LegendPlace::RightColumn {
        let (legend_w, _) = legend_size(root, theme, &fig.legend, Layout::Column)?;
        let (w, _) = body.dim_in_pixel();
        let (plots, side) = body.split_horizontally(w as i32 - legend_w - theme.px(24.0));
        (plots, Some(side))
    } else {
        (body, None)
    };
    if let Some(side) = &side {
        let (x, y) = side.get_pixel_range();
        let corner = Corner::TopLeft(x.start, y.start + theme.px(12.0));
        legend(root, theme, &fig.legend, corner, Layout::Column)?;
    }
    let (_, body_h) = body.dim_in_pixel();
    let fixed = theme.tpx(X_LABEL_AREA) + theme.px(GAP) * (n as i32 - 1);
    let free = (body_h as i32 - fixed).max(n as i32 * 10) as f64;
    let total: f64 = fig.panels.iter().map(|p| p.weight).sum::<f64>().max(1e-9);
    let mut breaks = Vec::new();
    let mut y = 0;
    for (k, p) in fig.panels[..n.saturating_sub(1)].iter().enumerate() {
        let gap = if k == 0 { 0 } else { theme.px(GAP) };
        y += gap + (free * p.weight / total).round() as i32;
        breaks.push(y);
    }
    let areas = body.split_by_breakpoints::<i32, i32, _, _>([], breaks);
    let mut labels = Labels::default();
    let mut first_plot = None;
    for (k, (panel, area)) in fig.panels.iter().zip(&areas).enumerate() {
        let last = k == n - 1;
        let area = if k == 0 {
            area.clone()
        } else {
            area.margin(theme.px(GAP), 0, 0, 0)
        };
        let y_desc = match &panel.name {
            PanelName::Axis(d) => Some(d.as_str()),
            _ => None,
        };
        let mut chart = xy_chart(
            &area,
            theme,
            &Axes {
                x: fig.x,
                y: panel.y,
                x_axis: XAxis::stacked(last, &fig.x_desc),
                y_desc,
                left,
                right: RIGHT,
                y_named: false,
            },
        )?;
        let plot = plot_rect(&chart);
        if let PanelName::Column(lines) = &panel.name {
            draw_panel_name(root, theme, &area, plot, lines)?;
        }
        draw_bands(root, theme, &mut chart, panel, &mut labels)?;
        // Event names have a row of their own (the bottom of the top panel).
        draw_events(root, theme, &mut chart, fig, k == 0, &mut Labels::default())?;
        let points = draw_series(theme, &mut chart, panel)?;
        if k == 0 {
            first_plot = Some((plot, points.clone()));
        }
        draw_marks(root, theme, &chart, panel, &points, &mut labels)?;
        for note in &panel.notes {
            let (x, y) = chart.backend_coord(&note.at);
            let at = (x + theme.px(note.offset.0), y + theme.px(note.offset.1));
            text(root, theme, &note.text, &theme.note(), at, note.anchor)?;
        }
    }
    for (i, (note, side)) in fig.footnotes.iter().enumerate() {
        let x = match side {
            HPos::Left => theme.margin(),
            HPos::Center => canvas_w as i32 / 2,
            HPos::Right => canvas_w as i32 - theme.margin(),
        };
        let row = if one_row {
            0
        } else {
            (rows - 1 - i as i32).max(0)
        };
        let at = (x, canvas_h as i32 - theme.px(8.0) - row * row_h);
        text(root, theme, note, &theme.note(), at, (*side, VPos::Bottom))?;
    }
    if let (LegendPlace::EmptiestCorner, Some((plot, points))) = (fig.legend_place, first_plot) {
        let corner = emptiest_corner(root, theme, &fig.legend, plot, theme.px(16.0), &points)?;
        legend(root, theme, &fig.legend, corner, Layout::Column)?;
    }
    Ok(())
}

fn draw_bands<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &mut XyChart<'_, DB>,
    panel: &PanelSpec,
    labels: &mut Labels,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (lo, hi) = (panel.y.lo, panel.y.hi);
    for b in &panel.bands {
        chart.plotting_area().draw(&Rectangle::new(
            [(b.x0, lo), (b.x1, hi)],
            b.color.mix(b.alpha).filled(),
        ))?;
    }
    // Names centred in their band, the widest bands first; a name that would touch another
    // (a short phase between two others at a high rate) is left out: the band stays shaded.
    let plot = plot_rect(chart);
    let mut named: Vec<&Band> = panel.bands.iter().filter(|b| b.label.is_some()).collect();
    named.sort_by(|a, b| (b.x1 - b.x0).total_cmp(&(a.x1 - a.x0)));
    for b in named {
        let Some(label) = &b.label else { continue };
        let (x0, _) = chart.backend_coord(&(b.x0, hi));
        let (x1, _) = chart.backend_coord(&(b.x1, hi));
        let at = ((x0 + x1) / 2, plot.y0 + theme.tpx(20.0));
        let style = theme.note();
        labels.place_if_clear(root, theme, label, &style, at, HPos::Center, plot)?;
    }
    Ok(())
}

fn draw_events<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &mut XyChart<'_, DB>,
    fig: &FigureSpec,
    named: bool,
    labels: &mut Labels,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let plot = plot_rect(chart);
    let (dash, gap) = (theme.px(8.0), theme.px(6.0));
    for e in &fig.events {
        let (x, _) = chart.backend_coord(&(e.x, 0.0));
        if x < plot.x0 || x > plot.x1 {
            continue;
        }
        root.draw(&DashedPathElement::new(
            vec![(x, plot.y0), (x, plot.y1)],
            dash,
            gap,
            GREY.stroke_width(theme.upx(2.0)),
        ))?;
        if named {
            let style = theme.note_colored(GREY);
            let at = (x + theme.px(6.0), plot.y1 - theme.tpx(18.0));
            labels.place(
                root,
                theme,
                &e.label,
                &style,
                at,
                HPos::Left,
                -theme.tpx(30.0),
            )?;
        }
    }
    Ok(())
}

/// Draw the panel's series; returns the pixels of its points (for legend and label placement).
fn draw_series<DB: DrawingBackend>(
    theme: &Theme,
    chart: &mut XyChart<'_, DB>,
    panel: &PanelSpec,
) -> DrawResult<Vec<(i32, i32)>>
where
    DB::ErrorType: 'static,
{
    for s in &panel.series {
        if let Some(alpha) = s.shade_negative {
            let below = s.points.iter().map(|&(x, y)| (x, y.min(0.0)));
            chart.draw_series(AreaSeries::new(
                below,
                0.0,
                s.style.color.mix(alpha).filled(),
            ))?;
        }
    }
    let mut pixels = Vec::new();
    for s in &panel.series {
        if s.thin {
            let line = s.style.color.stroke_width(theme.upx(2.5));
            if s.style.dashed {
                let (dash, gap) = (theme.px(12.0), theme.px(8.0));
                let pts = s.points.iter().copied();
                chart.draw_series(DashedLineSeries::new(pts, dash, gap, line))?;
            } else {
                chart.draw_series(LineSeries::new(s.points.iter().copied(), line))?;
            }
        } else {
            draw_curve(chart, theme, s.style, s.points.clone())?;
        }
        pixels.extend(s.points.iter().map(|p| chart.backend_coord(p)));
    }
    Ok(pixels)
}

fn draw_marks<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &XyChart<'_, DB>,
    panel: &PanelSpec,
    curve_px: &[(i32, i32)],
    labels: &mut Labels,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut placed = Vec::new();
    for m in &panel.marks {
        let at = chart.backend_coord(&m.at);
        let r = if m.hollow {
            ring(root, theme, at, m.shape, m.color)?
        } else {
            marker(root, theme, at, m.shape, m.color)?
        };
        labels.reserve(r);
        placed.push(at);
    }
    let plot = plot_rect(chart);
    for (m, at) in panel.marks.iter().zip(placed) {
        let Some(label) = &m.label else { continue };
        let style = if m.colored_label {
            theme.note_colored(m.color)
        } else {
            theme.note()
        };
        let w = text_width(root, theme, label, &style)?;
        let h = theme.tpx(34.0);
        let gap = theme.px(20.0);
        // Right, left, above, below the marker: the first that stays inside the plot and
        // crosses the fewest curve pixels.
        let candidates = [
            (at.0 + gap, at.1, HPos::Left),
            (at.0 - gap, at.1, HPos::Right),
            (at.0, at.1 - gap - h / 2, HPos::Center),
            (at.0, at.1 + gap + h / 2, HPos::Center),
        ];
        let rect_of = |(x, y, hp): (i32, i32, HPos)| {
            let x0 = match hp {
                HPos::Left => x,
                HPos::Right => x - w,
                HPos::Center => x - w / 2,
            };
            PixelRect {
                x0,
                y0: y - h / 2,
                x1: x0 + w,
                y1: y + h / 2,
            }
        };
        let score = |c: &(i32, i32, HPos)| {
            let r = rect_of(*c);
            let inside = r.x0 >= plot.x0 && r.x1 <= plot.x1 && r.y0 >= plot.y0 && r.y1 <= plot.y1;
            let crossed = curve_px
                .iter()
                .filter(|&&(x, y)| r.x0 <= x && x <= r.x1 && r.y0 <= y && y <= r.y1)
                .count();
            (!inside as usize, crossed)
        };
        let best = candidates
            .iter()
            .min_by_key(|c| score(c))
            .copied()
            .unwrap_or(candidates[0]);
        labels.place(
            root,
            theme,
            label,
            &style,
            (best.0, best.1),
            best.2,
            -theme.tpx(30.0),
        )?;
    }
    Ok(())
}
