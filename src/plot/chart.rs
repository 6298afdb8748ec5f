//! Drawing pieces shared by the figures: the title bar, a labelled x–y chart, pre/post curves,
//! legends, markers, headings and non-overlapping annotations.
//!
//! Why: axis, legend and curve code exists once, so all figures look alike and a fix applies to
//! all of them. Overlays (legends, annotations) are drawn on the whole canvas in pixels, using
//! the chart only to map data to pixels. Every text goes through [`Theme::t`].

use super::style::{anchored, tick_label, AxisRange, StateStyle, Theme, GREY, GRID, INK, PAPER};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// A drawing failure, as text (the backend error types differ between PNG and SVG).
#[derive(Debug)]
pub struct DrawError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}

pub type DrawResult<T = ()> = Result<T, DrawError>;
pub type Area<DB> = DrawingArea<DB, Shift>;
pub type XyChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draw `text` at `at` (canvas pixels) with `style`, anchored by `h` and `v`.
pub fn text<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    text: &str,
    style: &TextStyle<'static>,
    at: (i32, i32),
    (h, v): (HPos, VPos),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.draw_text(&theme.t(text), &anchored(style.clone(), h, v), at)?;
    Ok(())
}

/// Clear the canvas (an SVG's; a pixel canvas is blank paper already), write the title at the top left and return the area below it.
pub fn titled<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    title: &str,
) -> DrawResult<Area<DB>>
where
    DB::ErrorType: 'static,
{
    // A pixel canvas starts as paper (`draw_rgb`): painting it again cost a pass over every
    // pixel of every figure.
    if !theme.raster() {
        root.fill(&PAPER)?;
    }
    let header = theme.tpx(TITLE_BAR);
    let at = (theme.margin(), header / 2 + theme.px(4.0));
    text(
        root,
        theme,
        title,
        &theme.title(),
        at,
        (HPos::Left, VPos::Center),
    )?;
    let (_, body) = root.split_vertically(header);
    Ok(body)
}

/// [`titled`] with a legend row: right of the title in the title bar when both fit, else in a
/// row of its own under it (the area returned starts below it); no legend when `entries` is
/// empty.
pub fn titled_with_legend<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    title: &str,
    entries: &[LegendEntry],
) -> DrawResult<Area<DB>>
where
    DB::ErrorType: 'static,
{
    let body = titled(root, theme, title)?;
    if entries.is_empty() {
        return Ok(body);
    }
    let (lw, lh) = legend_size(root, theme, entries, Layout::Row)?;
    let title_w = text_width(root, theme, title, &theme.title())?;
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
        entries,
        Corner::TopRight(right, top),
        Layout::Row,
    )?;
    Ok(if beside {
        body
    } else {
        body.margin(lh + theme.px(4.0), 0, 0, 0)
    })
}

/// A figure's title, with the facet axis (`by`: "…, by clip configuration") and the axes fixed
/// by `--where` ("… (Heart rate = 75 bpm)") as far as they fit the canvas; what does not fit
/// becomes notes for the legend ("fixed: Heart rate = 75 bpm").
pub fn figure_title<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    title: &str,
    by: Option<&str>,
    fixed: &str,
) -> DrawResult<(String, Vec<String>)>
where
    DB::ErrorType: 'static,
{
    let with_by = match by {
        Some(by) => format!("{title}, by {by}"),
        None => title.to_string(),
    };
    let fixed_note = (!fixed.is_empty()).then(|| format!("fixed: {fixed}"));
    let by_note = by.map(|by| format!("panels by {by}"));
    let candidates = [
        match fixed.is_empty() {
            true => (with_by.clone(), vec![]),
            false => (format!("{with_by} ({fixed})"), vec![]),
        },
        (with_by, fixed_note.clone().into_iter().collect()),
        (
            title.to_string(),
            by_note.into_iter().chain(fixed_note).collect(),
        ),
    ];
    let room = theme.width as i32 - 2 * theme.margin();
    for (t, notes) in &candidates[..2] {
        if text_width(root, theme, t, &theme.title())? <= room {
            return Ok((t.clone(), notes.clone()));
        }
    }
    let [_, _, last] = candidates;
    Ok(last)
}

/// Height of the title bar (px at 1600×1000).
pub const TITLE_BAR: f64 = 76.0;

