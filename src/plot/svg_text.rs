//! SVG text drawn as glyph outlines of the embedded Open Sans, so that an SVG looks the same in
//! every viewer, with or without the font installed, and exactly like the PNG.
//!
//! Why: plotters writes `<text font-family=…>` and leaves the layout to the viewer, which uses
//! whatever font it has (wider or narrower than the one the figure was laid out with) and its own
//! idea of "0.5ex": labels then overflow the canvas or collide with ticks. Here each `<text>` is
//! replaced by a group of `<use>` references to glyph outlines defined once in `<defs>`, laid out
//! with the metrics plotters uses for pixels. The group keeps the text as its `aria-label`, so the
//! figure stays searchable and accessible.

use super::style::{BOLD, REGULAR};
use ab_glyph::{Font, FontRef, GlyphId, OutlineCurve};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Plotters' font size is this many ems (its SVG writes `font-size` = size / 1.24).
const SIZE_PER_EM: f64 = 1.24;

/// The two embedded faces.
struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

impl Faces {
    fn load() -> Result<Faces, String> {
        let load = |data: &'static [u8]| {
            FontRef::try_from_slice(data).map_err(|e| format!("embedded font: {e}"))
        };
        Ok(Faces {
            regular: load(REGULAR)?,
            bold: load(BOLD)?,
        })
    }

    fn face(&self, bold: bool) -> &FontRef<'static> {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }
}

/// The attributes plotters writes on a `<text>`.
#[derive(Debug, Default)]
struct TextAttrs<'s> {
    x: f64,
    y: f64,
    dy: &'s str,
    anchor: &'s str,
    font_size: f64,
    bold: bool,
    fill: &'s str,
    opacity: &'s str,
    transform: Option<&'s str>,
}

fn parse_attrs(tag: &str) -> Result<TextAttrs<'_>, String> {
    let mut a = TextAttrs::default();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let key = rest[..eq].trim();
        let value_start = eq + 2;
        let end = rest[value_start..]
            .find('"')
            .ok_or_else(|| format!("unterminated attribute in <text{tag}>"))?;
        let value = &rest[value_start..value_start + end];
        let number = |v: &str| {
            v.parse::<f64>()
                .map_err(|_| format!("<text> attribute {key}={v:?} is not a number"))
        };
        match key {
            "x" => a.x = number(value)?,
            "y" => a.y = number(value)?,
            "dy" => a.dy = value,
            "text-anchor" => a.anchor = value,
            "font-size" => a.font_size = number(value)?,
            "font-weight" => a.bold = value == "bold",
            "fill" => a.fill = value,
            "opacity" => a.opacity = value,
            "transform" => a.transform = Some(value),
            _ => {}
        }
        rest = &rest[value_start + end + 1..];
    }
    Ok(a)
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Glyph outlines used so far: (bold, glyph id) → the `<path>` id.
#[derive(Default)]
struct GlyphDefs {
    used: BTreeSet<(bool, u16)>,
}

/// The id of a glyph's `<path>`: `prefix` keeps the ids of several SVGs in one page apart.
fn glyph_ref(prefix: &str, bold: bool, id: GlyphId) -> String {
    format!("{prefix}{}{}", if bold { "osb" } else { "osr" }, id.0)
}

