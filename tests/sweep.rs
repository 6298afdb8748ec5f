//! `mitralsim sweep` and `mitralsim merge` end to end: the same rows whatever --jobs, --shard or
//! --resume; failing points recorded, not fatal; bad sweep files refused with located messages;
//! merge refusing shards that do not fit together. Each test works in its own temp directory;
//! sweeps are small (tens of points) so that the file stays fast.

mod common;

use common::sweeps::{
    fixture, manifest, merge, mitralsim, run_sweep, sorted_rows, sweep_example, sweep_file,
};
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// 5 heart rates × 8 EROAs = 40 points in chunks of 16: three chunks, the last one short.
const GRID_40: &str = "mode = \"grid\"\nchunk_points = 16\n\
    [[axes]]\nkey = \"heart.rate_bpm\"\nvalues = [65, 70, 75, 80, 85]\n\
    [[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nlinspace = [0.2, 0.5, 8]\n";

/// Run a sweep; returns the output directory.
fn sweep(file: &Path, out: &Path, args: &[&str], code: i32) -> PathBuf {
    run_sweep(file, out, args).code(code);
    out.to_path_buf()
}

fn results(dir: &Path) -> String {
    fs::read_to_string(dir.join("results.csv")).expect("results.csv")
}

/// Column `name` of every row (by index order).
fn column(text: &str, name: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    let mut rows: Vec<(u64, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].parse().unwrap(), r[at].to_owned())
        })
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, v)| v).collect()
}

