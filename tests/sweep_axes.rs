//! Sweep axes beyond scalars and what identifies a sweep (issue 11): a clip configuration
//! (`clip.clips`, a list of tables) as an axis end to end; a direct clip swept over the three
//! keys it needs together; the sweep's identity being its parsed content (comments do not block
//! `--resume` or `merge`, values do, and the message says which); the sweep file and the
//! resolved base scenario copied into the output, and sweep.json listing each axis as given.

mod common;

use common::sweeps::{fixture, manifest, merge, mitralsim, read, run_sweep, sweep_file};
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The header and rows (sorted by index) of DIR/results.csv.
fn rows_of(dir: &Path) -> (String, Vec<String>) {
    common::sweeps::sorted_rows(&read(&dir.join("results.csv")))
}

/// The records of results.csv (CSV-parsed), by index.
fn records(dir: &Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(dir.join("results.csv")).expect("results.csv");
    let header = reader.headers().unwrap().clone();
    let mut rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    rows.sort_by_key(|r| r[0].parse::<u64>().unwrap());
    (header, rows)
}

const CLIP_CONFIGURATIONS: &str = "convergence = \"plain\"\n\
    [[axes]]\nkey = \"clip.clips\"\nvalues = [\n\
      [{ size = \"NT\", position_mm = 17.5 }],\n\
      [{ size = \"XT\", position_mm = 17.5 }],\n\
      [{ size = \"XT\", position_mm = 14.5 }, { size = \"XT\", position_mm = 20.5 }],\n\
    ]\n";

/// One NT, one XT or two XT as an axis: each point is exactly `run --set clip.clips=...` (plain
/// convergence, bit for bit), the cell is the value as one line of inline TOML, sweep.json lists
/// the configurations, more clip holds back more regurgitation, and `--resume` reads the cells
/// back.
#[test]
fn a_clip_configuration_axis_runs_end_to_end() {
    let tmp = TempDir::new().unwrap();
    let file = sweep_file(
        tmp.path(),
        "clips.toml",
        "base-device.toml",
        CLIP_CONFIGURATIONS,
    );
    let out = tmp.path().join("out");
    run_sweep(&file, &out, &[]).success();
    let (header, rows) = records(&out);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let cells: Vec<&str> = rows.iter().map(|r| &r[col("clip.clips")]).collect();
    assert_eq!(
        cells,
        [
            "[{ position_mm = 17.5, size = \"NT\" }]",
            "[{ position_mm = 17.5, size = \"XT\" }]",
            "[{ position_mm = 14.5, size = \"XT\" }, { position_mm = 20.5, size = \"XT\" }]",
        ]
    );
    assert!(rows.iter().all(|r| &r[col("status")] == "ok"));
    let post_rvol: Vec<f64> = rows
        .iter()
        .map(|r| r[col("post_regurgitant_volume_ml")].parse().unwrap())
        .collect();
    assert!(
        post_rvol[0] > post_rvol[1] && post_rvol[1] > post_rvol[2],
        "NT > XT > two XT: {post_rvol:?}"
    );
    // Each point is the run with the cell as its --set value.
    let run_dir = tmp.path().join("run");
    mitralsim()
        .args(["run", "-q", "--no-plots", "--convergence", "plain", "--set"])
        .arg(format!("clip.clips={}", cells[2]))
        .arg("--out")
        .arg(&run_dir)
        .arg(fixture("base-device.toml"))
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&read(&run_dir.join("metrics.json"))).unwrap();
    for key in [
        "regurgitant_volume_ml",
        "eroa_cm2",
        "mitral_mean_gradient_mmhg",
    ] {
        let cell: f64 = rows[2][col(&format!("post_{key}"))].parse().unwrap();
        assert_eq!(cell, json["post"][key].as_f64().unwrap(), "post_{key}");
    }
    let axes = &manifest(&out)["axes"];
    assert_eq!(axes[0]["key"], "clip.clips");
    assert_eq!(
        axes[0]["values"][2],
        serde_json::json!([
            {"position_mm": 14.5, "size": "XT"},
            {"position_mm": 20.5, "size": "XT"}
        ])
    );
    // --resume checks every kept row's cells against the design: a cut file is completed to
    // the same rows.
    let whole = rows_of(&out);
    let text = read(&out.join("results.csv"));
    let two_rows = text.match_indices('\n').nth(1).unwrap().0 + 1;
    fs::write(out.join("results.csv"), &text[..two_rows]).unwrap();
    run_sweep(&file, &out, &["--resume"]).success().stdout(
        predicate::str::contains("3 of 3 points").and(predicate::str::contains("(2 computed")),
    );
    assert_eq!(rows_of(&out), whole);
}

