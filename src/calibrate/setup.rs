//! From a calibration file to a [`Problem`]: the base scenario with its fixed inputs, the targets
//! checked against the metrics.json keys of the base's own pre-clip state, the free parameters
//! checked against the scenario (a number, bounds the scenario accepts). Why a module: every
//! refusal here is bad input and must name the calibration file's line and key, while the
//! scenario's own messages (unknown key, value out of range) are reused, not rewritten.

use super::bounds::Bounds;
use super::file::{At, CalibrationFile, ScenarioRef};
use super::problem::{default_sd, measurable_keys, Origin, Parameter, Problem, Target};
use crate::metrics::Metrics;
use crate::model::State;
use crate::scenario::{self, Scenario, ScenarioError, ScenarioTemplate, Source};
use crate::simulate::Simulation;

/// Why a calibration could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Bad input: one located line per problem.
    #[error("{}", .0.join("\n"))]
    Input(Vec<String>),
    /// The base scenario itself could not be read.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The base scenario could not be simulated.
    #[error("the base scenario could not be simulated: {0}")]
    Run(String),
}

/// The base scenario, its template, and its pre-clip metrics (which define the target keys).
#[derive(Debug, Clone)]
pub struct Base {
    pub template: ScenarioTemplate,
    /// `[set]` then `--set`.
    pub fixed_sets: Vec<String>,
    pub scenario: Scenario,
    pub metrics: Metrics,
    /// Its converged pre-clip state (where the first evaluations start).
    pub state: State,
    /// How to name the scenario in messages and in calibrated.toml's header.
    pub scenario_label: String,
}

impl Base {
    /// Whether `key` is fixed by `[set]` or `--set` (and so not a default free parameter).
    pub fn is_fixed(&self, key: &str) -> bool {
        self.fixed_sets
            .iter()
            .any(|s| s.split_once('=').is_some_and(|(k, _)| k.trim() == key))
    }
}

/// Read the base scenario, apply the fixed inputs and run its pre-clip state once.
pub fn base(file: &CalibrationFile, cli_sets: &[String]) -> Result<Base, SetupError> {
    let (template, label) = match &file.scenario {
        ScenarioRef::Preset(name) => {
            let text = scenario::builtin_presets()
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| *t)
                .expect("the file reader accepts built-in names only");
            let origin = format!("preset {name}");
            (ScenarioTemplate::parse(text, &origin, None)?, origin)
        }
        ScenarioRef::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                SetupError::Input(vec![format!(
                    "{}: cannot read the scenario {}: {e}",
                    file.scenario_at,
                    path.display()
                )])
            })?;
            let origin = path.display().to_string();
            (
                ScenarioTemplate::parse(&text, &origin, path.parent())?,
                origin,
            )
        }
    };
    let mut fixed_sets: Vec<String> = file.sets.iter().map(|s| s.arg.clone()).collect();
    fixed_sets.extend(cli_sets.iter().cloned());
    let scenario = template
        .with_sets(&fixed_sets)
        .map_err(|e| locate(e, file, None))?;
    let sim = Simulation::run(scenario.params.clone(), scenario.initial, &scenario.solver)
        .map_err(|e| SetupError::Run(e.to_string()))?;
    Ok(Base {
        template,
        fixed_sets,
        scenario,
        metrics: sim.metrics,
        state: sim.steady.state,
        scenario_label: label,
    })
}

/// A scenario error with each `--set` argument that came from the calibration file replaced
/// by its line there; `free` names the `[free]` entry whose bound was being tried.
fn locate(error: ScenarioError, file: &CalibrationFile, free: Option<(&At, &str)>) -> SetupError {
    let ScenarioError::Invalid { origin, problems } = &error else {
        return SetupError::Scenario(error);
    };
    let lines = problems
        .iter()
        .map(|p| match &p.source {
            Some(Source::Set(arg)) => {
                if let Some(s) = file.sets.iter().find(|s| &s.arg == arg) {
                    format!("{}: [set] {}", s.at, p.message)
                } else if let Some((at, what)) = free {
                    format!("{at}: [free] {what}: {}", p.message)
                } else {
                    p.render(origin)
                }
            }
            _ => p.render(origin),
        })
        .collect();
    SetupError::Input(lines)
}

/// The targets of `file`, checked against the measurable keys of `metrics`.
pub fn targets(file: &CalibrationFile, metrics: &Metrics) -> Result<Vec<Target>, SetupError> {
    let keys = measurable_keys(metrics);
    let mut bad = Vec::new();
    let targets = file
        .targets
        .iter()
        .filter_map(|t| {
            if !keys.contains(&t.key) {
                bad.push(format!(
                    "{}: [targets] {}: not a measurable metrics.json key of the pre-clip state; \
                     the keys are: {}",
                    t.at,
                    t.key,
                    keys.join(", ")
                ));
                return None;
            }
            Some(Target {
                key: t.key.clone(),
                value: t.value,
                sd: t.sd.unwrap_or_else(|| default_sd(t.value)),
                sd_given: t.sd.is_some(),
                at: t.at.clone(),
            })
        })
        .collect();
    if bad.is_empty() {
        Ok(targets)
    } else {
        Err(SetupError::Input(bad))
    }
}

/// The scenario key of the total blood volume, which a scenario may leave to its initial state.
const BLOOD_VOLUME_KEY: &str = "initial.blood_volume_ml";

