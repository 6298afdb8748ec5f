//! The fitting problem: a base scenario, its fixed inputs, the free parameters (with bounds) and
//! the targets (metrics.json keys of the pre-clip state, with their weights), and one model
//! evaluation: parameters → pre-clip steady state → achieved values. Why its own module: the
//! optimiser, the default-parameter choice and the sensitivity table all ask the same question
//! ("what does the model give at these parameter values?") and must get the same answer.

use serde_json::{Map, Value};

use super::bounds::Bounds;
use super::file::At;
use crate::metrics::Metrics;
use crate::model::State;
use crate::scenario::{Scenario, ScenarioError, ScenarioTemplate};
use crate::simulate::{LeakGain, Simulation};
use crate::solver::SecantMemory;

/// A target without `sd` is weighted as if measured with this standard deviation, in percent
/// of its value (docs/calibration.md).
pub const DEFAULT_SD_PCT: f64 = 5.0;

/// metrics.json keys that are solver counters, not measurements.
const NOT_MEASUREMENTS: [&str; 1] = ["beats_to_steady_state"];

/// While fitting, each state is run to a periodic steady state this tight (mL per beat), so that
/// finite differences of 0.1 % see the parameters and not the convergence tolerance. The final
/// run uses the scenario's own tolerance.
pub const FIT_STEADY_TOL_ML: f64 = 1e-5;

/// The metrics of a state by metrics.json key: the serialised [`Metrics`], so that the keys a
/// calibration accepts are exactly those the metrics file has.
pub fn metric_map(metrics: &Metrics) -> Map<String, Value> {
    match serde_json::to_value(metrics) {
        Ok(Value::Object(map)) => map,
        _ => unreachable!("Metrics serialises to a JSON object"),
    }
}

/// The numeric metrics.json keys that can be targets (measurements, not counters).
pub fn measurable_keys(metrics: &Metrics) -> Vec<String> {
    metric_map(metrics)
        .into_iter()
        .filter(|(k, v)| v.is_number() && !NOT_MEASUREMENTS.contains(&k.as_str()))
        .map(|(k, _)| k)
        .collect()
}

/// Where a free parameter came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// `[free]` of the calibration file.
    File(At),
    /// Chosen by the default rule (docs/calibration.md).
    Default,
}

/// A parameter to fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Scenario key path.
    pub key: String,
    pub bounds: Bounds,
    /// The base scenario's value.
    pub base: f64,
    pub origin: Origin,
}

/// A measurement to match.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub key: String,
    pub value: f64,
    /// Standard deviation the residual is divided by.
    pub sd: f64,
    /// `sd` was given in the file (not the default).
    pub sd_given: bool,
    pub at: At,
}

/// A converged state and the secant memory that found it: where the next evaluation starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Warm {
    pub state: State,
    pub memory: SecantMemory,
}

/// One model evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The targets' keys as the model gives them, in target order.
    pub achieved: Vec<f64>,
    pub warm: Warm,
}

/// The fitting problem.
#[derive(Debug, Clone)]
pub struct Problem {
    pub template: ScenarioTemplate,
    /// `[set]` and `--set`, as `--set` arguments.
    pub fixed_sets: Vec<String>,
    pub parameters: Vec<Parameter>,
    pub targets: Vec<Target>,
}

impl Problem {
    /// The `--set` arguments of the scenario at parameter values `x`: the fixed inputs, then the
    /// parameters, each written so that it reads back as the same f64.
    pub fn sets(&self, x: &[f64]) -> Vec<String> {
        let mut sets = self.fixed_sets.clone();
        sets.extend(
            self.parameters
                .iter()
                .zip(x)
                .map(|(p, v)| format!("{}={v:?}", p.key)),
        );
        sets
    }

    /// The scenario at parameter values `x`.
    pub fn scenario(&self, x: &[f64]) -> Result<Scenario, ScenarioError> {
        self.template.with_sets(&self.sets(x))
    }

    /// The base values of the parameters.
    pub fn base(&self) -> Vec<f64> {
        self.parameters.iter().map(|p| p.base).collect()
    }