/// A direct clip needs `clip.model`, `clip.eroa_cm2` and `clip.area_cm2` together: swept over
/// the three, it is accepted and runs; a value bad whatever the others are is still refused
/// with file and line, even where the other axes have more combinations than are tried.
#[test]
fn a_direct_clip_over_three_keys_is_accepted_and_bad_values_are_still_refused() {
    let tmp = TempDir::new().unwrap();
    let direct = "[[axes]]\nkey = \"clip.model\"\nvalues = [\"direct\"]\n\
                  [[axes]]\nkey = \"clip.eroa_cm2\"\nvalues = [0.1, 0.15]\n\
                  [[axes]]\nkey = \"clip.area_cm2\"\nvalues = [3.0, 3.6]\n";
    let file = sweep_file(tmp.path(), "direct.toml", "base-noclip.toml", direct);
    let out = tmp.path().join("out");
    run_sweep(&file, &out, &[])
        .success()
        .stdout(predicate::str::contains("4 ok, 0 not converged, 0 errors"));
    let (header, rows) = records(&out);
    let post = header
        .iter()
        .position(|h| h == "post_eroa_cm2")
        .expect("post_eroa_cm2");
    // The measured post-clip EROA is the swept one (to the solver's accuracy).
    for (r, want) in rows.iter().zip([0.1, 0.1, 0.15, 0.15]) {
        let got: f64 = r[post].parse().unwrap();
        assert!((got / want - 1.0).abs() < 1e-3, "{got} vs {want}");
    }

    // 500 bpm is out of range with any clip: refused, located.
    let bad = format!("{direct}[[axes]]\nkey = \"heart.rate_bpm\"\nvalues = [75, 500]\n");
    let file = sweep_file(tmp.path(), "bad.toml", "base-noclip.toml", &bad);
    run_sweep(&file, &tmp.path().join("bad"), &[])
        .code(2)
        .stderr(
            predicate::str::contains("bad.toml:14: axes[3] (heart.rate_bpm) value 500")
                .and(predicate::str::contains("heart.rate_bpm = 500")),
        );
    assert!(!tmp.path().join("bad").exists());
    // The other axes hold 20 × 20 = 400 combinations, more than are tried: the same problem of
    // this value in every one tried still refuses it.
    let wide = "[[axes]]\nkey = \"heart.rate_bpm\"\nvalues = [75, 500]\n\
                [[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nlinspace = [0.2, 0.5, 20]\n\
                [[axes]]\nkey = \"clip.eroa_cm2\"\nlinspace = [0.01, 0.09, 20]\n";
    let file = sweep_file(tmp.path(), "wide.toml", "base.toml", wide);
    run_sweep(&file, &tmp.path().join("wide"), &[])
        .code(2)
        .stderr(predicate::str::contains(
            "wide.toml:5: axes[0] (heart.rate_bpm) value 500",
        ));
}

/// 2 heart rates × 3 EROAs in chunks of 2 (three chunks).
const SMALL: &str = "chunk_points = 2\n\
    [[axes]]\nkey = \"heart.rate_bpm\"\nvalues = [70, 80]\n\
    [[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nlinspace = [0.2, 0.4, 3]\n";

/// The same sweep with comments and another layout.
fn reformatted(body: &str) -> String {
    format!(
        "# A comment, and the values spaced out: the same sweep.\n{}\n# the end\n",
        body.replace("[70, 80]", "[ 70,  80 ]  # bpm")
            .replace("chunk_points = 2", "chunk_points   =   2")
    )
}

