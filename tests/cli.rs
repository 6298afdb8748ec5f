//! The command-line interface end to end: outputs, exit codes, messages.

mod common;
use predicates::prelude::*;
use std::fs;

use common::mitralsim;

const METRIC_KEYS: &[&str] = &[
    "heart_rate_bpm",
    "lv_edv_ml",
    "lv_esv_ml",
    "lv_stroke_volume_ml",
    "lv_ejection_fraction_pct",
    "forward_stroke_volume_ml",
    "cardiac_output_l_min",
    "aortic_ejected_volume_ml",
    "aortic_backflow_ml",
    "lv_ejection_time_ms",
    "lv_pre_ejection_ms",
    "regurgitant_duration_ms",
    "mitral_forward_volume_ml",
    "regurgitant_volume_ml",
    "regurgitant_fraction_pct",
    "eroa_cm2",
    "mr_grade",
    "mitral_mean_gradient_mmhg",
    "mitral_peak_gradient_mmhg",
    "mitral_valve_area_cm2",
    "la_pressure_mean_mmhg",
    "la_v_wave_mmhg",
    "lv_pressure_peak_mmhg",
    "lv_edp_mmhg",
    "aortic_pressure_systolic_mmhg",
    "aortic_pressure_diastolic_mmhg",
    "aortic_pressure_mean_mmhg",
    "pulmonary_artery_systolic_mmhg",
    "pulmonary_artery_mean_mmhg",
    "pulmonary_venous_mean_mmhg",
    "blood_volume_ml",
    "beats_to_steady_state",
    "converged",
];

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn run_default_writes_metrics_waveforms_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    mitralsim()
        .current_dir(dir.path())
        .args(["run"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "secondary-mr-hf (built-in default)",
        ))
        .stdout(predicate::str::contains("MR grade (ASE 2017)"))
        .stdout(predicate::str::contains("severe"))
        .stdout(predicate::str::contains("Regurgitant volume"))
        .stdout(predicate::str::contains("L/min"));
    let out = dir.path().join("output/secondary-mr-hf");
    let json = read_json(&out.join("metrics.json"));
    assert_eq!(json["mitralsim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["scenario"]["name"], "secondary-mr-hf");
    assert_eq!(json["scenario_sha256"].as_str().unwrap().len(), 64);
    for key in METRIC_KEYS {
        assert!(
            json["pre"].get(key).is_some(),
            "metrics.json pre lacks {key}"
        );
    }
    assert_eq!(json["pre"]["mr_grade"], "moderate-severe");
    assert_eq!(json["pre"]["converged"], true);

    // waveforms.csv: 1 ms rows over one RR interval (0.8 s at 75 bpm).
    let csv = fs::read_to_string(out.join("waveforms.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    for col in [
        "state",
        "t_s",
        "p_la_mmhg",
        "v_lv_ml",
        "p_ar_sys_mmhg",
        "q_mv_ml_s",
        "open_mv",
        "area_mv_cm2",
    ] {
        assert!(
            header.split(',').any(|h| h == col),
            "waveforms.csv lacks {col}"
        );
    }
    assert_eq!(lines.filter(|l| l.starts_with("pre,")).count(), 800);

    // The resolved scenario reproduces the run.
    let resolved = out.join("scenario.resolved.toml");
    mitralsim()
        .args(["validate", resolved.to_str().unwrap()])
        .assert()
        .success();
}

#[test]
fn run_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b"] {
        mitralsim()
            .args(["run", "-q", "--out"])
            .arg(dir.path().join(sub))
            .arg(common::repo_path("scenarios/normal.toml"))
            .assert()
            .success()
            .stdout("");
    }
    for file in ["waveforms.csv", "scenario.resolved.toml"] {
        assert_eq!(
            fs::read(dir.path().join("a").join(file)).unwrap(),
            fs::read(dir.path().join("b").join(file)).unwrap(),
            "{file} differs between identical runs"
        );
    }
    // metrics.json too, but for its provenance (the command line names the other --out).
    let without_provenance = |sub: &str| {
        let mut json = read_json(&dir.path().join(sub).join("metrics.json"));
        json.as_object_mut().unwrap().remove("provenance");
        json
    };
    assert_eq!(without_provenance("a"), without_provenance("b"));
}

#[test]
fn metrics_json_records_provenance_and_the_stenosis_flag() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = common::repo_path("scenarios/two-clips-small-valve.toml");
    let assert = mitralsim()
        .env("SOURCE_DATE_EPOCH", "1795944600")
        .args(["run", "-q", "--no-plots", "--out"])
        .arg(dir.path())
        .arg(&scenario)
        .assert()
        .success()
        .stdout("");
    let json = read_json(&dir.path().join("metrics.json"));
    let p = &json["provenance"];
    assert_eq!(p["date_utc"], "2026-11-29T09:30:00Z");
    let args: Vec<&str> = p["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args[1..4], ["run", "-q", "--no-plots"]);
    assert!(p["git_describe"].is_string() || p["git_describe"].is_null());
    // The flag matches the post-clip gradient, and -q still warns when it is raised.
    let flag = &json["stenosis"];
    let gradient = json["post"]["mitral_mean_gradient_mmhg"].as_f64().unwrap();
    assert_eq!(flag["post_mean_gradient_mmhg"].as_f64(), Some(gradient));
    assert_eq!(flag["threshold_mmhg"].as_f64(), Some(5.0));
    assert_eq!(flag["risk"].as_bool(), Some(gradient > 5.0));
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert_eq!(stderr.contains("stenosis"), gradient > 5.0, "{stderr}");
}

