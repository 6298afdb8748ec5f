//! Drawing pieces shared by the figures: the title bar, a labelled x–y chart, pre/post curves,
//! legends, markers and non-overlapping annotations.
//!
//! Why: axis, legend and curve code exists once, so all figures look alike and a fix applies to
//! all of them. Overlays (legends, annotations) are drawn on the whole canvas in pixels, using
//! the chart only to map data to pixels.

use super::style::{anchored, tick_label, StateStyle, Theme, GREY, GRID, INK, PAPER};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
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

/// Clear the canvas, write the title at the top left and return the area below it.
pub fn titled<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    title: &str,
) -> DrawResult<Area<DB>>
where
    DB::ErrorType: 'static,
{
    root.fill(&PAPER)?;
    let header = theme.px(78.0);
    let style = anchored(theme.title(), HPos::Left, VPos::Center);
    root.draw_text(title, &style, (theme.margin(), header / 2 + theme.px(6.0)))?;
    let (_, body) = root.split_vertically(header);
    Ok(body)
}

/// An x–y chart's axes: data ranges, descriptions (quantity and unit) and tick counts.
pub struct Axes<'s> {
    pub x: (f64, f64),
    pub y: (f64, f64),
    /// `None` hides the x tick labels and description (upper panels of a stack).
    pub x_desc: Option<&'s str>,
    /// `None` when the quantity is written as a panel heading instead.
    pub y_desc: Option<&'s str>,
    pub x_ticks: usize,
    pub y_ticks: usize,
}

/// Left and bottom label-area sizes (1600×1000 px) that fit tick labels and descriptions.
pub const Y_LABEL_AREA: f64 = 128.0;
pub const Y_LABEL_AREA_NO_DESC: f64 = 84.0;
pub const X_LABEL_AREA: f64 = 98.0;

/// Build a chart on `area` with a light grid and labelled axes. `right` is the margin right of
/// the plotting area; stacked panels share it and the left label area, so their x axes align.
pub fn xy_chart<'a, DB: DrawingBackend>(
    area: &'a Area<DB>,
    theme: &Theme,
    axes: &Axes<'_>,
    right: f64,
) -> DrawResult<XyChart<'a, DB>>
where
    DB::ErrorType: 'static,
{
    let left = if axes.y_desc.is_some() {
        Y_LABEL_AREA
    } else {
        Y_LABEL_AREA_NO_DESC
    };
    let bottom = if axes.x_desc.is_some() {
        X_LABEL_AREA
    } else {
        0.0
    };
    let mut chart = ChartBuilder::on(area)
        .margin_top(theme.px(12.0))
        .margin_right(theme.px(right))
        .margin_left(theme.px(8.0))
        .margin_bottom(theme.px(4.0))
        .set_label_area_size(LabelAreaPosition::Left, theme.px(left))
        .set_label_area_size(LabelAreaPosition::Bottom, theme.px(bottom))
        .build_cartesian_2d(axes.x.0..axes.x.1, axes.y.0..axes.y.1)?;
    let hide = |_: &f64| String::new();
    let mut mesh = chart.configure_mesh();
    mesh.bold_line_style(GRID.stroke_width(theme.upx(1.5)))
        .max_light_lines(0)
        .axis_style(INK.stroke_width(theme.upx(2.0)))
        .set_all_tick_mark_size(theme.px(8.0))
        .label_style(theme.tick())
        .axis_desc_style(theme.axis_desc())
        .x_labels(axes.x_ticks)
        .y_labels(axes.y_ticks)
        .y_label_formatter(&tick_label);
    match axes.x_desc {
        Some(desc) => mesh.x_desc(desc).x_label_formatter(&tick_label),
        None => mesh.x_label_formatter(&hide),
    };
    if let Some(desc) = axes.y_desc {
        mesh.y_desc(desc);
    }
    mesh.draw()?;
    frame(&chart, theme)?;
    Ok(chart)
}

/// A thin frame around the plotting area (plotters draws only the left and bottom axes).
fn frame<DB: DrawingBackend>(chart: &XyChart<'_, DB>, theme: &Theme) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (x, y) = chart.x_range();
    let yr = chart.y_range();
    chart.plotting_area().draw(&Rectangle::new(
        [(x, yr.end), (chart.x_range().end, yr.start)],
        INK.mix(0.55).stroke_width(theme.upx(1.5)),
    ))?;
    let _ = y;
    Ok(())
}

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
    /// A filled square (bars, shaded areas).
    Fill(RGBColor, f64),
}

pub struct LegendEntry {
    pub swatch: Swatch,
    pub label: String,
}

/// Where a legend's box is anchored, in canvas pixels.
#[derive(Debug, Clone, Copy)]
pub enum Corner {
    TopLeft(i32, i32),
    TopRight(i32, i32),
}