/// How the x axis is labelled.
#[derive(Debug, Clone, Copy)]
pub enum XAxis<'s> {
    /// Numbered ticks and this description (quantity and unit).
    Numeric(&'s str),
    /// No labels (upper panels of a stack, sharing the bottom panel's axis).
    Hidden,
    /// Room for one line of category names, drawn by the caller; no ticks or vertical grid.
    Categories,
    /// Category names at 0, 1, 2, … ([`category_names_x`]) and this description under them.
    Named(&'s str),
}

impl<'s> XAxis<'s> {
    /// The x axis of one of several stacked panels: numbered under the last one only.
    pub fn stacked(last: bool, desc: &'s str) -> Self {
        if last {
            XAxis::Numeric(desc)
        } else {
            XAxis::Hidden
        }
    }
}

/// An x–y chart's axes and the room around its plotting area (px at 1600×1000).
pub struct Axes<'s> {
    pub x: AxisRange,
    pub y: AxisRange,
    pub x_axis: XAxis<'s>,
    /// Rotated description (quantity and unit); `None` when the caller writes it elsewhere.
    pub y_desc: Option<&'s str>,
    /// Width left of the plotting area: tick labels, and the description if any.
    pub left: f64,
    /// The y ticks are categories named by the caller ([`category_names_y`]), not numbers.
    pub y_named: bool,
    /// Margin right of the plotting area.
    pub right: f64,
}

/// Label-area sizes (px at 1600×1000) that fit tick labels and descriptions.
pub const Y_LABEL_AREA: f64 = 124.0;
pub const Y_TICKS_ONLY: f64 = 84.0;
pub const X_LABEL_AREA: f64 = 92.0;
pub const CATEGORY_LABEL_AREA: f64 = 48.0;
/// Margin left of the label area (px at 1600×1000).
pub const LEFT_MARGIN: f64 = 8.0;

/// Build a chart on `area` with a light grid, labelled axes and a frame. Charts built with the
/// same `left` and `right` on areas of equal width have aligned x axes.
pub fn xy_chart<'a, DB: DrawingBackend>(
    area: &'a Area<DB>,
    theme: &Theme,
    axes: &Axes<'_>,
) -> DrawResult<XyChart<'a, DB>>
where
    DB::ErrorType: 'static,
{
    let bottom = match axes.x_axis {
        XAxis::Numeric(_) | XAxis::Named(_) => X_LABEL_AREA,
        XAxis::Hidden => 0.0,
        XAxis::Categories => CATEGORY_LABEL_AREA,
    };
    let mut chart = ChartBuilder::on(area)
        .margin_top(theme.px(12.0))
        .margin_right(theme.px(axes.right))
        .margin_left(theme.px(LEFT_MARGIN))
        .margin_bottom(theme.px(4.0))
        .set_label_area_size(LabelAreaPosition::Left, theme.tpx(axes.left))
        .set_label_area_size(LabelAreaPosition::Bottom, theme.tpx(bottom))
        .build_cartesian_2d(axes.x.lo..axes.x.hi, axes.y.lo..axes.y.hi)?;
    let hide = |_: &f64| String::new();
    // Label every tick, or every 2nd or 5th one when ticks are closer than a line of text; the
    // labelled ticks are multiples of the wider step, so 0 stays labelled.
    let (_, plot_h) = chart.plotting_area().dim_in_pixel();
    let y = axes.y;
    let spacing = plot_h as f64 * y.step / (y.hi - y.lo);
    let min_spacing = theme.tpx(34.0) as f64;
    let stride = [1.0, 2.0, 5.0]
        .into_iter()
        .find(|k| spacing * k >= min_spacing)
        .unwrap_or(10.0);
    let y_label = move |v: &f64| {
        let k = v / (y.step * stride);
        if y.step == 0.0 || (k - k.round()).abs() < 1e-6 {
            tick_label(v)
        } else {
            String::new()
        }
    };
    let x_desc = match axes.x_axis {
        XAxis::Numeric(d) | XAxis::Named(d) => theme.t(d).into_owned(),
        _ => String::new(),
    };
    let y_desc = axes.y_desc.map(|d| theme.t(d).into_owned());
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(GRID.stroke_width(theme.upx(1.5)))
        .max_light_lines(0)
        .axis_style(INK.stroke_width(theme.upx(2.0)))
        .set_all_tick_mark_size(theme.px(8.0))
        .label_style(theme.tick())
        .axis_desc_style(theme.axis_desc())
        .x_labels(axes.x.ticks)
        .y_labels(axes.y.ticks)
        .y_label_formatter(&y_label);
    match axes.x_axis {
        XAxis::Numeric(_) => mesh.x_desc(x_desc).x_label_formatter(&tick_label),
        XAxis::Hidden => mesh.x_label_formatter(&hide),
        XAxis::Categories => mesh.x_label_formatter(&hide).disable_x_mesh().x_labels(0),
        XAxis::Named(_) => mesh
            .x_desc(x_desc)
            .x_label_formatter(&hide)
            .disable_x_mesh()
            .x_labels(0),
    };
    if axes.y_named {
        mesh.y_label_formatter(&hide).disable_y_mesh().y_labels(0);
    }
    if let Some(desc) = y_desc {
        mesh.y_desc(desc);
    }
    mesh.draw()?;
    let (x, y) = (chart.x_range(), chart.y_range());
    chart.plotting_area().draw(&Rectangle::new(
        [(x.start, y.end), (x.end, y.start)],
        INK.mix(0.55).stroke_width(theme.upx(1.5)),
    ))?;
    Ok(chart)
}