#[test]
fn a_comment_only_edit_resumes_and_a_changed_value_is_refused_by_name() {
    let tmp = TempDir::new().unwrap();
    let file = sweep_file(tmp.path(), "s.toml", "base-noclip.toml", SMALL);
    let out = tmp.path().join("out");
    run_sweep(&file, &out, &[]).success();
    let whole = rows_of(&out);
    let m = manifest(&out);
    assert_eq!(m["sweep_id"].as_str().unwrap().len(), 64);
    assert_eq!(
        m["axes"],
        serde_json::json!([
            {"key": "heart.rate_bpm", "values": [70, 80]},
            {"key": "valves.mitral.eroa_cm2", "linspace": [0.2, 0.4, 3]},
        ])
    );
    // The inputs are beside the results: the sweep file as given, the resolved base scenario
    // exactly as `run` writes it.
    assert_eq!(read(&out.join("sweep.toml")), read(&file));
    let run_dir = tmp.path().join("run");
    mitralsim()
        .args(["run", "-q", "--no-plots", "--out"])
        .arg(&run_dir)
        .arg(fixture("base-noclip.toml"))
        .assert()
        .success();
    assert_eq!(
        read(&out.join("scenario.resolved.toml")),
        read(&run_dir.join("scenario.resolved.toml"))
    );

    // Comments and layout changed, rows of the last chunk lost: resumed.
    let edited = sweep_file(
        tmp.path(),
        "s.toml",
        "base-noclip.toml",
        &reformatted(SMALL),
    );
    let text = read(&out.join("results.csv"));
    let four_rows = text.match_indices('\n').nth(4).unwrap().0 + 1;
    fs::write(out.join("results.csv"), &text[..four_rows]).unwrap();
    run_sweep(&edited, &out, &["--resume"])
        .success()
        .stdout(predicate::str::contains("(2 computed"));
    assert_eq!(rows_of(&out), whole);
    assert_eq!(manifest(&out)["sweep_id"], m["sweep_id"], "the same sweep");
    assert_ne!(manifest(&out)["sweep_sha256"], m["sweep_sha256"]);
    assert_eq!(
        read(&out.join("sweep.toml")),
        read(&edited),
        "the copy follows"
    );

    // A changed value is another sweep, and the message says which value.
    let changed = sweep_file(
        tmp.path(),
        "c.toml",
        "base-noclip.toml",
        &SMALL.replace("80]", "85]"),
    );
    run_sweep(&changed, &out, &["--resume"])
        .code(2)
        .stderr(predicate::str::contains(
        "it holds another sweep (axes[0] (heart.rate_bpm) values differ: item 1 is 85 here, 80 \
         there)",
    ));
    let spaced = sweep_file(
        tmp.path(),
        "l.toml",
        "base-noclip.toml",
        &SMALL.replace("[0.2, 0.4, 3]", "[0.2, 0.4, 4]"),
    );
    run_sweep(&spaced, &out, &["--resume"])
        .code(2)
        .stderr(predicate::str::contains(
            "axes[1] (valves.mitral.eroa_cm2) values differ: {\"linspace\":[0.2,0.4,4]} here, \
         {\"linspace\":[0.2,0.4,3]} there",
        ));
    let chunks = sweep_file(
        tmp.path(),
        "k.toml",
        "base-noclip.toml",
        &SMALL.replace("chunk_points = 2", "chunk_points = 3"),
    );
    run_sweep(&chunks, &out, &["--resume"])
        .code(2)
        .stderr(predicate::str::contains(
            "chunk_points differs: 3 here, 2 there",
        ));
    assert_eq!(rows_of(&out), whole, "untouched");

    // A sweep.json of an earlier mitralsim (no identity) is refused, saying why.
    let path = out.join("sweep.json");
    let mut old = manifest(&out);
    old.as_object_mut().unwrap().remove("sweep_id");
    fs::write(&path, serde_json::to_string_pretty(&old).unwrap()).unwrap();
    run_sweep(&file, &out, &["--resume"])
        .code(2)
        .stderr(predicate::str::contains(
            "before sweeps had an identity (`sweep_id`)",
        ));
    // An identity that is not that of the recorded design: edited by hand.
    let mut edited_axes = m.clone();
    edited_axes["axes"][0]["values"][1] = 90.into();
    fs::write(&path, serde_json::to_string_pretty(&edited_axes).unwrap()).unwrap();
    run_sweep(&file, &out, &["--resume"]).code(2).stderr(
        predicate::str::contains("is not the identity of the design it records")
            .and(predicate::str::contains("edited by hand?")),
    );
}