/// Draw a boxed legend; returns its pixel rectangle.
pub fn legend<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    entries: &[LegendEntry],
    corner: Corner,
) -> DrawResult<PixelRect>
where
    DB::ErrorType: 'static,
{
    let text = anchored(theme.legend(), HPos::Left, VPos::Center);
    let pad = theme.px(14.0);
    let swatch_w = theme.px(66.0);
    let gap = theme.px(12.0);
    let line_h = theme.px(44.0);
    let mut text_w = 0;
    for e in entries {
        text_w = text_w.max(text_width(root, &e.label, &text)?);
    }
    let w = 2 * pad + swatch_w + gap + text_w;
    let h = 2 * pad + line_h * entries.len() as i32;
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
    for (i, e) in entries.iter().enumerate() {
        let yc = y0 + pad + line_h * i as i32 + line_h / 2;
        let (sx0, sx1) = (x0 + pad, x0 + pad + swatch_w);
        match e.swatch {
            Swatch::Line(s) => {
                let line = s.color.stroke_width(theme.line_width());
                if s.dashed {
                    let (dash, gap) = theme.dash();
                    root.draw(&DashedPathElement::new(
                        vec![(sx0, yc), (sx1, yc)],
                        dash,
                        gap,
                        line,
                    ))?;
                } else {
                    root.draw(&PathElement::new(vec![(sx0, yc), (sx1, yc)], line))?;
                }
            }
            Swatch::Fill(color, alpha) => {
                let half = line_h * 3 / 10;
                root.draw(&Rectangle::new(
                    [(sx0, yc - half), (sx1, yc + half)],
                    color.mix(alpha).filled(),
                ))?;
            }
        }
        root.draw_text(&e.label, &text, (sx1 + gap, yc))?;
    }
    Ok(PixelRect {
        x0,
        y0,
        x1: x0 + w,
        y1: y0 + h,
    })
}

/// Estimated width of `text`, with slack for an SVG viewer's fallback font.
pub fn text_width<DB: DrawingBackend>(
    root: &Area<DB>,
    text: &str,
    style: &TextStyle<'_>,
) -> DrawResult<i32>
where
    DB::ErrorType: 'static,
{
    let (w, _) = root.estimate_text_size(text, style)?;
    Ok((w as f64 * 1.08).ceil() as i32)
}

/// A marker shape for annotated points.
#[derive(Debug, Clone, Copy)]
pub enum Marker {
    Circle,
    Square,
}

/// A filled marker in `color`, outlined in white so it stands out on its own curve.
pub fn marker<DB: DrawingBackend>(
    root: &Area<DB>,
    theme: &Theme,
    at: (i32, i32),
    shape: Marker,
    color: RGBColor,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let r = theme.px(10.0);
    let outline = PAPER.stroke_width(theme.upx(3.0));
    match shape {
        Marker::Circle => {
            root.draw(&Circle::new(at, r, color.filled()))?;
            root.draw(&Circle::new(at, r, outline))?;
        }
        Marker::Square => {
            let c = [(at.0 - r, at.1 - r), (at.0 + r, at.1 + r)];
            root.draw(&Rectangle::new(c, color.filled()))?;
            root.draw(&Rectangle::new(c, outline))?;
        }
    }
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
    fn overlaps(&self, o: &PixelRect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// Places annotation texts so that none overlaps another (or a reserved box, e.g. a legend):
/// a text that would collide moves down (or up) by whole lines.
#[derive(Default)]
pub struct Labels {
    taken: Vec<PixelRect>,
}

impl Labels {
    pub fn reserve(&mut self, r: PixelRect) {
        self.taken.push(r);
    }

    /// Draw `text` anchored at `at` with horizontal alignment `h` (vertically centred), moving it
    /// by line steps of `step` pixels (sign = direction) until it is clear; returns its box.
    pub fn place<DB: DrawingBackend>(
        &mut self,
        root: &Area<DB>,
        text: &str,
        style: &TextStyle<'static>,
        at: (i32, i32),
        h: HPos,
        step: i32,
    ) -> DrawResult<PixelRect>
    where
        DB::ErrorType: 'static,
    {
        let w = text_width(root, text, style)?;
        let (_, th) = root.estimate_text_size(text, style)?;
        let half = (th as i32 * 3 / 4).max(1);
        let x0 = match h {
            HPos::Left => at.0,
            HPos::Center => at.0 - w / 2,
            HPos::Right => at.0 - w,
        };
        let mut y = at.1;
        let mut rect = PixelRect {
            x0,
            y0: y - half,
            x1: x0 + w,
            y1: y + half,
        };
        for _ in 0..12 {
            if !self.taken.iter().any(|t| t.overlaps(&rect)) {
                break;
            }
            y += step;
            rect.y0 += step;
            rect.y1 += step;
        }
        root.draw_text(text, &anchored(style.clone(), h, VPos::Center), (at.0, y))?;
        self.taken.push(rect);
        Ok(rect)
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
