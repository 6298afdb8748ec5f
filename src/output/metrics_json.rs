//! metrics.json: what was run (version, scenario and its hash, solver settings) and its metrics.
//!
//! Why: a researcher cites a number together with the exact input that produced it; the
//! `scenario_sha256` is the hash of the fully resolved scenario (scenario.resolved.toml), so two
//! results with the same hash came from the same model.

use crate::metrics::Metrics;
use crate::solver::{SolverStats, SteadyStateSettings};
use serde::Serialize;
use std::io::{self, Write};

pub const MITRALSIM_VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Serialize)]
pub struct ScenarioInfo<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    /// The file given on the command line; null for the built-in default.
    pub source: Option<String>,
    /// File beside metrics.json holding the fully resolved scenario.
    pub resolved: &'a str,
}

#[derive(Debug, Serialize)]
pub struct SolverInfo {
    pub rtol: f64,
    pub atol: f64,
    pub steady_tol_ml: f64,
    pub max_beats: u32,
    /// Largest compartment volume change over the last beat (mL), per state.
    pub pre_last_change_ml: f64,
    pub pre_stats: SolverStats,
}

impl SolverInfo {
    pub fn new(settings: &SteadyStateSettings, last_change_ml: f64, stats: SolverStats) -> Self {
        Self {
            rtol: settings.tolerances.rtol,
            atol: settings.tolerances.atol,
            steady_tol_ml: settings.tol_ml,
            max_beats: settings.max_beats,
            pre_last_change_ml: last_change_ml,
            pre_stats: stats,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct MetricsFile<'a> {
    pub mitralsim_version: &'static str,
    pub scenario: ScenarioInfo<'a>,
    pub scenario_sha256: &'a str,
    pub solver: SolverInfo,
    pub pre: &'a Metrics,
}

pub fn write(file: &MetricsFile<'_>, mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, file)?;
    writeln!(out)?;
    out.flush()
}