    /// Run the pre-clip state at `x` to its periodic steady state (from `warm`, with the
    /// accelerated search; from the scenario's initial state if that fails) and read the
    /// targets. The error says why the model could not be evaluated there.
    pub fn evaluate(&self, x: &[f64], warm: Option<&Warm>) -> Result<Evaluation, String> {
        let mut scenario = self.scenario(x).map_err(|e| e.to_string())?;
        scenario.solver.tol_ml = scenario.solver.tol_ml.min(FIT_STEADY_TOL_ML);
        let mut memory = warm.map(|w| w.memory.clone()).unwrap_or_default();
        let accelerated = Simulation::run_accelerated(
            scenario.params.clone(),
            scenario.initial,
            warm.map(|w| &w.state),
            &scenario.solver,
            &mut memory,
            LeakGain::Calibrate,
        );
        let sim = match accelerated {
            Ok(sim) if sim.steady.converged => sim,
            _ => {
                memory = SecantMemory::default();
                let plain = Simulation::run_accelerated(
                    scenario.params.clone(),
                    scenario.initial,
                    None,
                    &scenario.solver,
                    &mut memory,
                    LeakGain::Calibrate,
                )
                .map_err(|e| e.to_string())?;
                if !plain.steady.converged {
                    return Err(format!(
                        "no periodic steady state within {} beats",
                        plain.steady.beats
                    ));
                }
                plain
            }
        };
        Ok(Evaluation {
            achieved: self.read_targets(&sim.metrics),
            warm: Warm {
                state: sim.steady.state,
                memory,
            },
        })
    }

    /// The targets' values in `metrics` (NaN for a key the state does not have, e.g. a valve
    /// area of a diode valve).
    pub fn read_targets(&self, metrics: &Metrics) -> Vec<f64> {
        let map = metric_map(metrics);
        self.targets
            .iter()
            .map(|t| map.get(&t.key).and_then(Value::as_f64).unwrap_or(f64::NAN))
            .collect()
    }

    /// Weighted residuals (achieved − target) / sd.
    pub fn residuals(&self, achieved: &[f64]) -> Vec<f64> {
        self.targets
            .iter()
            .zip(achieved)
            .map(|(t, a)| (a - t.value) / t.sd)
            .collect()
    }

    /// Whether each target is met within `tolerance_pct` of its value (of its sd for a target
    /// of value 0).
    pub fn met(&self, achieved: &[f64], tolerance_pct: f64) -> Vec<bool> {
        self.targets
            .iter()
            .zip(achieved)
            .map(|(t, a)| error_pct(t, *a).abs() <= tolerance_pct)
            .collect()
    }
}

/// 100·(achieved − target)/|target| (relative to the sd for a target of 0).
pub fn error_pct(target: &Target, achieved: f64) -> f64 {
    let scale = if target.value != 0.0 {
        target.value.abs()
    } else {
        target.sd
    };
    100.0 * (achieved - target.value) / scale
}

/// The sd of a target without one: [`DEFAULT_SD_PCT`] of its value (1 for a target of 0).
pub fn default_sd(value: f64) -> f64 {
    if value != 0.0 {
        value.abs() * DEFAULT_SD_PCT / 100.0
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parameter value goes into the scenario as `--set` text and must come back as the same
    /// f64, or calibrated.toml would not be the point that was fitted.
    #[test]
    fn parameter_values_reach_the_scenario_exactly() {
        let problem = Problem {
            template: ScenarioTemplate::parse("version = 1", "t.toml", None).expect("valid"),
            fixed_sets: Vec::new(),
            parameters: vec![Parameter {
                key: "chambers.lv.ea".into(),
                bounds: Bounds::new(1e-9, 100.0),
                base: 1.0,
                origin: Origin::Default,
            }],
            targets: Vec::new(),
        };
        for v in [2.0 / 3.0, 1e-7, 3.0, 99.99999999999999, 0.1 + 0.2] {
            let s = problem.scenario(&[v]).expect("valid");
            let back = match s.resolved_value("chambers.lv.ea") {
                Some(toml::Value::Float(x)) => x,
                other => panic!("{other:?}"),
            };
            assert_eq!(back.to_bits(), v.to_bits(), "{v}");
        }
    }
}
