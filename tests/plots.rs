//! Per-run figures (src/plot): every kind renders to PNG and SVG from real simulated runs, pre
//! only and pre + post; the files carry the expected size, text and colours, are reproducible,
//! and bad inputs give a `PlotError` naming the file.
//!
//! `cargo test --release --test plots -- --ignored regenerate_gallery` remakes docs/gallery/.

mod common;
use common::images::{count_rgb, opts, png_size, svg_texts};

use mitralsim::commands;
use mitralsim::model::repair::Repair;
use mitralsim::output::metrics_json::{self, MetricsFile, ScenarioInfo};
use mitralsim::output::waveforms_csv;
use mitralsim::plot::{
    render, render_all, render_rgb, render_run, ImageFormat, PlotError, PlotKind, PlotOptions,
    RunData,
};
use mitralsim::scenario::Scenario;
use mitralsim::simulate::Comparison;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

/// Okabe–Ito colours of the pre (blue) and post (vermillion) traces.
const PRE_RGB: [u8; 3] = [0x00, 0x72, 0xB2];
const POST_RGB: [u8; 3] = [0xD5, 0x5E, 0x00];

/// A run directory's two files, made once per test binary and written into fresh temp dirs.
struct Fixture {
    metrics_json: String,
    waveforms_csv: Vec<u8>,
}

impl Fixture {
    fn write(&self) -> TempDir {
        let dir = TempDir::new().unwrap();
        fs::write(dir.path().join("metrics.json"), &self.metrics_json).unwrap();
        fs::write(dir.path().join("waveforms.csv"), &self.waveforms_csv).unwrap();
        dir
    }
}

/// `mitralsim run scenarios/normal.toml`: a real pre-only output directory.
fn pre_only() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        run_preset("normal", dir.path());
        Fixture {
            metrics_json: fs::read_to_string(dir.path().join("metrics.json")).unwrap(),
            waveforms_csv: fs::read(dir.path().join("waveforms.csv")).unwrap(),
        }
    })
}

/// secondary-mr-hf before and after a clip (the preset's own `[clip]`, or else a direct repair
/// to EROA 0.08 cm² and open area 3.0 cm²), simulated and written with the real writers.
fn pre_post() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut s = common::preset("secondary-mr-hf", &[]);
        s.clip.get_or_insert(Repair::Direct {
            eroa_cm2: 0.08,
            area_cm2: 3.0,
        });
        write_comparison(&s)
    })
}

fn run_preset(name: &str, out: &Path) {
    let path = common::repo_path(&format!("scenarios/{name}.toml"));
    let opts = commands::RunOptions {
        scenario: Some(&path),
        out: Some(out),
        quiet: true,
        ..Default::default()
    };
    let outcome = commands::run(&opts, std::io::sink()).unwrap();
    assert!(outcome.result.converged(), "{name} did not converge");
}

/// What `mitralsim run` writes for `s`, built from the library (independent of how a scenario
/// file spells its clip).
fn write_comparison(s: &Scenario) -> Fixture {
    let result = Comparison::run(s).unwrap();
    assert!(result.converged());
    let post = result.post.as_ref().expect("a clip");
    let pre_beat = result.pre.waveforms(s.waveform_step_s);
    let post_beat = post.sim.waveforms(s.waveform_step_s);
    let mut csv = Vec::new();
    waveforms_csv::write(&[("pre", &pre_beat), ("post", &post_beat)], &mut csv).unwrap();
    let info = ScenarioInfo {
        name: &s.name,
        description: s.description.as_deref(),
        source: None,
        resolved: "scenario.resolved.toml",
    };
    let file = MetricsFile::new(info, &s.sha256, &s.solver, &result);
    let mut json = Vec::new();
    metrics_json::write(&file, &mut json).unwrap();
    Fixture {
        metrics_json: String::from_utf8(json).unwrap(),
        waveforms_csv: csv,
    }
}

