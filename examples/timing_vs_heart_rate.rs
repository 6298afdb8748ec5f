//! The figure of docs/model.md, "Timing": the normal preset's ejection time (LVET) and
//! pre-ejection period (PEP) from 40 to 180 bpm against Weissler's regression lines (Circulation
//! 1968;37:149, men), with the ±10 % band the tests hold the model to over 50–120 bpm.
//!
//! Reproduce: `cargo run --release --example timing_vs_heart_rate [OUT.png]`
//! (default docs/gallery/timing-vs-heart-rate.png); the values are printed as CSV.

use mitralsim::model::timing::{LVET_LINE_MS, PEP_LINE_MS};
use mitralsim::scenario;
use mitralsim::simulate::Simulation;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::path::PathBuf;

static REGULAR: &[u8] = include_bytes!("../assets/fonts/OpenSans-Regular.ttf");
const FAMILY: &str = "Open Sans";
/// Okabe–Ito blue and vermillion.
const LVET_COLOUR: RGBColor = RGBColor(0, 114, 178);
const PEP_COLOUR: RGBColor = RGBColor(213, 94, 0);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out: PathBuf = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docs/gallery/timing-vs-heart-rate.png".into())
        .into();
    register_font(FAMILY, FontStyle::Normal, REGULAR).map_err(|_| "font")?;
    let preset = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/normal.toml");
    println!(
        "heart_rate_bpm,lv_ejection_time_ms,lv_pre_ejection_ms,weissler_lvet_ms,weissler_pep_ms"
    );
    let mut points = Vec::new();
    for rate in (40..=180).step_by(5) {
        let s = scenario::load(Some(&preset), &[format!("heart.rate_bpm={rate}")])?;
        let m = Simulation::run(s.params.clone(), s.initial, &s.solver)?.metrics;
        let hr = f64::from(rate);
        let (w_lvet, w_pep) = (line(LVET_LINE_MS, hr), line(PEP_LINE_MS, hr));
        println!(
            "{rate},{:.1},{:.1},{w_lvet:.1},{w_pep:.1}",
            m.lv_ejection_time_ms, m.lv_pre_ejection_ms
        );
        points.push((hr, m.lv_ejection_time_ms, m.lv_pre_ejection_ms));
    }

    let root = BitMapBackend::new(&out, (1600, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    let font = |size: f64| (FAMILY, size).into_font();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Normal preset: systolic time intervals against heart rate",
            font(44.0),
        )
        .margin(30)
        .x_label_area_size(90)
        .y_label_area_size(120)
        .build_cartesian_2d(35f64..185f64, 0f64..450f64)?;
    chart
        .configure_mesh()
        .x_desc("Heart rate (bpm)")
        .y_desc("Duration (ms)")
        .label_style(font(30.0))
        .axis_desc_style(font(34.0))
        .light_line_style(WHITE.mix(0.0))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    for (what, weissler, colour, pick) in [
        ("LVET", LVET_LINE_MS, LVET_COLOUR, 1usize),
        ("PEP", PEP_LINE_MS, PEP_COLOUR, 2usize),
    ] {
        // Weissler's line with the ±10 % band over the tested range.
        let band: Vec<(f64, f64)> = (50..=120)
            .map(|r| (f64::from(r), 1.1 * line(weissler, f64::from(r))))
            .chain(
                (50..=120)
                    .rev()
                    .map(|r| (f64::from(r), 0.9 * line(weissler, f64::from(r)))),
            )
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            band,
            colour.mix(0.12).filled(),
        )))?;
        chart
            .draw_series(DashedLineSeries::new(
                (40..=180).map(|r| (f64::from(r), line(weissler, f64::from(r)))),
                14,
                10,
                colour.stroke_width(3),
            ))?
            .label(format!(
                "{what}, Weissler 1968: {} − {}·HR ms (band ±10 %, 50–120 bpm)",
                weissler.0, weissler.1
            ))
            .legend(move |(x, y)| {
                PathElement::new(
                    vec![(x - 4, y), (x + 16, y)],
                    colour.mix(0.6).stroke_width(2),
                )
            });
        let series: Vec<(f64, f64)> = points
            .iter()
            .map(|p| (p.0, if pick == 1 { p.1 } else { p.2 }))
            .collect();
        chart
            .draw_series(LineSeries::new(series.clone(), colour.stroke_width(4)))?
            .label(format!("{what}, model"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x - 4, y), (x + 16, y)], colour.stroke_width(4))
            });
        chart.draw_series(
            series
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 6, colour.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(font(28.0))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()?;
    root.present()?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

fn line((intercept, slope): (f64, f64), rate_bpm: f64) -> f64 {
    intercept - slope * rate_bpm
}