/// The base value of a free key: it must be a real number of the scenario (the blood volume
/// may be implicit: the sum of the initial compartment volumes).
pub fn base_value(base: &Base, key: &str) -> Result<f64, String> {
    match base.scenario.resolved_value(key) {
        None if key == BLOOD_VOLUME_KEY => Ok(base.metrics.blood_volume_ml),
        Some(toml::Value::Float(x)) => Ok(x),
        Some(toml::Value::Integer(_)) => Err(format!(
            "{key} is an integer setting, not a parameter that can be fitted"
        )),
        Some(toml::Value::Table(_)) => Err(format!("{key} is a section, not a number")),
        Some(other) => Err(format!(
            "{key} = {other} is not a number: only numeric scenario keys can be fitted"
        )),
        None => Err(format!(
            "{key} is not a key of the base scenario (docs/scenario-format.md lists them)"
        )),
    }
}

/// Whether the scenario accepts `key = value` (with the fixed inputs); the error is the
/// scenario's own message.
pub fn allowed(base: &Base, key: &str, value: f64) -> Result<(), String> {
    let mut sets = base.fixed_sets.clone();
    sets.push(format!("{key}={value:?}"));
    base.template.with_sets(&sets).map(|_| ()).map_err(|e| {
        e.problems()
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// Check one free parameter against the base scenario: a number, each bound accepted by the
/// scenario's own validation. Returns the parameter or the problem (without location).
pub fn parameter(
    base: &Base,
    key: &str,
    bounds: Bounds,
    origin: Origin,
) -> Result<Parameter, String> {
    let value = base_value(base, key)?;
    for (what, bound) in [("lower", bounds.lower), ("upper", bounds.upper)] {
        allowed(base, key, bound).map_err(|why| {
            format!("{key}: the {what} bound {bound} is outside what the scenario allows: {why}")
        })?;
    }
    Ok(Parameter {
        key: key.to_owned(),
        bounds,
        base: value,
        origin,
    })
}

/// The `[free]` parameters of the file, checked.
pub fn file_parameters(file: &CalibrationFile, base: &Base) -> Result<Vec<Parameter>, SetupError> {
    let Some(free) = &file.free else {
        return Ok(Vec::new());
    };
    let mut bad = Vec::new();
    let mut out = Vec::new();
    for f in free {
        if file.sets.iter().any(|s| s.key == f.key) {
            bad.push(format!(
                "{}: [free] {}: also fixed in [set]; a key is either fixed or fitted",
                f.at, f.key
            ));
            continue;
        }
        let bounds = Bounds::new(f.lower, f.upper);
        match parameter(base, &f.key, bounds, Origin::File(f.at.clone())) {
            Ok(p) => out.push(p),
            Err(m) => bad.push(format!("{}: [free] {m}", f.at)),
        }
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(SetupError::Input(bad))
    }
}

/// The problem of `base` with these parameters and targets.
pub fn problem(base: &Base, parameters: Vec<Parameter>, targets: Vec<Target>) -> Problem {
    Problem {
        template: base.template.clone(),
        fixed_sets: base.fixed_sets.clone(),
        parameters,
        targets,
    }
}

#[cfg(test)]
mod tests {
    use super::super::file;
    use super::*;
    use std::path::Path;

    fn setup(text: &str) -> Result<(CalibrationFile, Base), SetupError> {
        let f = file::parse(text, Path::new("p.toml")).map_err(|e| SetupError::Input(e.0))?;
        let b = base(&f, &[])?;
        Ok((f, b))
    }

    #[test]
    fn set_errors_point_at_the_calibration_file() {
        let e = setup(
            "version = 1\nscenario = \"normal\"\n[set]\n\"heart.rate_bpm\" = 900\n\
             [targets]\nlv_edv_ml = 150\n",
        )
        .expect_err("rate out of range");
        let m = e.to_string();
        assert!(m.starts_with("p.toml:4: [set] heart.rate_bpm = 900"), "{m}");
    }

    #[test]
    fn unknown_target_keys_and_bad_free_keys_are_named() {
        let (f, b) = setup(
            "version = 1\nscenario = \"normal\"\n[targets]\nlv_edv = 150\n[free]\n\
             \"valves.mitral.law\" = [0, 1]\n\"chambers.lv.ea\" = [-1, 6]\n\"heart.foo\" = [1, 2]\n",
        )
        .expect("shape is valid");
        let e = targets(&f, &b.metrics)
            .expect_err("unknown key")
            .to_string();
        assert!(
            e.starts_with("p.toml:4: [targets] lv_edv: not a measurable"),
            "{e}"
        );
        assert!(e.contains("lv_edv_ml"), "{e}");
        let e = file_parameters(&f, &b).expect_err("bad keys").to_string();
        let lines: Vec<&str> = e.lines().collect();
        assert!(
            lines[0]
                .starts_with("p.toml:6: [free] valves.mitral.law = \"orifice\" is not a number"),
            "{e}"
        );
        assert!(
            lines[1].starts_with("p.toml:7: [free] chambers.lv.ea: the lower bound -1 is outside"),
            "{e}"
        );
        assert!(
            lines[2].starts_with("p.toml:8: [free] heart.foo is not a key"),
            "{e}"
        );
    }
}