/// Write category `names` under the x axis of `chart`, the i-th centred at x = i, each on one
/// or more lines (a name is broken at " + "); returns the height of the tallest, in pixels.
pub fn category_names_x<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &XyChart<'_, DB>,
    names: &[String],
) -> DrawResult<i32>
where
    DB::ErrorType: 'static,
{
    let plot = plot_rect(chart);
    let style = theme.tick();
    let line_h = theme.tpx(30.0);
    let mut tallest = 0;
    for (i, name) in names.iter().enumerate() {
        let (x, _) = chart.backend_coord(&(i as f64, chart.y_range().start));
        let lines = name_parts(name);
        for (k, line) in lines.iter().enumerate() {
            let at = (x, plot.y1 + theme.px(10.0) + k as i32 * line_h);
            text(root, theme, line, &style, at, (HPos::Center, VPos::Top))?;
        }
        tallest = tallest.max(line_h * lines.len() as i32);
    }
    Ok(tallest)
}

/// Write category `names` left of the y axis of `chart`, the i-th centred at y = i.
pub fn category_names_y<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    chart: &XyChart<'_, DB>,
    names: &[String],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let plot = plot_rect(chart);
    let style = theme.tick();
    let line_h = theme.tpx(30.0);
    for (i, name) in names.iter().enumerate() {
        let (_, y) = chart.backend_coord(&(chart.x_range().start, i as f64));
        let lines = name_parts(name);
        let top = y - line_h * (lines.len() as i32 - 1) / 2;
        for (k, line) in lines.iter().enumerate() {
            let at = (plot.x0 - theme.px(12.0), top + k as i32 * line_h);
            text(root, theme, line, &style, at, (HPos::Right, VPos::Center))?;
        }
    }
    Ok(())
}

/// Width in pixels of the widest line of category `names` (as [`category_names_y`] writes
/// them).
pub fn category_names_width<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    names: &[String],
) -> DrawResult<i32>
where
    DB::ErrorType: 'static,
{
    let mut widest = 0;
    for line in names.iter().flat_map(|n| name_parts(n)) {
        widest = widest.max(text_width(root, theme, &line, &theme.tick())?);
    }
    Ok(widest)
}

/// A category name as lines: "XT 14.5 mm + XT 20.5 mm" → "XT 14.5 mm +", "XT 20.5 mm".
fn name_parts(name: &str) -> Vec<String> {
    let parts: Vec<&str> = name.split(" + ").collect();
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            if i + 1 < n {
                format!("{p} +")
            } else {
                p.to_string()
            }
        })
        .collect()
}

/// Most numbered x ticks that read apart on a plot `plot_w` pixels wide (one per 110 px at
/// 1600×1000, at least 3).
pub fn tick_room(theme: &Theme, plot_w: i32) -> usize {
    (plot_w / theme.tpx(110.0)).max(3) as usize
}

/// The x axis of one facet panel `plot_w` pixels wide: at most the ticks that read apart,
/// category names (`named`) or numbers, and `desc` where `show_desc` (the others keep its room,
/// so that all plots align).
pub fn facet_x<'s>(
    theme: &Theme,
    x: AxisRange,
    named: bool,
    show_desc: bool,
    desc: &'s str,
    plot_w: i32,
) -> (AxisRange, XAxis<'s>) {
    let desc = if show_desc { desc } else { "" };
    let range = AxisRange {
        ticks: x.ticks.min(tick_room(theme, plot_w)),
        ..x
    };
    let axis = if named {
        XAxis::Named(desc)
    } else {
        XAxis::Numeric(desc)
    };
    (range, axis)
}

/// Whether facet panel `k` of `n` in `cols` columns writes the x description: under the
/// lowest panel of each column when `desc_fits` one panel's width, else under the middle
/// column's only (so that long descriptions do not run into each other).
pub fn shows_x_desc(k: usize, n: usize, cols: usize, desc_fits: bool) -> bool {
    let lowest = k + cols >= n;
    lowest && (desc_fits || k % cols == cols / 2 || n < cols)
}

/// Most panels of a faceted figure (`--facet`): 3 × 3.
pub const MAX_FACETS: usize = 9;