/// Axis labels (quantity and unit) each kind must show.
fn axis_labels(kind: PlotKind) -> &'static [&'static str] {
    match kind {
        PlotKind::PvLoop => &["LV volume (mL)", "LV pressure (mmHg)"],
        PlotKind::LaLoop => &["LA volume (mL)", "LA pressure (mmHg)"],
        // Stacked panels name their quantity and unit beside the tick labels, on two lines.
        PlotKind::Wiggers => &[
            "time (s)",
            "Aortic and LV",
            "pressure (mmHg)",
            "LA pressure",
            "(mmHg)",
            "Mitral flow",
            "(mL/s)",
            "LV volume",
            "(mL)",
            "Valve",
            "opening (0–1)",
        ],
        PlotKind::Bars => &[
            "RVol (mL)",
            "RF (%)",
            "forward SV (mL)",
            "CO (L/min)",
            "pressure (mmHg)",
            "gradient (mmHg)",
        ],
    }
}

/// A legend (or category) entry naming `state`: the bare name or "state: …".
fn names_state(texts: &[String], state: &str) -> bool {
    texts
        .iter()
        .any(|t| t == state || t.starts_with(&format!("{state}:")))
}

fn check_svg(kind: PlotKind, svg: &str, scenario: &str, has_post: bool) {
    assert!(
        svg.contains(r#"width="1600" height="1000""#),
        "{kind}: SVG size"
    );
    let texts = svg_texts(svg);
    assert!(
        texts
            .iter()
            .any(|t| t.contains(" — ") && t.ends_with(scenario)),
        "{kind}: no title naming {scenario} in {texts:?}"
    );
    for label in axis_labels(kind) {
        assert!(
            texts.iter().any(|t| t == label),
            "{kind}: no axis label {label:?} in {texts:?}"
        );
    }
    assert!(names_state(&texts, "pre"), "{kind}: no `pre` legend entry");
    assert_eq!(
        names_state(&texts, "post"),
        has_post,
        "{kind}: `post` legend entry present = {}, expected {has_post}",
        !has_post
    );
}

fn check_pixels(kind: PlotKind, run: &RunData) {
    let o = PlotOptions::default();
    let pixels = render_rgb(kind, run, &o).unwrap();
    assert_eq!(pixels.len(), 1600 * 1000 * 3);
    let n = pixels.len() / 3;
    let ink = n - count_rgb(&pixels, [255, 255, 255]);
    assert!(
        ink > n / 50 && ink < n / 2,
        "{kind}: {ink} of {n} pixels are not background"
    );
    assert!(
        count_rgb(&pixels, PRE_RGB) > 2000,
        "{kind}: the pre trace is missing"
    );
    let post = count_rgb(&pixels, POST_RGB);
    if run.has_post() {
        assert!(post > 1000, "{kind}: the post trace is missing ({post} px)");
    } else {
        assert_eq!(post, 0, "{kind}: post colour in a pre-only run");
    }
}

fn renders_every_kind(fixture: &Fixture, scenario: &str, has_post: bool) {
    let dir = fixture.write();
    let run = RunData::load(dir.path()).unwrap();
    assert_eq!(run.has_post(), has_post);
    assert_eq!(run.scenario_name, scenario);
    for kind in PlotKind::ALL {
        let png = dir.path().join(format!("{kind}.png"));
        render(kind, dir.path(), &png, &opts(ImageFormat::Png)).unwrap();
        let bytes = fs::read(&png).unwrap();
        assert_eq!(png_size(&bytes), (1600, 1000), "{kind}");
        // A blank 1600×1000 PNG compresses to a few kB.
        assert!(bytes.len() > 30_000, "{kind}: PNG of {} bytes", bytes.len());
        check_pixels(kind, &run);

        let svg = dir.path().join(format!("{kind}.svg"));
        render(kind, dir.path(), &svg, &opts(ImageFormat::Svg)).unwrap();
        check_svg(kind, &fs::read_to_string(&svg).unwrap(), scenario, has_post);
    }
}

#[test]
fn every_kind_renders_a_pre_only_run() {
    renders_every_kind(pre_only(), "normal", false);
}

#[test]
fn every_kind_renders_a_pre_and_post_run() {
    renders_every_kind(pre_post(), "secondary-mr-hf", true);
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let dir = pre_post().write();
    for format in ImageFormat::ALL {
        for kind in PlotKind::ALL {
            let a = dir.path().join(format!("a-{kind}.{format}"));
            let b = dir.path().join(format!("b-{kind}.{format}"));
            render(kind, dir.path(), &a, &opts(format)).unwrap();
            render(kind, dir.path(), &b, &opts(format)).unwrap();
            assert!(
                fs::read(&a).unwrap() == fs::read(&b).unwrap(),
                "{kind}.{format} differs between two renders"
            );
        }
    }
}

#[test]
fn render_all_writes_one_file_per_kind() {
    let dir = pre_only().write();
    let written = render_all(dir.path(), &opts(ImageFormat::Svg)).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["pv-loop.svg", "wiggers.svg", "la-loop.svg", "bars.svg"]
    );
    assert!(written
        .iter()
        .all(|p| p.starts_with(dir.path()) && p.is_file()));
}

