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
    render, render_all, render_compare, render_rgb, render_run, ImageFormat, PlotError, PlotKind,
    PlotOptions, RunData,
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
    /// The LV's law for the ESPVR and EDPVR.
    resolved_toml: String,
}

impl Fixture {
    fn write(&self) -> TempDir {
        let dir = TempDir::new().unwrap();
        fs::write(dir.path().join("metrics.json"), &self.metrics_json).unwrap();
        fs::write(dir.path().join("waveforms.csv"), &self.waveforms_csv).unwrap();
        let resolved = dir.path().join("scenario.resolved.toml");
        fs::write(resolved, &self.resolved_toml).unwrap();
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
            resolved_toml: fs::read_to_string(dir.path().join("scenario.resolved.toml")).unwrap(),
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
    assert!(result.post.is_some(), "a clip");
    let mut csv = Vec::new();
    waveforms_csv::write(&result.waveforms(s.waveform_step_s), &mut csv).unwrap();
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
        resolved_toml: s.resolved_toml.clone(),
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
            "Phase",
            "Pressure",
            "(mmHg)",
            "LV volume",
            "(mL)",
            "Flow",
            "(mL/s)",
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

/// What each kind must show besides its axes: the relations and points of a PV loop, the
/// phases and valve events of a Wiggers diagram, the v-wave.
fn content_labels(kind: PlotKind) -> &'static [&'static str] {
    match kind {
        PlotKind::PvLoop => &["ESPVR", "EDPVR", "ED", "ES", "end-diastole (ED)"],
        PlotKind::Wiggers => &[
            "IVC",
            "ejection",
            "IVR",
            "rapid filling",
            "IVC, IVR: isovolumic contraction, relaxation",
            "MC",
            "AO",
            "AC",
            "MO",
            "aortic",
            "mitral",
            "LV",
            "LA v-wave",
        ],
        PlotKind::LaLoop => &["v-wave"],
        PlotKind::Bars => &["MR grade (ASE 2017)"],
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
    // Text is drawn as outlines of the embedded font: the SVG looks the same in any viewer.
    assert!(!svg.contains("<text"), "{kind}: SVG has <text> elements");
    assert!(!svg.contains("font-family"), "{kind}: SVG names a font");
    assert!(
        svg.contains("<defs>") && svg.contains("<path id=\"osr"),
        "{kind}: no glyphs"
    );
    // Glyph 0 is the font's "missing character" box.
    assert!(
        !svg.contains("\"#osr0\"") && !svg.contains("\"#osb0\""),
        "{kind}: a character the font lacks"
    );
    for label in content_labels(kind) {
        assert!(
            texts.iter().any(|t| t == label || t.starts_with(label)),
            "{kind}: no {label:?} in {texts:?}"
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
    // The Wiggers diagram shades its phases behind the traces.
    let most = if kind == PlotKind::Wiggers {
        n * 3 / 4
    } else {
        n / 2
    };
    assert!(
        ink > n / 50 && ink < most,
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
fn bars_say_n_a_for_an_undefined_metric() {
    // A metric that is `null` in metrics.json (read as NaN) has no bar, and "n/a" on its axis.
    let dir = pre_post().write();
    let path = dir.path().join("metrics.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    doc["post"]["mitral_mean_gradient_mmhg"] = serde_json::Value::Null;
    fs::write(&path, doc.to_string()).unwrap();
    let svg = dir.path().join("bars.svg");
    render(PlotKind::Bars, dir.path(), &svg, &opts(ImageFormat::Svg)).unwrap();
    let texts = svg_texts(&fs::read_to_string(&svg).unwrap());
    assert!(texts.iter().any(|t| t == "n/a"), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains("NaN")), "{texts:?}");
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
        ..PlotOptions::default()
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
            ..PlotOptions::default()
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

/// The third colour of a comparison (Okabe–Ito bluish green).
const THIRD_RGB: [u8; 3] = [0x00, 0x9E, 0x73];

#[test]
fn compare_overlays_several_runs_each_named() {
    let (normal, mr) = (pre_only().write(), pre_post().write());
    let runs = vec![
        ("normal".to_string(), normal.path().to_path_buf()),
        ("severe MR".to_string(), mr.path().to_path_buf()),
    ];
    let out = TempDir::new().unwrap();
    for kind in PlotKind::ALL {
        let svg = out.path().join(format!("{kind}.svg"));
        render_compare(kind, &runs, &svg, &opts(ImageFormat::Svg)).unwrap();
        let texts = svg_texts(&fs::read_to_string(&svg).unwrap());
        assert!(
            texts.iter().any(|t| t.ends_with("normal vs severe MR")),
            "{kind}: title {texts:?}"
        );
        // Three beats: the normal heart, the MR run before and after its clip.
        for label in ["normal", "severe MR (pre)", "severe MR (after clip)"] {
            assert!(
                texts
                    .iter()
                    .any(|t| t == label || t.starts_with(&format!("{label}:"))),
                "{kind}: no {label:?} in {texts:?}"
            );
        }
        let png = out.path().join(format!("{kind}.png"));
        render_compare(kind, &runs, &png, &opts(ImageFormat::Png)).unwrap();
        let pixels = image::open(&png).unwrap().to_rgb8().into_raw();
        for (what, rgb) in [
            ("first", PRE_RGB),
            ("second", POST_RGB),
            ("third", THIRD_RGB),
        ] {
            let n = count_rgb(&pixels, rgb);
            assert!(n > 300, "{kind}: the {what} beat's colour has {n} px");
        }
    }
    // One run is not a comparison; a missing directory is named.
    let one = &runs[..1];
    let err = render_compare(
        PlotKind::PvLoop,
        one,
        &out.path().join("x.png"),
        &opts(ImageFormat::Png),
    );
    assert!(matches!(err, Err(PlotError::Compare(_))), "{err:?}");
    let missing = vec![runs[0].clone(), ("gone".into(), out.path().join("nope"))];
    let err = render_compare(
        PlotKind::PvLoop,
        &missing,
        &out.path().join("x.png"),
        &opts(ImageFormat::Png),
    )
    .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

#[test]
fn plot_command_line_compare_pdf_and_font_scale() {
    let (a, b) = (pre_only().write(), pre_post().write());
    let out = TempDir::new().unwrap();
    let bin = || assert_cmd::Command::cargo_bin("mitralsim").unwrap();
    let file = out.path().join("cmp.svg");
    bin()
        .args([
            "plot",
            "compare",
            "--kind",
            "wiggers",
            "--labels",
            "healthy,MR",
            "--out",
        ])
        .arg(&file)
        .arg(a.path())
        .arg(b.path())
        .assert()
        .success();
    let texts = svg_texts(&fs::read_to_string(&file).unwrap());
    assert!(texts.iter().any(|t| t == "MR (after clip)"), "{texts:?}");

    // Bad combinations are refused with exit code 2 and a reason.
    let refused = |args: &[&str], dirs: &[&Path], needle: &str| {
        let assert = bin().args(args).args(dirs).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    };
    refused(
        &["plot", "compare", "--labels", "x"],
        &[a.path(), b.path()],
        "--labels gives 1 names",
    );
    refused(
        &["plot", "pv-loop"],
        &[a.path(), b.path()],
        "takes one directory",
    );
    let pdf = out.path().join("fig.pdf");
    refused(
        &["plot", "wiggers", "--out", pdf.to_str().unwrap()],
        &[a.path()],
        "use an .svg file",
    );
    assert!(!pdf.exists());
    refused(
        &["plot", "bars", "--font-scale", "5"],
        &[a.path()],
        "--font-scale 5",
    );

    // A larger font scale makes larger text: more ink, same canvas.
    let ink = |scale: &str| {
        let png = out.path().join(format!("bars-{scale}.png"));
        bin()
            .args(["plot", "bars", "--font-scale", scale, "--out"])
            .arg(&png)
            .arg(a.path())
            .assert()
            .success();
        let img = image::open(&png).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (1600, 1000));
        img.pixels().filter(|p| p.0.iter().all(|&c| c < 60)).count()
    };
    let (normal, large) = (ink("1"), ink("1.5"));
    assert!(
        large as f64 > 1.4 * normal as f64,
        "dark px: {normal} at 1, {large} at 1.5"
    );
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
    // The comparison a lecture on MR makes: a normal heart, severe primary MR and after its clip,
    // as `mitralsim plot compare output/normal output/primary-mr-severe --labels normal,"severe MR"`.
    let runs = vec![
        ("normal".to_string(), work.path().join("normal")),
        (
            "severe MR".to_string(),
            work.path().join("primary-mr-severe"),
        ),
    ];
    let out = gallery.join("compare");
    fs::create_dir_all(&out).unwrap();
    for kind in PlotKind::ALL {
        let file = out.join(format!("{kind}.png"));
        render_compare(kind, &runs, &file, &PlotOptions::default()).unwrap();
    }
}

/// `run` draws its figures from the simulation in memory while it writes the files; they must
/// show exactly what `mitralsim plot` later reads back from those files. Debug text of f64 is
/// its shortest round-trip form, so equal text is equal bits (NaN, an undefined metric, too).
#[test]
fn run_figures_use_exactly_the_numbers_their_files_hold_on_every_preset() {
    for (name, text) in mitralsim::scenario::builtin_presets() {
        let s = mitralsim::scenario::load_str(text, name, None, &[]).expect("a valid preset");
        let result = Comparison::run(&s).expect("the preset runs");
        let dir = tempfile::tempdir().unwrap();
        commands::write_run_outputs(dir.path(), &s, &result, None, false).expect("outputs");
        let beats = result.waveforms(s.waveform_step_s);
        let in_memory = commands::run_figure_data(&s, &result, &beats);
        let from_files = RunData::load(dir.path()).expect("the files load");
        assert_eq!(
            format!("{from_files:?}"),
            format!("{in_memory:?}"),
            "{name}: the figures' data differ from what the files hold"
        );
        assert_eq!(
            in_memory.states.len(),
            1 + usize::from(result.post.is_some())
        );
    }
}