/// Columns and rows of `n` facet panels: one row up to 3, then 2 × 2, 3 × 2, 3 × 3.
pub fn facet_grid(n: usize) -> (usize, usize) {
    match n {
        0 | 1 => (1, 1),
        2 | 3 => (n, 1),
        4 => (2, 2),
        5 | 6 => (3, 2),
        _ => (3, n.div_ceil(3)),
    }
}

/// Points per piece of a solid curve drawn in pixels (consecutive pieces share a point).
const RASTER_PIECE: usize = 8;

/// Draw `points` as one pre/post curve: solid or dashed in the state's colour.
pub fn draw_curve<DB: DrawingBackend>(
    chart: &mut XyChart<'_, DB>,
    theme: &Theme,
    style: StateStyle,
    points: Vec<(f64, f64)>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let line = style.color.stroke_width(theme.line_width());
    if style.dashed {
        let (dash, gap) = theme.dash();
        chart.draw_series(DashedLineSeries::new(points, dash, gap, line))?;
    } else if theme.raster() {
        // In pixels plotters fills a thick path as one polygon, so a stretch where the curve
        // runs back over itself (the LA loop's reservoir line) cancels out and shows hollow;
        // short overlapping pieces do not.
        let pieces = points.windows(RASTER_PIECE).step_by(RASTER_PIECE - 1);
        let rest = points.len().saturating_sub(1) % (RASTER_PIECE - 1);
        let tail = &points[points.len().saturating_sub(rest + 1)..];
        for piece in pieces.chain((rest > 0).then_some(tail)) {
            chart.draw_series(LineSeries::new(piece.iter().copied(), line))?;
        }
    } else {
        chart.draw_series(LineSeries::new(points, line))?;
    }
    Ok(())
}

/// What a legend entry shows before its text.
#[derive(Debug, Clone, Copy)]
pub enum Swatch {
    /// A short line in the state's colour and dash.
    Line(StateStyle),
    /// A filled box (bars, shaded areas) of this colour and opacity.
    Fill(RGBColor, f64),
    /// A short line in the state's colour and dash with a marker on it.
    LineMarker(StateStyle, Marker),
    /// A marker alone: filled, or hollow when the flag is set.
    Point(RGBColor, Marker, bool),
    /// No swatch: the text, in bold, starts where swatches do (a heading over the entries).
    Title,
    /// No swatch: plain text where swatches start (a note).
    Text,
}

/// A legend entry; `lines[0]` sits beside the swatch, further lines below it.
pub struct LegendEntry {
    pub swatch: Swatch,
    pub lines: Vec<String>,
}

impl LegendEntry {
    pub fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        Self {
            swatch,
            lines: vec![label.into()],
        }
    }
}

/// Where a legend's box is anchored, in canvas pixels.
#[derive(Debug, Clone, Copy)]
pub enum Corner {
    TopLeft(i32, i32),
    TopRight(i32, i32),
}

/// Legend entries stacked in a column, or side by side in one row (title bars).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Column,
    Row,
}

/// Legend metrics (px at 1600×1000).
const LEGEND_PAD: f64 = 12.0;
const LEGEND_SWATCH: f64 = 62.0;
const LEGEND_GAP: f64 = 12.0;
const LEGEND_LINE: f64 = 40.0;
const LEGEND_SPACING: f64 = 28.0;

/// Width and height in pixels.
type Size = (i32, i32);

/// Size of each entry (swatch, text) and of the whole legend box, in pixels.
fn legend_layout<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    entries: &[LegendEntry],
    layout: Layout,
) -> DrawResult<(Vec<Size>, Size)>
where
    DB::ErrorType: 'static,
{
    let style = theme.legend();
    let pad = theme.tpx(LEGEND_PAD);
    let line_h = theme.tpx(LEGEND_LINE);
    let mut sizes = Vec::with_capacity(entries.len());
    for e in entries {
        let mut w = 0;
        for line in &e.lines {
            w = w.max(text_width(root, theme, line, &style)?);
        }
        let swatch = match e.swatch {
            Swatch::Title => {
                w = 0;
                for line in &e.lines {
                    w = w.max(text_width(root, theme, line, &theme.legend_title())?);
                }
                0
            }
            Swatch::Text => 0,
            _ => theme.tpx(LEGEND_SWATCH) + theme.tpx(LEGEND_GAP),
        };
        sizes.push((swatch + w, line_h * e.lines.len() as i32));
    }
    let spacing = theme.tpx(LEGEND_SPACING) * (sizes.len() as i32 - 1).max(0);
    let size = match layout {
        Layout::Column => (
            2 * pad + sizes.iter().map(|s| s.0).max().unwrap_or(0),
            2 * pad + sizes.iter().map(|s| s.1).sum::<i32>(),
        ),
        Layout::Row => (
            2 * pad + sizes.iter().map(|s| s.0).sum::<i32>() + spacing,
            2 * pad + sizes.iter().map(|s| s.1).max().unwrap_or(0),
        ),
    };
    Ok((sizes, size))
}

