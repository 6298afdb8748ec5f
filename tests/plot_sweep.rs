//! Sweep figures (src/plot: sweep-line, heatmap, pv-family) drawn from real sweep outputs: each
//! fixture is simulated here, point by point, with the library (`scenario::load` with `--set`
//! strings, `Comparison::run`) and written as `mitralsim sweep` writes it (results.csv with rows
//! out of order, sweep.json, waveforms/point-<index>.csv). Every kind renders to PNG and SVG with
//! the expected labels, is reproducible, and bad requests give a `PlotError` naming the file,
//! metric or axis.
//!
//! `cargo test --release --test plot_sweep -- --ignored regenerate_sweep_gallery` remakes
//! docs/gallery/sweeps/.

mod common;
use common::images::{count_rgb, opts, png_size, svg_texts};

use mitralsim::output::waveforms_csv;
use mitralsim::plot::{
    render_sweep, render_sweep_rgb, AnyPlotKind, ImageFormat, PlotError, PlotKind, PlotOptions,
    SweepData, SweepHeader, SweepPlotKind, SweepPlotRequest, Where,
};
use mitralsim::scenario;
use mitralsim::simulate::Comparison;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

/// Okabe–Ito colours of the pre (blue) and post (vermillion) lines.
const PRE_RGB: [u8; 3] = [0x00, 0x72, 0xB2];
const POST_RGB: [u8; 3] = [0xD5, 0x5E, 0x00];

// ---------------------------------------------------------------------------------------------
// Fixtures: real sweeps, simulated point by point.

/// A sweep to simulate: the base preset, the axes (key, values as `--set` writes them), extra
/// `--set`s for some points (to make them fail), and whether to write waveforms.
struct Spec {
    name: &'static str,
    preset: &'static str,
    mode: &'static str,
    /// Each point's axis values, in order of index.
    points: Vec<Vec<String>>,
    axes: Vec<&'static str>,
    extra: fn(u64) -> Vec<String>,
    waveforms: bool,
}

fn no_extra(_: u64) -> Vec<String> {
    Vec::new()
}

fn grid(axes: &[(&'static str, &[&str])]) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let mut points: Vec<Vec<String>> = vec![Vec::new()];
    for (_, values) in axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(v.to_string());
                    q
                })
            })
            .collect();
    }
    (axes.iter().map(|(k, _)| *k).collect(), points)
}

/// A sweep output directory's files, made once per test binary.
struct Fixture {
    results_csv: String,
    sweep_json: String,
    waveforms: Vec<(u64, Vec<u8>)>,
}

impl Fixture {
    /// Write the files into a fresh directory named after the sweep (the directory name is
    /// not the title: sweep.json names the sweep).
    fn write(&self) -> TempDir {
        let dir = TempDir::new().unwrap();
        self.write_into(dir.path());
        dir
    }

    fn write_into(&self, dir: &Path) {
        fs::create_dir_all(dir).unwrap();
        fs::write(dir.join("results.csv"), &self.results_csv).unwrap();
        fs::write(dir.join("sweep.json"), &self.sweep_json).unwrap();
        if !self.waveforms.is_empty() {
            let wf = dir.join("waveforms");
            fs::create_dir_all(&wf).unwrap();
            for (i, bytes) in &self.waveforms {
                fs::write(wf.join(format!("point-{i}.csv")), bytes).unwrap();
            }
        }
    }
}

fn csv_line(cells: &[String]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(cells).unwrap();
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Every metric as results.csv writes it: numbers in shortest round-trip form, words as they
/// are, `null` as an empty cell.
fn metric_cells(m: &mitralsim::metrics::Metrics) -> Cells {
    let value = serde_json::to_value(m).unwrap();
    value
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let cell = match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), cell)
        })
        .collect()
}

/// One point's row: index, axis values, status, error, pre and post metric cells.
type Row = (
    u64,
    Vec<String>,
    String,
    String,
    Option<Cells>,
    Option<Cells>,
);
/// (metric key, cell) in the order of `Metrics`.
type Cells = Vec<(String, String)>;

fn simulate(spec: &Spec) -> Fixture {
    let path = common::repo_path(&format!("scenarios/{}.toml", spec.preset));
    let mut rows: Vec<Row> = Vec::new();
    let mut waveforms = Vec::new();
    let mut keys: Option<Vec<String>> = None;
    let mut counts = [0u64; 3];
    for (i, values) in spec.points.iter().enumerate() {
        let index = i as u64;
        let mut sets: Vec<String> = spec
            .axes
            .iter()
            .zip(values)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        sets.extend((spec.extra)(index));
        let outcome = scenario::load(Some(&path), &sets)
            .map_err(|e| e.to_string())
            .and_then(|s| {
                Comparison::run(&s)
                    .map(|c| (s, c))
                    .map_err(|e| e.to_string())
            });
        match outcome {
            Err(e) => {
                counts[2] += 1;
                rows.push((
                    index,
                    values.clone(),
                    "error".into(),
                    e.replace('\n', "; "),
                    None,
                    None,
                ));
            }
            Ok((s, c)) => {
                let status = if c.converged() { "ok" } else { "not_converged" };
                counts[if c.converged() { 0 } else { 1 }] += 1;
                let pre = metric_cells(&c.pre.metrics);
                keys.get_or_insert_with(|| pre.iter().map(|(k, _)| k.clone()).collect());
                let post = c.post.as_ref().map(|p| metric_cells(&p.sim.metrics));
                if spec.waveforms {
                    let beats = c.waveforms(s.waveform_step_s);
                    let mut bytes = Vec::new();
                    waveforms_csv::write(&beats, &mut bytes).unwrap();
                    waveforms.push((index, bytes));
                }
                rows.push((
                    index,
                    values.clone(),
                    status.into(),
                    String::new(),
                    Some(pre),
                    post,
                ));
            }
        }
    }
    let keys = keys.expect("at least one point simulated");
    let mut header: Vec<String> = vec!["index".into()];
    header.extend(spec.axes.iter().map(|k| k.to_string()));
    header.extend(["status".into(), "error".into()]);
    for state in ["pre", "post"] {
        header.extend(keys.iter().map(|k| format!("{state}_{k}")));
    }
    let mut csv = csv_line(&header);
    // Rows arrive out of order in a parallel sweep: odd indices first, then even ones backwards.
    rows.sort_by_key(|r| {
        (
            r.0 % 2 == 0,
            if r.0 % 2 == 0 { u64::MAX - r.0 } else { r.0 },
        )
    });
    for (index, values, status, error, pre, post) in rows {
        let mut cells = vec![index.to_string()];
        cells.extend(values);
        cells.extend([status, error]);
        for state in [pre, post] {
            match state {
                Some(m) => cells.extend(m.into_iter().map(|(_, v)| v)),
                None => cells.extend(keys.iter().map(|_| String::new())),
            }
        }
        csv.push_str(&csv_line(&cells));
    }
    let sweep_json = serde_json::json!({
        "mitralsim_version": env!("CARGO_PKG_VERSION"),
        "sweep_file": format!("sweeps/{}.toml", spec.name),
        "scenario_file": format!("scenarios/{}.toml", spec.preset),
        "mode": spec.mode,
        "axes": spec.axes,
        "points": spec.points.len(),
        "status": "finished",
        "counts": {"ok": counts[0], "not_converged": counts[1], "error": counts[2]},
        "sweep": {"version": 1, "mode": spec.mode},
    });
    Fixture {
        results_csv: csv,
        sweep_json: serde_json::to_string_pretty(&sweep_json).unwrap(),
        waveforms,
    }
}

const EROA_11: [&str; 11] = [
    "0.1", "0.15", "0.2", "0.25", "0.3", "0.35", "0.4", "0.45", "0.5", "0.55", "0.6",
];

/// secondary-mr-hf (one central XT clip) over the pre-clip EROA 0.1…0.6 cm², 11 points.
fn eroa_sweep() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (axes, points) = grid(&[("valves.mitral.eroa_cm2", &EROA_11)]);
        simulate(&Spec {
            name: "eroa",
            preset: "secondary-mr-hf",
            mode: "grid",
            points,
            axes,
            extra: no_extra,
            waveforms: false,
        })
    })
}

/// The same sweep where point 4 stops after 3 beats (not converged) and point 7 has an open
/// valve area below its EROA (an invalid scenario: error).
fn eroa_with_failures() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (axes, points) = grid(&[("valves.mitral.eroa_cm2", &EROA_11)]);
        simulate(&Spec {
            name: "eroa-failures",
            preset: "secondary-mr-hf",
            mode: "grid",
            points,
            axes,
            extra: |i| match i {
                4 => vec!["solver.max_beats=3".into()],
                7 => vec!["valves.mitral.area_cm2=0.3".into()],
                _ => Vec::new(),
            },
            waveforms: false,
        })
    })
}

/// A 5 × 5 grid: pre-clip EROA × open valve area, where a small valve makes the clip stenotic.
fn grid_sweep() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (axes, points) = grid(&[
            (
                "valves.mitral.eroa_cm2",
                &["0.2", "0.3", "0.4", "0.5", "0.6"],
            ),
            (
                "valves.mitral.area_cm2",
                &["3.5", "4.0", "4.5", "5.0", "6.0"],
            ),
        ]);
        simulate(&Spec {
            name: "eroa-area",
            preset: "secondary-mr-hf",
            mode: "grid",
            points,
            axes,
            extra: no_extra,
            waveforms: false,
        })
    })
}