#[test]
fn set_overrides_a_key_and_changes_the_result() {
    let dir = tempfile::tempdir().unwrap();
    mitralsim()
        .args(["run", "-q", "--set", "valves.mitral.eroa_cm2=0.2", "--out"])
        .arg(dir.path())
        .arg(common::repo_path("scenarios/secondary-mr-hf.toml"))
        .assert()
        .success();
    let json = read_json(&dir.path().join("metrics.json"));
    let eroa = json["pre"]["eroa_cm2"].as_f64().unwrap();
    assert!((eroa - 0.2).abs() < 0.01, "EROA {eroa}");
}

#[test]
fn bad_input_exits_2_with_a_located_message() {
    mitralsim()
        .args(["run", "--set", "valves.mitral.eroa_cm2=9"])
        .arg(common::repo_path("scenarios/normal.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("valves.mitral.eroa_cm2"))
        .stderr(predicate::str::contains("--set"));
    mitralsim()
        .args(["validate", "does/not/exist.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does/not/exist.toml"));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    fs::write(&bad, "version = 1\n[heart]\nrate_bpm = 500\n").unwrap();
    mitralsim()
        .arg("validate")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:3"))
        .stderr(predicate::str::contains("heart.rate_bpm"))
        .stderr(predicate::str::contains("500"));
}

#[test]
fn not_converged_is_flagged_and_exits_4() {
    let dir = tempfile::tempdir().unwrap();
    mitralsim()
        .args(["run", "-q", "--set", "solver.max_beats=3", "--out"])
        .arg(dir.path())
        .assert()
        .code(4)
        .stderr(predicate::str::contains("not reached in 3 beats"));
    let json = read_json(&dir.path().join("metrics.json"));
    assert_eq!(json["pre"]["converged"], false);
    assert_eq!(json["pre"]["beats_to_steady_state"], 3);
}

#[test]
fn solver_failure_exits_3() {
    // An LV so stiff that its pressure overflows: the solver must stop with a message, not hang
    // or panic.
    mitralsim()
        .args([
            "run",
            "-q",
            "--set",
            "chambers.lv.passive=\"exponential\"",
            "--set",
            "chambers.lv.p0_mmhg=50",
            "--set",
            "chambers.lv.beta_per_ml=1",
            "--set",
            "initial.blood_volume_ml=20000",
            "--out",
        ])
        .arg(tempfile::tempdir().unwrap().path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("simulation failed"));
}

#[test]
fn presets_lists_and_prints() {
    mitralsim()
        .arg("presets")
        .assert()
        .success()
        .stdout(predicate::str::contains("secondary-mr-hf (default)"))
        .stdout(predicate::str::contains("regazzoni2022"));
    mitralsim()
        .args(["presets", "normal"])
        .assert()
        .success()
        .stdout(predicate::str::contains("name = \"normal\""));
    mitralsim().args(["presets", "nope"]).assert().code(2);
}

#[test]
fn run_draws_figures_that_plot_redraws_identically() {
    let dir = tempfile::tempdir().unwrap();
    mitralsim()
        .args(["run", "-q", "--out"])
        .arg(dir.path())
        .arg(common::repo_path("scenarios/primary-mr-severe.toml"))
        .assert()
        .success();
    for kind in ["pv-loop", "wiggers", "la-loop", "bars"] {
        let drawn_by_run = fs::read(dir.path().join(format!("{kind}.png"))).unwrap();
        let redrawn = dir.path().join(format!("redrawn-{kind}.png"));
        mitralsim()
            .args(["plot", kind])
            .arg(dir.path())
            .arg("--out")
            .arg(&redrawn)
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("redrawn-{kind}.png")));
        assert_eq!(drawn_by_run, fs::read(&redrawn).unwrap(), "{kind} differs");
    }
    mitralsim()
        .args(["plot", "all", "--format", "svg"])
        .arg(dir.path())
        .assert()
        .success();
    let svg = fs::read_to_string(dir.path().join("wiggers.svg")).unwrap();
    assert!(svg.contains("primary-mr-severe") && svg.contains("post"));
}

#[test]
fn plot_errors_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    mitralsim()
        .args(["plot", "pv-loop"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("metrics.json"));
    mitralsim()
        .args(["plot", "histogram"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pv-loop"));
    mitralsim()
        .args(["run", "-q", "--no-plots", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    assert!(!dir.path().join("pv-loop.png").exists());
}

#[test]
fn validate_lists_every_problem_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    fs::write(
        &file,
        "version = 1\npreset = \"secondary-mr-hf\"\n[heart]\nrate_bmp = 80\n[solver]\n\
         max_beats = -3\n[clip]\nmodel = \"device\"\nclips = [\n  { size = \"XT\", \
         position_mm = 17.5 },\n  { size = \"XT\", position_mm = 18.0 },\n]\n",
    )
    .unwrap();
    let assert = mitralsim().arg("validate").arg(&file).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    // An unknown key, a value out of range and overlapping clips: all three at once.
    for expected in [
        "bad.toml:4: unknown key heart.rate_bmp",
        "bad.toml:6: solver.max_beats = -3",
        "overlap",
    ] {
        assert!(stderr.contains(expected), "no {expected:?} in {stderr}");
    }
}
