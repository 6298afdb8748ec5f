//! Image helpers shared by the plot tests: default options, SVG text, PNG size, pixel counts.

use mitralsim::plot::{ImageFormat, PlotOptions};

pub fn opts(format: ImageFormat) -> PlotOptions {
    PlotOptions {
        format,
        ..PlotOptions::default()
    }
}

/// Every text of an SVG, unescaped: the figures draw text as glyph outlines in a group that
/// keeps the text as its `aria-label`.
pub fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<g aria-label=\"")
        .skip(1)
        .filter_map(|t| Some(t[..t.find('"')?].to_string()))
        .map(|t| {
            t.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

/// Width and height from a PNG's IHDR chunk.
pub fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

pub fn count_rgb(pixels: &[u8], rgb: [u8; 3]) -> usize {
    pixels.chunks_exact(3).filter(|p| *p == rgb).count()
}