/// A 5 × 5 grid: pre-clip EROA × heart rate.
fn grid_hr_sweep() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (axes, points) = grid(&[
            (
                "valves.mitral.eroa_cm2",
                &["0.2", "0.3", "0.4", "0.5", "0.6"],
            ),
            ("heart.rate_bpm", &["60", "67.5", "75", "82.5", "90"]),
        ]);
        simulate(&Spec {
            name: "eroa-hr",
            preset: "secondary-mr-hf",
            mode: "grid",
            points,
            axes,
            extra: no_extra,
            waveforms: false,
        })
    })
}

/// 12 scattered points (as LHS would draw them) over EROA × heart rate.
fn scattered_sweep() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        // A fixed Latin hypercube: strata permuted by hand, points mid-stratum.
        let perm = [7, 2, 10, 5, 0, 9, 3, 11, 6, 1, 8, 4];
        let points = (0..12)
            .map(|k| {
                let eroa = 0.1 + 0.5 * (k as f64 + 0.5) / 12.0;
                let hr = 55.0 + 35.0 * (perm[k] as f64 + 0.5) / 12.0;
                vec![format!("{eroa:.4}"), format!("{hr:.2}")]
            })
            .collect();
        simulate(&Spec {
            name: "eroa-hr-lhs",
            preset: "secondary-mr-hf",
            mode: "lhs",
            points,
            axes: vec!["valves.mitral.eroa_cm2", "heart.rate_bpm"],
            extra: no_extra,
            waveforms: false,
        })
    })
}

/// EROA 0.1…0.6 cm² in 6 points, with each point's waveforms (`sweep --waveforms`).
fn family_sweep() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (axes, points) = grid(&[(
            "valves.mitral.eroa_cm2",
            &["0.1", "0.2", "0.3", "0.4", "0.5", "0.6"],
        )]);
        simulate(&Spec {
            name: "eroa-family",
            preset: "secondary-mr-hf",
            mode: "grid",
            points,
            axes,
            extra: no_extra,
            waveforms: true,
        })
    })
}

