//! The look of every figure, in one place: embedded font, colours, sizes and number formats.
//!
//! Why: the four figures must read as one family (same fonts, same pre/post colours and dashes)
//! and stay legible at any image size, so every size is a 1600×1000 value scaled to the canvas.

use super::data::StateId;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, Color, FontDesc, FontFamily, FontStyle, RGBColor, TextStyle};
use std::sync::OnceLock;

/// Font family of every text. Rendering (PNG, and text layout for both formats) uses the embedded
/// Open Sans registered under this exact name; an SVG names it as a CSS font list, so a viewer
/// without Open Sans falls back to its own sans-serif rather than to a serif default.
pub const FAMILY: &str = "Open Sans, sans-serif";

pub(super) static REGULAR: &[u8] = include_bytes!("../../assets/fonts/OpenSans-Regular.ttf");
pub(super) static BOLD: &[u8] = include_bytes!("../../assets/fonts/OpenSans-Bold.ttf");

/// Register the embedded fonts with plotters (once per process); `false` if they are unusable.
pub fn register_fonts() -> bool {
    static DONE: OnceLock<bool> = OnceLock::new();
    *DONE.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, REGULAR).is_ok()
            && register_font(FAMILY, FontStyle::Bold, BOLD).is_ok()
    })
}

// Okabe & Ito (2008) colour-blind-safe palette.
pub const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xB2);
pub const VERMILLION: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
pub const INK: RGBColor = RGBColor(0x1A, 0x1A, 0x1A);
pub const GREY: RGBColor = RGBColor(0x6E, 0x6E, 0x6E);
pub const GRID: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);
pub const PAPER: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);

/// How a state is drawn: pre solid blue, post dashed vermillion.
#[derive(Debug, Clone, Copy)]
pub struct StateStyle {
    pub color: RGBColor,
    pub dashed: bool,
    pub label: &'static str,
}

pub fn state_style(id: StateId) -> StateStyle {
    match id {
        StateId::Pre => StateStyle {
            color: BLUE,
            dashed: false,
            label: "pre",
        },
        StateId::Post => StateStyle {
            color: VERMILLION,
            dashed: true,
            label: "post",
        },
    }
}

/// Sizes for one canvas: every length is given for 1600×1000 and scaled by [`Theme::px`].
///
/// Font sizes are plotters sizes (the font's ascent-to-descent height); the em, which an SVG
/// states as `font-size`, is size / 1.24, so the smallest text (28) is ≈ 23 px at 1600×1000.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub width: u32,
    scale: f64,
    /// Scale of text, and of the room kept for text (label areas, legends, title bar).
    text_scale: f64,
    raster: bool,
}

/// Smallest text scale whatever the canvas: the smallest text (28) stays ≥ 13 px (em) on a
/// small canvas such as 800×600.
const MIN_TEXT_SCALE: f64 = 0.6;

impl Theme {
    /// `raster`: drawing pixels (PNG) rather than SVG. `font_scale` multiplies every text size
    /// (and the room kept for text).
    pub fn new(width: u32, height: u32, raster: bool, font_scale: f64) -> Self {
        let scale = (width as f64 / 1600.0).min(height as f64 / 1000.0);
        Self {
            width,
            scale,
            text_scale: scale.max(MIN_TEXT_SCALE) * font_scale,
            raster,
        }
    }

    /// Drawing pixels (PNG) rather than SVG.
    pub fn raster(&self) -> bool {
        self.raster
    }

