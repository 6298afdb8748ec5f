//! What a calibration leaves behind: fit.json (everything about the fit, machine-readable), the
//! stdout table (targets and parameters with units, the predicted clip effect) and the header of
//! calibrated.toml. Why one module: the three say the same things and must agree; they are all
//! made from one [`FitReport`].

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value};

use std::path::Path;

use super::bounds::Side;
use super::file::CalibrationFile;
use super::fit::FitResult;
use super::problem::{self, error_pct, Problem};
use super::setup::Base;
use super::stats::{Limit, Statistics};
use crate::output::metrics_json;
use crate::output::metrics_json::MITRALSIM_VERSION;
use crate::plot::quantity::{metric_name, short_number, unit_of};
use crate::simulate::Comparison;

/// The calibration, as fit.json has it.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    pub mitralsim_version: &'static str,
    pub calibration: Source,
    /// "met": every target within tolerance; "not_met": the fit finished without that.
    pub status: &'static str,
    pub tolerance_pct: f64,
    pub targets: Vec<TargetReport>,
    pub parameters: Vec<ParameterReport>,
    pub correlations: Correlations,
    pub identifiability: Identifiability,
    /// For each unmet target, what keeps it from its value.
    pub limits: Vec<LimitReport>,
    pub starts: Vec<StartReport>,
    /// Index into `starts` of the fit kept.
    pub best_start: usize,
    pub iterations: u32,
    pub model_runs: u64,
    pub wall_time_s: f64,
    /// The calibrated patient before and after the clip of the base scenario (`null` without
    /// a `[clip]`): the pre, post and change of every metric, as `mitralsim run` writes them.
    pub clip_prediction: Option<ClipPrediction>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub file: String,
    pub name: String,
    pub scenario: String,
    /// `[set]` and `--set`, as `--set` arguments.
    pub fixed: Vec<String>,
    /// File beside fit.json with the calibrated scenario.
    pub calibrated_scenario: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub key: String,
    pub unit: Option<&'static str>,
    pub value: f64,
    pub sd: f64,
    /// "given" in the file, or "default" (5 % of the value).
    pub weight: &'static str,
    /// The base scenario's value, before fitting.
    pub base: f64,
    /// The calibrated scenario's value, as `mitralsim run calibrated.toml` gives it.
    pub achieved: f64,
    /// achieved − value.
    pub residual: f64,
    /// (achieved − value) / sd.
    pub weighted_residual: f64,
    /// 100·(achieved − value)/|value|.
    pub error_pct: f64,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParameterReport {
    pub key: String,
    pub unit: Option<&'static str>,
    /// "file" ([free]) or "default" (chosen from the targets).
    pub chosen_by: &'static str,
    /// The base scenario's value.
    pub base: f64,
    /// Where the kept start began.
    pub start: f64,
    pub lower: f64,
    pub upper: f64,
    pub fitted: f64,
    /// From the Jacobian at the fitted point, with the targets' sd as measurement errors;
    /// `null` when the targets do not determine the parameter at all.
    pub standard_error: Option<f64>,
    pub relative_standard_error_pct: Option<f64>,
    pub at_bound: Option<Side>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Correlations {
    pub keys: Vec<String>,
    pub matrix: Vec<Vec<Option<f64>>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Identifiability {
    /// σ_max/σ_min of the weighted Jacobian in scaled parameters; `null`: singular.
    pub condition_number: Option<f64>,
    pub singular_values: Vec<f64>,
    /// Parameters whose scaled standard error exceeds the threshold (docs/calibration.md).
    pub undetermined: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LimitReport {
    pub target: String,
    pub parameters_at_bound: Vec<BoundReport>,
    pub conflicting_targets: Vec<String>,
    pub no_free_parameter_moves_it: bool,
    /// The same in words.
    pub explanation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BoundReport {
    pub parameter: String,
    pub bound: Side,
}

#[derive(Debug, Clone, Serialize)]
pub struct StartReport {
    pub start: Vec<f64>,
    pub end: Vec<f64>,
    /// ½·Σ (weighted residual)² at the end.
    pub cost: f64,
    pub iterations: u32,
    pub model_runs: u64,
    pub termination: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClipPrediction {
    pub pre: Map<String, Value>,
    pub post: Map<String, Value>,
    pub change: Map<String, Value>,
}

/// Metrics shown for the predicted clip effect on stdout (those the metrics have).
const PREDICTION_KEYS: [&str; 12] = [
    "regurgitant_volume_ml",
    "forward_stroke_volume_ml",
    "net_forward_stroke_volume_ml",
    "cardiac_output_l_min",
    "lv_edv_ml",
    "lv_edp_mmhg",
    "lv_ejection_fraction_pct",
    "la_pressure_mean_mmhg",
    "la_v_wave_mmhg",
    "mitral_mean_gradient_mmhg",
    "aortic_pressure_systolic_mmhg",
    "systemic_vascular_resistance_dyn_s_cm5",
];

fn label(key: &str) -> String {
    match unit_of(key) {
        Some(u) => format!("{} ({u})", metric_name(key)),
        None => metric_name(key),
    }
}

/// A value with 4 significant digits at most, no trailing zeros (tables and the figure).
pub fn num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return short_number(v);
    }
    let digits = (3 - v.abs().log10().floor() as i32).max(0) as usize;
    short_number(format!("{v:.digits$}").parse().unwrap_or(v))
}

/// The stdout table.
pub fn write_table(r: &FitReport, out_dir: &str, mut out: impl Write) -> io::Result<()> {
    writeln!(
        out,
        "mitralsim {} — calibration {} (scenario {})",
        r.mitralsim_version, r.calibration.name, r.calibration.scenario
    )?;
    let met = r.targets.iter().filter(|t| t.met).count();
    writeln!(
        out,
        "{} parameters, {} targets; {} start(s), {} iterations, {} model runs, {:.1} s; \
         {met} of {} targets within {} %",
        r.parameters.len(),
        r.targets.len(),
        r.starts.len(),
        r.iterations,
        r.model_runs,
        r.wall_time_s,
        r.targets.len(),
        num(r.tolerance_pct)
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<44} {:>10} {:>9} {:>10} {:>10} {:>8}",
        "target", "value", "sd", "base", "achieved", "error"
    )?;
    for t in &r.targets {
        writeln!(
            out,
            "{:<44} {:>10} {:>9} {:>10} {:>10} {:>+7.2}% {}",
            label(&t.key),
            num(t.value),
            num(t.sd),
            num(t.base),
            num(t.achieved),
            t.error_pct,
            if t.met { "ok" } else { "NOT MET" }
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<44} {:>10} {:>10} {:>10} {:>10} {:>9}",
        "parameter", "lower", "upper", "base", "fitted", "± SE"
    )?;
    for p in &r.parameters {
        let key = match p.unit {
            Some(u) => format!("{} ({u})", p.key),
            None => p.key.clone(),
        };
        let se = p.standard_error.map_or("—".to_owned(), num);
        let note = match (p.at_bound, r.identifiability.undetermined.contains(&p.key)) {
            (Some(side), _) => format!("at its {} bound", side.as_str()),
            (None, true) => "undetermined".to_owned(),
            _ => String::new(),
        };
        writeln!(
            out,
            "{key:<44} {:>10} {:>10} {:>10} {:>10} {se:>9} {note}",
            num(p.lower),
            num(p.upper),
            num(p.base),
            num(p.fitted)
        )?;
    }
    let cond = r
        .identifiability
        .condition_number
        .map_or("infinite".to_owned(), num);
    writeln!(out, "condition number {cond}")?;
    for l in &r.limits {
        writeln!(out, "not met: {}", l.explanation)?;
    }
    if let Some(p) = &r.clip_prediction {
        writeln!(out)?;
        writeln!(
            out,
            "{:<44} {:>10} {:>10} {:>10} {:>9}",
            "predicted acute clip effect", "pre", "post", "change", "change %"
        )?;
        for key in PREDICTION_KEYS {
            let (Some(a), Some(b)) = (
                p.pre.get(key).and_then(Value::as_f64),
                p.post.get(key).and_then(Value::as_f64),
            ) else {
                continue;
            };
            let rel = p
                .change
                .get(&format!("{key}_rel_pct"))
                .and_then(Value::as_f64)
                .map_or(String::new(), |v| format!("{v:+.1}"));
            writeln!(
                out,
                "{:<44} {:>10} {:>10} {:>+10.2} {rel:>9}",
                label(key),
                num(a),
                num(b),
                b - a
            )?;
        }
    }
    writeln!(out, "\nOutputs in {out_dir}")
}

/// "lv_edv_ml: chambers.lv.ea is at its lower bound; conflicts with la_pressure_mean_mmhg".
pub fn explain(
    target: &str,
    at_bound: &[BoundReport],
    conflicting: &[String],
    unmoved: bool,
) -> String {
    let mut why = Vec::new();
    if unmoved {
        why.push("no free parameter moves it noticeably".to_owned());
    }
    for b in at_bound {
        why.push(format!(
            "{} is at its {} bound",
            b.parameter,
            b.bound.as_str()
        ));
    }
    if !conflicting.is_empty() {
        why.push(format!(
            "the free parameters cannot also meet {} (they pull the other way)",
            conflicting.join(", ")
        ));
    }
    if why.is_empty() {
        why.push("the fit stopped short (raise [options] max_evaluations or starts)".to_owned());
    }
    format!("{target}: {}", why.join("; "))
}

/// The header of calibrated.toml (TOML comments).
pub fn header(r: &FitReport) -> String {
    let mut h = String::new();
    h.push_str(&format!(
        "# Calibrated by mitralsim {} calibrate from {} (scenario {}).\n",
        r.mitralsim_version, r.calibration.file, r.calibration.scenario
    ));
    if !r.calibration.fixed.is_empty() {
        h.push_str(&format!("# Fixed: {}\n", r.calibration.fixed.join(", ")));
    }
    h.push_str("# Fitted:\n");
    for p in &r.parameters {
        h.push_str(&format!(
            "#   {} = {:?} (base {}, bounds [{}, {}]{})\n",
            p.key,
            p.fitted,
            num(p.base),
            num(p.lower),
            num(p.upper),
            p.at_bound
                .map_or(String::new(), |s| format!(", at its {} bound", s.as_str()))
        ));
    }
    h.push_str(&format!(
        "# Targets: {} of {} within {} % (fit.json beside this file). Every key below is explicit:\n\
         # `mitralsim run` of this file reproduces the achieved values exactly.\n",
        r.targets.iter().filter(|t| t.met).count(),
        r.targets.len(),
        num(r.tolerance_pct)
    ));
    h
}

/// What [`build`] reads.
pub struct Inputs<'a> {
    /// The calibration file as named on the command line.
    pub calibration_file: &'a Path,
    pub file: &'a CalibrationFile,
    pub base: &'a Base,
    pub problem: &'a Problem,
    pub result: &'a FitResult,
    pub statistics: &'a Statistics,
    pub limits: &'a [Limit],
    /// Target values of the calibrated run, and whether each is met.
    pub achieved: &'a [f64],
    pub met: &'a [bool],
    pub residuals: &'a [f64],
    /// The calibrated scenario, run as `mitralsim run` runs it.
    pub comparison: &'a Comparison,
    pub model_runs: u64,
}

/// The report of a finished fit (`wall_time_s` left 0 for the caller).
pub fn build(inp: &Inputs<'_>) -> FitReport {
    let best = inp.result.best();
    let x = &best.best.x;
    FitReport {
        mitralsim_version: MITRALSIM_VERSION,
        calibration: Source {
            file: inp.calibration_file.display().to_string(),
            name: inp.file.name.clone(),
            scenario: inp.base.scenario_label.clone(),
            fixed: inp.base.fixed_sets.clone(),
            calibrated_scenario: super::CALIBRATED_FILE,
        },
        status: if inp.met.iter().all(|m| *m) {
            "met"
        } else {
            "not_met"
        },
        tolerance_pct: inp.file.options.tolerance_pct,
        targets: inp
            .problem
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| TargetReport {
                key: t.key.clone(),
                unit: crate::plot::quantity::unit_of(&t.key),
                value: t.value,
                sd: t.sd,
                weight: if t.sd_given { "given" } else { "default" },
                base: inp.problem.read_targets(&inp.base.metrics)[i],
                achieved: inp.achieved[i],
                residual: inp.achieved[i] - t.value,
                weighted_residual: inp.residuals[i],
                error_pct: error_pct(t, inp.achieved[i]),
                met: inp.met[i],
            })
            .collect(),
        parameters: inp
            .problem
            .parameters
            .iter()
            .enumerate()
            .map(|(k, p)| ParameterReport {
                key: p.key.clone(),
                unit: crate::plot::quantity::unit_of(&p.key),
                chosen_by: match p.origin {
                    problem::Origin::File(_) => "file",
                    problem::Origin::Default => "default",
                },
                base: p.base,
                start: best.start_x[k],
                lower: p.bounds.lower,
                upper: p.bounds.upper,
                fitted: x[k],
                standard_error: inp.statistics.standard_errors[k],
                relative_standard_error_pct: inp.statistics.standard_errors[k]
                    .map(|se| 100.0 * se / x[k].abs().max(f64::MIN_POSITIVE)),
                at_bound: p.bounds.at_bound(x[k]),
            })
            .collect(),
        correlations: Correlations {
            keys: inp
                .problem
                .parameters
                .iter()
                .map(|p| p.key.clone())
                .collect(),
            matrix: inp.statistics.correlations.clone(),
        },
        identifiability: Identifiability {
            condition_number: inp.statistics.condition_number,
            singular_values: inp.statistics.singular_values.clone(),
            undetermined: inp
                .statistics
                .undetermined
                .iter()
                .map(|&k| inp.problem.parameters[k].key.clone())
                .collect(),
        },
        limits: inp
            .limits
            .iter()
            .map(|l| {
                let target = inp.problem.targets[l.target].key.clone();
                let at_bound: Vec<BoundReport> = l
                    .at_bound
                    .iter()
                    .map(|(k, side)| BoundReport {
                        parameter: inp.problem.parameters[*k].key.clone(),
                        bound: *side,
                    })
                    .collect();
                let conflicting: Vec<String> = l
                    .conflicting
                    .iter()
                    .map(|&o| inp.problem.targets[o].key.clone())
                    .collect();
                LimitReport {
                    explanation: explain(&target, &at_bound, &conflicting, l.unmoved),
                    target,
                    parameters_at_bound: at_bound,
                    conflicting_targets: conflicting,
                    no_free_parameter_moves_it: l.unmoved,
                }
            })
            .collect(),
        starts: inp
            .result
            .starts
            .iter()
            .map(|s| StartReport {
                start: s.start_x.clone(),
                end: s.best.x.clone(),
                cost: s.best.cost,
                iterations: s.iterations,
                model_runs: s.model_runs,
                termination: s.termination.clone(),
            })
            .collect(),
        best_start: inp.result.best,
        iterations: inp.result.iterations(),
        model_runs: inp.model_runs,
        wall_time_s: 0.0,
        clip_prediction: inp.comparison.post.as_ref().map(|post| ClipPrediction {
            pre: problem::metric_map(&inp.comparison.pre.metrics),
            post: problem::metric_map(&post.sim.metrics),
            change: metrics_json::change(&inp.comparison.pre.metrics, &post.sim.metrics),
        }),
    }
}