/// Shards made from sweep files that differ only in comments merge; the merge holds the inputs
/// (from its first shard) and the rows of the whole sweep.
#[test]
fn shards_of_files_differing_only_in_comments_merge() {
    let tmp = TempDir::new().unwrap();
    let first = sweep_file(tmp.path(), "a.toml", "base-noclip.toml", SMALL);
    let second = sweep_file(
        tmp.path(),
        "b.toml",
        "base-noclip.toml",
        &reformatted(SMALL),
    );
    let whole = tmp.path().join("whole");
    run_sweep(&first, &whole, &[]).success();
    let shards: Vec<PathBuf> = [(&first, 1), (&second, 2)]
        .into_iter()
        .map(|(file, i)| {
            let out = tmp.path().join(format!("shard-{i}"));
            run_sweep(file, &out, &["--shard", &format!("{i}/2")]).success();
            out
        })
        .collect();
    let merged = tmp.path().join("merged");
    merge(&shards, &merged).success();
    assert_eq!(rows_of(&merged), rows_of(&whole));
    assert_eq!(read(&merged.join("sweep.toml")), read(&first));
    assert_eq!(
        read(&merged.join("scenario.resolved.toml")),
        read(&whole.join("scenario.resolved.toml"))
    );
    assert_eq!(manifest(&merged)["sweep_id"], manifest(&whole)["sweep_id"]);
    // A shard of another sweep is still refused, naming the difference.
    let other = sweep_file(
        tmp.path(),
        "o.toml",
        "base-noclip.toml",
        &SMALL.replace("[70, 80]", "[70, 90]"),
    );
    let stray = tmp.path().join("stray");
    run_sweep(&other, &stray, &["--shard", "2/2"]).success();
    mitralsim()
        .arg("merge")
        .arg(&shards[0])
        .arg(&stray)
        .arg("--out")
        .arg(tmp.path().join("m2"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "values differ: item 1 is 80 here, 90 there",
        ));
}

/// The example of docs/sweeps.md, scenarios/sweeps/clip-configurations.toml, runs; at every
/// EROA two XT clips leave less regurgitation than one XT, and one XT less than one NT.
#[test]
fn the_clip_configuration_example_runs() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    common::sweeps::sweep_example("clip-configurations.toml", &out, &[])
        .stdout(predicate::str::contains("27 ok, 0 not converged, 0 errors"));
    let (header, rows) = records(&out);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rvol =
        |r: &csv::StringRecord| -> f64 { r[col("post_regurgitant_volume_ml")].parse().unwrap() };
    for k in 0..9 {
        let (nt, xt, two_xt) = (&rows[k], &rows[9 + k], &rows[18 + k]);
        assert_eq!(
            nt[col("valves.mitral.eroa_cm2")],
            two_xt[col("valves.mitral.eroa_cm2")]
        );
        assert!(
            rvol(two_xt) < rvol(xt) && rvol(xt) < rvol(nt),
            "EROA row {k}"
        );
    }
}

