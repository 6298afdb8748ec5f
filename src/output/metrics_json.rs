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
use crate::output::summary::STENOSIS_GRADIENT_MMHG;
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

/// Who wrote the file and when: the command line, the date (UTC, RFC 3339) and, when the
/// program was built from a git checkout, `git describe` of that checkout.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    pub command_line: Vec<String>,
    pub date_utc: String,
    pub git_describe: Option<&'static str>,
}

impl Provenance {
    /// This process: its arguments, and now — or `SOURCE_DATE_EPOCH` (seconds since 1970) when
    /// set, for reproducible outputs.
    pub fn current() -> Self {
        let epoch_s = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64)
            });
        Self {
            command_line: std::env::args().collect(),
            date_utc: rfc3339_utc(epoch_s),
            git_describe: option_env!("MITRALSIM_GIT_DESCRIBE"),
        }
    }
}

/// `epoch_s` seconds since 1970-01-01 as `YYYY-MM-DDThh:mm:ssZ` (proleptic Gregorian).
pub fn rfc3339_utc(epoch_s: i64) -> String {
    let (days, secs) = (epoch_s.div_euclid(86_400), epoch_s.rem_euclid(86_400));
    // Days to civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The post-clip stenosis check: the mean transmitral gradient against the threshold the
/// summary warns at.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StenosisFlag {
    pub risk: bool,
    pub post_mean_gradient_mmhg: f64,
    pub threshold_mmhg: f64,
}

impl StenosisFlag {
    pub fn of(post: &Metrics) -> Self {
        let g = post.mitral_mean_gradient_mmhg;
        Self {
            risk: g > STENOSIS_GRADIENT_MMHG,
            post_mean_gradient_mmhg: g,
            threshold_mmhg: STENOSIS_GRADIENT_MMHG,
        }
    }
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
    /// With a clip: whether the post-clip gradient risks a stenosis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stenosis: Option<StenosisFlag>,
    /// Set by [`MetricsFile::with_provenance`] (`mitralsim run` does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
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
            stenosis: post.map(|p| StenosisFlag::of(&p.sim.metrics)),
            provenance: None,
        }
    }

    pub fn with_provenance(self, provenance: Provenance) -> Self {
        Self {
            provenance: Some(provenance),
            ..self
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_utc() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_795_944_600), "2026-11-29T09:30:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    }
}