/// Clip planning: pre-clip EROA × open valve area × clip configuration (one NT, one XT, two
/// XT), 5 × 3 × 3 points; the clip list is a structured axis, written as inline TOML.
fn clip_plan_sweep() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (axes, points) = grid(&[
            (
                "valves.mitral.eroa_cm2",
                &["0.2", "0.3", "0.4", "0.5", "0.6"],
            ),
            ("valves.mitral.area_cm2", &["4.0", "5.0", "6.0"]),
            ("clip.clips", &CLIPS),
        ]);
        simulate(&Spec {
            name: "clip-plan",
            preset: "secondary-mr-hf",
            mode: "grid",
            points,
            axes,
            extra: no_extra,
            waveforms: false,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Checks.

fn req(kind: SweepPlotKind, metric: Option<&str>) -> SweepPlotRequest {
    SweepPlotRequest {
        metric: metric.map(str::to_string),
        ..SweepPlotRequest::new(kind)
    }
}

/// Render `r` from `dir` as PNG and SVG; check the PNG's size and that it is drawn, and return
/// the SVG's texts and the pixels.
fn render_both(r: &SweepPlotRequest, dir: &Path) -> (Vec<String>, Vec<u8>) {
    let png = dir.join(format!("{}.png", r.kind));
    render_sweep(r, dir, &png, &opts(ImageFormat::Png)).unwrap();
    let bytes = fs::read(&png).unwrap();
    // PLOT_SWEEP_KEEP=DIR keeps every figure drawn here, to look at them.
    if let Some(keep) = std::env::var_os("PLOT_SWEEP_KEEP") {
        let name = format!(
            "{:?}{:?}{:?}{:?}{:?}",
            r.metric, r.x_axis, r.y_axis, r.wheres, r.facet
        );
        let name: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let keep = PathBuf::from(keep);
        fs::create_dir_all(&keep).unwrap();
        fs::write(keep.join(format!("{}-{name:.120}.png", r.kind)), &bytes).unwrap();
    }
    assert_eq!(png_size(&bytes), (1600, 1000), "{}", r.kind);
    assert!(
        bytes.len() > 30_000,
        "{}: PNG of {} bytes",
        r.kind,
        bytes.len()
    );
    let pixels = render_sweep_rgb(r, dir, &PlotOptions::default()).unwrap();
    assert_eq!(pixels.len(), 1600 * 1000 * 3);
    let n = pixels.len() / 3;
    let ink = n - count_rgb(&pixels, [255, 255, 255]);
    assert!(ink > n / 50, "{}: only {ink} of {n} pixels drawn", r.kind);

    let svg_path = dir.join(format!("{}.svg", r.kind));
    render_sweep(r, dir, &svg_path, &opts(ImageFormat::Svg)).unwrap();
    let svg = fs::read_to_string(&svg_path).unwrap();
    assert!(
        svg.contains(r#"width="1600" height="1000""#),
        "{}: SVG size",
        r.kind
    );
    (svg_texts(&svg), pixels)
}

fn has(texts: &[String], want: &str) -> bool {
    texts.iter().any(|t| t == want)
}

fn assert_has(texts: &[String], want: &[&str]) {
    for w in want {
        assert!(has(texts, w), "no text {w:?} in {texts:?}");
    }
}

fn title_of<'a>(texts: &'a [String], sweep: &str) -> &'a str {
    texts
        .iter()
        .find(|t| t.contains(" — ") && t.ends_with(sweep))
        .unwrap_or_else(|| panic!("no title naming {sweep} in {texts:?}"))
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[test]
fn sweep_line_shows_pre_and_post_against_the_axis_with_grade_bands() {
    let dir = eroa_sweep().write();
    let r = req(SweepPlotKind::Line, Some("regurgitant_volume_ml"));
    let (texts, pixels) = render_both(&r, dir.path());
    assert_eq!(
        title_of(&texts, "eroa"),
        "Regurgitant volume vs mitral EROA — eroa"
    );
    assert_has(
        &texts,
        &[
            "Mitral EROA (pre-clip, cm²)",
            "Regurgitant volume (mL)",
            "pre-clip",
            "post-clip",
            "MR grade (ASE 2017)",
            "mild",
            "moderate",
            "moderate-severe",
            "severe",
        ],
    );
    // Nothing failed in this sweep: no legend entries for failures.
    assert!(!has(&texts, "not converged") && !has(&texts, "failed: no result"));
    assert!(count_rgb(&pixels, PRE_RGB) > 3000, "pre line");
    assert!(count_rgb(&pixels, POST_RGB) > 2000, "post line");

    // The default metric is the regurgitant volume.
    let (default_texts, _) = render_both(&SweepPlotRequest::new(SweepPlotKind::Line), dir.path());
    assert_eq!(default_texts, texts);
}

#[test]
fn sweep_line_bands_follow_the_metric_and_others_have_none() {
    let dir = eroa_sweep().write();
    let (texts, _) = render_both(
        &req(SweepPlotKind::Line, Some("regurgitant_fraction_pct")),
        dir.path(),
    );
    assert_has(
        &texts,
        &["Regurgitant fraction (%)", "severe", "MR grade (ASE 2017)"],
    );

    let (texts, pixels) = render_both(
        &req(SweepPlotKind::Line, Some("post_mitral_mean_gradient_mmhg")),
        dir.path(),
    );
    assert_eq!(
        title_of(&texts, "eroa"),
        "Post-clip mean mitral gradient vs mitral EROA — eroa"
    );
    assert_has(
        &texts,
        &["Post-clip mean mitral gradient (mmHg)", "post-clip"],
    );
    assert!(
        !has(&texts, "pre-clip") && !has(&texts, "severe") && !has(&texts, "MR grade (ASE 2017)")
    );
    assert_eq!(count_rgb(&pixels, PRE_RGB), 0, "no pre line");

    // Several metrics: one panel each, short names with units, one shared x axis.
    let (texts, _) = render_both(
        &req(
            SweepPlotKind::Line,
            Some("regurgitant_volume_ml, cardiac_output_l_min,mitral_mean_gradient_mmhg"),
        ),
        dir.path(),
    );
    // Three panels are too short for rotated descriptions: each is named on two lines at its
    // left, quantity then unit.
    assert_has(
        &texts,
        &[
            "RVol",
            "(mL)",
            "CO",
            "(L/min)",
            "mean gradient",
            "(mmHg)",
            "severe",
        ],
    );
    assert_eq!(
        texts
            .iter()
            .filter(|t| *t == "Mitral EROA (pre-clip, cm²)")
            .count(),
        1
    );
}

#[test]
fn sweep_line_marks_failed_and_unconverged_points() {
    let dir = eroa_with_failures().write();
    let csv = fs::read_to_string(dir.path().join("results.csv")).unwrap();
    assert!(
        csv.contains(",not_converged,") && csv.contains(",error,"),
        "fixture"
    );
    let (texts, _) = render_both(&SweepPlotRequest::new(SweepPlotKind::Line), dir.path());
    assert_has(
        &texts,
        &[
            "not converged",
            "failed: no result",
            "pre-clip",
            "post-clip",
        ],
    );
}

#[test]
fn sweep_line_of_two_axes_needs_x_and_draws_a_line_per_value_of_the_other() {
    let dir = grid_sweep().write();
    let err = render_sweep(
        &SweepPlotRequest::new(SweepPlotKind::Line),
        dir.path(),
        &dir.path().join("x.png"),
        &PlotOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, PlotError::Unsuitable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("--x") && msg.contains("valves.mitral.area_cm2"),
        "{msg}"
    );

    let r = SweepPlotRequest {
        x_axis: Some("valves.mitral.eroa_cm2".into()),
        ..req(SweepPlotKind::Line, Some("post_mitral_mean_gradient_mmhg"))
    };
    let (texts, _) = render_both(&r, dir.path());
    assert_has(
        &texts,
        &[
            "Mitral open area (pre-clip, cm²)",
            "3.5 cm²",
            "6 cm²",
            "post-clip",
            "Mitral EROA (pre-clip, cm²)",
            "5 mmHg: stenosis threshold",
        ],
    );
    assert!(!has(&texts, "pre-clip"));
}

#[test]
fn heatmap_of_the_gradient_draws_the_5_mmhg_line() {
    let dir = grid_sweep().write();
    let r = req(
        SweepPlotKind::Heatmap,
        Some("post_mitral_mean_gradient_mmhg"),
    );
    let (texts, pixels) = render_both(&r, dir.path());
    assert_eq!(
        title_of(&texts, "eroa-area"),
        "Post-clip mean mitral gradient — eroa-area"
    );
    assert_has(
        &texts,
        &[
            "Mitral EROA (pre-clip, cm²)",
            "Mitral open area (pre-clip, cm²)",
            "Post-clip mean mitral gradient (mmHg)",
            "5 mmHg: stenosis threshold",
            "5 mmHg",
        ],
    );
    // The grid spans the threshold, so the line is drawn (no "below/above everywhere" note).
    assert!(!texts.iter().any(|t| t.contains("everywhere")), "{texts:?}");
    // Viridis cells: many distinct colours.
    let mut colours: Vec<[u8; 3]> = pixels.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
    colours.sort();
    colours.dedup();
    assert!(colours.len() > 100, "{} colours", colours.len());
}

#[test]
fn heatmap_defaults_to_the_post_clip_regurgitant_fraction_with_grade_contours() {
    let dir = grid_hr_sweep().write();
    let (texts, _) = render_both(&SweepPlotRequest::new(SweepPlotKind::Heatmap), dir.path());
    assert_eq!(
        title_of(&texts, "eroa-hr"),
        "Post-clip regurgitant fraction — eroa-hr"
    );
    // The post-clip fraction (≈ 17 to 41 %) crosses the 30 and 40 % cut-points: both labelled.
    assert_has(
        &texts,
        &[
            "Post-clip regurgitant fraction (%)",
            "ASE 2017 grade cut-points",
            "30 %",
            "40 %",
        ],
    );
    assert!(!has(&texts, "50 %") && !has(&texts, "10 %"), "{texts:?}");
    // A bare metric means the post-clip value when the sweep has a clip.
    let (bare, _) = render_both(
        &req(SweepPlotKind::Heatmap, Some("regurgitant_fraction_pct")),
        dir.path(),
    );
    assert_eq!(bare, texts);
    // Before the clip (≈ 40 to 70 %) only the severe cut-point, 50 %, is inside the data.
    let (pre, _) = render_both(
        &req(SweepPlotKind::Heatmap, Some("pre_regurgitant_fraction_pct")),
        dir.path(),
    );
    assert_has(&pre, &["Pre-clip regurgitant fraction (%)", "50 %"]);
    assert!(!has(&pre, "30 %"), "{pre:?}");
}

#[test]
fn heatmap_of_scattered_points_is_a_coloured_scatter() {
    let dir = scattered_sweep().write();
    let r = req(SweepPlotKind::Heatmap, Some("pre_regurgitant_volume_ml"));
    let (texts, _) = render_both(&r, dir.path());
    assert_has(
        &texts,
        &[
            "Mitral EROA (pre-clip, cm²)",
            "Heart rate (bpm)",
            "Pre-clip regurgitant volume (mL)",
            "scattered points: no contours",
        ],
    );
    assert!(!has(&texts, "ASE 2017 grade cut-points"));
}

/// Heart rate 60 bpm at even points, 75 bpm at odd ones: a second axis for a one-axis fixture.
fn alternating_rate(index: u64) -> &'static str {
    if index % 2 == 0 {
        "60"
    } else {
        "75"
    }
}

/// `fixture`'s results.csv with one more axis column, `key`, valued `value(index)`.
fn with_extra_axis(fixture: &Fixture, key: &str, value: fn(u64) -> &'static str) -> TempDir {
    let mut out = String::new();
    for (k, line) in fixture.results_csv.lines().enumerate() {
        let (index, rest) = line.split_once(',').unwrap();
        let cell = if k == 0 {
            key.to_string()
        } else {
            value(index.parse().unwrap()).to_string()
        };
        out.push_str(&format!("{index},{cell},{rest}\n"));
    }
    let dir = TempDir::new().unwrap();
    Fixture {
        results_csv: out,
        sweep_json: fixture.sweep_json.clone(),
        waveforms: Vec::new(),
    }
    .write_into(dir.path());
    dir
}

#[test]
fn heatmap_of_a_sweep_of_more_axes_needs_the_others_fixed() {
    let varied = with_extra_axis(grid_sweep(), "heart.rate_bpm", alternating_rate);
    let err = expect_error(
        &SweepPlotRequest::new(SweepPlotKind::Heatmap),
        varied.path(),
    );
    assert!(matches!(err, PlotError::Unsuitable { .. }), "{err:?}");
    let msg = err.to_string();
    // By default the first two axes: heart rate × EROA, so the open area is in the way.
    assert!(
        msg.contains("`valves.mitral.area_cm2` (3.5, 4, 4.5, 5, 6)")
            && msg.contains("heart.rate_bpm × valves.mitral.eroa_cm2")
            && msg.contains("--where 'valves.mitral.area_cm2=3.5'")
            && msg.contains("--facet valves.mitral.area_cm2"),
        "{msg}"
    );
    let r = SweepPlotRequest {
        x_axis: Some("valves.mitral.eroa_cm2".into()),
        y_axis: Some("valves.mitral.area_cm2".into()),
        ..SweepPlotRequest::new(SweepPlotKind::Heatmap)
    };
    let msg = expect_error(&r, varied.path()).to_string();
    assert!(msg.contains("`heart.rate_bpm` (60, 75)"), "{msg}");

    // The same axis at one value is no obstacle: by default the two axes that vary are drawn.
    let fixed = with_extra_axis(grid_sweep(), "heart.rate_bpm", |_| "75");
    let (texts, _) = render_both(&SweepPlotRequest::new(SweepPlotKind::Heatmap), fixed.path());
    assert_has(
        &texts,
        &[
            "Mitral EROA (pre-clip, cm²)",
            "Mitral open area (pre-clip, cm²)",
        ],
    );
    assert!(!has(&texts, "Heart rate (bpm)"));
    let r = SweepPlotRequest {
        x_axis: Some("valves.mitral.area_cm2".into()),
        y_axis: Some("valves.mitral.eroa_cm2".into()),
        ..req(
            SweepPlotKind::Heatmap,
            Some("post_mitral_mean_gradient_mmhg"),
        )
    };
    let (texts, _) = render_both(&r, fixed.path());
    assert_has(&texts, &["Mitral open area (pre-clip, cm²)", "5 mmHg"]);
    // x and y must differ.
    let r = SweepPlotRequest {
        x_axis: Some("heart.rate_bpm".into()),
        y_axis: Some("heart.rate_bpm".into()),
        ..SweepPlotRequest::new(SweepPlotKind::Heatmap)
    };
    assert!(expect_error(&r, fixed.path())
        .to_string()
        .contains("same axis"));
}

#[test]
fn sweep_line_takes_the_one_axis_that_varies() {
    let dir = with_extra_axis(eroa_sweep(), "heart.rate_bpm", |_| "75");
    let (texts, _) = render_both(&SweepPlotRequest::new(SweepPlotKind::Line), dir.path());
    assert_has(
        &texts,
        &["Mitral EROA (pre-clip, cm²)", "pre-clip", "post-clip"],
    );
    assert!(!texts.iter().any(|t| t.contains("Heart rate")), "{texts:?}");
}

#[test]
fn a_scattered_gradient_rings_the_points_above_5_mmhg() {
    let dir = scattered_sweep().write();
    let r = req(
        SweepPlotKind::Heatmap,
        Some("post_mitral_mean_gradient_mmhg"),
    );
    let (texts, _) = render_both(&r, dir.path());
    assert!(
        texts
            .iter()
            .any(|t| t.contains("5 mmHg") && t.contains("stenosis threshold")),
        "{texts:?}"
    );
}

#[test]
fn heatmap_shows_failed_cells() {
    // Knock two points of the grid out as a failed sweep would record them.
    let f = grid_sweep();
    let mut lines: Vec<String> = f.results_csv.lines().map(str::to_string).collect();
    for line in lines.iter_mut().skip(1).take(2) {
        let cells: Vec<&str> = line.split(',').collect();
        let mut out: Vec<String> = cells[..3].iter().map(|c| c.to_string()).collect();
        out.push("error".into());
        out.push("solver failed".into());
        out.extend(std::iter::repeat_n(String::new(), cells.len() - 5));
        *line = out.join(",");
    }
    let dir = TempDir::new().unwrap();
    Fixture {
        results_csv: lines.join("\n") + "\n",
        sweep_json: f.sweep_json.clone(),
        waveforms: Vec::new(),
    }
    .write_into(dir.path());
    let (texts, _) = render_both(&SweepPlotRequest::new(SweepPlotKind::Heatmap), dir.path());
    assert_has(&texts, &["failed: no result"]);
}

#[test]
fn pv_family_overlays_the_loops_coloured_along_the_axis() {
    let dir = family_sweep().write();
    let (texts, _) = render_both(&SweepPlotRequest::new(SweepPlotKind::PvFamily), dir.path());
    assert_eq!(
        title_of(&texts, "eroa-family"),
        "LV pressure–volume loops by mitral EROA — eroa-family"
    );
    assert_has(
        &texts,
        &[
            "LV volume (mL)",
            "LV pressure (mmHg)",
            "Mitral EROA (pre-clip, cm²)",
            "Before the clip (solid)",
            "After the clip (dashed)",
        ],
    );
    let entries: Vec<&String> = texts.iter().filter(|t| t.contains(" cm²: RVol ")).collect();
    assert_eq!(entries.len(), 6, "{texts:?}");
    assert!(entries[0].starts_with("0.1 cm²: RVol ") && entries[0].ends_with(" mL"));
    assert!(entries[5].starts_with("0.6 cm²: RVol "));

    // Without one point's file the loop is left out and named.
    fs::remove_file(dir.path().join("waveforms/point-2.csv")).unwrap();
    let (texts, _) = render_both(&SweepPlotRequest::new(SweepPlotKind::PvFamily), dir.path());
    assert_has(&texts, &["no waveforms:", "point 2"]);
}

#[test]
fn rendering_twice_gives_identical_bytes_whatever_the_row_order() {
    let cases: [(&Fixture, SweepPlotRequest); 3] = [
        (
            eroa_with_failures(),
            SweepPlotRequest::new(SweepPlotKind::Line),
        ),
        (
            grid_sweep(),
            req(
                SweepPlotKind::Heatmap,
                Some("post_mitral_mean_gradient_mmhg"),
            ),
        ),
        (
            family_sweep(),
            SweepPlotRequest::new(SweepPlotKind::PvFamily),
        ),
    ];
    for (fixture, r) in cases {
        let dir = fixture.write();
        // The same rows in file order reversed.
        let sorted = TempDir::new().unwrap();
        fixture.write_into(sorted.path());
        let csv = fs::read_to_string(sorted.path().join("results.csv")).unwrap();
        let mut lines: Vec<&str> = csv.lines().collect();
        lines[1..].reverse();
        fs::write(sorted.path().join("results.csv"), lines.join("\n") + "\n").unwrap();
        for format in ImageFormat::ALL {
            let a = dir.path().join(format!("a.{format}"));
            let b = dir.path().join(format!("b.{format}"));
            let c = sorted.path().join(format!("c.{format}"));
            render_sweep(&r, dir.path(), &a, &opts(format)).unwrap();
            render_sweep(&r, dir.path(), &b, &opts(format)).unwrap();
            render_sweep(&r, sorted.path(), &c, &opts(format)).unwrap();
            let bytes = fs::read(&a).unwrap();
            assert!(
                bytes == fs::read(&b).unwrap(),
                "{}.{format} differs between renders",
                r.kind
            );
            assert!(
                bytes == fs::read(&c).unwrap(),
                "{}.{format} depends on row order",
                r.kind
            );
        }
    }
}

#[test]
fn other_sizes_scale_the_figures() {
    let o = PlotOptions {
        width: 800,
        height: 500,
        format: ImageFormat::Png,
        ..PlotOptions::default()
    };
    for (fixture, kind) in [
        (eroa_sweep(), SweepPlotKind::Line),
        (grid_sweep(), SweepPlotKind::Heatmap),
        (family_sweep(), SweepPlotKind::PvFamily),
    ] {
        let dir = fixture.write();
        let out = dir.path().join(format!("{kind}-small.png"));
        render_sweep(&SweepPlotRequest::new(kind), dir.path(), &out, &o).unwrap();
        assert_eq!(png_size(&fs::read(&out).unwrap()), (800, 500));
    }
}

#[test]
fn the_title_falls_back_to_the_directory_name() {
    let parent = TempDir::new().unwrap();
    let dir = parent.path().join("my-eroa-run");
    eroa_sweep().write_into(&dir);
    fs::remove_file(dir.join("sweep.json")).unwrap();
    let (texts, _) = render_both(&SweepPlotRequest::new(SweepPlotKind::Line), &dir);
    title_of(&texts, "my-eroa-run");
    // A sweep.json of another shape: `{"sweep": {"file": …}}`.
    fs::write(
        dir.join("sweep.json"),
        r#"{"sweep": {"file": "/x/y/valve-scan.toml"}}"#,
    )
    .unwrap();
    let (texts, _) = render_both(&SweepPlotRequest::new(SweepPlotKind::Line), &dir);
    title_of(&texts, "valve-scan");
}

/// Render `r` from `dir`, expecting an error; no file may be left behind.
fn expect_error(r: &SweepPlotRequest, dir: &Path) -> PlotError {
    let out = dir.join("out.png");
    let err = render_sweep(r, dir, &out, &PlotOptions::default()).unwrap_err();
    assert!(!out.exists(), "a failed render left {}", out.display());
    err
}

#[test]
fn bad_requests_say_what_is_wrong() {
    let one_axis = eroa_sweep().write();
    let two_axes = grid_sweep().write();

    // No results.csv: the file is named.
    let empty = TempDir::new().unwrap();
    let err = expect_error(&SweepPlotRequest::new(SweepPlotKind::Line), empty.path());
    match &err {
        PlotError::Read { path, .. } => assert!(path.ends_with("results.csv"), "{err}"),
        other => panic!("expected PlotError::Read, got {other:?}"),
    }
    assert!(err.to_string().contains("results.csv"), "{err}");

    // An unknown metric: the file and the metrics to choose from.
    let err = expect_error(
        &req(SweepPlotKind::Line, Some("regurgitant_volume")),
        one_axis.path(),
    );
    assert!(matches!(err, PlotError::UnknownMetric { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("results.csv")
            && msg.contains("`regurgitant_volume`")
            && msg.contains("regurgitant_volume_ml")
            && msg.contains("mitral_mean_gradient_mmhg")
            && !msg.contains("mr_grade"),
        "{msg}"
    );
    let err = expect_error(
        &req(SweepPlotKind::Heatmap, Some("post_nothing_ml")),
        two_axes.path(),
    );
    assert!(err.to_string().contains("`post_nothing_ml`"), "{err}");

    // A metric that is not a number.
    let err = expect_error(
        &req(SweepPlotKind::Line, Some("pre_mr_grade")),
        one_axis.path(),
    );
    assert!(err.to_string().contains("not a number"), "{err}");

    // An unknown axis: the axes to choose from.
    let r = SweepPlotRequest {
        x_axis: Some("heart.rate_bpm".into()),
        ..SweepPlotRequest::new(SweepPlotKind::Line)
    };
    let err = expect_error(&r, one_axis.path());
    assert!(matches!(err, PlotError::UnknownAxis { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("`heart.rate_bpm`") && msg.contains("valves.mitral.eroa_cm2"),
        "{msg}"
    );
    let r = SweepPlotRequest {
        y_axis: Some("valves.mitral.eroa".into()),
        ..SweepPlotRequest::new(SweepPlotKind::Heatmap)
    };
    assert!(matches!(
        expect_error(&r, two_axes.path()),
        PlotError::UnknownAxis { .. }
    ));

    // A heatmap of one axis.
    let err = expect_error(
        &SweepPlotRequest::new(SweepPlotKind::Heatmap),
        one_axis.path(),
    );
    assert!(matches!(err, PlotError::Unsuitable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("heatmap") && msg.contains("one axis") && msg.contains("sweep-line"),
        "{msg}"
    );

    // A PV family without waveforms/.
    let err = expect_error(
        &SweepPlotRequest::new(SweepPlotKind::PvFamily),
        one_axis.path(),
    );
    let msg = err.to_string();
    assert!(
        msg.contains("pv-family") && msg.contains("waveforms") && msg.contains("--waveforms"),
        "{msg}"
    );

    // Too many loops for a family.
    let dir = family_sweep().write();
    let f = eroa_sweep();
    fs::write(dir.path().join("results.csv"), &f.results_csv).unwrap();
    for i in 0..11 {
        let src = dir.path().join("waveforms/point-0.csv");
        let dst = dir.path().join(format!("waveforms/point-{i}.csv"));
        if i > 0 {
            fs::copy(&src, dst).unwrap();
        }
    }
    let mut big = f.results_csv.clone();
    let extra: Vec<String> = f
        .results_csv
        .lines()
        .skip(1)
        .take(2)
        .enumerate()
        .map(|(k, l)| {
            let (_, rest) = l.split_once(',').unwrap();
            format!("{},{rest}", 20 + k)
        })
        .collect();
    big.push_str(&(extra.join("\n") + "\n"));
    fs::write(dir.path().join("results.csv"), big).unwrap();
    for i in [20, 21] {
        fs::copy(
            dir.path().join("waveforms/point-0.csv"),
            dir.path().join(format!("waveforms/point-{i}.csv")),
        )
        .unwrap();
    }
    let err = expect_error(&SweepPlotRequest::new(SweepPlotKind::PvFamily), dir.path());
    assert!(err.to_string().contains("at most 12 loops"), "{err}");

    // A malformed results.csv: file, line and column.
    let dir = eroa_sweep().write();
    let csv = fs::read_to_string(dir.path().join("results.csv")).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "pre_regurgitant_volume_ml")
        .unwrap();
    let mut cells: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    cells[col] = "lots".into();
    lines[3] = cells.join(",");
    fs::write(dir.path().join("results.csv"), lines.join("\n")).unwrap();
    let err = expect_error(&SweepPlotRequest::new(SweepPlotKind::Line), dir.path());
    assert!(matches!(err, PlotError::Malformed { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("results.csv")
            && msg.contains("line 4")
            && msg.contains("`pre_regurgitant_volume_ml`")
            && msg.contains("`lots`"),
        "{msg}"
    );

    // A run's output directory is not a sweep.
    let run = TempDir::new().unwrap();
    fs::write(run.path().join("results.csv"), "state,t_s\npre,0\n").unwrap();
    let err = expect_error(&SweepPlotRequest::new(SweepPlotKind::Line), run.path());
    assert!(err.to_string().contains("`index`"), "{err}");

    // The extension must match the format.
    let err = render_sweep(
        &SweepPlotRequest::new(SweepPlotKind::Line),
        one_axis.path(),
        &one_axis.path().join("x.svg"),
        &PlotOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, PlotError::Extension { .. }), "{err:?}");
}

#[test]
fn kind_names_parse_and_print() {
    for kind in SweepPlotKind::ALL {
        assert_eq!(kind.to_string().parse::<SweepPlotKind>().unwrap(), kind);
        assert_eq!(
            kind.to_string().parse::<AnyPlotKind>().unwrap(),
            AnyPlotKind::Sweep(kind)
        );
        assert!(!kind.description().is_empty());
    }
    assert_eq!(
        ["sweep-line", "heatmap", "pv-family", "sensitivity"],
        SweepPlotKind::ALL.map(|k| k.name())
    );
    assert_eq!(
        "wiggers".parse::<AnyPlotKind>().unwrap(),
        AnyPlotKind::Run(PlotKind::Wiggers)
    );
    let err = "heat-map".parse::<SweepPlotKind>().unwrap_err();
    assert!(
        err.to_string()
            .contains("sweep-line, heatmap, pv-family, sensitivity"),
        "{err}"
    );
    let err = "loops".parse::<AnyPlotKind>().unwrap_err();
    assert!(
        err.to_string().contains("pv-loop") && err.to_string().contains("pv-family"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// Slicing (--where), facets (--facet) and categorical axes, on a hand-made sweep whose metric
// values encode each point, so that the rows a figure keeps can be checked exactly.

/// Clip configurations as results.csv writes a structured axis value: inline TOML, keys sorted.
const CLIPS: [&str; 3] = [
    r#"[{ position_mm = 17.5, size = "NT" }]"#,
    r#"[{ position_mm = 17.5, size = "XT" }]"#,
    r#"[{ position_mm = 14.5, size = "XT" }, { position_mm = 20.5, size = "XT" }]"#,
];
/// The short labels the figures show for them.
const CLIP_LABELS: [&str; 3] = ["NT 17.5 mm", "XT 17.5 mm", "XT 14.5 mm + XT 20.5 mm"];
/// EROA as a linspace writes it (0.3 is not exact).
const EROA_3: [&str; 3] = ["0.2", "0.30000000000000004", "0.4"];
const HR_3: [&str; 3] = ["60", "75", "90"];
const CLIP_KEY: &str = "clip.clips";

/// A 3 × 3 × 3 grid, EROA × heart rate × clip configuration (index = 9·e + 3·h + c, the last
/// axis fastest), in sweep.json mode `mode`. Its values encode the point: pre RVol =
/// 100·EROA + HR/10, post RVol = c + 1 + HR/100, post gradient = 2 + 1.5·c + 5·EROA. Rows are
/// written backwards.
fn three_axis_sweep(mode: &str) -> TempDir {
    let mut csv = csv_line(
        &[
            "index",
            "valves.mitral.eroa_cm2",
            "heart.rate_bpm",
            CLIP_KEY,
            "status",
            "error",
            "pre_regurgitant_volume_ml",
            "pre_mitral_mean_gradient_mmhg",
            "pre_mr_grade",
            "post_regurgitant_volume_ml",
            "post_mitral_mean_gradient_mmhg",
            "post_mr_grade",
        ]
        .map(String::from),
    );
    for index in (0..27).rev() {
        let (e, h, c) = (index / 9, index / 3 % 3, index % 3);
        let eroa: f64 = EROA_3[e].parse().unwrap();
        let hr: f64 = HR_3[h].parse().unwrap();
        let cells = [
            index.to_string(),
            EROA_3[e].into(),
            HR_3[h].into(),
            CLIPS[c].into(),
            "ok".into(),
            String::new(),
            (100.0 * eroa + hr / 10.0).to_string(),
            "1.5".into(),
            "severe".into(),
            (c as f64 + 1.0 + hr / 100.0).to_string(),
            (2.0 + 1.5 * c as f64 + 5.0 * eroa).to_string(),
            "mild".into(),
        ];
        csv.push_str(&csv_line(&cells));
    }
    let json = serde_json::json!({"sweep_file": "sweeps/clip-plan.toml", "mode": mode});
    let dir = TempDir::new().unwrap();
    Fixture {
        results_csv: csv,
        sweep_json: json.to_string(),
        waveforms: Vec::new(),
    }
    .write_into(dir.path());
    dir
}

fn wheres(list: &[&str]) -> Vec<Where> {
    list.iter().map(|w| w.parse().unwrap()).collect()
}

/// The points of `dir` (columns `cols`) left by `--where list`, by index.
fn sliced(dir: &Path, cols: &[&str], list: &[&str]) -> Result<SweepData, PlotError> {
    let cols: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
    SweepHeader::read(dir)?.load(&cols)?.slice(&wheres(list))
}

fn indices(data: &SweepData) -> Vec<u64> {
    data.points.iter().map(|p| p.index).collect()
}

#[test]
fn where_keeps_the_rows_of_the_fixed_values() {
    let dir = three_axis_sweep("grid");
    let cols = ["pre_regurgitant_volume_ml"];
    let d = sliced(dir.path(), &cols, &["heart.rate_bpm=75"]).unwrap();
    assert_eq!(indices(&d), [3, 4, 5, 12, 13, 14, 21, 22, 23]);
    assert!(d.points.iter().all(|p| p.axes[1].number == Some(75.0)));
    // Each value is the one its row encodes: 100·EROA + 7.5.
    for p in &d.points {
        let eroa = p.axes[0].number.unwrap();
        assert_eq!(p.values[0], Some(100.0 * eroa + 7.5), "point {}", p.index);
    }
    assert_eq!(d.fixed_label(), "Heart rate = 75 bpm");

    // A number finds the nearest value within 1e-5 relative: 0.3 is 0.30000000000000004.
    let d = sliced(dir.path(), &cols, &["valves.mitral.eroa_cm2=0.3"]).unwrap();
    assert_eq!(indices(&d), (9..18).collect::<Vec<_>>());
    let d = sliced(dir.path(), &cols, &["valves.mitral.eroa_cm2=0.300002"]).unwrap();
    assert_eq!(indices(&d), (9..18).collect::<Vec<_>>());
    let err = sliced(dir.path(), &cols, &["valves.mitral.eroa_cm2=0.3001"]).unwrap_err();
    assert!(matches!(err, PlotError::Slice { .. }), "{err:?}");

    // A structured value: as written, spelled otherwise (spacing, key order), or by its label.
    for given in [
        r#"clip.clips=[{ position_mm = 17.5, size = "XT" }]"#,
        r#"clip.clips=[{size="XT",position_mm=17.5}]"#,
        r#"clip.clips=[{ size = 'XT', position_mm = 17.5 }]"#,
        "clip.clips=XT 17.5 mm",
        "clip.clips = xt 17.5 mm",
    ] {
        let d = sliced(dir.path(), &cols, &[given]).unwrap();
        assert_eq!(
            indices(&d),
            (0..9).map(|k| 3 * k + 1).collect::<Vec<_>>(),
            "{given}"
        );
    }
    // Two axes fixed: one point per value of the third.
    let d = sliced(
        dir.path(),
        &cols,
        &["heart.rate_bpm=90", "clip.clips=XT 14.5 mm + XT 20.5 mm"],
    )
    .unwrap();
    assert_eq!(indices(&d), [8, 17, 26]);
    assert_eq!(
        d.fixed_label(),
        "Heart rate = 90 bpm, Clip configuration = XT 14.5 mm + XT 20.5 mm"
    );
}

#[test]
fn where_errors_name_the_axis_and_its_values() {
    let dir = three_axis_sweep("grid");
    let cols = ["pre_regurgitant_volume_ml"];
    let msg = |list: &[&str]| sliced(dir.path(), &cols, list).unwrap_err().to_string();

    let err = sliced(dir.path(), &cols, &["heart.rate=75"]).unwrap_err();
    assert!(matches!(err, PlotError::UnknownAxis { .. }), "{err:?}");
    assert!(err.to_string().contains("clip.clips"), "{err}");

    let m = msg(&["heart.rate_bpm=70"]);
    assert!(
        m.contains("results.csv")
            && m.contains("--where heart.rate_bpm=70")
            && m.contains("no point has this value")
            && m.contains("60, 75, 90"),
        "{m}"
    );
    // Values holding commas are listed with | between them, as written.
    let m = msg(&["clip.clips=XTW"]);
    assert!(m.contains(&format!("{} | {}", CLIPS[0], CLIPS[1])), "{m}");
    let m = msg(&["heart.rate_bpm=75", "heart.rate_bpm=90"]);
    assert!(m.contains("fixed twice"), "{m}");
    // A number on a word axis, a word on a number axis.
    assert!(msg(&["clip.clips=17.5"]).contains("no point has this value"));
    assert!(msg(&["heart.rate_bpm=fast"]).contains("no point has this value"));

    // Syntax.
    for bad in ["heart.rate_bpm", "=75", "heart.rate_bpm="] {
        let err = bad.parse::<Where>().unwrap_err();
        assert!(matches!(err, PlotError::WhereSyntax(_)), "{bad}: {err:?}");
        assert!(err.to_string().contains("KEY=VALUE"), "{err}");
    }
    // A value may hold `=`: the key ends at the first one.
    let w: Where = r#"clip.clips=[{size = "XT"}]"#.parse().unwrap();
    assert_eq!(
        (w.key.as_str(), w.value.as_str()),
        ("clip.clips", r#"[{size = "XT"}]"#)
    );

    // A scattered design cannot be sliced.
    for mode in ["lhs", "sobol", "random", "saltelli"] {
        let dir = three_axis_sweep(mode);
        let m = sliced(dir.path(), &cols, &["heart.rate_bpm=75"])
            .unwrap_err()
            .to_string();
        assert!(m.contains(&format!("a {mode} sweep scatters")), "{m}");
    }
}

#[test]
fn figures_of_more_axes_need_where_or_facet() {
    let dir = three_axis_sweep("grid");
    // Heatmap: the third axis is named with its values, and the way out.
    let err = expect_error(
        &req(SweepPlotKind::Heatmap, Some("post_regurgitant_volume_ml")),
        dir.path(),
    );
    let m = err.to_string();
    assert!(
        m.contains(&format!("`clip.clips` ({} | ", CLIPS[0]))
            && m.contains("valves.mitral.eroa_cm2 × heart.rate_bpm")
            && m.contains("--where")
            && m.contains("--facet clip.clips"),
        "{m}"
    );
    // Sweep-line: one other axis gives the lines; a second must be fixed.
    let line = |list: &[&str]| SweepPlotRequest {
        x_axis: Some("valves.mitral.eroa_cm2".into()),
        wheres: wheres(list),
        ..req(SweepPlotKind::Line, Some("post_regurgitant_volume_ml"))
    };
    let m = expect_error(&line(&[]), dir.path()).to_string();
    assert!(
        m.contains("one line per heart.rate_bpm")
            && m.contains("`clip.clips` (")
            && m.contains("--facet clip.clips"),
        "{m}"
    );
    let (texts, _) = render_both(&line(&["clip.clips=XT 17.5 mm"]), dir.path());
    assert_has(&texts, &["Heart rate (bpm)", "60 bpm", "75 bpm", "90 bpm"]);
    // The fixed axis: in the title when it fits, else under the legend.
    assert_eq!(
        title_of(&texts, "clip-plan"),
        "Post-clip regurgitant volume vs mitral EROA — clip-plan"
    );
    assert_has(&texts, &["fixed: Clip configuration = XT 17.5 mm"]);
    // The series is the clip when the rate is fixed: its labels are short.
    let (texts, _) = render_both(&line(&["heart.rate_bpm=75"]), dir.path());
    assert_has(&texts, &CLIP_LABELS);
    // Heatmap with the third axis fixed.
    let r = SweepPlotRequest {
        wheres: wheres(&["clip.clips=NT 17.5 mm"]),
        ..req(
            SweepPlotKind::Heatmap,
            Some("post_mitral_mean_gradient_mmhg"),
        )
    };
    let (texts, _) = render_both(&r, dir.path());
    assert!(
        texts
            .iter()
            .any(|t| t.ends_with("(Clip configuration = NT 17.5 mm)")),
        "{texts:?}"
    );
    // A fixed axis cannot also be drawn.
    let r = SweepPlotRequest {
        x_axis: Some("heart.rate_bpm".into()),
        ..line(&["heart.rate_bpm=75"])
    };
    assert!(expect_error(&r, dir.path())
        .to_string()
        .contains("fixed by --where"));
}

/// How many times each of `want` is a text of the figure.
fn counts(texts: &[String], want: &[&str]) -> Vec<usize> {
    want.iter()
        .map(|w| texts.iter().filter(|t| t == w).count())
        .collect()
}

#[test]
fn facets_draw_one_panel_per_value() {
    let dir = three_axis_sweep("grid");
    // Panel headings "Clip configuration = …" do not fit three across 1600 px: the values
    // head the panels and the title names the axis.
    let headings = CLIP_LABELS;
    let r = SweepPlotRequest {
        x_axis: Some("valves.mitral.eroa_cm2".into()),
        y_axis: Some("heart.rate_bpm".into()),
        facet: Some(CLIP_KEY.into()),
        ..req(
            SweepPlotKind::Heatmap,
            Some("post_mitral_mean_gradient_mmhg"),
        )
    };
    let (texts, _) = render_both(&r, dir.path());
    assert_eq!(counts(&texts, &headings), [1, 1, 1], "{texts:?}");
    assert_eq!(
        title_of(&texts, "by clip configuration"),
        "Post-clip mean mitral gradient — clip-plan, by clip configuration"
    );
    // One colour bar and one y description for the three maps; the x description is wider
    // than a map, so it is written once, under the middle one.
    assert_eq!(
        counts(
            &texts,
            &[
                "Post-clip mean mitral gradient (mmHg)",
                "Heart rate (bpm)",
                "Mitral EROA (pre-clip, cm²)"
            ]
        ),
        [1, 1, 1]
    );
    // Every cell's value is written: 9 distinct values 2 + 1.5·c + 5·EROA, each for 3 rates.
    for c in 0..3 {
        for e in EROA_3 {
            let v = 2.0 + 1.5 * c as f64 + 5.0 * e.parse::<f64>().unwrap();
            let label = format!("{v:.2}");
            assert_eq!(
                texts.iter().filter(|t| **t == label).count(),
                3,
                "{label} (one cell per heart rate)"
            );
        }
    }

    // Short headings keep the form "Name = value".
    let by_rate = SweepPlotRequest {
        y_axis: Some(CLIP_KEY.into()),
        facet: Some("heart.rate_bpm".into()),
        ..r.clone()
    };
    let (texts, _) = render_both(&by_rate, dir.path());
    let rates = [
        "Heart rate = 60 bpm",
        "Heart rate = 75 bpm",
        "Heart rate = 90 bpm",
    ];
    assert_eq!(counts(&texts, &rates), [1, 1, 1], "{texts:?}");
    assert_has(&texts, &["NT 17.5 mm", "XT 14.5 mm +"]);
    let r = SweepPlotRequest {
        x_axis: Some("valves.mitral.eroa_cm2".into()),
        facet: Some(CLIP_KEY.into()),
        ..req(SweepPlotKind::Line, Some("regurgitant_volume_ml"))
    };
    let (texts, _) = render_both(&r, dir.path());
    assert_eq!(counts(&texts, &headings), [1, 1, 1], "{texts:?}");
    assert_has(&texts, &["60 bpm", "90 bpm", "pre-clip", "post-clip"]);
    // One y description (left column), and the x one once (wider than a panel).
    assert_eq!(
        counts(
            &texts,
            &["Regurgitant volume (mL)", "Mitral EROA (pre-clip, cm²)"]
        ),
        [1, 1]
    );

    // Several metrics do not facet; more than 9 values are refused.
    let r2 = SweepPlotRequest {
        metric: Some("regurgitant_volume_ml,mitral_mean_gradient_mmhg".into()),
        ..r.clone()
    };
    assert!(expect_error(&r2, dir.path())
        .to_string()
        .contains("one metric"));
    let wide = with_extra_axis(eroa_sweep(), "heart.rate_bpm", alternating_rate);
    let r3 = SweepPlotRequest {
        x_axis: Some("heart.rate_bpm".into()),
        facet: Some("valves.mitral.eroa_cm2".into()),
        ..SweepPlotRequest::new(SweepPlotKind::Line)
    };
    let m = expect_error(&r3, wide.path()).to_string();
    assert!(m.contains("11 values, more than 9 panels"), "{m}");
}

#[test]
fn categorical_axes_are_named_by_their_short_labels() {
    let dir = three_axis_sweep("grid");
    let r = SweepPlotRequest {
        x_axis: Some(CLIP_KEY.into()),
        y_axis: Some("valves.mitral.eroa_cm2".into()),
        wheres: wheres(&["heart.rate_bpm=60"]),
        ..req(SweepPlotKind::Heatmap, Some("post_regurgitant_volume_ml"))
    };
    let (texts, _) = render_both(&r, dir.path());
    assert_has(
        &texts,
        &[
            "NT 17.5 mm",
            "XT 17.5 mm",
            "XT 14.5 mm +",
            "XT 20.5 mm",
            "Clip configuration",
            "Mitral EROA (pre-clip, cm²)",
        ],
    );
    // Cells: post RVol = c + 1.6 at 60 bpm, the same for each EROA.
    assert_eq!(counts(&texts, &["1.60", "2.60", "3.60"]), [3, 3, 3]);
    // Categories on y too (names left of the axis).
    let r = SweepPlotRequest {
        x_axis: Some("valves.mitral.eroa_cm2".into()),
        y_axis: Some(CLIP_KEY.into()),
        ..r
    };
    let (texts, _) = render_both(&r, dir.path());
    assert_has(&texts, &["NT 17.5 mm", "XT 14.5 mm +"]);

    let r = SweepPlotRequest {
        x_axis: Some(CLIP_KEY.into()),
        wheres: wheres(&["heart.rate_bpm=60", "valves.mitral.eroa_cm2=0.4"]),
        ..req(SweepPlotKind::Line, Some("regurgitant_volume_ml"))
    };
    let (texts, pixels) = render_both(&r, dir.path());
    assert_has(
        &texts,
        &["NT 17.5 mm", "XT 17.5 mm", "XT 14.5 mm +", "XT 20.5 mm"],
    );
    assert!(count_rgb(&pixels, PRE_RGB) > 500, "pre markers");
    assert!(count_rgb(&pixels, POST_RGB) > 500, "post markers");
}

// ---------------------------------------------------------------------------------------------
// Sobol' indices (`plot sensitivity`), from a hand-made sensitivity.csv.

/// A sensitivity.csv as a saltelli sweep writes it: for the post-clip RVol and gradient and the
/// pre-clip CO, four parameters (in an order that is not the ST order), one S1 estimate below
/// zero, one index without an estimate (empty, NaN).
const SENSITIVITY_CSV: &str = "\
metric,parameter,s1,s1_low,s1_high,st,st_low,st_high
post_regurgitant_volume_ml,heart.rate_bpm,0.05,0.01,0.09,0.08,0.05,0.11
post_regurgitant_volume_ml,valves.mitral.eroa_cm2,0.62,0.55,0.69,0.71,0.64,0.78
post_regurgitant_volume_ml,chambers.lv.ea,0.12,0.07,0.17,0.19,0.15,0.24
post_regurgitant_volume_ml,valves.mitral.area_cm2,-0.01,-0.04,0.02,0.02,0.01,0.03
post_mitral_mean_gradient_mmhg,heart.rate_bpm,0.21,0.15,0.27,0.26,0.21,0.31
post_mitral_mean_gradient_mmhg,valves.mitral.eroa_cm2,0.08,0.04,0.12,0.1,0.07,0.13
post_mitral_mean_gradient_mmhg,chambers.lv.ea,0.02,-0.01,0.05,0.04,0.02,0.06
post_mitral_mean_gradient_mmhg,valves.mitral.area_cm2,0.58,0.51,0.65,0.63,0.57,0.7
pre_cardiac_output_l_min,heart.rate_bpm,0.3,0.2,0.4,0.35,0.3,0.4
pre_cardiac_output_l_min,valves.mitral.eroa_cm2,0.4,0.3,0.5,0.5,0.4,0.6
pre_cardiac_output_l_min,chambers.lv.ea,0.2,0.1,0.3,0.25,0.2,0.3
pre_cardiac_output_l_min,valves.mitral.area_cm2,,,,NaN,NaN,NaN
";

fn sensitivity_dir(csv: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("sensitivity.csv"), csv).unwrap();
    fs::write(
        dir.path().join("sweep.json"),
        r#"{"sweep_file": "sweeps/gradient-sensitivity.toml", "mode": "saltelli"}"#,
    )
    .unwrap();
    dir
}

#[test]
fn sensitivity_draws_s1_and_st_bars_per_metric() {
    use mitralsim::plot::sensitivity::read_indices;
    let dir = sensitivity_dir(SENSITIVITY_CSV);
    let rows = read_indices(dir.path()).unwrap();
    assert_eq!(rows.len(), 12);
    assert_eq!(rows[3].s1.unwrap().value, -0.01);
    assert_eq!((rows[11].s1, rows[11].st), (None, None));

    // Default: the post-clip RVol and gradient (the file has no RF), one panel each.
    let r = SweepPlotRequest::new(SweepPlotKind::Sensitivity);
    let (texts, pixels) = render_both(&r, dir.path());
    assert_eq!(
        title_of(&texts, "gradient-sensitivity"),
        "Sobol' sensitivity indices — gradient-sensitivity"
    );
    assert_has(
        &texts,
        &[
            "Post-clip regurgitant volume (mL)",
            "Post-clip mean mitral gradient (mmHg)",
            "S1, first-order",
            "ST, total",
            "whiskers: 95 % interval",
            "Sobol' index",
        ],
    );
    assert!(!has(&texts, "Pre-clip cardiac output (L/min)"));
    assert!(!has(&texts, "n/a: no estimate"));
    // Parameters by ST, largest on top: each panel writes its names from the bottom
    // up, smallest ST first.
    let names: Vec<&str> = texts
        .iter()
        .map(String::as_str)
        .filter(|t| {
            [
                "Mitral EROA (pre-clip)",
                "LV active elastance",
                "Heart rate",
                "Mitral open area (pre-clip)",
            ]
            .contains(t)
        })
        .collect();
    assert_eq!(
        names,
        [
            "Mitral open area (pre-clip)",
            "Heart rate",
            "LV active elastance",
            "Mitral EROA (pre-clip)",
            "LV active elastance",
            "Mitral EROA (pre-clip)",
            "Heart rate",
            "Mitral open area (pre-clip)",
        ]
    );
    assert_has(&texts, &["0", "0.5", "1"]);
    assert!(count_rgb(&pixels, [0x1A, 0x1A, 0x1A]) > 1000, "whiskers");

    // --metric: a column, or a bare metric (its post_ column, else pre_); a missing index is n/a.
    let r = req(SweepPlotKind::Sensitivity, Some("cardiac_output_l_min"));
    let (texts, _) = render_both(&r, dir.path());
    assert_has(
        &texts,
        &["Pre-clip cardiac output (L/min)", "n/a", "n/a: no estimate"],
    );
    let r = req(
        SweepPlotKind::Sensitivity,
        Some("post_regurgitant_volume_ml,mitral_mean_gradient_mmhg,pre_cardiac_output_l_min"),
    );
    render_both(&r, dir.path());
}

#[test]
fn sensitivity_errors_say_what_is_wrong() {
    // Not a saltelli sweep.
    let grid = eroa_sweep().write();
    let r = SweepPlotRequest::new(SweepPlotKind::Sensitivity);
    let m = expect_error(&r, grid.path()).to_string();
    assert!(
        m.contains("not a saltelli sweep") && m.contains("has no sensitivity.csv"),
        "{m}"
    );
    // An unknown metric: the available ones are listed.
    let dir = sensitivity_dir(SENSITIVITY_CSV);
    let err = expect_error(
        &req(SweepPlotKind::Sensitivity, Some("lv_edv_ml")),
        dir.path(),
    );
    assert!(matches!(err, PlotError::UnknownMetric { .. }), "{err:?}");
    let m = err.to_string();
    assert!(
        m.contains("`lv_edv_ml`")
            && m.contains("post_regurgitant_volume_ml, post_mitral_mean_gradient_mmhg, pre_cardiac_output_l_min"),
        "{m}"
    );
    // Options of the other figures.
    let r = SweepPlotRequest {
        facet: Some("heart.rate_bpm".into()),
        ..SweepPlotRequest::new(SweepPlotKind::Sensitivity)
    };
    assert!(expect_error(&r, dir.path())
        .to_string()
        .contains("--metric only"));
    // A malformed file: the column, the line.
    let bad = sensitivity_dir("metric,parameter,s1,s1_low,s1_high,st,st_low\nx,y,1,1,1,1,1\n");
    let m = expect_error(
        &SweepPlotRequest::new(SweepPlotKind::Sensitivity),
        bad.path(),
    )
    .to_string();
    assert!(m.contains("no column `st_high`"), "{m}");
    let bad = sensitivity_dir(&SENSITIVITY_CSV.replace("0.71,", "lots,"));
    let m = expect_error(
        &SweepPlotRequest::new(SweepPlotKind::Sensitivity),
        bad.path(),
    )
    .to_string();
    assert!(
        m.contains("line 3, column `st`: `lots` is not a number"),
        "{m}"
    );
    let empty = sensitivity_dir("metric,parameter,s1,s1_low,s1_high,st,st_low,st_high\n");
    let m = expect_error(
        &SweepPlotRequest::new(SweepPlotKind::Sensitivity),
        empty.path(),
    )
    .to_string();
    assert!(m.contains("no data rows"), "{m}");
}

#[test]
fn plot_command_line_takes_where_facet_and_sensitivity() {
    let dir = three_axis_sweep("grid");
    let d = dir.path().to_str().unwrap();
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("mitralsim")
            .unwrap()
            .args(args)
            .output()
            .unwrap()
    };
    let out = dir.path().join("map.svg");
    let o = run(&[
        "plot",
        "heatmap",
        d,
        "--metric",
        "post_mitral_mean_gradient_mmhg",
        "--where",
        "heart.rate_bpm=75",
        "--x",
        "valves.mitral.eroa_cm2",
        "--y",
        CLIP_KEY,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(svg_texts(&fs::read_to_string(&out).unwrap()).contains(&"XT 17.5 mm".to_string()));
    let o = run(&[
        "plot",
        "sweep-line",
        d,
        "--x",
        "valves.mitral.eroa_cm2",
        "--facet",
        CLIP_KEY,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(dir.path().join("sweep-line.png").is_file());
    // Bad input: exit 2 and the reason.
    for (args, want) in [
        (vec!["--where", "heart.rate_bpm=70"], "60, 75, 90"),
        (vec!["--where", "heart.rate_bpm"], "expected KEY=VALUE"),
        (vec![], "--facet clip.clips"),
    ] {
        let mut all = vec![
            "plot",
            "heatmap",
            d,
            "--metric",
            "post_regurgitant_volume_ml",
        ];
        all.extend(args);
        let o = run(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{err}");
    }
    let o = run(&["plot", "pv-loop", d, "--where", "heart.rate_bpm=75"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--where and --facet go with"));
    // sensitivity: drawn from sensitivity.csv; refused without it.
    let o = run(&["plot", "sensitivity", d]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a saltelli sweep"));
    let sens = sensitivity_dir(SENSITIVITY_CSV);
    let o = run(&[
        "plot",
        "sensitivity",
        sens.path().to_str().unwrap(),
        "--font-scale",
        "1.3",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(sens.path().join("sensitivity.png").is_file());
}

#[test]
fn a_real_clip_configuration_sweep_is_sliced_and_drawn() {
    // `mitralsim sweep` of the example (clip.clips × 9 EROAs, the clip axis first): its
    // results.csv cells are the lists as inline TOML, its labels read "XT 17.5 mm".
    let out = TempDir::new().unwrap();
    let dir = out.path().join("clip-configurations");
    common::sweeps::sweep_example("clip-configurations.toml", &dir, &["--jobs", "1"]);
    let d = sliced(
        &dir,
        &["post_regurgitant_volume_ml"],
        &["clip.clips=XT 17.5 mm"],
    )
    .unwrap();
    assert_eq!(indices(&d), (9..18).collect::<Vec<_>>());
    assert!(d.points.iter().all(|p| p.axes[0].display() == "XT 17.5 mm"));
    // Two XT leave less regurgitation than one at every EROA.
    let two = sliced(
        &dir,
        &["post_regurgitant_volume_ml"],
        &[r#"clip.clips=[{size = "XT", position_mm = 14.5}, {size = "XT", position_mm = 20.5}]"#],
    )
    .unwrap();
    assert_eq!(indices(&two), (18..27).collect::<Vec<_>>());
    for (one, both) in d.points.iter().zip(&two.points) {
        assert!(
            both.values[0].unwrap() < one.values[0].unwrap(),
            "point {}",
            one.index
        );
    }
    let r = SweepPlotRequest {
        x_axis: Some(CLIP_KEY.into()),
        ..req(SweepPlotKind::Heatmap, Some("post_regurgitant_volume_ml"))
    };
    let (texts, _) = render_both(&r, &dir);
    assert_has(
        &texts,
        &["NT 17.5 mm", "XT 17.5 mm", "XT 14.5 mm +", "XT 20.5 mm"],
    );
    let r = SweepPlotRequest {
        x_axis: Some("valves.mitral.eroa_cm2".into()),
        ..req(SweepPlotKind::Line, Some("post_mitral_mean_gradient_mmhg"))
    };
    let (texts, _) = render_both(&r, &dir);
    assert_has(&texts, &["Clip configuration", "XT 14.5 mm + XT 20.5 mm"]);
}

/// Remake docs/gallery/sweeps/: each kind from the sweeps above, and the Sobol' indices of
/// scenarios/sweeps/sensitivity-post-clip.toml (run with `mitralsim sweep`), as
/// `mitralsim plot KIND DIR …` will draw it.
#[test]
#[ignore]
fn regenerate_sweep_gallery() {
    let gallery: PathBuf = common::repo_path("docs/gallery/sweeps");
    fs::create_dir_all(&gallery).unwrap();
    let work = TempDir::new().unwrap();
    let cases: Vec<(&str, &Fixture, SweepPlotRequest)> = vec![
        (
            "sweep-line",
            eroa_sweep(),
            req(SweepPlotKind::Line, Some("regurgitant_volume_ml")),
        ),
        (
            "sweep-line-panels",
            eroa_sweep(),
            req(
                SweepPlotKind::Line,
                Some("regurgitant_fraction_pct,cardiac_output_l_min,mitral_mean_gradient_mmhg"),
            ),
        ),
        (
            "sweep-line-failures",
            eroa_with_failures(),
            req(SweepPlotKind::Line, Some("regurgitant_volume_ml")),
        ),
        (
            "sweep-line-grouped",
            grid_sweep(),
            SweepPlotRequest {
                x_axis: Some("valves.mitral.eroa_cm2".into()),
                ..req(SweepPlotKind::Line, Some("post_mitral_mean_gradient_mmhg"))
            },
        ),
        (
            "heatmap-gradient",
            grid_sweep(),
            req(
                SweepPlotKind::Heatmap,
                Some("post_mitral_mean_gradient_mmhg"),
            ),
        ),
        (
            "heatmap-rf",
            grid_hr_sweep(),
            SweepPlotRequest::new(SweepPlotKind::Heatmap),
        ),
        (
            "heatmap-scatter",
            scattered_sweep(),
            req(
                SweepPlotKind::Heatmap,
                Some("post_mitral_mean_gradient_mmhg"),
            ),
        ),
        (
            "pv-family",
            family_sweep(),
            SweepPlotRequest::new(SweepPlotKind::PvFamily),
        ),
        (
            "heatmap-facets",
            clip_plan_sweep(),
            SweepPlotRequest {
                x_axis: Some("valves.mitral.eroa_cm2".into()),
                y_axis: Some("valves.mitral.area_cm2".into()),
                facet: Some(CLIP_KEY.into()),
                ..req(
                    SweepPlotKind::Heatmap,
                    Some("post_mitral_mean_gradient_mmhg"),
                )
            },
        ),
        (
            "heatmap-categorical",
            clip_plan_sweep(),
            SweepPlotRequest {
                x_axis: Some(CLIP_KEY.into()),
                y_axis: Some("valves.mitral.eroa_cm2".into()),
                wheres: wheres(&["valves.mitral.area_cm2=5"]),
                ..req(SweepPlotKind::Heatmap, Some("post_regurgitant_volume_ml"))
            },
        ),
        (
            "sweep-line-where",
            clip_plan_sweep(),
            SweepPlotRequest {
                x_axis: Some("valves.mitral.eroa_cm2".into()),
                wheres: wheres(&["valves.mitral.area_cm2=4"]),
                ..req(SweepPlotKind::Line, Some("post_mitral_mean_gradient_mmhg"))
            },
        ),
        (
            "sweep-line-facets",
            clip_plan_sweep(),
            SweepPlotRequest {
                x_axis: Some("valves.mitral.eroa_cm2".into()),
                facet: Some(CLIP_KEY.into()),
                ..req(SweepPlotKind::Line, Some("post_regurgitant_volume_ml"))
            },
        ),
    ];
    for (name, fixture, r) in cases {
        let dir = work.path().join(name);
        fixture.write_into(&dir);
        let out = gallery.join(format!("{name}.png"));
        render_sweep(&r, &dir, &out, &PlotOptions::default()).unwrap();
        if let Ok(small) = std::env::var("SWEEP_GALLERY_SMALL") {
            let o = PlotOptions {
                width: 800,
                height: 500,
                format: ImageFormat::Png,
                ..PlotOptions::default()
            };
            let small = PathBuf::from(small);
            fs::create_dir_all(&small).unwrap();
            render_sweep(&r, &dir, &small.join(format!("{name}.png")), &o).unwrap();
            render_sweep(
                &r,
                &dir,
                &small.join(format!("{name}.svg")),
                &opts(ImageFormat::Svg),
            )
            .unwrap();
        }
    }
    // The Sobol' indices of the example saltelli sweep, as `mitralsim sweep` computes them.
    let dir = work.path().join("sensitivity-post-clip");
    common::sweeps::sweep_example("sensitivity-post-clip.toml", &dir, &[]);
    let r = SweepPlotRequest::new(SweepPlotKind::Sensitivity);
    render_sweep(
        &r,
        &dir,
        &gallery.join("sensitivity.png"),
        &PlotOptions::default(),
    )
    .unwrap();

    // The clip-planning study: EROA × LV contractility × clip configuration.
    let dir = work.path().join("clip-planning");
    common::sweeps::sweep_example("clip-planning.toml", &dir, &[]);
    for (name, metric) in [
        ("clip-planning-gradient", "post_mitral_mean_gradient_mmhg"),
        ("clip-planning-rf", "post_regurgitant_fraction_pct"),
    ] {
        let mut r = SweepPlotRequest::new(SweepPlotKind::Heatmap);
        r.metric = Some(metric.into());
        r.x_axis = Some("valves.mitral.eroa_cm2".into());
        r.y_axis = Some("clip.clips".into());
        r.facet = Some("chambers.lv.ea".into());
        let out = gallery.join(format!("{name}.png"));
        render_sweep(&r, &dir, &out, &PlotOptions::default()).unwrap();
    }
}
