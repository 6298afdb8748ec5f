//! Property-based fuzzing of every reader of user or file input: the scenario reader, `--set`,
//! the sweep-file reader, results.csv (as `--resume` and `merge` read it) and sweep.json. The
//! property is the one that matters for a command-line tool: whatever the bytes, a typed error or
//! a value, never a panic.
//!
//! Inputs are the real files of the repository mutated by random edits (bytes replaced,
//! ranges deleted, TOML/CSV/JSON tokens inserted), so most cases get deep into the readers.
//! `cargo test --test fuzz` runs 64 cases per reader (seconds); a longer run, e.g. nightly:
//!
//!     PROPTEST_CASES=20000 cargo test --release --test fuzz
//!
//! A failure prints the minimal mutated input that panics.

mod common;

use mitralsim::scenario::{self, ScenarioTemplate};
use mitralsim::sweep::{self, results, Manifest};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::fs;

/// Tokens that readers treat specially, inserted by the mutator.
const TOKENS: &[&str] = &[
    "=",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "\"",
    "'",
    ",",
    ".",
    "\n",
    "\r\n",
    "#",
    "\\",
    "0",
    "-1",
    "1e308",
    "-1.7e308",
    "nan",
    "inf",
    "-inf",
    "true",
    "9223372036854775807",
    "18446744073709551616",
    "0.0",
    "1e-320",
    "[[axes]]",
    "[clip]",
    "key = ",
    "values = []",
    "linspace = [0, 1, 0]",
    "\u{feff}",
    "\u{0}",
    "é",
    "\"\"\"",
    "null",
    "ok",
    "error",
];

/// One edit of a text.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Delete(usize, usize),
    Insert(usize, usize),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Replace(at, b)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, t)| Edit::Insert(at, t)),
        (any::<usize>(), 1usize..80).prop_map(|(at, n)| Edit::Duplicate(at, n)),
    ]
}