    /// `text` as it should be handed to plotters. In pixels, plotters 0.3.7 places each glyph
    /// without its left side bearing, which narrows word spaces to about two thirds
    /// (plotters-rs/plotters#576); a three-per-em space (U+2004) restores the width of a space.
    /// SVG text is laid out by the viewer and keeps plain spaces.
    pub fn t<'s>(&self, text: &'s str) -> std::borrow::Cow<'s, str> {
        if self.raster && text.contains(' ') {
            text.replace(' ', "\u{2004}").into()
        } else {
            text.into()
        }
    }

    /// A 1600×1000 length in pixels of this canvas (at least 1).
    pub fn px(&self, length: f64) -> i32 {
        (length * self.scale).round().max(1.0) as i32
    }

    pub fn upx(&self, length: f64) -> u32 {
        self.px(length) as u32
    }

    /// A 1600×1000 length kept for text (a label area, a legend line), in pixels of this
    /// canvas at this font scale (at least 1).
    pub fn tpx(&self, length: f64) -> i32 {
        (length * self.text_scale).round().max(1.0) as i32
    }

    fn text(&self, size: f64, style: FontStyle, color: RGBColor) -> TextStyle<'static> {
        let size = (size * self.text_scale).max(8.0);
        TextStyle {
            font: FontDesc::new(FontFamily::Name(FAMILY), size, style),
            color: color.to_backend_color(),
            pos: Pos::default(),
        }
    }

    pub fn title(&self) -> TextStyle<'static> {
        self.text(46.0, FontStyle::Bold, INK)
    }
    /// Panel headings (stacked panels, small multiples).
    pub fn heading(&self) -> TextStyle<'static> {
        self.text(32.0, FontStyle::Bold, INK)
    }
    pub fn axis_desc(&self) -> TextStyle<'static> {
        self.text(33.0, FontStyle::Normal, INK)
    }
    pub fn tick(&self) -> TextStyle<'static> {
        self.text(29.0, FontStyle::Normal, INK)
    }
    pub fn legend(&self) -> TextStyle<'static> {
        self.text(30.0, FontStyle::Normal, INK)
    }
    /// A heading line inside a legend.
    pub fn legend_title(&self) -> TextStyle<'static> {
        self.text(30.0, FontStyle::Bold, INK)
    }
    pub fn note(&self) -> TextStyle<'static> {
        self.text(28.0, FontStyle::Normal, INK)
    }
    pub fn note_colored(&self, color: RGBColor) -> TextStyle<'static> {
        self.text(28.0, FontStyle::Bold, color)
    }

    /// Width of data lines.
    pub fn line_width(&self) -> u32 {
        self.upx(4.0)
    }
    /// Dash and gap lengths of a dashed line.
    pub fn dash(&self) -> (i32, i32) {
        (self.px(18.0), self.px(10.0))
    }
    /// Outer margin of the canvas.
    pub fn margin(&self) -> i32 {
        self.px(24.0)
    }
}

