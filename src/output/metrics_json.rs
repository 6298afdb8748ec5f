//! metrics.json: what was run (version, scenario and its hash, solver settings) and its metrics,
//! before (`pre`) and, with a clip, after the repair (`post`), their `change` and the clip's
//! derived geometry (`clip`).
//!
//! Why: a researcher cites a number together with the exact input that produced it; the
//! `scenario_sha256` is the hash of the fully resolved scenario (scenario.resolved.toml), so two
//! results with the same hash came from the same model.

use super::validity;
use crate::metrics::Metrics;
use crate::model::repair::RepairOutcome;
use crate::simulate::{Comparison, Simulation};
use crate::solver::{SolverStats, SteadyStateSettings};
use serde::Serialize;
use serde_json::{Map, Value};
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

/// How one state's steady state was reached.
#[derive(Debug, Serialize)]
pub struct StateSolverInfo {
    pub beats: u32,
    pub converged: bool,
    /// Largest compartment volume change over the last beat (mL).
    pub last_change_ml: f64,
    pub stats: SolverStats,
}

impl From<&Simulation> for StateSolverInfo {
    fn from(sim: &Simulation) -> Self {
        Self {
            beats: sim.steady.beats,
            converged: sim.steady.converged,
            last_change_ml: sim.steady.last_change_ml,
            stats: sim.steady.stats,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SolverInfo {
    pub rtol: f64,
    pub atol: f64,
    pub steady_tol_ml: f64,
    pub max_beats: u32,
    pub pre: StateSolverInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post: Option<StateSolverInfo>,
}

#[derive(Debug, Serialize)]
pub struct MetricsFile<'a> {
    pub mitralsim_version: &'static str,
    pub scenario: ScenarioInfo<'a>,
    pub scenario_sha256: &'a str,
    pub solver: SolverInfo,
    /// Metrics undefined for their state are `null` here; `undefined` says why.
    #[serde(serialize_with = "validity::serialize_defined")]
    pub pre: &'a Metrics,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "validity::serialize_defined_opt"
    )]
    pub post: Option<&'a Metrics>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clip: Option<&'a RepairOutcome>,
    /// `{"pre": {metric: why}, "post": {...}}` for metrics undefined for their state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undefined: Option<Map<String, Value>>,
}

impl<'a> MetricsFile<'a> {
    pub fn new(
        scenario: ScenarioInfo<'a>,
        scenario_sha256: &'a str,
        settings: &SteadyStateSettings,
        result: &'a Comparison,
    ) -> Self {
        let post = result.post.as_ref();
        Self {
            mitralsim_version: MITRALSIM_VERSION,
            scenario,
            scenario_sha256,
            solver: SolverInfo {
                rtol: settings.tolerances.rtol,
                atol: settings.tolerances.atol,
                steady_tol_ml: settings.tol_ml,
                max_beats: settings.max_beats,
                pre: (&result.pre).into(),
                post: post.map(|p| (&p.sim).into()),
            },
            pre: &result.pre.metrics,
            post: post.map(|p| &p.sim.metrics),
            change: post.map(|p| change(&result.pre.metrics, &p.sim.metrics)),
            clip: post.map(|p| &p.repair),
            undefined: validity::undefined_section(
                &result.pre.metrics,
                post.map(|p| &p.sim.metrics),
            ),
        }
    }
}

/// Keys whose relative change would mislead: percentages (their change is already in points),
/// and counters or settings that a clip does not act on.
fn has_relative_change(key: &str) -> bool {
    !(key.ends_with("_pct")
        || matches!(
            key,
            "heart_rate_bpm" | "beats_to_steady_state" | "blood_volume_ml"
        ))
}

/// `post − pre` for every numeric metric, in `pre`'s key order, each followed by
/// `<key>_rel_pct` = 100·(post − pre)/pre where a relative change means something.
/// A metric undefined in either state has no change.
pub fn change(pre: &Metrics, post: &Metrics) -> Map<String, Value> {
    let (pre, post) = (validity::defined_json(pre), validity::defined_json(post));
    let mut out = Map::new();
    for (key, a) in &pre {
        let (Some(a), Some(b)) = (a.as_f64(), post.get(key).and_then(Value::as_f64)) else {
            continue;
        };
        if key == "beats_to_steady_state" {
            continue;
        }
        out.insert(key.clone(), Value::from(b - a));
        if has_relative_change(key) && a != 0.0 {
            out.insert(format!("{key}_rel_pct"), Value::from(100.0 * (b - a) / a));
        }
    }
    out
}

pub fn write(file: &MetricsFile<'_>, mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, file)?;
    writeln!(out)?;
    out.flush()
}