/// Width and height in pixels of the legend box [`legend`] would draw.
pub fn legend_size<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    entries: &[LegendEntry],
    layout: Layout,
) -> DrawResult<(i32, i32)>
where
    DB::ErrorType: 'static,
{
    Ok(legend_layout(root, theme, entries, layout)?.1)
}

/// The corner of `plot` (inset by `inset` pixels) where a legend of this size covers the
/// fewest of `points` (pixels of the drawn data): top left, top right, bottom left, bottom right,
/// first best wins.
pub fn emptiest_corner<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    entries: &[LegendEntry],
    plot: PixelRect,
    inset: i32,
    points: &[(i32, i32)],
) -> DrawResult<Corner>
where
    DB::ErrorType: 'static,
{
    let (_, (w, h)) = legend_layout(root, theme, entries, Layout::Column)?;
    let margin = theme.px(10.0);
    let (left, right) = (plot.x0 + inset, plot.x1 - inset);
    let (top, bottom) = (plot.y0 + inset, plot.y1 - inset - h);
    let candidates = [
        (Corner::TopLeft(left, top), left),
        (Corner::TopRight(right, top), right - w),
        (Corner::TopLeft(left, bottom), left),
        (Corner::TopRight(right, bottom), right - w),
    ];
    let covered = |x0: i32, y0: i32| {
        let r = PixelRect {
            x0: x0 - margin,
            y0: y0 - margin,
            x1: x0 + w + margin,
            y1: y0 + h + margin,
        };
        points
            .iter()
            .filter(|&&(x, y)| r.x0 <= x && x <= r.x1 && r.y0 <= y && y <= r.y1)
            .count()
    };
    let best = candidates
        .iter()
        .min_by_key(|(corner, x0)| {
            let y0 = match corner {
                Corner::TopLeft(_, y) | Corner::TopRight(_, y) => *y,
            };
            covered(*x0, y0)
        })
        .map(|(c, _)| *c)
        .unwrap_or(Corner::TopLeft(left, top));
    Ok(best)
}

/// Draw a boxed legend; returns its pixel rectangle.
pub fn legend<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    entries: &[LegendEntry],
    corner: Corner,
    layout: Layout,
) -> DrawResult<PixelRect>
where
    DB::ErrorType: 'static,
{
    let style = theme.legend();
    let pad = theme.tpx(LEGEND_PAD);
    let swatch_w = theme.tpx(LEGEND_SWATCH);
    let gap = theme.tpx(LEGEND_GAP);
    let line_h = theme.tpx(LEGEND_LINE);
    let spacing = theme.tpx(LEGEND_SPACING);
    let (sizes, (w, h)) = legend_layout(root, theme, entries, layout)?;
    let (x0, y0) = match corner {
        Corner::TopLeft(x, y) => (x, y),
        Corner::TopRight(x, y) => (x - w, y),
    };
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + w, y0 + h)],
        PAPER.mix(0.92).filled(),
    ))?;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + w, y0 + h)],
        GREY.stroke_width(theme.upx(1.5)),
    ))?;
    let (mut x, mut y) = (x0 + pad, y0 + pad);
    for (e, (ew, eh)) in entries.iter().zip(&sizes) {
        let yc = y + line_h / 2;
        let (sx0, sx1) = (x, x + swatch_w);
        match e.swatch {
            Swatch::Line(s) => swatch_line(root, theme, s, (sx0, sx1, yc))?,
            Swatch::Fill(color, alpha) => {
                let half = line_h * 3 / 10;
                root.draw(&Rectangle::new(
                    [(sx0, yc - half), (sx1, yc + half)],
                    color.mix(alpha).filled(),
                ))?;
            }
            Swatch::LineMarker(s, shape) => {
                swatch_line(root, theme, s, (sx0, sx1, yc))?;
                marker(root, theme, ((sx0 + sx1) / 2, yc), shape, s.color)?;
            }
            Swatch::Point(color, shape, hollow) => {
                let at = ((sx0 + sx1) / 2, yc);
                if hollow {
                    hollow_marker(root, theme, at, shape, color)?;
                } else {
                    marker(root, theme, at, shape, color)?;
                }
            }
            Swatch::Title | Swatch::Text => {}
        }
        for (i, line) in e.lines.iter().enumerate() {
            let (x, style) = match e.swatch {
                Swatch::Title => (sx0, theme.legend_title()),
                Swatch::Text => (sx0, style.clone()),
                _ => (sx1 + gap, style.clone()),
            };
            let at = (x, yc + line_h * i as i32);
            text(root, theme, line, &style, at, (HPos::Left, VPos::Center))?;
        }
        match layout {
            Layout::Column => y += eh,
            Layout::Row => x += ew + spacing,
        }
    }
    Ok(PixelRect {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    })
}