/// A value whose only usable combinations lie beyond what the check tries, failing for reasons
/// that change with the other values, is left to the points, not refused: `clip.eroa_cm2 =
/// 0.04` needs the last of 301 clip areas (the first 300 are smaller than it).
#[test]
fn a_value_whose_usable_combination_is_beyond_the_budget_is_left_to_the_points() {
    let tmp = TempDir::new().unwrap();
    let areas: Vec<String> = (0..300)
        .map(|k| format!("{}", 0.01 + 0.0001 * k as f64))
        .chain(["3.6".to_owned()])
        .collect();
    let body = format!(
        "[[axes]]\nkey = \"clip.eroa_cm2\"\nvalues = [0.04, 0.005]\n\
         [[axes]]\nkey = \"clip.model\"\nvalues = [\"direct\"]\n\
         [[axes]]\nkey = \"clip.area_cm2\"\nvalues = [{}]\n",
        areas.join(", ")
    );
    let file = sweep_file(tmp.path(), "far.toml", "base-noclip.toml", &body);
    // The output "directory" is a file: the sweep stops right after the check.
    let not_a_dir = tmp.path().join("file");
    fs::write(&not_a_dir, "").unwrap();
    run_sweep(&file, &not_a_dir, &[]).code(2).stderr(
        predicate::str::contains("is a file, not a directory")
            .and(predicate::str::contains("axes[").not()),
    );
}

/// The clip-planning study of docs/gallery.md ("Clip planning"), scenarios/sweeps/clip-planning.toml,
/// and what its captions say: no single clip reaches a 5 mmHg mean gradient, two XT clips do
/// only in the strongest LV; one NT leaves moderate MR at the three largest EROAs in every LV;
/// XTW and two XT never leave more than mild MR; more or wider clip tissue always leaves less
/// regurgitation and a higher gradient.
#[test]
fn the_clip_planning_study_says_what_the_gallery_says() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    common::sweeps::sweep_example("clip-planning.toml", &out, &[]).stdout(
        predicate::str::contains("108 ok, 0 not converged, 0 errors"),
    );
    let (header, rows) = records(&out);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let num = |r: &csv::StringRecord, name: &str| -> f64 { r[col(name)].parse().unwrap() };
    let gradient = |r: &csv::StringRecord| num(r, "post_mitral_mean_gradient_mmhg");
    let rvol = |r: &csv::StringRecord| num(r, "post_regurgitant_volume_ml");
    let config = |r: &csv::StringRecord| {
        let cell = &r[col("clip.clips")];
        match (cell.matches("size").count(), cell) {
            (2, _) => "two XT",
            (_, c) if c.contains("\"NT\"") => "NT",
            (_, c) if c.contains("\"XTW\"") => "XTW",
            _ => "XT",
        }
    };
    // Grid order: LV ea (3) × clip configuration (4) × EROA (9), the last fastest.
    assert_eq!(rows.len(), 108);
    for lv in 0..3 {
        let strongest = lv == 2;
        for k in 0..9 {
            let at = |c: usize| &rows[lv * 36 + c * 9 + k];
            let (nt, xt, xtw, two) = (at(0), at(1), at(2), at(3));
            assert_eq!(
                [config(nt), config(xt), config(xtw), config(two)],
                ["NT", "XT", "XTW", "two XT"]
            );
            assert!(
                rvol(two) < rvol(xtw) && rvol(xtw) < rvol(xt) && rvol(xt) < rvol(nt),
                "LV {lv}, EROA {k}: residual RVol falls with clip tissue"
            );
            assert!(
                gradient(nt) < gradient(xt)
                    && gradient(xt) < gradient(xtw)
                    && gradient(xtw) < gradient(two),
                "LV {lv}, EROA {k}: gradient rises with clip tissue"
            );
            for one in [nt, xt, xtw] {
                assert!(gradient(one) < 5.0, "one clip: {}", gradient(one));
            }
            assert_eq!(gradient(two) >= 5.0, strongest, "two XT, LV {lv}, EROA {k}");
            let nt_grade = &nt[col("post_mr_grade")];
            assert_eq!(
                nt_grade == "moderate",
                k >= 6,
                "NT, LV {lv}, EROA {k}: {nt_grade}"
            );
            for wide in [xtw, two] {
                let grade = &wide[col("post_mr_grade")];
                assert!(["none", "mild"].contains(&grade), "{grade}");
            }
        }
    }
}