#[test]
fn other_sizes_scale_the_figure() {
    let dir = pre_post().write();
    let o = PlotOptions {
        width: 800,
        height: 500,
        format: ImageFormat::Png,
    };
    for kind in PlotKind::ALL {
        let out = dir.path().join(format!("{kind}-small.png"));
        render(kind, dir.path(), &out, &o).unwrap();
        assert_eq!(png_size(&fs::read(&out).unwrap()), (800, 500));
    }
}

fn expect_error(dir: &Path, kind: PlotKind) -> PlotError {
    let out = dir.join("out.png");
    let err = render(kind, dir, &out, &PlotOptions::default()).unwrap_err();
    assert!(!out.exists(), "a failed render left {}", out.display());
    err
}

#[test]
fn a_missing_waveforms_file_is_named() {
    let dir = pre_only().write();
    fs::remove_file(dir.path().join("waveforms.csv")).unwrap();
    let err = expect_error(dir.path(), PlotKind::PvLoop);
    match &err {
        PlotError::Read { path, .. } => assert!(path.ends_with("waveforms.csv"), "{err}"),
        other => panic!("expected PlotError::Read, got {other:?}"),
    }
    assert!(err.to_string().contains("waveforms.csv"), "{err}");
}

#[test]
fn a_missing_metrics_file_is_named() {
    let dir = pre_only().write();
    fs::remove_file(dir.path().join("metrics.json")).unwrap();
    let err = expect_error(dir.path(), PlotKind::Bars);
    assert!(matches!(err, PlotError::Read { .. }), "{err:?}");
    assert!(err.to_string().contains("metrics.json"), "{err}");
}

/// Replace the run's files, render, and return the error message.
fn malformed(edit: impl FnOnce(&mut String, &mut String)) -> String {
    let f = pre_post();
    let mut json = f.metrics_json.clone();
    let mut csv = String::from_utf8(f.waveforms_csv.clone()).unwrap();
    edit(&mut json, &mut csv);
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("metrics.json"), json).unwrap();
    fs::write(dir.path().join("waveforms.csv"), csv).unwrap();
    let err = expect_error(dir.path(), PlotKind::Wiggers);
    assert!(matches!(err, PlotError::Malformed { .. }), "{err:?}");
    err.to_string()
}

#[test]
fn malformed_inputs_say_which_file_and_what_is_wrong() {
    let msg = malformed(|_, csv| *csv = csv.replacen("q_mv_ml_s", "q_mitral", 1));
    assert!(
        msg.contains("waveforms.csv") && msg.contains("no column `q_mv_ml_s`"),
        "{msg}"
    );

    let msg = malformed(|_, csv| {
        let mut lines: Vec<String> = csv.lines().map(String::from).collect();
        let cells: Vec<&str> = lines[5].split(',').collect();
        let mut cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
        cells[2] = "abc".into(); // p_la_mmhg
        lines[5] = cells.join(",");
        *csv = lines.join("\n");
    });
    assert!(
        msg.contains("line 6") && msg.contains("`p_la_mmhg`") && msg.contains("`abc`"),
        "{msg}"
    );

    let msg = malformed(|_, csv| *csv = csv.replace("\npost,", "\nafter,"));
    assert!(msg.contains("unknown state `after`"), "{msg}");

    let msg = malformed(|json, _| {
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
        v.as_object_mut().unwrap().remove("post");
        *json = v.to_string();
    });
    assert!(
        msg.contains("metrics.json") && msg.contains("no `post` metrics"),
        "{msg}"
    );

    let msg = malformed(|json, _| {
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
        v["pre"]["lv_edv_ml"] = serde_json::Value::String("big".into());
        *json = v.to_string();
    });
    assert!(
        msg.contains("metrics.json") && msg.contains("pre.lv_edv_ml"),
        "{msg}"
    );

    let msg = malformed(|json, _| json.truncate(json.len() / 2));
    assert!(msg.contains("metrics.json"), "{msg}");

    let msg = malformed(|_, csv| {
        let header = csv.lines().next().unwrap().to_string();
        *csv = header;
    });
    assert!(
        msg.contains("waveforms.csv") && msg.contains("no data rows"),
        "{msg}"
    );
}