/// A legend swatch's short line, from `x0` to `x1` at height `y`, in the state's colour and dash.
fn swatch_line<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    s: StateStyle,
    (x0, x1, y): (i32, i32, i32),
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let line = s.color.stroke_width(theme.line_width());
    let path = vec![(x0, y), (x1, y)];
    if s.dashed {
        let (dash, gap) = theme.dash();
        root.draw(&DashedPathElement::new(path, dash, gap, line))?;
    } else {
        root.draw(&PathElement::new(path, line))?;
    }
    Ok(())
}

/// Estimated width of `text` in pixels, with slack for an SVG viewer's fallback font.
pub fn text_width<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    text: &str,
    style: &TextStyle<'_>,
) -> DrawResult<i32>
where
    DB::ErrorType: 'static,
{
    let (w, _) = root.estimate_text_size(&theme.t(text), style)?;
    Ok((w as f64 * 1.08).ceil() as i32)
}

/// Write a panel heading at the top of `area` at `x` pixels from its left edge, aligned by `h`;
/// returns the area below it.
pub fn heading<DB: DrawingBackend>(
    area: &Area<DB>,
    theme: &Theme,
    title: &str,
    (x, h): (i32, HPos),
) -> DrawResult<Area<DB>>
where
    DB::ErrorType: 'static,
{
    let height = theme.tpx(HEADING);
    let at = (x, height / 2 + theme.px(4.0));
    text(area, theme, title, &theme.heading(), at, (h, VPos::Center))?;
    Ok(area.margin(height, 0, 0, 0))
}

/// The headings of facet panels, all in one form: "Heart rate = 75 bpm" in the heading style
/// when every one fits in `max_w` pixels, else smaller, else the values alone ("75 bpm"), the
/// axis then named in the title (`by`).
pub struct FacetHeadings {
    pub texts: Vec<String>,
    pub style: TextStyle<'static>,
    /// The facet axis's name, "clip configuration", when the headings are values alone.
    pub by: Option<String>,
}

impl FacetHeadings {
    /// Choose the form of `headings` ("Name = value") for panels `max_w` pixels wide.
    pub fn fit<DB: DrawingBackend>(
        root: &Area<DB>,
        theme: &Theme,
        headings: &[String],
        max_w: i32,
    ) -> DrawResult<FacetHeadings>
    where
        DB::ErrorType: 'static,
    {
        let values: Vec<String> = headings
            .iter()
            .map(|h| {
                h.split_once(" = ")
                    .map_or(h.as_str(), |(_, v)| v)
                    .to_string()
            })
            .collect();
        let by = headings
            .first()
            .and_then(|h| h.split_once(" = "))
            .map(|(name, _)| lower_first(name));
        for (texts, by) in [(headings.to_vec(), None), (values.clone(), by.clone())] {
            for style in [theme.heading(), theme.tick()] {
                let mut fits = true;
                for t in &texts {
                    fits &= text_width(root, theme, t, &style)? <= max_w;
                }
                if fits {
                    return Ok(FacetHeadings { texts, style, by });
                }
            }
        }
        Ok(FacetHeadings {
            texts: values,
            style: theme.tick(),
            by,
        })
    }

    /// The facet axis's name when the headings do not say it (see [`figure_title`]).
    pub fn by(&self) -> Option<&str> {
        self.by.as_deref()
    }

    /// Write heading `k` centred at `x` at the top of `area`; returns the area below it.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &Area<DB>,
        theme: &Theme,
        k: usize,
        x: i32,
    ) -> DrawResult<Area<DB>>
    where
        DB::ErrorType: 'static,
    {
        let height = theme.tpx(HEADING);
        let at = (x, height / 2 + theme.px(4.0));
        let t = self.texts.get(k).map_or("", String::as_str);
        text(
            area,
            theme,
            t,
            &self.style,
            at,
            (HPos::Center, VPos::Center),
        )?;
        Ok(area.margin(height, 0, 0, 0))
    }
}

/// "Clip configuration" → "clip configuration", "LV active elastance" unchanged.
fn lower_first(s: &str) -> String {
    super::quantity::lower_unless_acronym(s)
}

/// Height of a panel heading (px at 1600×1000).
pub const HEADING: f64 = 40.0;

/// Width of the column of panel names left of the tick labels of stacked panels (px at
/// 1600×1000), where a rotated axis description would be taller than a panel.
pub const NAME_COLUMN: f64 = 232.0;