/// A text style with its anchor.
pub fn anchored(style: TextStyle<'static>, h: HPos, v: VPos) -> TextStyle<'static> {
    style.pos(Pos::new(h, v))
}

/// Axis tick label: no trailing zeros, no "-0"; very large or very small magnitudes in
/// exponent form ("1e308", "2.5e-7") rather than as a saturated integer.
pub fn tick_label(v: &f64) -> String {
    let a = v.abs();
    if !a.is_finite() || (a != 0.0 && !(1e-4..1e9).contains(&a)) {
        return exponent_label(*v);
    }
    let r = v.round();
    if (v - r).abs() < 1e-9 * v.abs().max(1.0) {
        format!("{}", r as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// `v` as mantissa (up to 3 significant digits, no trailing zeros) and exponent: "1e308".
fn exponent_label(v: f64) -> String {
    let s = format!("{v:.2e}");
    let Some((mantissa, exp)) = s.split_once('e') else {
        return s; // inf, NaN
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    format!("{mantissa}e{exp}")
}

/// A value for annotations: three significant digits from 0.1 up (56.3, 142, 6.05, 0.41), two
/// below (0.0046), 0 as "0".
pub fn value_label(v: f64) -> String {
    let a = v.abs();
    let decimals = if a == 0.0 || !a.is_finite() || a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 0.1 {
        2
    } else {
        (1 - a.log10().floor() as i32).clamp(2, 4) as usize
    };
    let s = format!("{v:.decimals$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// An axis: its data range and the most tick labels it may carry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AxisRange {
    pub lo: f64,
    pub hi: f64,
    pub ticks: usize,
    /// The distance between ticks, when the range was made to fit it (else 0).
    pub step: f64,
}

impl AxisRange {
    /// A range as given; plotters chooses up to `ticks` ticks in it.
    pub fn fixed(lo: f64, hi: f64, ticks: usize) -> Self {
        Self {
            lo,
            hi,
            ticks,
            step: 0.0,
        }
    }
}

/// An axis covering `[lo, hi]` in about `intervals` steps of 1, 2 or 5 × 10ⁿ, starting and
/// ending on a step. Its tick count is exact: plotters, which picks the finest 1-2-5 step that
/// fits the count, then labels both ends. Never empty.
pub fn nice_range(lo: f64, hi: f64, intervals: f64) -> AxisRange {
    // Keep the span and the rounded ends finite for values near f64::MAX (a range beyond ±4e307
    // is cut there).
    const LIMIT: f64 = f64::MAX / 4.0;
    let (lo, hi) = (lo.min(hi).max(-LIMIT), lo.max(hi).min(LIMIT));
    let (lo, hi) = if hi - lo > 1e-9 * hi.abs().max(1.0) {
        (lo, hi)
    } else {
        (lo - 0.5 * lo.abs().max(1.0), hi + 0.5 * hi.abs().max(1.0))
    };
    let step = nice_step((hi - lo) / intervals);
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    AxisRange {
        lo,
        hi,
        ticks: ((hi - lo) / step).round() as usize + 1,
        step,
    }
}

fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Smallest and largest of several series.
pub fn extent<'a>(series: impl IntoIterator<Item = &'a [f64]>) -> (f64, f64) {
    series
        .into_iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_round_and_cover_the_data() {
        let r = nice_range(0.0, 101.0, 6.0);
        assert_eq!((r.lo, r.hi, r.ticks, r.step), (0.0, 120.0, 7, 20.0));
        let r = nice_range(61.0, 142.0, 5.0);
        assert_eq!((r.lo, r.hi, r.ticks, r.step), (60.0, 160.0, 6, 20.0));
        let r = nice_range(3.0, 3.0, 5.0);
        assert!(r.lo < 3.0 && r.hi > 3.0 && r.ticks >= 2);
        let r = nice_range(0.0, -10.0, 5.0);
        assert!(r.lo <= -10.0 && r.hi >= 0.0);
    }

    #[test]
    fn labels_are_short() {
        assert_eq!(tick_label(&20.0), "20");
        assert_eq!(tick_label(&0.25), "0.25");
        assert_eq!(tick_label(&-0.0), "0");
        assert_eq!(value_label(56.34), "56.3");
        assert_eq!(value_label(142.2), "142");
        assert_eq!(value_label(0.412), "0.41");
        assert_eq!(value_label(0.0046), "0.0046");
        assert_eq!(value_label(0.094), "0.094");
        assert_eq!(value_label(0.0), "0");
        assert_eq!(value_label(-0.00001), "0.0000");
    }

    #[test]
    fn extreme_ticks_are_written_with_an_exponent() {
        assert_eq!(tick_label(&1e308), "1e308");
        assert_eq!(tick_label(&-2.5e12), "-2.5e12");
        assert_eq!(tick_label(&3e-7), "3e-7");
        assert_eq!(tick_label(&123456.0), "123456");
        let r = nice_range(0.0, 1e308, 5.0);
        assert!(
            r.lo.is_finite() && r.hi.is_finite() && r.ticks >= 2,
            "{r:?}"
        );
        let r = nice_range(-1e308, 1e308, 5.0);
        assert!(
            r.lo.is_finite() && r.hi.is_finite() && r.ticks >= 2,
            "{r:?}"
        );
    }
}