/// One `<text>` element as a group of glyph references.
fn outline_one(
    prefix: &str,
    faces: &Faces,
    defs: &mut GlyphDefs,
    attrs: &TextAttrs<'_>,
    escaped: &str,
    out: &mut String,
) {
    // Plotters puts the text on a line of its own.
    let escaped = escaped.trim_matches('\n');
    let text = unescape(escaped);
    let font = faces.face(attrs.bold);
    let size = attrs.font_size * SIZE_PER_EM;
    // ab_glyph scales the font's ascent-to-descent height to `size` px, as plotters does.
    let units_per_px = font.height_unscaled() as f64 / size;
    let scale = 1.0 / units_per_px;
    let mut pen = 0.0;
    let mut glyphs = Vec::new();
    let mut prev: Option<GlyphId> = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            pen += font.kern_unscaled(p, id) as f64;
        }
        glyphs.push((id, pen));
        pen += font.h_advance_unscaled(id) as f64;
        prev = Some(id);
    }
    let width_px = pen * scale;
    let dx = match attrs.anchor {
        "end" => -width_px,
        "middle" => -width_px / 2.0,
        _ => 0.0,
    };
    // Plotters puts the baseline half a size below the top of a box one em high; the box is
    // anchored at its top, centre or bottom.
    let em = size / SIZE_PER_EM;
    let top = match attrs.dy {
        "0.5ex" => -em / 2.0,
        "-0.5ex" => -em,
        _ => 0.0,
    };
    let baseline = attrs.y + top + size / 2.0;
    let label = escaped;
    let _ = write!(out, "<g aria-label=\"{label}\" fill=\"{}\"", attrs.fill);
    if !attrs.opacity.is_empty() && attrs.opacity != "1" {
        let _ = write!(out, " opacity=\"{}\"", attrs.opacity);
    }
    if let Some(t) = attrs.transform {
        let _ = write!(out, " transform=\"{t}\"");
    }
    let _ = writeln!(out, ">");
    let _ = write!(
        out,
        "<g transform=\"translate({} {}) scale({} {})\">",
        round2(attrs.x + dx),
        round2(baseline),
        round6(scale),
        round6(-scale)
    );
    for (id, x) in glyphs {
        if font.outline(id).is_none() {
            continue; // a space
        }
        defs.used.insert((attrs.bold, id.0));
        let _ = write!(
            out,
            "<use xlink:href=\"#{}\" x=\"{}\"/>",
            glyph_ref(prefix, attrs.bold, id),
            x.round()
        );
    }
    let _ = writeln!(out, "</g></g>");
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The `<path>` of a glyph, in font units (y up).
fn glyph_path(font: &FontRef<'static>, id: GlyphId) -> String {
    let mut d = String::new();
    let Some(outline) = font.outline(id) else {
        return d;
    };
    let mut last: Option<(f32, f32)> = None;
    let pt = |p: ab_glyph::Point| (p.x, p.y);
    for curve in &outline.curves {
        let (start, cmd) = match curve {
            OutlineCurve::Line(a, b) => (pt(*a), format!("L{} {}", b.x, b.y)),
            OutlineCurve::Quad(a, b, c) => (pt(*a), format!("Q{} {} {} {}", b.x, b.y, c.x, c.y)),
            OutlineCurve::Cubic(a, b, c, e) => (
                pt(*a),
                format!("C{} {} {} {} {} {}", b.x, b.y, c.x, c.y, e.x, e.y),
            ),
        };
        if last != Some(start) {
            if last.is_some() {
                d.push('Z');
            }
            let _ = write!(d, "M{} {}", start.0, start.1);
        }
        d.push_str(&cmd);
        last = Some(match curve {
            OutlineCurve::Line(_, b) => pt(*b),
            OutlineCurve::Quad(_, _, c) => pt(*c),
            OutlineCurve::Cubic(_, _, _, e) => pt(*e),
        });
    }
    if last.is_some() {
        d.push('Z');
    }
    d
}

/// `svg` (as plotters writes it) with every `<text>` drawn as glyph outlines, whose ids start
/// with `prefix`.
pub fn outline_text(svg: &str, prefix: &str) -> Result<String, String> {
    let faces = Faces::load()?;
    let mut defs = GlyphDefs::default();
    let mut body = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        body.push_str(&rest[..start]);
        let after = &rest[start + "<text".len()..];
        let open_end = after
            .find('>')
            .ok_or("unterminated <text> tag in the SVG")?;
        let attrs = parse_attrs(&after[..open_end])?;
        let content = &after[open_end + 1..];
        let close = content
            .find("</text>")
            .ok_or("<text> without </text> in the SVG")?;
        outline_one(
            prefix,
            &faces,
            &mut defs,
            &attrs,
            &content[..close],
            &mut body,
        );
        rest = &content[close + "</text>".len()..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    body.push_str(rest);

    // The glyphs, defined once, right after the opening <svg> tag.
    let svg_open_end = body.find('>').ok_or("no <svg> tag")? + 1;
    let mut out = String::with_capacity(body.len() + 64 * defs.used.len());
    let open_tag = body[..svg_open_end].replacen(
        "xmlns=\"http://www.w3.org/2000/svg\"",
        "xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"",
        1,
    );
    out.push_str(&open_tag);
    out.push_str("\n<defs>\n");
    for &(bold, id) in &defs.used {
        let id = GlyphId(id);
        let d = glyph_path(faces.face(bold), id);
        let id = glyph_ref(prefix, bold, id);
        let _ = writeln!(out, "<path id=\"{id}\" d=\"{d}\"/>");
    }
    out.push_str("</defs>");
    out.push_str(&body[svg_open_end..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = "<svg width=\"100\" height=\"50\" viewBox=\"0 0 100 50\" \
        xmlns=\"http://www.w3.org/2000/svg\">\n<text x=\"10\" y=\"20\" dy=\"0.5ex\" \
        text-anchor=\"middle\" font-family=\"Open Sans, sans-serif\" font-size=\"20\" \
        opacity=\"1\" fill=\"#1A1A1A\" font-weight=\"bold\">\nLV &amp; LA\n</text>\n</svg>\n";

    #[test]
    fn text_becomes_labelled_glyph_outlines() {
        let out = outline_text(SVG, "").unwrap();
        assert!(!out.contains("<text"), "{out}");
        assert!(out.contains("aria-label=\"LV &amp; LA\""), "{out}");
        // L, V, &, A: four distinct glyphs defined once; L used twice, spaces not at all.
        assert_eq!(out.matches("<path id=\"osb").count(), 4, "{out}");
        assert_eq!(out.matches("<use ").count(), 5, "{out}");
        assert!(out.contains("xmlns:xlink="), "{out}");
        assert_eq!(out, outline_text(SVG, "").unwrap(), "deterministic");
        assert!(outline_text(SVG, "f2-")
            .unwrap()
            .contains("<path id=\"f2-osb"));
    }
}
