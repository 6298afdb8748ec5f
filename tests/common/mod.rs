//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod images;
pub mod sweeps;

use mitralsim::metrics::Metrics;
use mitralsim::scenario::{self, Scenario};
use mitralsim::simulate::Simulation;
use std::path::{Path, PathBuf};

/// The `mitralsim` binary of this build.
pub fn mitralsim() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("mitralsim").expect("binary")
}

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Load `scenarios/NAME.toml` with `sets` overrides.
pub fn preset(name: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let path = repo_path(&format!("scenarios/{name}.toml"));
    scenario::load(Some(&path), &sets).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Run a scenario to steady state; it must converge.
pub fn run(s: &Scenario) -> Metrics {
    let sim = Simulation::run(s.params.clone(), s.initial, &s.solver)
        .unwrap_or_else(|e| panic!("{}: {e}", s.name));
    assert!(sim.metrics.converged, "{} did not converge", s.name);
    sim.metrics
}

/// Assert `lo <= value <= hi` with a readable message.
pub fn assert_in(what: &str, value: f64, lo: f64, hi: f64) {
    assert!(
        (lo..=hi).contains(&value),
        "{what} = {value:.3} outside [{lo}, {hi}]"
    );
}