#[test]
fn options_and_names_are_checked() {
    assert_eq!("pv-loop".parse::<PlotKind>().unwrap(), PlotKind::PvLoop);
    assert_eq!("la-loop".parse::<PlotKind>().unwrap(), PlotKind::LaLoop);
    for kind in PlotKind::ALL {
        assert_eq!(kind.to_string().parse::<PlotKind>().unwrap(), kind);
    }
    let err = "pvloop".parse::<PlotKind>().unwrap_err();
    assert!(
        err.to_string().contains("pv-loop, wiggers, la-loop, bars"),
        "{err}"
    );
    assert_eq!("svg".parse::<ImageFormat>().unwrap(), ImageFormat::Svg);
    assert!("jpg".parse::<ImageFormat>().is_err());
    assert_eq!(
        ImageFormat::from_path(Path::new("a/b.PNG")),
        Some(ImageFormat::Png)
    );
    assert_eq!(PlotOptions::default(), opts(ImageFormat::Png));

    let dir = pre_only().write();
    let run = RunData::load(dir.path()).unwrap();
    let err = render_run(
        PlotKind::Bars,
        &run,
        &dir.path().join("bars.svg"),
        &opts(ImageFormat::Png),
    )
    .unwrap_err();
    assert!(matches!(err, PlotError::Extension { .. }), "{err:?}");
    for (width, height) in [(0, 1000), (1600, 10), (100_000, 1000)] {
        let o = PlotOptions {
            width,
            height,
            format: ImageFormat::Png,
        };
        let err = render_rgb(PlotKind::PvLoop, &run, &o).unwrap_err();
        assert!(matches!(err, PlotError::Size { .. }), "{err:?}");
    }
    let missing_dir = dir.path().join("no-such-dir").join("x.png");
    let err = render_run(
        PlotKind::PvLoop,
        &run,
        &missing_dir,
        &opts(ImageFormat::Png),
    )
    .unwrap_err();
    assert!(matches!(err, PlotError::Write { .. }), "{err:?}");
}

/// A change to loaded run data.
type Edit = fn(&mut RunData);

#[test]
fn hand_built_data_is_checked_not_panicked_on() {
    let dir = pre_post().write();
    let good = RunData::load(dir.path()).unwrap();
    let o = PlotOptions::default();
    let broken: [(&str, Edit); 5] = [
        ("no states", |r| r.states.clear()),
        ("post first", |r| r.states.reverse()),
        ("short channel", |r| {
            r.states[1].waveforms.q_mv_ml_s.pop();
        }),
        ("NaN", |r| r.states[0].waveforms.p_la_mmhg[7] = f64::NAN),
        ("time backwards", |r| r.states[0].waveforms.t_s[2] = -1.0),
    ];
    for (what, edit) in broken {
        let mut run = good.clone();
        edit(&mut run);
        for kind in PlotKind::ALL {
            let err = render_rgb(kind, &run, &o).unwrap_err();
            assert!(matches!(err, PlotError::Data(_)), "{what}, {kind}: {err:?}");
        }
    }
}

/// Remake docs/gallery/: every preset as `mitralsim run scenarios/NAME.toml` writes it (pre and
/// post when the preset places a clip), each kind as `mitralsim plot KIND output/NAME` draws it.
#[test]
#[ignore]
fn regenerate_gallery() {
    let gallery: PathBuf = common::repo_path("docs/gallery");
    let work = TempDir::new().unwrap();
    for name in [
        "normal",
        "primary-mr-severe",
        "secondary-mr-hf",
        "regazzoni2022",
    ] {
        let dir = work.path().join(name);
        run_preset(name, &dir);
        let out = gallery.join(name);
        fs::create_dir_all(&out).unwrap();
        for kind in PlotKind::ALL {
            let file = out.join(format!("{kind}.png"));
            render(kind, &dir, &file, &PlotOptions::default()).unwrap();
        }
    }
}