/// `seed` with `edits` applied (positions taken modulo the current length).
fn mutate(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for e in edits {
        let len = bytes.len().max(1);
        match *e {
            Edit::Replace(at, b) => {
                if !bytes.is_empty() {
                    bytes[at % len] = b;
                }
            }
            Edit::Delete(at, n) => {
                let start = at % len;
                let end = (start + n).min(bytes.len());
                if start < end {
                    bytes.drain(start..end);
                }
            }
            Edit::Insert(at, t) => {
                let at = (at % (bytes.len() + 1)).min(bytes.len());
                bytes.splice(at..at, TOKENS[t].bytes());
            }
            Edit::Duplicate(at, n) => {
                let start = at % len;
                let end = (start + n).min(bytes.len());
                if start < end {
                    let piece = bytes[start..end].to_vec();
                    bytes.splice(end..end, piece);
                }
            }
        }
    }
    bytes
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn repo_text(relative: &str) -> Vec<u8> {
    fs::read(common::repo_path(relative)).expect(relative)
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    proptest::collection::vec(edit(), 1..8)
}

proptest! {
    #![proptest_config(config())]

    /// The scenario reader: a mutated preset parses to a scenario or to an error.
    #[test]
    fn scenario_reader_never_panics(which in 0usize..4, edits in edits()) {
        let seeds = [
            "scenarios/secondary-mr-hf.toml",
            "scenarios/two-clips-small-valve.toml",
            "scenarios/primary-mr-clip-off-target.toml",
            "tests/fixtures/sweeps/base.toml",
        ];
        let text = mutate(&repo_text(seeds[which]), &edits);
        let text = String::from_utf8_lossy(&text);
        let dir = common::repo_path("scenarios");
        let _ = scenario::load_str(&text, "fuzz.toml", Some(&dir), &[]);
    }

    /// `--set key=value`: any argument over the default scenario.
    #[test]
    fn set_arguments_never_panic(edits in edits(), which in 0usize..4) {
        let seeds = [
            "valves.mitral.eroa_cm2=0.3",
            "clip.clips=[{size = \"XT\", position_mm = 3.0}]",
            "heart.rate_bpm=75",
            "solver.max_beats=10",
        ];
        let arg = mutate(seeds[which].as_bytes(), &edits);
        let arg = String::from_utf8_lossy(&arg).into_owned();
        let text = String::from_utf8(repo_text("scenarios/secondary-mr-hf.toml")).unwrap();
        let template = ScenarioTemplate::parse(&text, "base.toml", None).expect("preset");
        let _ = template.with_sets(&[arg]);
    }

    /// The sweep-file reader (with its up-front value check).
    #[test]
    fn sweep_file_reader_never_panics(edits in edits()) {
        let seed = format!(
            "version = 1\nscenario = '{}'\nmode = \"grid\"\nchunk_points = 4\n\
             [[axes]]\nkey = \"heart.rate_bpm\"\nvalues = [70, 80]\n\
             [[axes]]\nkey = \"valves.mitral.eroa_cm2\"\nlinspace = [0.2, 0.6, 3]\n\
             [[axes]]\nkey = \"clip.model\"\nvalues = [\"direct\"]\n",
            common::repo_path("tests/fixtures/sweeps/base.toml").display()
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        fs::write(&path, mutate(seed.as_bytes(), &edits)).unwrap();
        let _ = sweep::spec::load(&path);
    }

    /// results.csv as --resume and merge read it: every row scanned and checked.
    #[test]
    fn results_reader_never_panics(edits in edits(), n_axes in 0usize..3) {
        let keys: Vec<String> = (0..n_axes).map(|k| format!("axis{k}")).collect();
        let header = results::header(&keys);
        let fields = header.len() - 1 - n_axes - 2;
        let mut seed = results::line(&header);
        for i in 0..3u64 {
            let mut row: Vec<String> = vec![i.to_string()];
            row.extend((0..n_axes).map(|k| format!("{}", k as f64 * 0.5)));
            row.push("ok".into());
            row.push(String::new());
            row.extend((0..fields).map(|k| match k % 5 { 0 => "true".into(), 1 => "severe".into(), 2 => "12".into(), 3 => String::new(), _ => "0.25".into() }));
            seed.push_str(&results::line(&row));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.csv");
        fs::write(&path, mutate(seed.as_bytes(), &edits)).unwrap();
        let cells: Vec<String> = (0..n_axes).map(|k| format!("{}", k as f64 * 0.5)).collect();
        let _ = results::scan(&path, &header, |row| {
            let _ = row.check(n_axes, Some(&cells));
            let _ = row.check(n_axes, None);
            Ok(())
        });
    }

    /// sweep.json as --resume and merge read it.
    #[test]
    fn sweep_json_reader_never_panics(edits in edits()) {
        let seed = SWEEP_JSON;
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("sweep.json"), mutate(seed.as_bytes(), &edits)).unwrap();
        if let Ok(m) = Manifest::read(dir.path()) {
            // What merge then computes from it must not panic either.
            let _ = m.mismatch(&m);
        }
    }
}

/// A valid sweep.json (its sweep_id is the identity of what it records), mutated by the fuzzer.
const SWEEP_JSON: &str = r#"{
  "mitralsim_version": "0.1.0",
  "sweep_id": "caa76805d97e454489de2707965e0461f2ecd286a2b41839f0f6dcd4291b87d7",
  "sweep_file": "s.toml",
  "sweep_sha256": "00",
  "scenario_file": "base.toml",
  "scenario_sha256": "00",
  "mode": "grid",
  "samples": null,
  "seed": null,
  "convergence": "accelerated",
  "axes": [
    {"key": "heart.rate_bpm", "values": [70, 80]},
    {"key": "valves.mitral.eroa_cm2", "linspace": [0.2, 0.5, 8]}
  ],
  "points": 16,
  "chunk_points": 4,
  "shard": {"index": 1, "count": 2},
  "shard_points": 8,
  "status": "finished",
  "counts": {"ok": 8, "not_converged": 0, "error": 0},
  "missing": 0,
  "jobs": 2,
  "wall_time_s": 1.0,
  "points_per_second": 8.0
}
"#;

/// The fuzzer starts from a sweep.json the reader accepts, not one refused at the first check.
#[test]
fn the_sweep_json_seed_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("sweep.json"), SWEEP_JSON).unwrap();
    let m = Manifest::read(dir.path()).expect("a valid sweep.json");
    assert_eq!(m.mismatch(&m), None);
    assert_eq!(m.axis_keys(), ["heart.rate_bpm", "valves.mitral.eroa_cm2"]);
}

#[test]
fn the_mutator_edits_and_keeps_within_bounds() {
    let seed = b"abc";
    assert_eq!(mutate(seed, &[Edit::Replace(4, b'x')]), b"axc");
    assert_eq!(mutate(seed, &[Edit::Delete(1, 10)]), b"a");
    assert_eq!(mutate(b"", &[Edit::Delete(5, 3), Edit::Replace(0, 1)]), b"");
    assert_eq!(mutate(seed, &[Edit::Insert(3, 0)]), b"abc=");
    assert_eq!(mutate(seed, &[Edit::Duplicate(0, 2)]), b"ababc");
}