/// Write a stacked panel's name, one bold line under the other, at the left of `area` from the
/// top of its plotting area `plot`.
pub fn draw_panel_name<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    area: &Area<DB>,
    plot: PixelRect,
    lines: &[String],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let x = area.get_pixel_range().0.start + theme.px(LEFT_MARGIN);
    for (i, line) in lines.iter().enumerate() {
        let at = (x, plot.y0 + theme.px(2.0) + theme.tpx(36.0) * i as i32);
        let style = theme.heading();
        text(root, theme, line, &style, at, (HPos::Left, VPos::Top))?;
    }
    Ok(())
}

/// A quantity with its unit, "mean gradient (mmHg)", as the two lines of a panel name.
pub fn name_lines(label: &str) -> Vec<String> {
    match label.rfind(" (") {
        Some(i) => vec![label[..i].to_string(), label[i + 1..].to_string()],
        None => vec![label.to_string()],
    }
}

/// A marker shape for annotated points.
#[derive(Debug, Clone, Copy)]
pub enum Marker {
    Circle,
    Square,
    /// An ×, for a point without a value.
    Cross,
}

/// A filled marker in `color`, outlined in white so it stands out on its own curve; returns its
/// pixel box.
pub fn marker<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    at: (i32, i32),
    shape: Marker,
    color: RGBColor,
) -> DrawResult<PixelRect>
where
    DB::ErrorType: 'static,
{
    let edge = PAPER.stroke_width(theme.upx(3.0));
    styled_marker(
        root,
        theme,
        at,
        shape,
        theme.px(10.0),
        (color.filled(), edge),
        color,
    )
}

/// A hollow marker: white inside, outlined in `color` (a point whose value is doubtful, e.g.
/// not converged); returns its pixel box.
pub fn hollow_marker<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    at: (i32, i32),
    shape: Marker,
    color: RGBColor,
) -> DrawResult<PixelRect>
where
    DB::ErrorType: 'static,
{
    let edge = color.stroke_width(theme.upx(3.5));
    styled_marker(
        root,
        theme,
        at,
        shape,
        theme.px(9.0),
        (PAPER.filled(), edge),
        color,
    )
}

/// A marker drawn as an outline only, larger than a filled one, so that a filled marker at the
/// same point stays visible inside it; returns its pixel box.
pub fn ring<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    at: (i32, i32),
    shape: Marker,
    color: RGBColor,
) -> DrawResult<PixelRect>
where
    DB::ErrorType: 'static,
{
    let (hollow, edge) = (color.mix(0.0).filled(), color.stroke_width(theme.upx(3.5)));
    styled_marker(
        root,
        theme,
        at,
        shape,
        theme.px(16.0),
        (hollow, edge),
        color,
    )
}

/// A marker of radius `r` drawn as `(fill, edge)`; a cross is drawn in `color`.
fn styled_marker<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    at: (i32, i32),
    shape: Marker,
    r: i32,
    (fill, edge): (ShapeStyle, ShapeStyle),
    color: RGBColor,
) -> DrawResult<PixelRect>
where
    DB::ErrorType: 'static,
{
    match shape {
        Marker::Circle => {
            root.draw(&Circle::new(at, r, fill))?;
            root.draw(&Circle::new(at, r, edge))?;
        }
        Marker::Square => {
            let c = [(at.0 - r, at.1 - r), (at.0 + r, at.1 + r)];
            root.draw(&Rectangle::new(c, fill))?;
            root.draw(&Rectangle::new(c, edge))?;
        }
        Marker::Cross => cross(root, theme, at, r, color)?,
    }
    Ok(PixelRect {
        x0: at.0 - r,
        y0: at.1 - r,
        x1: at.0 + r,
        y1: at.1 + r,
    })
}

fn cross<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    (x, y): (i32, i32),
    r: i32,
    color: RGBColor,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let d = r * 4 / 5;
    let stroke = color.stroke_width(theme.upx(4.0));
    root.draw(&PathElement::new(
        vec![(x - d, y - d), (x + d, y + d)],
        stroke,
    ))?;
    root.draw(&PathElement::new(
        vec![(x - d, y + d), (x + d, y - d)],
        stroke,
    ))?;
    Ok(())
}

