//! Helpers of the sweep tests: the binary, sweep files over the fixtures, and what a sweep
//! directory holds.

use std::fs;
use std::path::{Path, PathBuf};

/// A file of tests/fixtures/sweeps/.
pub fn fixture(relative: &str) -> PathBuf {
    super::repo_path(&format!("tests/fixtures/sweeps/{relative}"))
}

pub use super::mitralsim;

/// Write a sweep file `name` in `dir` over the base scenario fixture `base`, with `body` after
/// the header.
pub fn sweep_file(dir: &Path, name: &str, base: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    let text = format!(
        "version = 1\nscenario = '{}'\n{body}",
        fixture(base).display()
    );
    fs::write(&path, text).expect("sweep file");
    path
}

/// `mitralsim sweep FILE --out OUT ARGS...`, its outcome to be asserted by the caller.
pub fn run_sweep(file: &Path, out: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    mitralsim()
        .arg("sweep")
        .arg(file)
        .arg("--out")
        .arg(out)
        .args(args)
        .assert()
}

/// `mitralsim sweep scenarios/sweeps/NAME --out OUT ARGS...`, which must succeed (its stderr
/// is shown if not).
pub fn sweep_example(name: &str, out: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    let file = super::repo_path(&format!("scenarios/sweeps/{name}"));
    run_sweep(&file, out, args).success()
}

/// `mitralsim merge SHARDS... --out OUT`.
pub fn merge(shards: &[PathBuf], out: &Path) -> assert_cmd::assert::Assert {
    mitralsim()
        .arg("merge")
        .args(shards)
        .arg("--out")
        .arg(out)
        .assert()
}

pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The header of a results.csv text and its rows sorted by index.
pub fn sorted_rows(text: &str) -> (String, Vec<String>) {
    let mut lines = text.lines();
    let header = lines.next().expect("header").to_owned();
    let mut rows: Vec<String> = lines.map(str::to_owned).collect();
    rows.sort_by_key(|r| r.split(',').next().unwrap().parse::<u64>().expect("index"));
    (header, rows)
}

/// DIR/sweep.json.
pub fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("sweep.json"))).expect("JSON")
}