#[test]
fn rows_are_identical_for_one_and_two_jobs() {
    let tmp = TempDir::new().unwrap();
    let file = sweep_file(tmp.path(), "grid.toml", "base.toml", GRID_40);
    let one = sweep(&file, &tmp.path().join("j1"), &["--jobs", "1"], 0);
    let two = sweep(&file, &tmp.path().join("j2"), &["--jobs", "2"], 0);
    let (h1, r1) = sorted_rows(&results(&one));
    let (h2, r2) = sorted_rows(&results(&two));
    assert_eq!(h1, h2);
    assert_eq!(r1.len(), 40);
    assert_eq!(r1, r2, "every value, bit for bit");
    for col in [
        "index",
        "heart.rate_bpm",
        "valves.mitral.eroa_cm2",
        "status",
        "error",
    ] {
        assert!(h1.contains(col), "{col} in {h1}");
    }
    assert!(
        h1.contains(",pre_regurgitant_volume_ml,") && h1.contains(",post_regurgitant_volume_ml,")
    );
    assert!(column(&results(&one), "status").iter().all(|s| s == "ok"));
    // The clip lowers the regurgitant volume at every point.
    let pre = column(&results(&one), "pre_regurgitant_volume_ml");
    let post = column(&results(&one), "post_regurgitant_volume_ml");
    for (a, b) in pre.iter().zip(&post) {
        assert!(b.parse::<f64>().unwrap() < a.parse::<f64>().unwrap());
    }
    let m = manifest(&one);
    assert_eq!(m["points"], 40);
    assert_eq!(m["chunk_points"], 16);
    assert_eq!(m["counts"]["ok"], 40);
    assert_eq!(m["status"], "finished");
    assert_eq!(m["sweep_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(m["scenario_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(m["mitralsim_version"], env!("CARGO_PKG_VERSION"));
    assert!(m["shard"].is_null());
}

#[test]
fn merged_shards_equal_the_unsharded_run() {
    let tmp = TempDir::new().unwrap();
    let file = sweep_file(tmp.path(), "grid.toml", "base.toml", GRID_40);
    let whole = sweep(&file, &tmp.path().join("whole"), &["-j", "2"], 0);
    let shards: Vec<PathBuf> = (1..=3)
        .map(|i| {
            sweep(
                &file,
                &tmp.path().join(format!("shard{i}")),
                &["-j", "1", "--shard", &format!("{i}/3")],
                0,
            )
        })
        .collect();
    assert_eq!(manifest(&shards[1])["shard"]["index"], 2);
    assert_eq!(manifest(&shards[1])["shard_points"], 16);
    assert_eq!(manifest(&shards[2])["shard_points"], 8);
    let merged = tmp.path().join("merged");
    merge(&shards, &merged)
        .success()
        .stdout(predicate::str::contains("40 points"));
    let (h, rows) = sorted_rows(&results(&whole));
    let mut expected = vec![h];
    expected.extend(rows);
    assert_eq!(
        results(&merged),
        expected.join("\n") + "\n",
        "sorted by index, same rows"
    );
    let m = manifest(&merged);
    assert_eq!(m["counts"]["ok"], 40);
    assert_eq!(m["merged_from"].as_array().unwrap().len(), 3);
}

#[test]
fn resume_after_an_interruption_equals_the_uninterrupted_run() {
    let tmp = TempDir::new().unwrap();
    let file = sweep_file(tmp.path(), "grid.toml", "base.toml", GRID_40);
    let whole = sweep(&file, &tmp.path().join("whole"), &["-j", "2"], 0);
    let full = results(&whole);
    // A killed run: the first rows and half of the next one made it to disk.
    let broken = tmp.path().join("broken");
    fs::create_dir_all(&broken).unwrap();
    fs::copy(whole.join("sweep.json"), broken.join("sweep.json")).unwrap();
    let cut = full.match_indices('\n').nth(23).unwrap().0 + 40;
    fs::write(broken.join("results.csv"), &full[..cut]).unwrap();
    assert!(!full[..cut].ends_with('\n'));
    run_sweep(&file, &broken, &["--resume"]).success().stdout(
        predicate::str::contains("40 of 40 points").and(predicate::str::contains("(17 computed")),
    );
    let resumed = results(&broken);
    assert_eq!(sorted_rows(&resumed), sorted_rows(&full));
    assert_eq!(resumed.lines().count(), 41, "no row doubled");
    assert_eq!(manifest(&broken)["status"], "finished");
    // Nothing left to do: a second resume computes nothing.
    run_sweep(&file, &broken, &["--resume"])
        .success()
        .stdout(predicate::str::contains("(0 computed"));
    assert_eq!(results(&broken), resumed);
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_and_resume_finishes() {
    let tmp = TempDir::new().unwrap();
    let body = "[[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nlinspace = [0.2, 0.5, 400]\n";
    let file = sweep_file(tmp.path(), "long.toml", "base-noclip.toml", body);
    let out = tmp.path().join("out");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mitralsim"))
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .args(["-j", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let started = std::time::Instant::now();
    while fs::read_to_string(out.join("results.csv")).map_or(0, |t| t.lines().count()) < 20 {
        assert!(started.elapsed().as_secs() < 30, "no rows written");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert_eq!(
        status.code(),
        Some(130),
        "exit code of an interrupted sweep"
    );
    let partial = results(&out);
    assert!(partial.ends_with('\n'), "whole rows only");
    let rows = partial.lines().count() - 1;
    assert!(rows < 400, "stopped early ({rows} rows)");
    let m = manifest(&out);
    assert_eq!(m["status"], "interrupted");
    assert_eq!(m["missing"], 400 - rows as u64);
    sweep(&file, &out, &["--resume", "-j", "2"], 0);
    let reference = sweep(&file, &tmp.path().join("reference"), &["-j", "2"], 0);
    assert_eq!(
        sorted_rows(&results(&out)),
        sorted_rows(&results(&reference))
    );
}

#[test]
fn invalid_combinations_are_error_rows_and_the_sweep_finishes_with_exit_5() {
    let tmp = TempDir::new().unwrap();
    // clip.area_cm2 = 0.05 is below the base clip EROA (0.1) but fine with clip.eroa_cm2 = 0.01:
    // not refused up front; the point (0.1, 0.05) is invalid.
    let body = "[[axes]]\nkey = \"clip.eroa_cm2\"\nvalues = [0.01, 0.1]\n\
                [[axes]]\nkey = \"clip.area_cm2\"\nvalues = [0.05, 3.6]\n";
    let file = sweep_file(tmp.path(), "combo.toml", "base.toml", body);
    let out = tmp.path().join("out");
    run_sweep(&file, &out, &[])
        .code(5)
        .stdout(predicate::str::contains("3 ok, 0 not converged, 1 errors"));
    let text = results(&out);
    let status = column(&text, "status");
    assert_eq!(status, ["ok", "ok", "error", "ok"]);
    let error = &column(&text, "error")[2];
    assert!(
        error.contains("clip.eroa_cm2 = 0.1") && error.contains("clip.area_cm2 = 0.05"),
        "{error}"
    );
    assert_eq!(
        column(&text, "pre_lv_edv_ml")[2],
        "",
        "no metrics for an error row"
    );
    assert_eq!(manifest(&out)["counts"]["error"], 1);
}

#[test]
fn bad_sweep_files_are_refused_with_located_messages() {
    let dir = fixture("bad");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    let tmp = TempDir::new().unwrap();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        let expected: Vec<&str> = text
            .lines()
            .map_while(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(!expected.is_empty(), "{name}: no `# expect: ` line");
        let out = tmp.path().join(&name);
        let output = mitralsim()
            .arg("sweep")
            .arg(&path)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        for fragment in expected {
            assert!(
                stderr.contains(fragment),
                "{name}: {fragment:?} not in\n{stderr}"
            );
        }
        assert!(
            !out.exists(),
            "{name}: nothing may be written for a bad sweep file"
        );
    }
}

#[test]
fn merge_refuses_shards_that_do_not_fit_together() {
    let tmp = TempDir::new().unwrap();
    let small = "chunk_points = 16\n\
                 [[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nlinspace = [0.2, 0.5, 20]\n";
    let file = sweep_file(tmp.path(), "a.toml", "base-noclip.toml", small);
    let other = sweep_file(
        tmp.path(),
        "b.toml",
        "base-noclip.toml",
        &small.replace("0.5, 20", "0.6, 20"),
    );
    let s1 = sweep(&file, &tmp.path().join("s1"), &["--shard", "1/2"], 0);
    let s2 = sweep(&file, &tmp.path().join("s2"), &["--shard", "2/2"], 0);
    let b2 = sweep(&other, &tmp.path().join("b2"), &["--shard", "2/2"], 0);
    let merge = |dirs: &[&Path], fragment: &str| {
        mitralsim()
            .arg("merge")
            .args(dirs)
            .arg("--out")
            .arg(tmp.path().join("m"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(fragment));
    };
    merge(&[&s1], "shard 2/2 missing");
    merge(&[&s1, &s1], "shard 1/2 is given twice");
    merge(
        &[&s1, &b2],
        "not shards of the same sweep: axes[0] (valves.mitral.eroa_cm2) values differ: \
         {\"linspace\":[0.2,0.5,20]} here, {\"linspace\":[0.2,0.6,20]} there",
    );
    // An unfinished shard (a killed job).
    let cut = tmp.path().join("cut");
    fs::create_dir_all(&cut).unwrap();
    fs::copy(s2.join("sweep.json"), cut.join("sweep.json")).unwrap();
    let rows = results(&s2);
    let keep = rows.match_indices('\n').nth(2).unwrap().0 + 1;
    fs::write(cut.join("results.csv"), &rows[..keep]).unwrap();
    merge(&[&s1, &cut], "points have no row");
    // A doubled row.
    let doubled = tmp.path().join("doubled");
    fs::create_dir_all(&doubled).unwrap();
    fs::copy(s2.join("sweep.json"), doubled.join("sweep.json")).unwrap();
    let second_row = rows.lines().nth(1).unwrap();
    fs::write(doubled.join("results.csv"), format!("{rows}{second_row}\n")).unwrap();
    merge(&[&s1, &doubled], "has a second row");
    assert!(!tmp.path().join("m").join("results.csv").exists());
    // And the good pair merges.
    mitralsim()
        .arg("merge")
        .arg(&s1)
        .arg(&s2)
        .assert()
        .success();
    assert!(
        tmp.path().join("merged/results.csv").exists(),
        "default: merged/ next to the first shard"
    );
}

#[test]
fn lhs_and_sobol_sweeps_are_reproducible_and_in_bounds() {
    let tmp = TempDir::new().unwrap();
    for mode in ["lhs", "sobol"] {
        let body = format!(
            "mode = \"{mode}\"\nsamples = 20\nseed = 7\n\
             [[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nrange = [0.2, 0.5]\n\
             [[axes]]\nkey = \"heart.rate_bpm\"\nrange = [60, 90]\n"
        );
        let file = sweep_file(
            tmp.path(),
            &format!("{mode}.toml"),
            "base-noclip.toml",
            &body,
        );
        let a = sweep(
            &file,
            &tmp.path().join(format!("{mode}-a")),
            &["-j", "2"],
            0,
        );
        let b = sweep(
            &file,
            &tmp.path().join(format!("{mode}-b")),
            &["-j", "1"],
            0,
        );
        assert_eq!(
            sorted_rows(&results(&a)),
            sorted_rows(&results(&b)),
            "{mode}"
        );
        let text = results(&a);
        let eroa: Vec<f64> = column(&text, "valves.mitral.eroa_cm2")
            .iter()
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(eroa.len(), 20);
        assert!(
            eroa.iter().all(|x| (0.2..=0.5).contains(x)),
            "{mode}: {eroa:?}"
        );
        // One point in each of the 20 strata (LHS by construction; Sobol' for a prefix of
        // 16 points per 1/16 stratum).
        let n = if mode == "lhs" { 20 } else { 16 };
        let mut strata: Vec<usize> = eroa[..n]
            .iter()
            .map(|x| ((x - 0.2) / 0.3 * n as f64) as usize)
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..n).collect::<Vec<_>>(), "{mode}");
        assert_eq!(manifest(&a)["seed"], 7);
        // Post columns are empty without a clip.
        assert!(column(&text, "post_lv_edv_ml").iter().all(String::is_empty));
    }
}

#[test]
fn plain_convergence_reproduces_run_bit_for_bit() {
    let tmp = TempDir::new().unwrap();
    let body = "convergence = \"plain\"\n\
                [[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nvalues = [0.25, 0.35]\n";
    let file = sweep_file(tmp.path(), "plain.toml", "base.toml", body);
    let out = sweep(&file, &tmp.path().join("out"), &[], 0);
    let text = results(&out);
    let run_dir = tmp.path().join("run");
    mitralsim()
        .args(["run", "-q", "--convergence", "plain"])
        .args(["--set", "valves.mitral.eroa_cm2=0.35", "--out"])
        .arg(&run_dir)
        .arg(fixture("base.toml"))
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(run_dir.join("metrics.json")).unwrap()).unwrap();
    for key in [
        "regurgitant_volume_ml",
        "lv_edv_ml",
        "la_pressure_mean_mmhg",
        "eroa_cm2",
    ] {
        for state in ["pre", "post"] {
            let cell: f64 = column(&text, &format!("{state}_{key}"))[1].parse().unwrap();
            assert_eq!(cell, json[state][key].as_f64().unwrap(), "{state}_{key}");
        }
    }
}

#[test]
fn accelerated_points_agree_with_plain_ones_within_the_tolerance() {
    let tmp = TempDir::new().unwrap();
    let axes = "[[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nlinspace = [0.2, 0.5, 20]\n";
    let fast = sweep_file(tmp.path(), "fast.toml", "base.toml", axes);
    let plain = sweep_file(
        tmp.path(),
        "plain.toml",
        "base.toml",
        &format!("convergence = \"plain\"\n{axes}"),
    );
    let a = results(&sweep(&fast, &tmp.path().join("fast"), &[], 0));
    let b = results(&sweep(&plain, &tmp.path().join("plain"), &[], 0));
    let beats = |t: &str| -> f64 {
        ["pre", "post"]
            .iter()
            .flat_map(|s| column(t, &format!("{s}_beats_to_steady_state")))
            .map(|v| v.parse::<f64>().unwrap())
            .sum()
    };
    assert!(
        3.0 * beats(&a) < beats(&b),
        "accelerated {} beats vs plain {}",
        beats(&a),
        beats(&b)
    );
    // Both searches stop within the steady-state criterion (volumes to ≈ 0.02 mL) and with the
    // orifice's gain calibrated to LEAK_CALIBRATION_TOL of the EROA, each on its own side of
    // it: the regurgitant volume, and what it loads, may differ by up to twice that, relative
    // (measured: 8.4e-4 relative, pre-clip regurgitant volume, 2026-11-29).
    let leak_band = 2.0 * mitralsim::simulate::LEAK_CALIBRATION_TOL;
    for key in [
        "regurgitant_volume_ml",
        "lv_edv_ml",
        "forward_stroke_volume_ml",
    ] {
        for state in ["pre", "post"] {
            let col = format!("{state}_{key}");
            for (x, y) in column(&a, &col).iter().zip(column(&b, &col)) {
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                assert!(
                    (x - y).abs() < 0.02 + leak_band * y.abs(),
                    "{col}: {x} vs {y}"
                );
            }
        }
    }
}

#[test]
fn an_existing_sweep_is_never_overwritten_nor_resumed_with_another_one() {
    let tmp = TempDir::new().unwrap();
    let small = "[[axes]]\nkey = \"heart.rate_bpm\"\nvalues = [70, 75]\n";
    let file = sweep_file(tmp.path(), "a.toml", "base-noclip.toml", small);
    let other = sweep_file(
        tmp.path(),
        "b.toml",
        "base-noclip.toml",
        &small.replace("75", "80"),
    );
    let out = sweep(&file, &tmp.path().join("out"), &[], 0);
    let before = results(&out);
    run_sweep(&file, &out, &[]).code(2).stderr(
        predicate::str::contains("already holds a sweep").and(predicate::str::contains("--resume")),
    );
    run_sweep(&other, &out, &["--resume"])
        .code(2)
        .stderr(predicate::str::contains("it holds another sweep"));
    run_sweep(&file, &out, &["--resume", "--shard", "1/2"])
        .code(2)
        .stderr(predicate::str::contains("it was run with no --shard"));
    assert_eq!(results(&out), before);
}

#[test]
fn waveforms_are_written_per_point_for_small_sweeps_only() {
    let tmp = TempDir::new().unwrap();
    let file = sweep_file(
        tmp.path(),
        "small.toml",
        "base.toml",
        "mode = \"grid\"\n[[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nlinspace = [0.2, 0.5, 4]\n",
    );
    let out = sweep(&file, &tmp.path().join("w"), &["--waveforms"], 0);
    for index in 0..4 {
        let csv = fs::read_to_string(out.join(format!("waveforms/point-{index}.csv"))).unwrap();
        assert!(csv.starts_with("state,t_s,"), "point {index}");
        assert!(csv.lines().filter(|l| l.starts_with("pre,")).count() > 500);
    }
    let big = sweep_file(
        tmp.path(),
        "big.toml",
        "base.toml",
        GRID_40.replace("8]", "30]").as_str(),
    );
    mitralsim()
        .arg("sweep")
        .arg(&big)
        .args(["--waveforms", "--out"])
        .arg(tmp.path().join("b"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("at most 100"));
}

#[test]
fn sweep_figures_are_drawn_from_the_saved_outputs() {
    let tmp = TempDir::new().unwrap();
    let line = sweep_file(
        tmp.path(),
        "line.toml",
        "base.toml",
        "mode = \"grid\"\n[[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nlinspace = [0.2, 0.5, 4]\n",
    );
    let out = sweep(&line, &tmp.path().join("line"), &["--waveforms"], 0);
    for (kind, metric) in [("sweep-line", "regurgitant_volume_ml"), ("pv-family", "")] {
        let file = tmp.path().join(format!("{kind}.svg"));
        let mut cmd = mitralsim();
        cmd.args(["plot", kind]).arg(&out).arg("--out").arg(&file);
        if !metric.is_empty() {
            cmd.args(["--metric", metric]);
        }
        cmd.assert().success();
        let svg = fs::read_to_string(&file).unwrap();
        assert!(svg.contains("<svg") && svg.len() > 5_000, "{kind}");
    }
    let grid = sweep_file(tmp.path(), "grid.toml", "base.toml", GRID_40);
    let out = sweep(&grid, &tmp.path().join("grid"), &[], 0);
    let png = tmp.path().join("heatmap.png");
    mitralsim()
        .args(["plot", "heatmap"])
        .arg(&out)
        .args(["--metric", "pre_mitral_mean_gradient_mmhg", "--out"])
        .arg(&png)
        .assert()
        .success();
    assert!(fs::metadata(&png).unwrap().len() > 10_000);
    mitralsim()
        .args(["plot", "heatmap"])
        .arg(&out)
        .args(["--metric", "no_such_metric"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no_such_metric"));
}

/// A word axis that changes from point to point (here the last, fastest one): no point lies on
/// a line with its predecessors, so each starts from the nearest converged point with the same
/// word — and lands where the plain search does.
#[test]
fn a_word_axis_alternating_point_to_point_is_warm_started_from_its_own_word() {
    let tmp = TempDir::new().unwrap();
    let axes = "[[axes]]\nkey = \"heart.rate_bpm\"\nvalues = [70, 75, 80]\n\
                [[axes]]\nkey = \"valves.aortic.law\"\nvalues = [\"orifice\", \"diode\"]\n";
    let fast = sweep_file(tmp.path(), "fast.toml", "base-noclip.toml", axes);
    let plain = sweep_file(
        tmp.path(),
        "plain.toml",
        "base-noclip.toml",
        &format!("convergence = \"plain\"\n{axes}"),
    );
    let fast = results(&sweep(&fast, &tmp.path().join("fast"), &[], 0));
    let plain = results(&sweep(&plain, &tmp.path().join("plain"), &[], 0));
    assert_eq!(column(&fast, "status"), vec!["ok"; 6]);
    assert_eq!(
        column(&fast, "valves.aortic.law"),
        ["orifice", "diode", "orifice", "diode", "orifice", "diode"]
    );
    let edv = |text: &str| -> Vec<f64> {
        column(text, "pre_lv_edv_ml")
            .iter()
            .map(|v| v.parse().unwrap())
            .collect()
    };
    for (a, b) in edv(&fast).iter().zip(edv(&plain)) {
        assert!((a - b).abs() < 0.05, "EDV {a} (accelerated) vs {b} (plain)");
    }
}

/// A Saltelli design over EROA (a truncated normal) and heart rate: 16 base samples × 4 = 64
/// points in chunks of 16.
const SALTELLI_16: &str = "mode = \"saltelli\"\nsamples = 16\nseed = 3\nchunk_points = 16\n\
    [[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nnormal = [0.35, 0.08]\nbounds = [0.2, 0.5]\n\
    [[axes]]\nkey = \"heart.rate_bpm\"\nrange = [65, 85]\n";

fn sensitivity(dir: &Path) -> String {
    fs::read_to_string(dir.join("sensitivity.csv")).expect("sensitivity.csv")
}

#[test]
fn saltelli_indices_are_the_same_bytes_whole_merged_and_resumed() {
    let tmp = TempDir::new().unwrap();
    let file = sweep_file(tmp.path(), "saltelli.toml", "base.toml", SALTELLI_16);
    let whole = sweep(&file, &tmp.path().join("whole"), &["-j", "2"], 0);
    let text = sensitivity(&whole);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("metric,parameter,s1,s1_low,s1_high,st,st_low,st_high")
    );
    let m = manifest(&whole);
    assert_eq!(m["points"], 64);
    let note = &m["sensitivity"];
    assert_eq!(note["base_samples"], 16);
    assert_eq!(note["dropped_samples"], 0);
    assert_eq!(note["convergence"]["half_samples"], 8);
    assert!(note["convergence"]["least_converged"]["metric"].is_string());
    let metrics = note["metrics"].as_array().unwrap();
    assert_eq!(text.lines().count(), 1 + 2 * metrics.len());
    let skipped: Vec<&str> = note["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["metric"].as_str().unwrap())
        .collect();
    for column in ["pre_converged", "pre_mr_grade", "pre_beats_to_steady_state"] {
        assert!(
            skipped.contains(&column),
            "{column} not skipped: {skipped:?}"
        );
    }
    // Every row: the metric, an axis key, S1 and ST inside their intervals.
    let mut st = std::collections::HashMap::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 8, "{line}");
        assert!(["valves.mitral.eroa_cm2", "heart.rate_bpm"].contains(&f[1]));
        let x: Vec<f64> = f[2..].iter().map(|c| c.parse().unwrap()).collect();
        assert!(x[1] <= x[2] && x[4] <= x[5], "{line}");
        st.insert((f[0].to_owned(), f[1].to_owned()), x[3]);
    }
    // The regurgitant volume before the clip is driven by the EROA far more than by the rate.
    let key = |m: &str, p: &str| st[&(m.to_owned(), p.to_owned())];
    assert!(
        key("pre_regurgitant_volume_ml", "valves.mitral.eroa_cm2")
            > 3.0 * key("pre_regurgitant_volume_ml", "heart.rate_bpm")
    );

    // Two shards merged: the same bytes.
    let shards: Vec<PathBuf> = (1..=2)
        .map(|i| {
            let out = tmp.path().join(format!("shard{i}"));
            sweep(&file, &out, &["-j", "1", "--shard", &format!("{i}/2")], 0);
            assert!(
                !out.join("sensitivity.csv").exists(),
                "a shard has no indices"
            );
            out
        })
        .collect();
    let merged = tmp.path().join("merged");
    merge(&shards, &merged)
        .success()
        .stdout(predicate::str::contains("sensitivity indices"));
    assert_eq!(sensitivity(&merged), text);
    assert_eq!(manifest(&merged)["sensitivity"], *note);

    // A run killed after 30 rows, resumed: the same bytes.
    let broken = tmp.path().join("broken");
    fs::create_dir_all(&broken).unwrap();
    let mut m = m.clone();
    m["status"] = "running".into();
    m.as_object_mut().unwrap().remove("sensitivity");
    fs::write(broken.join("sweep.json"), m.to_string()).unwrap();
    let full = results(&whole);
    let cut = full.match_indices('\n').nth(30).unwrap().0 + 1;
    fs::write(broken.join("results.csv"), &full[..cut]).unwrap();
    sweep(&file, &broken, &["--resume", "-j", "2"], 0);
    assert_eq!(sensitivity(&broken), text);
    assert_eq!(manifest(&broken)["sensitivity"], *note);
}

#[test]
fn saltelli_drops_the_base_samples_of_failing_points() {
    // A clip EROA at or above the clip area is an invalid combination: those points are error
    // rows, and their base samples are left out of every index. 12 base samples: not a power
    // of two, a note and not a refusal.
    let tmp = TempDir::new().unwrap();
    let body = "mode = \"saltelli\"\nsamples = 12\nseed = 1\nchunk_points = 16\n\
        [[axes]]\nkey = \"clip.eroa_cm2\"\nrange = [0.05, 0.3]\n\
        [[axes]]\nkey = \"clip.area_cm2\"\ntriangular = [0.15, 0.3, 1.0]\n";
    let file = sweep_file(tmp.path(), "fail.toml", "base.toml", body);
    let out = tmp.path().join("out");
    run_sweep(&file, &out, &[])
        .code(5)
        .stderr(predicate::str::contains(
            "samples = 12 is not a power of two",
        ));
    let text = results(&out);
    let status = column(&text, "status");
    assert_eq!(status.len(), 48);
    let failing_samples = (0..12)
        .filter(|j| status[j * 4..j * 4 + 4].iter().any(|s| s != "ok"))
        .count();
    assert!(failing_samples > 0 && failing_samples < 12, "{status:?}");
    let note = &manifest(&out)["sensitivity"];
    assert_eq!(note["dropped_samples"], failing_samples as u64);
    for m in note["metrics"].as_array().unwrap() {
        assert!(m["samples"].as_u64().unwrap() <= 12 - failing_samples as u64);
    }
    assert!(sensitivity(&out).lines().count() > 1);
}

#[test]
fn distribution_axes_are_reproducible_and_inside_their_bounds() {
    let tmp = TempDir::new().unwrap();
    let body = "mode = \"random\"\nsamples = 24\nseed = 5\nchunk_points = 8\n\
        [[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nnormal = [0.41, 0.15]\nbounds = [0.15, 0.6]\n\
        [[axes]]\nkey = \"heart.rate_bpm\"\nlognormal = [75, 8]\n";
    let file = sweep_file(tmp.path(), "random.toml", "base-noclip.toml", body);
    let a = sweep(&file, &tmp.path().join("a"), &["-j", "2"], 0);
    let b = sweep(&file, &tmp.path().join("b"), &["-j", "1"], 0);
    assert_eq!(sorted_rows(&results(&a)), sorted_rows(&results(&b)));
    let text = results(&a);
    let values = |key| -> Vec<f64> {
        column(&text, key)
            .iter()
            .map(|v| v.parse().unwrap())
            .collect()
    };
    let eroa = values("valves.mitral.eroa_cm2");
    assert!(eroa.iter().all(|x| (0.15..=0.6).contains(x)), "{eroa:?}");
    let rate = values("heart.rate_bpm");
    // 24 lognormal draws of sd 8 around 75: within 5 sd of the mean, and not all alike.
    assert!(rate.iter().all(|x| (35.0..115.0).contains(x)), "{rate:?}");
    assert!(rate.iter().any(|x| *x > 75.0) && rate.iter().any(|x| *x < 75.0));
    assert!(!fs::exists(a.join("sensitivity.csv")).unwrap());
}

/// Every example sweep file in scenarios/sweeps/ passes the up-front check (the studies of
/// docs/gallery.md stay runnable as the format evolves).
#[test]
fn every_example_sweep_file_is_valid() {
    let dir = common::repo_path("scenarios/sweeps");
    let mut checked = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let spec = mitralsim::sweep::spec::load(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!spec.points.is_empty(), "{}", path.display());
            checked += 1;
        }
    }
    assert!(
        checked >= 4,
        "only {checked} example sweeps found in {}",
        dir.display()
    );
}

/// The sensitivity study of docs/gallery.md, scenarios/sweeps/sensitivity-post-clip.toml
/// (N = 256), says what its caption says: the residual regurgitation is the pre-clip EROA's
/// (S1 ≈ 0.8) then the heart rate's; the post-clip gradient is the pre-clip valve area's
/// (S1 ≈ 0.66) then the heart rate's; ST ≈ S1 (little interaction); and the indices moved by
/// less than 0.1 from N = 128 to 256.
#[test]
fn the_sensitivity_study_says_what_the_gallery_says() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    sweep_example("sensitivity-post-clip.toml", &out, &[]);
    let text = fs::read_to_string(out.join("sensitivity.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let index = |metric: &str, parameter: &str| -> (f64, f64, f64, f64) {
        let row = reader_rows(&text)
            .into_iter()
            .find(|r| r[0] == *metric && r[1] == *parameter)
            .unwrap_or_else(|| panic!("no row {metric}, {parameter}"));
        let x = |i: usize| row[i].parse::<f64>().unwrap();
        (x(2), x(3), x(4), x(5))
    };
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "metric",
            "parameter",
            "s1",
            "s1_low",
            "s1_high",
            "st",
            "st_low",
            "st_high"
        ]
    );
    let ranked = |metric: &str| {
        let mut by: Vec<(String, f64)> = [
            "valves.mitral.eroa_cm2",
            "valves.mitral.area_cm2",
            "chambers.lv.ea",
            "heart.rate_bpm",
        ]
        .iter()
        .map(|p| (p.to_string(), index(metric, p).0))
        .collect();
        by.sort_by(|a, b| b.1.total_cmp(&a.1));
        by
    };
    let rvol = ranked("post_regurgitant_volume_ml");
    assert_eq!(rvol[0].0, "valves.mitral.eroa_cm2", "{rvol:?}");
    assert_eq!(rvol[1].0, "heart.rate_bpm", "{rvol:?}");
    assert!((0.7..0.9).contains(&rvol[0].1), "{rvol:?}");
    let gradient = ranked("post_mitral_mean_gradient_mmhg");
    assert_eq!(gradient[0].0, "valves.mitral.area_cm2", "{gradient:?}");
    assert_eq!(gradient[1].0, "heart.rate_bpm", "{gradient:?}");
    assert!((0.55..0.75).contains(&gradient[0].1), "{gradient:?}");
    for (metric, parameter) in [
        ("post_regurgitant_volume_ml", "valves.mitral.eroa_cm2"),
        ("post_mitral_mean_gradient_mmhg", "valves.mitral.area_cm2"),
    ] {
        let (s1, lo, hi, st) = index(metric, parameter);
        assert!(
            lo < s1 && s1 < hi && hi - lo < 0.35,
            "{metric}: [{lo}, {hi}]"
        );
        assert!((st - s1).abs() < 0.1, "{metric}: S1 {s1}, ST {st}");
    }
    let note = &manifest(&out)["sensitivity"]["convergence"];
    for key in ["max_abs_delta_s1", "max_abs_delta_st"] {
        let delta = note[key].as_f64().unwrap();
        assert!(delta < 0.1, "{key} = {delta}");
    }
}

/// The records of a CSV text (header skipped).
fn reader_rows(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

/// A machine-made sweep file with a syntax error on a 10 000-character line is refused with the
/// line number and a window around the error, not the whole line.
#[test]
fn a_syntax_error_on_a_huge_line_is_quoted_around_its_caret() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("huge.toml");
    let line = format!("x = {}{}", "[".repeat(5000), "]".repeat(5000));
    fs::write(&file, format!("version = 1\n{line}\n")).unwrap();
    let output = run_sweep(&file, &tmp.path().join("out"), &[]).code(2);
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.len() < 1000, "{} bytes: {stderr}", stderr.len());
}