/// An axis-aligned rectangle in canvas pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl PixelRect {
    pub fn overlaps(&self, o: &PixelRect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// Places annotation texts so that none overlaps another or a reserved box (legend, marker):
/// a text that would collide moves by whole steps.
#[derive(Default)]
pub struct Labels {
    taken: Vec<PixelRect>,
}

impl Labels {
    pub fn reserve(&mut self, r: PixelRect) {
        self.taken.push(r);
    }

    /// Draw `text` anchored at `at` with horizontal alignment `h` (vertically centred), moving it
    /// by `step` pixels (sign = direction) until it is clear; returns its box.
    #[allow(clippy::too_many_arguments)]
    pub fn place<DB: DrawingBackend>(
        &mut self,
        root: &Area<DB>,
        theme: &Theme,
        label: &str,
        style: &TextStyle<'static>,
        at: (i32, i32),
        h: HPos,
        step: i32,
    ) -> DrawResult<PixelRect>
    where
        DB::ErrorType: 'static,
    {
        let mut rect = Self::text_box(root, theme, label, style, at, h)?;
        let mut y = at.1;
        for _ in 0..12 {
            if !self.taken.iter().any(|t| t.overlaps(&rect)) {
                break;
            }
            y += step;
            rect.y0 += step;
            rect.y1 += step;
        }
        text(root, theme, label, style, (at.0, y), (h, VPos::Center))?;
        self.taken.push(rect);
        Ok(rect)
    }

    /// Draw `text` as [`Labels::place`] would, but only where it is clear as it stands, slid
    /// sideways into `within` if need be; returns its box, or `None` (nothing drawn).
    #[allow(clippy::too_many_arguments)]
    pub fn place_if_clear<DB: DrawingBackend>(
        &mut self,
        root: &Area<DB>,
        theme: &Theme,
        label: &str,
        style: &TextStyle<'static>,
        at: (i32, i32),
        h: HPos,
        within: PixelRect,
    ) -> DrawResult<Option<PixelRect>>
    where
        DB::ErrorType: 'static,
    {
        let mut rect = Self::text_box(root, theme, label, style, at, h)?;
        // Slide it sideways into `within` if it sticks out (a band at the edge of the plot).
        let shift = (within.x0 - rect.x0).max(0) + (within.x1 - rect.x1).min(0);
        rect.x0 += shift;
        rect.x1 += shift;
        let inside = rect.x0 >= within.x0 && rect.x1 <= within.x1;
        if !inside || self.taken.iter().any(|t| t.overlaps(&rect)) {
            return Ok(None);
        }
        let at = (at.0 + shift, at.1);
        text(root, theme, label, style, at, (h, VPos::Center))?;
        self.taken.push(rect);
        Ok(Some(rect))
    }

    /// The box of `label` anchored at `at` by `h`, vertically centred.
    fn text_box<DB: DrawingBackend>(
        root: &Area<DB>,
        theme: &Theme,
        label: &str,
        style: &TextStyle<'static>,
        at: (i32, i32),
        h: HPos,
    ) -> DrawResult<PixelRect>
    where
        DB::ErrorType: 'static,
    {
        let w = text_width(root, theme, label, style)?;
        let (_, th) = root.estimate_text_size(&theme.t(label), style)?;
        let half = (th as i32 * 3 / 4).max(1);
        let x0 = match h {
            HPos::Left => at.0,
            HPos::Center => at.0 - w / 2,
            HPos::Right => at.0 - w,
        };
        Ok(PixelRect {
            x0,
            y0: at.1 - half,
            x1: x0 + w,
            y1: at.1 + half,
        })
    }
}

/// Pixel box of a chart's plotting area.
pub fn plot_rect<DB: DrawingBackend>(chart: &XyChart<'_, DB>) -> PixelRect {
    let (x, y) = chart.plotting_area().get_pixel_range();
    PixelRect {
        x0: x.start,
        y0: y.start,
        x1: x.end,
        y1: y.end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facets_fill_rows_of_up_to_three() {
        let grids: Vec<(usize, usize)> = (1..=9).map(facet_grid).collect();
        assert_eq!(
            grids,
            [
                (1, 1),
                (2, 1),
                (3, 1),
                (2, 2),
                (3, 2),
                (3, 2),
                (3, 3),
                (3, 3),
                (3, 3)
            ]
        );
    }

    #[test]
    fn the_x_description_goes_under_the_lowest_panels_or_the_middle_one() {
        // 5 panels in 3 columns: 0 1 2 / 3 4 — the lowest of each column are 2, 3, 4.
        let shown = |fits| {
            (0..5)
                .filter(|&k| shows_x_desc(k, 5, 3, fits))
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(true), [2, 3, 4]);
        assert_eq!(shown(false), [4]);
        // One row of two: under the second (the middle of two columns) when it does not fit.
        assert_eq!(
            (0..2)
                .filter(|&k| shows_x_desc(k, 2, 2, false))
                .collect::<Vec<_>>(),
            [1]
        );
        assert_eq!(
            (0..1)
                .filter(|&k| shows_x_desc(k, 1, 1, false))
                .collect::<Vec<_>>(),
            [0]
        );
    }
}
